-- /server, die Server-Ansicht und Ergebnisse von Aktionen.
return {
  description = "Einen Spielserver starten, stoppen, neu starten, aktualisieren, sichern oder ansehen",
  opt_action = "Was getan werden soll",
  opt_server = "Der Server (spiel.name); in einem Spielkanal wird er aus dem Kanalnamen erkannt",
  opt_timer = "Für stop: wann (15m, 2h, 22:30, 2025-12-24.18:00); für start: wann wieder stoppen",
  opt_mode = "Für update: was aktualisiert wird (Standard: Spielserver-Dateien)",
  action_start = "starten", action_stop = "stoppen", action_restart = "neu starten", action_info = "info",
  action_update = "aktualisieren", action_backup = "sichern",
  mode_server = "server: Spielserver-Dateien (am sichersten)", mode_image = "image: das Container-Image",
  mode_full = "full: Spieldateien und Image", mode_reinit = "reinit: neu installieren (Spielstände bleiben)",

  not_allowed = "Du darfst hier keine Server {action}.\nDafür braucht es die Fähigkeit '{capability}': ein "
    .. "Server-Administrator (Server verwalten) kann es tun oder sie einer deiner Rollen mit /rechte grant geben.",
  timer_only_stop = "Ein Zeitpunkt passt nur zu stop (wann stoppen) oder start (wann wieder stoppen).",
  mode_only_update = "Ein Modus passt nur zu update.",
  bad_timer = "\"{text}\" ist keine Zeitangabe, die der Bot versteht; es wurde nichts getan.",
  timer_tomorrow = "Diese Uhrzeit ist heute schon vorbei, also ist morgen gemeint.",
  timer_passed = "Diese Stoppzeit ist inzwischen vorbei; führe den Befehl noch einmal aus.",
  which = "Welcher Server?\nGib die Option server an (z. B. `valheim.bob`) oder nutze den Befehl im Kanal des "
    .. "Servers (benannt spiel-servername, z. B. #valheim-bob).",
  ambiguous = "Mehrere Orchestratoren haben einen Server {uid}.\nWähle einen: {choices}",
  no_orchestrator = "Es ist kein Orchestrator registriert.",
  unchecked = "Nicht geprüft: {why}",
  resolve_format = "\"{ref}\" ist kein Servername.\nServer heißen spiel.name, z. B. `valheim.bob`.",
  resolve_unknown = "Kein Orchestrator hat einen Server \"{ref}\".\n`/list servers` zeigt alle Server; Namen "
    .. "sind spiel.name, z. B. `valheim.bob`.",

  confirm_stop_title = "{uid} jetzt stoppen?",
  confirm_stop_text = "Der Server auf Orchestrator **{orc}** stoppt sofort; Spieler darauf werden getrennt.",
  confirm_stop_later_title = "{uid} um {when} stoppen?",
  confirm_stop_later_text = "Orchestrator **{orc}** stoppt den Server um **{when}** (das ersetzt einen schon "
    .. "geplanten Stopp).",
  confirm_reinit_title = "{uid} neu installieren?",
  confirm_reinit_text = "Ein Reinit auf Orchestrator **{orc}** löscht die installierten Dateien des Servers und "
    .. "installiert sie neu; Spielstände und Einstellungen bleiben. Der Server ist so lange aus (oft 5-15 "
    .. "Minuten).",
  button_confirm_stop = "Jetzt stoppen", button_confirm_stop_later = "Stopp planen",
  button_confirm_reinit = "Neu installieren", button_cancel = "Abbrechen",
  cancelled = "Abgebrochen: mit {uid} ist nichts passiert.",

  verb_start = "Start", verb_stop = "Stopp", verb_restart = "Neustart", verb_update = "Update",
  verb_description = "Änderung der Beschreibung", verb_delete = "Löschen", verb_info = "Info",
  verb_backup = "Sicherung",
  failed = "{verb} von {uid} fehlgeschlagen",
  field_requested = "Angefordert",
  field_state = "Zustand", field_game = "Spiel", field_orchestrator = "Orchestrator", field_build = "Build",
  field_stop_at = "Stoppt um",
  byline = "von {user} auf Orchestrator **{orc}**",
  state_now = "Zustand jetzt: {state}",
  stop_scheduled = "Geplanter Stopp: **{when}**",
  orchestrator_said = "Der Orchestrator meldet: {text}",
  update_mode = "Modus: **{mode}**. Das Spiel braucht eventuell ein paar Minuten, bis es wieder da ist.",
  backup_title = "Sicherung von {uid}",
  backup_attached = "Archiv {file} ({size}) angehängt. Es enthält Einstellungen und Benutzerdateien; die "
    .. "Spielinstallation selbst ist nicht dabei.",
  backup_too_large = "Das Archiv {file} ist {size} groß: zu groß für Discord (Grenze hier {limit}). Es bleibt auf "
    .. "dem Orchestrator in dessen Sicherungsordner.",
  done_start = "{uid} startet",
  done_start_until = "{uid} startet und stoppt um {when}",
  done_stop = "{uid} gestoppt",
  done_stop_later = "{uid} stoppt um {when}",
  done_restart = "{uid} startet neu",
  done_update = "{uid} wird aktualisiert",
  done_description = "Beschreibung von {uid} geändert",
  done_delete = "{uid} gelöscht",
}
