-- /list type:(servers|orchestrators|plans): every orchestrator asked at once; one that does not answer is
-- shown as such and the others are still listed. Long lists get Previous/Next buttons (scripts/ui/list_pages.lua).
local i18n = require("i18n")
local listing = require("listing")
local overview = require("overview")

local CHOICES = {}
for _, kind in ipairs({ "servers", "orchestrators", "plans" }) do
  CHOICES[#CHOICES + 1] = { name = kind, value = kind, name_localizations = i18n.localizations("list.choice_" .. kind) }
end

return {
  name = "list",
  description = "List game servers, orchestrators or game plans",
  name_localizations = i18n.localizations("list.cmd_name"),
  description_localizations = i18n.localizations("list.cmd_description"),
  capability = "view",
  options = {
    { name = "type", type = "string", required = true, choices = CHOICES,
      description = "What to list",
      description_localizations = i18n.localizations("list.opt_type") },
  },
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    local kind = ctx.options.type
    if not listing.KINDS[kind] then kind = "servers" end
    -- Orchestrator URLs are for admins' eyes only: that list always answers privately.
    local private = kind == "orchestrators"
    ctx:defer({ ephemeral = private })
    ctx:reply(listing.render(t, kind, 1, private and overview.is_admin(ctx)))
  end,
}
