return {
  actions = {
    start = function(ctx, server)
      ctx:update({ content = "starting " .. server .. " for " .. ctx.user.id, components = {} })
    end,
  },
}
