-- Test script: /panel answers with an embed and a button built by scripts/lib/ui.lua; the button's
-- argument holds ':' and '%' so the custom_id codec is exercised end to end.
local ui = require("ui")

return {
  name = "panel",
  description = "A panel with one button",
  handler = function(ctx)
    ctx:reply{
      embeds = { ui.embed{ title = "Valheim", fields = { { name = "state", value = "running", inline = true } } } },
      components = { ui.row(ui.button{ label = "Say", style = "primary", custom_id = ui.id("echo", "say", "a:b%c") }) },
    }
  end,
}
