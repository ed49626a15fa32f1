-- Test script: /wipe target [ttl] asks for a confirmation bound to the invoker (ui.confirm); the danger
-- view does the "wipe".
local ui = require("ui")

return {
  name = "wipe",
  description = "Wipe a server after a confirmation",
  options = {
    { name = "target", type = "string", description = "What to wipe", required = true },
    { name = "ttl", type = "integer", description = "Seconds to confirm", min = 1, max = 3600 },
  },
  handler = function(ctx)
    ctx:reply(ui.confirm{
      user = ctx.user.id, ttl = ctx.options.ttl or 600, view = "danger",
      confirm = { action = "wipe", args = { ctx.options.target, "a:b" }, label = "Wipe", style = "danger" },
      embed = { title = "Wipe " .. ctx.options.target .. "?", description = "This cannot be undone." },
    })
  end,
}
