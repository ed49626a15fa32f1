return {
  name = "boom",
  description = "Fails",
  handler = function(ctx)
    local settings = nil
    return settings.value .. ctx.id
  end,
}
