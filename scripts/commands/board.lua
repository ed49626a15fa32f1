-- /board create [channel] | remove [channel] | refresh: a status board (one message per channel) that shows
-- every server of every orchestrator and is edited when something changes (scripts/lib/board.lua).
local i18n = require("i18n")
local cards = require("cards")
local fleet = require("fleet")
local audit = require("audit")
local board = require("board")
local L = i18n.localizations

local TEXT_CHANNELS = { 0, 5 } -- text and announcement channels

-- Every fleet refresh: the presence, and the boards when their content changed.
fleet.on_refresh(board.on_refresh)

local function answer(ctx, title, text, colour)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(title, text, colour) } })
end

local function link(guild_id, channel_id, message_id)
  return string.format("https://discord.com/channels/%s/%s/%s", guild_id, channel_id, message_id)
end

local function channel_option(key)
  return { name = "channel", type = "channel", channel_types = TEXT_CHANNELS, description = i18n.text("en", key),
    description_localizations = L(key) }
end

local function create(ctx)
  local t = i18n.for_ctx(ctx)
  local channel = ctx.options.channel or ctx.channel_id
  fleet.ensure() -- a fresh view when the cache is old (the first board right after a start)
  local outcome, result = board.locked(board.create, ctx.guild_id, channel, ctx.user.id)
  if outcome == nil then
    return answer(ctx, t("board.failed_title"), t("board.failed", { channel = "<#" .. channel .. ">",
      why = cards.clip(cards.plain(result), 500) }), cards.RED)
  end
  local where = link(ctx.guild_id, channel, result.id)
  if outcome == "exists" then
    return answer(ctx, t("board.title"), t("board.exists", { channel = "<#" .. channel .. ">", link = where }),
      cards.ORANGE)
  end
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "board create", ok = true,
    detail = "channel " .. channel })
  return answer(ctx, t("board.title"), t(outcome == "reposted" and "board.reposted" or "board.created",
    { channel = "<#" .. channel .. ">", link = where }), cards.GREEN)
end

local function remove(ctx)
  local t = i18n.for_ctx(ctx)
  local channel = ctx.options.channel or ctx.channel_id
  local removed = board.locked(board.remove, ctx.guild_id, channel)
  if not removed then
    return answer(ctx, t("board.title"), t("board.none", { channel = "<#" .. channel .. ">" }), cards.ORANGE)
  end
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "board remove", ok = true,
    detail = "channel " .. channel })
  return answer(ctx, t("board.title"), t("board.removed", { channel = "<#" .. channel .. ">" }), cards.GREEN)
end

-- Polls every orchestrator now and brings this server's boards up to date (re-posting a deleted one).
local function refresh(ctx)
  local t = i18n.for_ctx(ctx)
  local _, status = fleet.refresh()
  local counts = board.locked(board.update_all, { guild_id = ctx.guild_id, verify = true })
  local asked, down = 0, 0
  for _, st in pairs(status) do
    asked = asked + 1
    if not st.ok then down = down + 1 end
  end
  local boards = counts.unchanged + counts.edited + counts.posted + counts.failed
  local text = t("board.polled", { count = asked, down = down })
  if boards == 0 then
    text = text .. "\n" .. t("board.no_boards")
  else
    text = text .. "\n" .. t("board.refreshed", { edited = counts.edited, posted = counts.posted,
      unchanged = counts.unchanged, failed = counts.failed })
  end
  return answer(ctx, t("board.title"), text, counts.failed > 0 and cards.ORANGE or cards.GREEN)
end

return {
  name = "board",
  name_localizations = require("i18n").localizations("board.cmd_name"),
  description = i18n.text("en", "board.description"),
  description_localizations = L("board.description"),
  capability = "manage",
  default_member_permissions = "32",
  ephemeral = true,
  subcommands = {
    { name = "create", description = i18n.text("en", "board.create"), description_localizations = L("board.create"),
      options = { channel_option("board.opt_channel_create") }, handler = create },
    { name = "remove", description = i18n.text("en", "board.remove"), description_localizations = L("board.remove"),
      options = { channel_option("board.opt_channel_remove") }, handler = remove },
    { name = "refresh", description = i18n.text("en", "board.refresh"),
      description_localizations = L("board.refresh"), handler = refresh },
  },
}
