-- /server, the server view and action results.
return {
  description = "Start, stop, restart, update, back up or look at a game server",
  opt_action = "What to do",
  opt_server = "The server (game.name); in a game channel it is found from the channel name",
  opt_timer = "For stop: when (15m, 2h, 22:30, 2025-12-24.18:00); for start: when to stop again",
  opt_mode = "For update: what to update (default: game server files)",
  action_start = "start", action_stop = "stop", action_restart = "restart", action_info = "info",
  action_update = "update", action_backup = "backup",
  mode_server = "server: game server files (safest)", mode_image = "image: the container image",
  mode_full = "full: game files and image", mode_reinit = "reinit: reinstall (keeps saves, deletes the rest)",

  not_allowed = "You may not {action} servers here.\nThat needs the '{capability}' capability: a server "
    .. "administrator (Manage Server) can do it, or grant it to one of your roles with /permissions grant.",
  timer_only_stop = "A timer only goes with stop (when to stop) or start (when to stop again).",
  mode_only_update = "A mode only goes with update.",
  bad_timer = "\"{text}\" is not a time the bot understands, so nothing was done.",
  timer_tomorrow = "That time has already passed today, so it means tomorrow.",
  timer_passed = "That stop time has passed in the meantime; run the command again.",
  which = "Which server?\nGive the server option (e.g. `valheim.bob`), or use the command in the server's "
    .. "channel (named game-servername, e.g. #valheim-bob).",
  ambiguous = "Several orchestrators have a server {uid}.\nPick one: {choices}",
  no_orchestrator = "No orchestrator is registered.",
  unchecked = "Not checked: {why}",
  resolve_format = "\"{ref}\" is not a server name.\nServers are named game.name, e.g. `valheim.bob`.",
  resolve_unknown = "No orchestrator has a server \"{ref}\".\n`/list servers` shows every server; names are "
    .. "game.name, e.g. `valheim.bob`.",

  confirm_stop_title = "Stop {uid} now?",
  confirm_stop_text = "The server on orchestrator **{orc}** stops at once; players on it are disconnected.",
  confirm_stop_later_title = "Stop {uid} at {when}?",
  confirm_stop_later_text = "Orchestrator **{orc}** will stop the server at **{when}** (this replaces a stop "
    .. "that was already planned).",
  confirm_reinit_title = "Reinstall {uid}?",
  confirm_reinit_text = "A reinit on orchestrator **{orc}** deletes the server's installed files and installs "
    .. "them again; saves and configuration stay. The server is down meanwhile (often 5-15 minutes).",
  button_confirm_stop = "Stop now", button_confirm_stop_later = "Plan the stop",
  button_confirm_reinit = "Reinstall", button_cancel = "Cancel",
  cancelled = "Cancelled: nothing was done to {uid}.",

  verb_start = "Start", verb_stop = "Stop", verb_restart = "Restart", verb_update = "Update",
  verb_description = "Description change", verb_delete = "Deletion", verb_info = "Info", verb_backup = "Backup",
  failed = "{verb} of {uid} failed",
  field_requested = "Requested",
  field_state = "State", field_game = "Game", field_orchestrator = "Orchestrator", field_build = "Build",
  field_stop_at = "Stops at",
  byline = "by {user} on orchestrator **{orc}**",
  state_now = "State now: {state}",
  stop_scheduled = "Planned stop: **{when}**",
  orchestrator_said = "The orchestrator says: {text}",
  update_mode = "Mode: **{mode}**. The game may take a few minutes to come back.",
  backup_title = "Backup of {uid}",
  backup_attached = "Archive {file} ({size}) attached. It holds the configuration and user files; the game "
    .. "installation itself is not included.",
  backup_too_large = "The archive {file} is {size}: too large for Discord (limit here {limit}). It stays on the "
    .. "orchestrator, in its backup folder.",
  done_start = "{uid} is starting",
  done_start_until = "{uid} is starting and will stop at {when}",
  done_stop = "{uid} stopped",
  done_stop_later = "{uid} will stop at {when}",
  done_restart = "{uid} is restarting",
  done_update = "{uid} is updating",
  done_description = "Description of {uid} updated",
  done_delete = "{uid} deleted",
}
