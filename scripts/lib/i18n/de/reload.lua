-- /reload.
return {
  description = "Die Skripte von peon-bot neu laden (nur Server-Admins)",
  failed = "Neu laden fehlgeschlagen: die bisherigen Skripte bleiben aktiv",
  done = "Skripte neu geladen",
  summary = "{count} Befehle in {ms} ms geladen.",
  added = "Neu", removed = "Entfernt", changed = "Geändert", none = "keine",
  discord = "Discord",
}
