-- /peon [channel_type:(admin|server)]: posts the panel that fits the channel. The control channel gets the
-- admin panel (admins only), a channel named game-servername that server's panel; anywhere else the user
-- is told where panels live (never the admin panel by default, which the reference bot handed to anyone).
local i18n = require("i18n")
local fleet = require("fleet")
local access = require("access")
local cards = require("cards")
local panels = require("panels")
local L = i18n.localizations

local function control_channel()
  return peon.config.control_channel or "peon"
end

-- A private note: first line as the title, the rest as the text.
local function explain(ctx, text, colour)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(text:match("^[^\n]*"), text:match("\n(.*)$"),
    colour or cards.ORANGE) } })
end

local function server_panel(ctx, t)
  local ref = fleet.from_channel(ctx.channel_name)
  if ref == nil then return explain(ctx, t("peon.not_game_channel")) end
  local server, why, candidates = fleet.resolve(ref)
  if server == nil then
    if why == "ambiguous" then
      local names = {}
      for i, s in ipairs(candidates) do names[i] = "`" .. panels.target(s) .. "`" end
      return explain(ctx, t("peon.ambiguous_server", { uid = ref, choices = table.concat(names, ", ") }))
    end
    if why == "none" then return explain(ctx, t("peon.no_orchestrator", { control = control_channel() })) end
    if why == "format" then return explain(ctx, t("peon.not_game_channel")) end
    local text = t("peon.unknown_server", { ref = cards.plain(ref) })
    for _, status in pairs(fleet.status) do
      if not status.ok then text = text .. "\n" .. cards.orc_error(t, status.err) end
    end
    return explain(ctx, text)
  end
  local ok, panel = pcall(panels.server, t, server)
  if not ok then return explain(ctx, t("peon.bad_name", { ref = cards.plain(panels.target(server)) })) end
  return ctx:reply(panel)
end

local function handler(ctx)
  local t = i18n.for_ctx(ctx)
  local kind = ctx.options.channel_type
  if kind == nil then
    if ctx.channel_name == control_channel() then
      kind = "admin"
    elseif fleet.from_channel(ctx.channel_name) then
      kind = "server"
    else
      return explain(ctx, t("peon.not_here", { control = control_channel() }))
    end
  end
  if kind == "admin" then
    if not access.is_admin(ctx) then return explain(ctx, t("peon.admin_only"), cards.RED) end
    return ctx:reply(panels.admin(t))
  end
  return server_panel(ctx, t)
end

return {
  name = "peon",
  description = i18n.text("en", "peon.description"),
  description_localizations = L("peon.description"),
  capability = "view",
  options = {
    { name = "channel_type", type = "string", description = i18n.text("en", "peon.opt_channel_type"),
      description_localizations = L("peon.opt_channel_type"),
      choices = {
        { name = "admin", value = "admin", name_localizations = L("peon.choice_admin") },
        { name = "server", value = "server", name_localizations = L("peon.choice_server") },
      } },
  },
  handler = handler,
}
