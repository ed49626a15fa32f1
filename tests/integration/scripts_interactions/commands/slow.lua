return {
  name = "slow",
  description = "Takes longer than Discord's 3 seconds",
  ephemeral = true,
  handler = function(ctx)
    sleep(ctx.options.seconds or 3.2)
    ctx:reply({ content = "finally", ephemeral = true })
    ctx:reply("and a followup")
  end,
  options = { { name = "seconds", type = "number", description = "how long" } },
}
