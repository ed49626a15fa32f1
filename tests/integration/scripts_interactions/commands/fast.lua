return {
  name = "fast",
  description = "Answers at once",
  handler = function(ctx)
    ctx:reply({ content = "hello " .. ctx.user.username .. " @everyone" })
  end,
}
