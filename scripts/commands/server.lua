-- /server action:(start|stop|restart|info|update|backup) [server] [timer] [mode]
-- Runs one action on the orchestrator that hosts the server. The server comes from the option or, in a
-- channel named game-servername, from the channel. Stops and reinstalls ask for a confirmation first.
local i18n = require("i18n")
local fleet = require("fleet")
local access = require("access")
local outcome = require("outcome")
local cards = require("cards")
local ui = require("ui")
local L = i18n.localizations

local ACTIONS = { "start", "stop", "restart", "info", "update", "backup" }
local UPDATE_MODES = require("actions").UPDATE_MODES
local TIMER_SUGGESTIONS = { "15m", "30m", "1h", "2h", "6h", "1d", "22:00", "23:30" }

local function choices(list, prefix)
  local out = {}
  for i, value in ipairs(list) do
    out[i] = { name = i18n.text("en", prefix .. value), value = value, name_localizations = L(prefix .. value) }
  end
  return out
end

local function refuse(ctx, text)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed("❌ " .. text:match("^[^\n]*"),
    text:match("\n(.*)$"), cards.RED) } })
end

-- Timer suggestions, plus what the user typed with the time it means (or why it is not a timer).
local function complete_timer(_, typed)
  typed = tostring(typed or "")
  local out = {}
  if typed:match("%S") then
    local parsed, why = peon.parse_timer(typed)
    if parsed then
      out[1] = { name = string.format("%s → %s", typed, peon.format_time(parsed.epoch)), value = typed }
    else
      out[1] = { name = string.format("%s ✗ %s", typed, tostring(why):match("^[^\n.]*")), value = typed }
    end
  end
  for _, value in ipairs(TIMER_SUGGESTIONS) do
    if typed == "" or value:find(typed, 1, true) then
      local parsed = peon.parse_timer(value)
      out[#out + 1] = { name = parsed and (value .. " → " .. peon.format_time(parsed.epoch)) or value, value = value }
    end
  end
  return out
end

-- The reply when the server could not be pinned down.
local function unresolved(ctx, t, ref, why, candidates)
  if why == "ambiguous" then
    local names = {}
    for _, s in ipairs(candidates) do names[#names + 1] = "`" .. s.uid .. "@" .. s.orchestrator .. "`" end
    return refuse(ctx, t("server.ambiguous", { uid = ref, choices = table.concat(names, ", ") }))
  end
  if why == "none" then return refuse(ctx, t("server.no_orchestrator") .. "\n" .. t("orc.none_registered")) end
  local text = t("server.resolve_" .. why, { ref = cards.plain(ref) })
  if why == "unknown" then
    -- The server may well be on an orchestrator that did not answer: say which, and why.
    for _, status in pairs(fleet.status) do
      if not status.ok then text = text .. "\n" .. t("server.unchecked", { why = cards.orc_error(t, status.err) }) end
    end
  end
  return refuse(ctx, text)
end

local function handler(ctx)
  local t = i18n.for_ctx(ctx)
  local o = ctx.options
  local action = o.action
  if not access.allows(ctx, access.ACTION_CAPABILITY[action]) then
    return refuse(ctx, t("server.not_allowed", { capability = access.ACTION_CAPABILITY[action], action = action }))
  end
  local timer = o.timer and o.timer:match("^%s*(.-)%s*$") or ""
  if timer ~= "" and action ~= "stop" and action ~= "start" then
    return refuse(ctx, t("server.timer_only_stop"))
  end
  if o.mode and action ~= "update" then return refuse(ctx, t("server.mode_only_update")) end
  local when
  if timer ~= "" then
    local parsed, why = peon.parse_timer(timer)
    if not parsed then
      local text = cards.clip(cards.plain(timer), 100)
      return refuse(ctx, t("server.bad_timer", { text = text }) .. "\n" .. tostring(why))
    end
    when = parsed
  end
  local ref = o.server or fleet.from_channel(ctx.channel_name)
  if ref == nil then return refuse(ctx, t("server.which")) end
  local server, why, candidates = fleet.resolve(ref)
  if server == nil then return unresolved(ctx, t, ref, why, candidates) end
  local target = server.uid .. "@" .. server.orchestrator
  local mode = o.mode or "server"

  -- Destructive: the invoking user confirms, within two minutes.
  if action == "stop" or (action == "update" and mode == "reinit") then
    local key = action == "stop" and (when and "confirm_stop_later" or "confirm_stop") or "confirm_reinit"
    return ctx:reply(ui.confirm({
      user = ctx.user.id, ttl = 120, view = "server",
      confirm = { action = action, args = { target, when and tostring(when.epoch) or mode },
        label = t("server.button_" .. key), style = "danger" },
      cancel = { action = "cancel", args = { server.uid }, label = t("server.button_cancel") },
      embed = { title = t("server." .. key .. "_title", { uid = server.uid }),
        description = t("server." .. key .. "_text", { uid = server.uid, orc = cards.plain(server.orchestrator),
          when = when and peon.format_time(when.epoch) or "" }) .. (when and when.tomorrow
          and ("\n" .. t("server.timer_tomorrow")) or ""),
        color = cards.ORANGE },
    }))
  end

  if action ~= "info" then ctx:defer() end -- the orchestrator may take minutes (image pulls, archives)
  local message = outcome.perform(ctx, t, server, action, {
    when = when, mode = mode, several_orchestrators = #require("orc").list() > 1,
    upload_limit = ctx.attachment_size_limit,
  })
  if action == "info" then return ctx:reply(message) end
  return ctx:edit_original(message)
end

return {
  name = "server",
  description = i18n.text("en", "server.description"),
  description_localizations = L("server.description"),
  capability = "view",
  options = {
    { name = "action", type = "string", required = true, description = i18n.text("en", "server.opt_action"),
      description_localizations = L("server.opt_action"), choices = choices(ACTIONS, "server.action_") },
    { name = "server", type = "string", description = i18n.text("en", "server.opt_server"),
      description_localizations = L("server.opt_server"), max_length = 100,
      autocomplete = function(_, typed) return fleet.complete(typed) end },
    { name = "timer", type = "string", description = i18n.text("en", "server.opt_timer"),
      description_localizations = L("server.opt_timer"), max_length = 40, autocomplete = complete_timer },
    { name = "mode", type = "string", description = i18n.text("en", "server.opt_mode"),
      description_localizations = L("server.opt_mode"), choices = choices(UPDATE_MODES, "server.mode_") },
  },
  handler = handler,
  events = {
    -- The cache behind autocomplete and server lookups: refreshed now and every minute, per generation.
    LOAD = function() peon.every(fleet.refresh_seconds(), fleet.refresh) end,
  },
}
