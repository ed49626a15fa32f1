-- The Previous/Next buttons under a /list answer: custom_id "list_pages:show:<type>:<page>". Each press asks
-- the orchestrators again and replaces the message with that page.
local i18n = require("i18n")
local listing = require("listing")
local overview = require("overview")

local EPHEMERAL = 64

return {
  actions = {
    show = function(ctx, kind, page)
      local t = i18n.for_ctx(ctx)
      if not listing.KINDS[kind] then
        return ctx:reply({ content = t("list.unknown_page"), ephemeral = true })
      end
      -- URLs only on a private message and only for an admin pressing: a public list never gains them.
      local flags = ctx.message and math.tointeger(tonumber(ctx.message.flags or 0)) or 0
      local show_urls = kind == "orchestrators" and flags & EPHEMERAL ~= 0 and overview.is_admin(ctx)
      ctx:update(listing.render(t, kind, page, show_urls))
    end,
  },
}
