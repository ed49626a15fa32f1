-- /audit [server] [user]: the latest actions taken through the bot in this server, newest first.
local i18n = require("i18n")
local cards = require("cards")
local fleet = require("fleet")
local audit = require("audit")
local L = i18n.localizations

return {
  name = "audit",
  name_localizations = require("i18n").localizations("audit.cmd_name"),
  description = i18n.text("en", "audit.description"),
  description_localizations = L("audit.description"),
  capability = "manage",
  default_member_permissions = "32",
  ephemeral = true,
  options = {
    { name = "server", type = "string", description = i18n.text("en", "audit.opt_server"),
      description_localizations = L("audit.opt_server"), max_length = 100,
      autocomplete = function(_, typed) return fleet.complete(typed) end },
    { name = "user", type = "user", description = i18n.text("en", "audit.opt_user"),
      description_localizations = L("audit.opt_user") },
  },
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    local server = ctx.options.server and fleet.parse_ref(ctx.options.server)
    if ctx.options.server and server == nil then
      local ref = cards.clip(cards.plain(ctx.options.server), 100)
      return ctx:reply({ ephemeral = true, content = t("server.resolve_format", { ref = ref }) })
    end
    local rows = audit.latest(ctx.guild_id, server, ctx.options.user, 15)
    local lines = {}
    for _, row in ipairs(rows) do
      local who = row.user_id and row.user_id:match("^%d+$") and ("<@" .. row.user_id .. ">")
        or cards.plain(row.user_id or "?")
      lines[#lines + 1] = t("audit.line", { when = "<t:" .. row.at .. ":R>", icon = row.result == "ok" and "✅" or "❌",
        who = who, action = cards.plain(row.action), server = row.server and cards.plain(row.server) or "—",
        detail = row.detail and (" — " .. cards.clip(cards.plain(row.detail), 160)) or "" })
    end
    local text = #lines > 0 and table.concat(lines, "\n") or t("audit.empty")
    local embed = cards.embed(t("audit.title"), cards.clip(text, 4000), cards.BLUE)
    return ctx:reply({ ephemeral = true, embeds = { embed } })
  end,
}
