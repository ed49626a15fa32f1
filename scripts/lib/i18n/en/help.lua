-- /help
return {
  cmd_name = "help",
  cmd_description = "What peon-bot's commands do, with tips",
  title = "🤖 peon-bot help",
  intro = "peon-bot starts, stops and looks after your game servers on PEON orchestrators.",
  servers = "Game servers",
  servers_text = "`/server action:start|stop|restart|info|update|backup [server] [timer] [mode]`: act on one "
    .. "server. `timer` delays a stop: `30m`, `2h`, `1d`, `22:30` or `2024-12-25.14:00`.\n"
    .. "`/create game_type server_name [description] [orchestrator]`: make a new server; a form asks for the "
    .. "game's settings.",
  overview = "Overview",
  overview_text = "`/list type:servers|orchestrators|plans`: every server, orchestrator or game.\n"
    .. "`/peon`: the panel with buttons for this channel's server.\n"
    .. "`/about`: versions, orchestrators and supported games.",
  admin = "Administration (Manage Server)",
  admin_text = "`/peon` in #{control}: the admin panel (register orchestrators, import servers, update plans).\n"
    .. "`/debug action:test_connectivity|list_plans`: check every orchestrator and the bot's connection.\n"
    .. "`/reload`: load the bot's scripts again.",
  automation = "Automation and control (Manage Server)",
  automation_text = "`/schedule add|list|remove|skip|pause|resume|timezone`: plan starts, stops, restarts, updates "
    .. "and backups: once (`22:30`, `2h`), `daily 04:00`, `weekdays 23:30`, `mon,thu 18:00`, `every 6h` or cron, "
    .. "with warnings before.\n"
    .. "`/board create`: a live status message of every server. `/notify add`: state changes to a channel or "
    .. "webhook.\n"
    .. "`/permissions grant|revoke|list`: which roles may operate or manage servers. `/audit`: who did what.",
  tips = "Tips",
  tips_text = "• In a channel named `game-servername` (e.g. #valheim-bob) the server is picked for you: just "
    .. "`/server action:start`.\n"
    .. "• Server names, games and orchestrators autocomplete: start typing and choose.\n"
    .. "• The old `!` commands are gone; slash commands replace them.",
  footer = "Only you can see this message.",
}
