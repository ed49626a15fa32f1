-- Antworten auf die alten "!"-Befehle (ENABLE_LEGACY_COMMANDS=1)
return {
  replaced = "`{typed}` ist jetzt ein Slash-Befehl: **{slash}**",
  gone = "`{typed}` gibt es nicht mehr.",
  admin_note = "Öffne es in #{control}: das Admin-Panel registriert und entfernt Orchestratoren, importiert "
    .. "Server und aktualisiert Pläne.",
  start_timer = "Für den automatischen Stopp zusätzlich **{stop}**.",
  clear = "peon-bot löscht keine Kanalnachrichten mehr; das erledigen Discords eigene Nachrichtenwerkzeuge.",
  tip = "-# Tippe `/`, um alle Befehle mit Autovervollständigung zu sehen, oder `/hilfe` für einen Überblick.",
}
