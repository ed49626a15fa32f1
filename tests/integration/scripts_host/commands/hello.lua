-- Test script: /hello answers at once, with a button (a plain ui.id custom_id); its PEON_TEST event
-- handler fails.
local ui = require("ui")

return {
  name = "hello",
  description = "Answers at once",
  handler = function(ctx)
    ctx:reply{ content = "hello " .. ctx.user.id,
               components = { ui.row(ui.button{ label = "Again", custom_id = ui.id("danger", "echo", "x:y") }) } }
  end,
  events = {
    PEON_TEST = function(data) error("event boom " .. tostring(data.n)) end,
  },
}
