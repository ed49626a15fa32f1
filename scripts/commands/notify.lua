-- /notify add [channel] [webhook_url] [mention_role] [events] | remove id | list | test id: where the bot
-- posts what changes in the fleet (scripts/lib/notify.lua). Webhook URLs are secrets: never shown again.
local i18n = require("i18n")
local cards = require("cards")
local fleet = require("fleet")
local audit = require("audit")
local notify = require("notify")
local L = i18n.localizations

local TEXT_CHANNELS = { 0, 5 }
local EVENT_SUGGESTIONS = { "all", "servers", "states", "orchestrators", "started,stopped", "crashed,unreachable",
  "schedule" }

-- Every fleet refresh: compare with the last answers and post what changed.
fleet.on_refresh(notify.on_refresh)

local function answer(ctx, title, text, colour)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(title, text, colour) } })
end

local function option(name, kind, key, extra)
  local o = { name = name, type = kind, description = i18n.text("en", key), description_localizations = L(key) }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- The targets of this server as autocomplete choices: "#3 → #alerts (all)".
local function complete_id(ctx)
  local t = i18n.for_ctx(ctx)
  local out = {}
  for _, target in ipairs(notify.targets(ctx.guild_id)) do
    local channel = target.channel_id and peon.channel(target.channel_id)
    local where = {}
    if target.channel_id then where[#where + 1] = "#" .. (channel and channel.name or target.channel_id) end
    if target.webhook_url then where[#where + 1] = notify.mask(target.webhook_url) end
    out[#out + 1] = { name = t("notify.choice", { id = target.id, where = table.concat(where, " + "),
      events = target.events }), value = target.id }
  end
  return out
end

local function complete_events(_, typed)
  typed = tostring(typed or "")
  local out = {}
  if typed:match("%S") and #typed <= 100 and utf8.len(typed) then
    local parsed = notify.parse_events(typed)
    out[1] = { name = parsed and typed or (typed .. " ✗"), value = typed }
  end
  for _, value in ipairs(EVENT_SUGGESTIONS) do
    if value ~= typed and (typed == "" or value:find(typed, 1, true)) then out[#out + 1] = value end
  end
  return out
end

local function add(ctx)
  local t = i18n.for_ctx(ctx)
  local o = ctx.options
  local url = o.webhook_url and o.webhook_url:match("^%s*(.-)%s*$") or nil
  if url == "" then url = nil end
  if url and not notify.valid_webhook(url) then
    return answer(ctx, t("notify.refused"), t("notify.bad_webhook"), cards.RED)
  end
  local events, bad = notify.parse_events(o.events)
  if not events then
    return answer(ctx, t("notify.refused"), t("notify.bad_events", { word = cards.plain(bad),
      kinds = table.concat(notify.KINDS, ", ") }), cards.RED)
  end
  if o.mention_role and o.mention_role == ctx.guild_id then
    return answer(ctx, t("notify.refused"), t("notify.everyone"), cards.RED)
  end
  local channel = o.channel or (url == nil and ctx.channel_id or nil)
  if #notify.targets(ctx.guild_id) >= notify.MAX_TARGETS then
    return answer(ctx, t("notify.refused"), t("notify.too_many", { max = notify.MAX_TARGETS }), cards.RED)
  end
  local done, why = store.sql("INSERT INTO notify_targets (guild_id, channel_id, webhook_url, mention_role, events, "
    .. "created_by) VALUES (?, ?, ?, ?, ?, ?)", ctx.guild_id, channel, url, o.mention_role, events, ctx.user.id)
  if not done then return answer(ctx, t("notify.failed"), cards.plain(why), cards.RED) end
  local target = { id = done.last_id, channel_id = channel, webhook_url = url, mention_role = o.mention_role,
    events = events }
  local where = notify.describe(t, target)
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "notify add", ok = true,
    detail = string.format("#%d %s (%s)", target.id, where, events) })
  return answer(ctx, t("notify.title"), t("notify.added", { id = target.id, where = where, events = events }),
    cards.GREEN)
end

local function remove(ctx)
  local t = i18n.for_ctx(ctx)
  local target = notify.target(ctx.guild_id, ctx.options.id)
  if target == nil then return answer(ctx, t("notify.title"), t("notify.unknown", { id = ctx.options.id }),
    cards.ORANGE) end
  local done, why = store.sql("DELETE FROM notify_targets WHERE guild_id = ? AND id = ?", ctx.guild_id, target.id)
  if not done then return answer(ctx, t("notify.failed"), cards.plain(why), cards.RED) end
  local where = notify.describe(t, target)
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "notify remove", ok = true,
    detail = string.format("#%d %s", target.id, where) })
  return answer(ctx, t("notify.title"), t("notify.removed", { id = target.id, where = where }), cards.GREEN)
end

local function list(ctx)
  local t = i18n.for_ctx(ctx)
  local lines = {}
  for _, target in ipairs(notify.targets(ctx.guild_id)) do
    lines[#lines + 1] = t("notify.line", { id = target.id, where = notify.describe(t, target), events = target.events })
  end
  local text = #lines > 0 and table.concat(lines, "\n") or t("notify.empty")
  return answer(ctx, t("notify.list_title"), cards.clip(text, 4000) .. "\n\n" .. t("notify.kinds", {
    kinds = table.concat(notify.KINDS, ", ") }), cards.BLUE)
end

local function test(ctx)
  local t = i18n.for_ctx(ctx)
  local target = notify.target(ctx.guild_id, ctx.options.id)
  if target == nil then return answer(ctx, t("notify.title"), t("notify.unknown", { id = ctx.options.id }),
    cards.ORANGE) end
  local d = i18n.default()
  local ok, why = notify.deliver(target, { title = d("notify.test_title"), color = cards.BLUE,
    description = d("notify.test_text", { user = "<@" .. ctx.user.id .. ">", id = target.id }),
    timestamp = os.date("!%Y-%m-%dT%H:%M:%SZ") })
  local where = notify.describe(t, target)
  if not ok then
    return answer(ctx, t("notify.test_failed_title"), t("notify.test_failed", { id = target.id, where = where,
      why = cards.clip(cards.plain(why), 1500) }), cards.RED)
  end
  return answer(ctx, t("notify.title"), t("notify.test_sent", { id = target.id, where = where }), cards.GREEN)
end

local function id_option(key)
  return option("id", "integer", key, { required = true, min = 1, autocomplete = complete_id })
end

return {
  name = "notify",
  name_localizations = require("i18n").localizations("notify.cmd_name"),
  description = i18n.text("en", "notify.description"),
  description_localizations = L("notify.description"),
  capability = "manage",
  default_member_permissions = "32",
  ephemeral = true,
  subcommands = {
    { name = "add", description = i18n.text("en", "notify.add"), description_localizations = L("notify.add"),
      options = {
        option("channel", "channel", "notify.opt_channel", { channel_types = TEXT_CHANNELS }),
        option("webhook_url", "string", "notify.opt_webhook", { max_length = 512 }),
        option("mention_role", "role", "notify.opt_role"),
        option("events", "string", "notify.opt_events", { max_length = 200, autocomplete = complete_events }),
      },
      handler = add },
    { name = "remove", description = i18n.text("en", "notify.remove"), description_localizations = L("notify.remove"),
      options = { id_option("notify.opt_id_remove") }, handler = remove },
    { name = "list", description = i18n.text("en", "notify.list"), description_localizations = L("notify.list"),
      handler = list },
    { name = "test", description = i18n.text("en", "notify.test"), description_localizations = L("notify.test"),
      options = { id_option("notify.opt_id_test") }, handler = test },
  },
}
