-- Test script: /longconfirm builds a confirmation whose custom_id would pass Discord's 100 characters
-- only without the user and expiry.
local ui = require("ui")

return {
  name = "longconfirm",
  description = "A confirmation with too long an argument",
  handler = function(ctx)
    local message = ui.confirm{ user = ctx.user.id, view = "danger",
                                confirm = { action = "wipe", args = { string.rep("x", 80) } } }
    ctx:reply(message)
  end,
}
