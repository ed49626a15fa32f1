-- /ping: the smallest possible command; proves the script layer is loaded and answering.
return {
  name = "ping",
  description = "Check that peon-bot is alive",
  handler = function(ctx)
    ctx:reply({ content = "Pong!", ephemeral = true })
  end,
}
