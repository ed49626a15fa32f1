-- The server panel: its buttons, modals, selects and confirmations (results come from the server domain).
return {
  button_start = "Start", button_restart = "Restart", button_stop = "Stop", button_info = "Info",
  button_update = "Update", button_backup = "Backup", button_describe = "Edit description",
  button_delete = "Delete",
  field_orchestrator = "Orchestrator", field_game = "Game", field_description = "Description",
  footer = "The buttons work for as long as this message exists; each one checks who presses it.",

  act_start = "start", act_restart = "restart", act_stop = "stop", act_info = "look at",
  act_update = "update", act_backup = "back up", act_description = "describe", act_delete = "delete",
  not_allowed = "You may not {action} servers here.\nThat needs the '{capability}' capability; a server "
    .. "administrator (Manage Server) can do it or grant it.",

  resolve_format = "This panel names \"{ref}\", which is not a server.\nPost a new panel with `/peon`.",
  resolve_none = "No orchestrator is registered any more.\nAn administrator can register one in the admin panel.",
  resolve_unknown = "Orchestrator **{orc}** no longer has a server {uid}.\nIt may have been deleted or moved; "
    .. "`/list servers` shows where every server is now.",
  resolve_ambiguous = "Several orchestrators have a server {uid}.\nUse `/server` with uid@orchestrator.",

  stop_modal_title = "🛑 Stop {uid}",
  stop_modal_label = "When (empty = now)",
  stop_modal_placeholder = "15m, 2h, 22:30 or 2025-12-24.18:00; leave empty to stop now",
  bad_timer = "\"{text}\" is not a time the bot understands, so nothing was done.",
  timer_formats = "Accepted: 15m, 2h, 1d, 1h30m, a number of minutes (15), a clock time 22:30 or 22h30 (the "
    .. "next one, {zone}), a date and time 2025-12-24.18:00 or 2025/12/24.18h00. Empty stops at once.",
  field_detail = "Detail",
  timer_tomorrow = "That time has already passed today, so it means tomorrow.",
  confirm_stop_title = "Stop {uid} now?",
  confirm_stop_text = "The server on orchestrator **{orc}** stops at once; players on it are disconnected.",
  confirm_stop_later_title = "Stop {uid} at {when}?",
  confirm_stop_later_text = "Orchestrator **{orc}** will stop the server at **{when}** (this replaces a stop "
    .. "that was already planned).",
  button_stop_now = "Stop now", button_stop_later = "Plan the stop", button_cancel = "Cancel",

  update_title = "⬆️ Update {uid}",
  update_text = "Pick what to update on orchestrator **{orc}**. You confirm on the next step; the server is "
    .. "down while it updates.",
  update_placeholder = "What to update…",
  mode_server = "🎮 Game server files", mode_image = "📦 Container image", mode_full = "🔄 Files and image",
  mode_reinit = "🔥 Reinstall",
  risk_server = "Low risk: refreshes the game's own files only",
  risk_image = "Medium risk: pulls a newer PEON container image",
  risk_full = "High risk: game files and container image",
  risk_reinit = "Very high risk: deletes server files (saves kept), reinstalls",
  confirm_update_title = "{mode} for {uid}?",
  field_risk = "Risk",
  level_server = "🟢 Low", level_image = "🟡 Medium", level_full = "🟠 High", level_reinit = "🔴 Very high",
  confirm_update_text = "Orchestrator **{orc}** stops the server, updates it and starts it again. That often "
    .. "takes 5-15 minutes.",
  reinit_warning = "⚠️ A reinstall DELETES the server's installed files and installs them again. Saves and "
    .. "configuration are kept.",
  button_update_confirm = "Update",
  bad_mode = "That is not an update mode.",

  describe_modal_title = "📝 Description of {uid}",
  describe_label = "Description (at most 200 characters)",
  describe_empty = "An empty description changes nothing, so nothing was sent.",
  describe_too_long = "The description is {count} characters; at most 200 fit.",

  delete_title = "⚠️ Delete {uid}?",
  delete_text = "This removes the server from orchestrator **{orc}** and cannot be undone.",
  delete_container_field = "🗃️ Container only",
  delete_container_text = "Removes the container; the server's files (saves, configuration) stay on the "
    .. "orchestrator, and import brings it back.",
  delete_everything_field = "💥 Everything",
  delete_everything_text = "Removes the container and deletes all of the server's files, saves included.",
  button_delete_container = "Container only", button_delete_everything = "Everything",

  unconfirmed = "That button is not a confirmation.\nPress the button on the panel again to get one.",
  cancelled = "Cancelled: nothing was done to {uid}.",
}
