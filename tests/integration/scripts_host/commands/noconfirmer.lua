-- Test script: /noconfirmer builds a confirmation without saying who may confirm.
local ui = require("ui")

return {
  name = "noconfirmer",
  description = "A confirmation without a user",
  handler = function(ctx)
    ctx:reply(ui.confirm{ view = "danger", confirm = { action = "wipe", args = { "x" } } })
  end,
}
