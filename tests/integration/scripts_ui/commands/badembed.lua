-- Test script: /badembed builds an embed whose title is over Discord's 256 characters.
local ui = require("ui")

return {
  name = "badembed",
  description = "An embed that breaks Discord's limits",
  handler = function(ctx)
    local embed = ui.embed{ title = string.rep("x", 300) }
    ctx:reply{ embeds = { embed } }
  end,
}
