-- The admin panel: orchestrator registry, health, import, plans, system info.
return {
  button_register = "Register orchestrator", button_remove = "Remove orchestrator",
  button_list = "Orchestrators & health", button_import = "Import servers", button_plans = "Update plans",
  button_create = "Create server", button_system = "System info",

  not_admin = "Only administrators can use the admin panel.\nIt needs Administrator or Manage Server.",

  register_title = "Register an orchestrator",
  register_name = "Name (e.g. north)", register_url = "URL", register_key = "API key",
  register_url_placeholder = "http://peon.orc:5000",
  registered_title = "✅ Orchestrator {orc} registered",
  registered_text = "**{orc}** at `{url}` answered with version **{version}**. Its servers show up in "
    .. "`/list servers` and the panels within a minute.",
  register_failed_title = "❌ {orc} was not registered",
  nothing_saved = "Nothing was saved.",

  remove_none = "No orchestrator is registered, so there is nothing to remove.",
  remove_pick_title = "Remove which orchestrator?",
  remove_pick_text = "Its servers keep running; the bot just stops managing them.",
  remove_placeholder = "Orchestrator…",
  remove_more = "Only the first 25 are listed here.",
  from_env = "from PEON_ORCHESTRATOR_URL",
  remove_env = "**{orc}** comes from the bot's environment and cannot be removed here.\n"
    .. "PEON_ORCHESTRATOR_URL (with LOCAL_API_KEY) registers it again on every start. Remove those settings "
    .. "and restart the bot to drop it.",
  remove_gone = "**{orc}** is not registered (any more).",
  confirm_remove_title = "Remove orchestrator {orc}?",
  confirm_remove_text = "The bot forgets **{orc}** and its API key. Its servers keep running but no longer "
    .. "appear in lists or panels until it is registered again.",
  button_remove_confirm = "Remove", button_cancel = "Cancel",
  unconfirmed = "That button is not a confirmation; choose the orchestrator under Remove orchestrator again.",
  removed = "✅ Orchestrator {orc} removed.",
  cancelled = "Cancelled: the registry is unchanged.",

  list_title = "📋 Orchestrators",
  list_none = "No orchestrator is registered. Use Register orchestrator.",
  health_ok = "🟢 **{orc}** — version {version}, {ms} ms — `{url}`{source}",
  health_bad = "🔴 **{orc}** — `{url}`{source}\n{why}",
  source_env = " (environment)",
  list_summary = "{ok}/{total} online.",

  import_title = "📦 Import servers",
  import_ok = "✅ **{orc}**: {count} server(s) now known",
  import_bad = "❌ {why}",
  import_summary = "{ok}/{total} orchestrators imported. Import creates missing containers; it starts nothing.",

  plans_title = "🔄 Update plans",
  plans_new = "✅ **{orc}**: {count} new game(s): {names}",
  plans_more = " and {count} more",
  plans_current = "✅ **{orc}**: up to date",
  plans_bad = "❌ {why}",
  plans_summary = "{count} new game(s) in all.",

  create_title = "🏗️ Create a server",
  create_text = "Use `/create game_type server_name`: game types autocomplete from the orchestrators' plans, "
    .. "and the settings a game needs are asked for in a form.",
  create_games = "Some games on offer: {names}",

  system_title = "ℹ️ System",
  field_version = "Bot version", field_online = "Orchestrators online", field_servers = "Servers known",
  field_started = "Running since",
  field_loaded = "Scripts loaded",
  online = "{ok}/{total}", servers = "{total} ({running} running)",
}
