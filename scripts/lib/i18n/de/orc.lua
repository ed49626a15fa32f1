-- Orchestrator-Probleme, so wie Nutzer sie lesen: welcher Orchestrator, was er sagte, was zu tun ist.
return {
  unreachable = "Orchestrator **{orc}** ist nicht erreichbar ({detail}). Prüfe, ob er läuft und ob der Bot "
    .. "seine URL erreicht; `/debug test_connectivity` prüft alle Orchestratoren.",
  timeout = "Orchestrator **{orc}** hat nicht rechtzeitig geantwortet ({detail}). Vielleicht arbeitet er noch "
    .. "daran (Updates und Image-Downloads dauern Minuten): prüfe es gleich mit `/server action:info`.",
  auth = "Orchestrator **{orc}** hat den API-Schlüssel des Bots abgelehnt (HTTP {status}). Ein Administrator "
    .. "kann ihn mit dem aktuellen API_KEY des Orchestrators neu registrieren.",
  http = "Orchestrator **{orc}** antwortete mit HTTP {status}: {detail}",
  malformed = "Orchestrator **{orc}** schickte eine Antwort, die der Bot nicht lesen kann ({detail}). Ist diese "
    .. "URL wirklich ein PEON-Orchestrator (API v1)?",
  failed = "Orchestrator **{orc}** meldet einen Fehler: {detail}",
  unknown = "Es ist kein Orchestrator namens **{orc}** registriert.",
  exists = "Ein Orchestrator namens **{orc}** ist bereits registriert. Entferne ihn zuerst oder wähle einen "
    .. "anderen Namen.",
  invalid_name = "Der Name muss 2-32 Buchstaben, Ziffern, '.', '_' oder '-' haben und mit einem Buchstaben oder "
    .. "einer Ziffer beginnen.",
  invalid_url = "Die URL muss wie `http://host:5000` aussehen (http oder https, ohne Leerzeichen).",
  invalid_key = "Der API-Schlüssel darf nicht leer sein und keine Leerzeichen enthalten.",
  store = "Der Bot konnte das nicht speichern ({detail}); nichts wurde geändert.",
  no_detail = "keine Angaben",
  none_registered = "Es ist noch kein Orchestrator registriert. Ein Administrator kann einen mit `/peon` im "
    .. "Steuerkanal hinzufügen (Orchestrator registrieren) oder PEON_ORCHESTRATOR_URL und LOCAL_API_KEY setzen.",
}
