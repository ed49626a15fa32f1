-- /audit.
return {
  cmd_name = "audit",
  description = "Show the latest actions taken through the bot",
  opt_server = "Only this server (game.name)", opt_user = "Only this member",
  title = "Latest actions",
  line = "{when} {icon} {who} **{action}** {server}{detail}",
  empty = "Nothing recorded yet.",
}
