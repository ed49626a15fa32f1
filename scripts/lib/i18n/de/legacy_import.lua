-- Der einmalige Import der Orchestrator-Liste des Python-Bots.
return {
  title = "Orchestratoren aus dem Python-Bot übernommen",
  text = "{count} Orchestrator(en) aus `{file}` übernommen.",
  names = "Übernommen: {names}",
  skipped = "Hier schon registriert, unverändert gelassen: {names}",
  invalid = "{count} Einträge hatten keinen brauchbaren Namen, keine URL oder keinen Schlüssel und wurden "
    .. "übersprungen.",
  next = "`/list orchestrators` zeigt, ob jeder antwortet; die API-Schlüssel blieben, wie sie waren.",
}
