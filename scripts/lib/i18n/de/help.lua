-- /help
return {
  cmd_name = "hilfe",
  cmd_description = "Was die Befehle von peon-bot tun, mit Tipps",
  title = "🤖 peon-bot Hilfe",
  intro = "peon-bot startet, stoppt und betreut eure Spielserver auf PEON-Orchestratoren.",
  servers = "Spielserver",
  servers_text = "`/server action:start|stop|restart|info|update|backup [server] [timer] [mode]`: wirkt auf "
    .. "einen Server. `timer` verzögert einen Stopp: `30m`, `2h`, `1d`, `22:30` oder `2024-12-25.14:00`.\n"
    .. "`/erstellen game_type server_name [description] [orchestrator]`: legt einen neuen Server an; ein "
    .. "Formular fragt nach den Einstellungen des Spiels.",
  overview = "Überblick",
  overview_text = "`/liste type:server|orchestratoren|pläne`: alle Server, Orchestratoren oder Spiele.\n"
    .. "`/peon`: das Panel mit Knöpfen für den Server dieses Kanals.\n"
    .. "`/über`: Versionen, Orchestratoren und unterstützte Spiele.",
  admin = "Verwaltung (Server verwalten)",
  admin_text = "`/peon` in #{control}: das Admin-Panel (Orchestratoren registrieren, Server importieren, Pläne "
    .. "aktualisieren).\n"
    .. "`/debug action:test_connectivity|list_plans`: prüft jeden Orchestrator und die Verbindung des Bots.\n"
    .. "`/reload`: lädt die Skripte des Bots neu.",
  automation = "Automatisierung und Kontrolle (Server verwalten)",
  automation_text = "`/zeitplan add|list|remove|skip|pause|resume|timezone`: Starts, Stopps, Neustarts, Updates "
    .. "und Sicherungen planen: einmal (`22:30`, `2h`), `daily 04:00`, `weekdays 23:30`, `mo,do 18:00`, "
    .. "`every 6h` oder Cron, mit Warnungen vorher.\n"
    .. "`/statustafel create`: eine laufend aktualisierte Statusnachricht aller Server. "
    .. "`/meldungen add`: Zustandswechsel in "
    .. "einen Kanal oder Webhook.\n"
    .. "`/rechte grant|revoke|list`: welche Rollen Server bedienen oder verwalten dürfen. `/protokoll`: wer was "
    .. "getan hat.",
  tips = "Tipps",
  tips_text = "• In einem Kanal namens `spiel-servername` (z. B. #valheim-bob) wird der Server automatisch "
    .. "gewählt: einfach `/server action:start`.\n"
    .. "• Servernamen, Spiele und Orchestratoren werden vervollständigt: tippen und auswählen.\n"
    .. "• Die alten `!`-Befehle gibt es nicht mehr; Slash-Befehle ersetzen sie.",
  footer = "Nur du siehst diese Nachricht.",
}
