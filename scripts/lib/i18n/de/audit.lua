-- /audit.
return {
  cmd_name = "protokoll",
  description = "Die letzten Aktionen über den Bot anzeigen",
  opt_server = "Nur dieser Server (spiel.name)", opt_user = "Nur dieses Mitglied",
  title = "Letzte Aktionen",
  line = "{when} {icon} {who} **{action}** {server}{detail}",
  empty = "Noch nichts aufgezeichnet.",
}
