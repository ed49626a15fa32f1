-- Das Admin-Panel: Orchestrator-Register, Zustand, Import, Spielpläne, Systeminfo.
return {
  button_register = "Orchestrator registrieren", button_remove = "Orchestrator entfernen",
  button_list = "Orchestratoren & Zustand", button_import = "Server importieren",
  button_plans = "Spielpläne aktualisieren", button_create = "Server anlegen", button_system = "Systeminfo",

  not_admin = "Nur Administratoren können das Admin-Panel benutzen.\nEs braucht Administrator oder Server "
    .. "verwalten.",

  register_title = "Orchestrator registrieren",
  register_name = "Name (z. B. nord)", register_url = "URL", register_key = "API-Schlüssel",
  register_url_placeholder = "http://peon.orc:5000",
  registered_title = "✅ Orchestrator {orc} registriert",
  registered_text = "**{orc}** unter `{url}` hat mit Version **{version}** geantwortet. Seine Server erscheinen "
    .. "innerhalb einer Minute in `/list servers` und den Panels.",
  register_failed_title = "❌ {orc} wurde nicht registriert",
  nothing_saved = "Es wurde nichts gespeichert.",

  remove_none = "Es ist kein Orchestrator registriert, also gibt es nichts zu entfernen.",
  remove_pick_title = "Welchen Orchestrator entfernen?",
  remove_pick_text = "Seine Server laufen weiter; der Bot verwaltet sie nur nicht mehr.",
  remove_placeholder = "Orchestrator…",
  remove_more = "Hier stehen nur die ersten 25.",
  from_env = "aus PEON_ORCHESTRATOR_URL",
  remove_env = "**{orc}** kommt aus der Umgebung des Bots und kann hier nicht entfernt werden.\n"
    .. "PEON_ORCHESTRATOR_URL (mit LOCAL_API_KEY) registriert ihn bei jedem Start neu. Entferne diese "
    .. "Einstellungen und starte den Bot neu, um ihn loszuwerden.",
  remove_gone = "**{orc}** ist nicht (mehr) registriert.",
  confirm_remove_title = "Orchestrator {orc} entfernen?",
  confirm_remove_text = "Der Bot vergisst **{orc}** und seinen API-Schlüssel. Seine Server laufen weiter, "
    .. "erscheinen aber nicht mehr in Listen und Panels, bis er wieder registriert wird.",
  button_remove_confirm = "Entfernen", button_cancel = "Abbrechen",
  unconfirmed = "Dieser Knopf ist keine Bestätigung; wähle den Orchestrator unter „Orchestrator entfernen“ neu.",
  removed = "✅ Orchestrator {orc} entfernt.",
  cancelled = "Abgebrochen: das Register ist unverändert.",

  list_title = "📋 Orchestratoren",
  list_none = "Es ist kein Orchestrator registriert. Nimm „Orchestrator registrieren“.",
  health_ok = "🟢 **{orc}** — Version {version}, {ms} ms — `{url}`{source}",
  health_bad = "🔴 **{orc}** — `{url}`{source}\n{why}",
  source_env = " (Umgebung)",
  list_summary = "{ok}/{total} erreichbar.",

  import_title = "📦 Server importieren",
  import_ok = "✅ **{orc}**: {count} Server jetzt bekannt",
  import_bad = "❌ {why}",
  import_summary = "{ok}/{total} Orchestratoren importiert. Der Import legt fehlende Container an; er startet "
    .. "nichts.",

  plans_title = "🔄 Spielpläne aktualisieren",
  plans_new = "✅ **{orc}**: {count} neue(s) Spiel(e): {names}",
  plans_more = " und {count} weitere",
  plans_current = "✅ **{orc}**: aktuell",
  plans_bad = "❌ {why}",
  plans_summary = "Insgesamt {count} neue(s) Spiel(e).",

  create_title = "🏗️ Server anlegen",
  create_text = "Nimm `/create game_type server_name`: die Spielarten werden aus den Spielplänen der "
    .. "Orchestratoren vorgeschlagen, und was ein Spiel an Einstellungen braucht, fragt ein Formular ab.",
  create_games = "Einige verfügbare Spiele: {names}",

  system_title = "ℹ️ System",
  field_version = "Bot-Version", field_online = "Orchestratoren erreichbar", field_servers = "Bekannte Server",
  field_started = "Läuft seit",
  field_loaded = "Skripte geladen",
  online = "{ok}/{total}", servers = "{total} ({running} laufen)",
}
