-- /peon: the command, the panels' headers and the peon's lines.
return {
  description = "Post the control panel for this channel (a game server's, or the admin panel)",
  opt_channel_type = "Which panel; by default the one that fits this channel",
  choice_admin = "admin", choice_server = "server",

  -- Said by the peon at the top of every panel (one at random). Our own lines.
  quote_1 = "Boots on, pick in hand. Point me at a server.",
  quote_2 = "Another day, another warcamp to mind.",
  quote_3 = "I dig, I haul, I press buttons. Mostly buttons.",
  quote_4 = "Tell me what to build, chief. I grumble first, then I build it.",
  quote_5 = "Servers up, servers down. A peon's shift never ends.",
  quote_6 = "Careful with the red buttons. I'm the one who sweeps up after.",
  quote_7 = "Hammer oiled, lunch packed. Ready when you are.",
  quote_8 = "If it breaks, I fix it. If it burns, I fetch the bucket.",
  quote_9 = "No nap for the peon today. Give me a job.",
  quote_10 = "This camp won't run itself. Well... not without me.",
  quote_11 = "One more order? Sure. Why not. *sigh*",
  quote_12 = "Counted the servers twice. Same number both times. Good sign.",

  server_title = "🎮 {uid}",
  admin_title = "🛠️ PEON control",
  admin_mode = "Admin panel",
  admin_orchestrators = "{count} orchestrator(s) registered.",
  admin_footer = "Every button checks that the person pressing it is an administrator.",

  admin_only = "The admin panel is for administrators.\nIt needs Administrator or Manage Server. "
    .. "`/server` and `/list servers` work for everyone.",
  not_here = "There is no panel for this channel.\nThe admin panel lives in #{control}; a game server's panel "
    .. "in its channel, named game-servername (e.g. #valheim-bob). Anywhere, `/server` runs one action.",
  not_game_channel = "This is not a game server's channel.\nGame channels are named game-servername "
    .. "(e.g. #valheim-bob for the server valheim.bob).",
  unknown_server = "No orchestrator has a server \"{ref}\" (from this channel's name).\n`/list servers` shows "
    .. "every server; the channel of valheim.bob is named #valheim-bob.",
  ambiguous_server = "Several orchestrators have a server {uid}: {choices}.\nUse `/server` with one of them.",
  no_orchestrator = "No orchestrator is registered yet.\nAn administrator can register one with `/peon` in "
    .. "#{control} (Register orchestrator).",
  bad_name = "The server \"{ref}\" has too long a name for panel buttons.\nUse `/server` for it.",
}
