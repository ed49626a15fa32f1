-- /schedule add|list|remove|skip|pause|resume|timezone: recurring and one-shot server actions, kept in
-- the state store and run by scripts/lib/scheduler.lua (its loop starts from events.LOAD below).
local i18n = require("i18n")
local cards = require("cards")
local fleet = require("fleet")
local audit = require("audit")
local scheduler = require("scheduler")
local L = i18n.localizations

local WHEN_SUGGESTIONS = { "daily 04:00", "weekdays 23:30", "sat,sun 10:00", "every 6h", "0 4 * * *", "22:30",
  "2h" }

local function text(key) return i18n.text("en", "schedule." .. key) end

local function option(name, kind, key, extra)
  local spec = { name = name, type = kind, description = text(key), description_localizations = L("schedule." .. key) }
  for k, v in pairs(extra or {}) do spec[k] = v end
  return spec
end

local function reply(ctx, title, body, colour)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(title, body, colour) } })
end

local function complete_when(ctx, typed)
  typed = tostring(typed or "")
  local zone = scheduler.zone(ctx.guild_id)
  local out = {}
  if typed:match("%S") then
    local rule, why = peon.schedule_rule(typed, zone)
    out[1] = { value = typed, name = rule and rule.next and (rule.description .. " → " ..
      peon.format_time(rule.next, zone)) or (typed .. " ✗ " .. tostring(why or "never"):match("^[^\n.]*")) }
  end
  for _, value in ipairs(WHEN_SUGGESTIONS) do
    if typed == "" or value:find(typed, 1, true) then
      local rule = peon.schedule_rule(value, zone)
      out[#out + 1] = { value = value, name = rule and rule.next and (value .. " — " .. rule.description) or value }
    end
  end
  return out
end

local function complete_id(ctx, typed)
  local out = {}
  for _, row in ipairs(scheduler.list(ctx.guild_id)) do
    local label = string.format("#%d %s %s — %s", row.id, row.action, row.server,
      row.next_run and peon.format_time(row.next_run, row.zone) or "done")
    if tostring(typed or "") == "" or label:find(tostring(typed), 1, true) then
      out[#out + 1] = { name = label, value = row.id }
    end
  end
  return out
end

local function line(t, row)
  local state = row.paused == 1 and t("schedule.state_paused") or (row.next_run == nil and t("schedule.state_done"))
    or (row.skip_next == 1 and t("schedule.state_skip")) or ""
  return t("schedule.line", { id = row.id, action = row.action, server = row.server, rule = cards.plain(row.rule),
    next = row.next_run and peon.format_time(row.next_run, row.zone) or "—", state = state,
    creator = "<@" .. row.created_by .. ">",
    warn = row.warn_minutes ~= "" and t("schedule.warns", { minutes = row.warn_minutes }) or "" })
end

local function add(ctx)
  local t = i18n.for_ctx(ctx)
  local o = ctx.options
  local server, why, candidates = fleet.resolve(o.server)
  if server == nil then
    local names = {}
    for _, s in ipairs(candidates or {}) do names[#names + 1] = "`" .. s.uid .. "@" .. s.orchestrator .. "`" end
    return reply(ctx, t("schedule.not_added"), t(why == "ambiguous" and "server.ambiguous" or "server.resolve_" .. why,
      { ref = cards.plain(o.server), uid = cards.plain(o.server), choices = table.concat(names, ", ") }), cards.RED)
  end
  local warnings = ""
  if o.warn then
    local list = scheduler.parse_warnings(o.warn)
    if list == nil then return reply(ctx, t("schedule.not_added"), t("schedule.bad_warn"), cards.RED) end
    warnings = table.concat(list, ",")
  end
  local id, rule = scheduler.add({ guild_id = ctx.guild_id, server = server.uid .. "@" .. server.orchestrator,
    action = o.action, when = o.when, warn_minutes = warnings, warn_text = o.warn_text, channel_id = ctx.channel_id,
    created_by = ctx.user.id })
  if id == nil then
    local message = rule == "never" and t("schedule.never") or tostring(rule)
    return reply(ctx, t("schedule.not_added"), t("schedule.bad_when", { text = cards.clip(cards.plain(o.when), 100) })
      .. "\n" .. message, cards.RED)
  end
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "schedule " .. o.action,
    server = server.uid .. "@" .. server.orchestrator, ok = true, detail = "#" .. id .. " " .. rule.text })
  return ctx:reply({ embeds = { cards.embed(t("schedule.added_title", { id = id }), t("schedule.added", {
    action = o.action, server = server.uid, orc = cards.plain(server.orchestrator), rule = rule.description,
    next = peon.format_time(rule.next, scheduler.zone(ctx.guild_id)), user = "<@" .. ctx.user.id .. ">" }),
    cards.GREEN) } })
end

local function list(ctx)
  local t = i18n.for_ctx(ctx)
  local rows = scheduler.list(ctx.guild_id)
  local lines = {}
  for _, row in ipairs(rows) do lines[#lines + 1] = line(t, row) end
  local body = #lines > 0 and cards.clip(table.concat(lines, "\n"), 4000) or t("schedule.none")
  return reply(ctx, t("schedule.list_title", { zone = scheduler.zone(ctx.guild_id) }), body, cards.BLUE)
end

-- remove / skip / pause / resume share the lookup and the reply.
local CHANGES = {
  remove = "DELETE FROM schedules WHERE guild_id = ? AND id = ?",
  skip = "UPDATE schedules SET skip_next = 1 WHERE guild_id = ? AND id = ? AND next_run IS NOT NULL",
  pause = "UPDATE schedules SET paused = 1 WHERE guild_id = ? AND id = ?",
  resume = "UPDATE schedules SET paused = 0 WHERE guild_id = ? AND id = ?",
}

local function change(kind)
  return function(ctx)
    local t = i18n.for_ctx(ctx)
    local id = math.tointeger(ctx.options.id)
    local row = id and scheduler.get(ctx.guild_id, id)
    if row == nil then return reply(ctx, t("schedule.unknown_title"), t("schedule.unknown", { id = tostring(id) }),
      cards.RED) end
    local done, why = store.sql(CHANGES[kind], ctx.guild_id, id)
    if done == nil then return reply(ctx, t("schedule.failed"), cards.plain(why), cards.RED) end
    if kind == "resume" and row.next_run and row.next_run < os.time() then
      -- Paused past its time: the next run is the next one from now, not a burst of old ones.
      store.sql("UPDATE schedules SET next_run = ? WHERE id = ?",
        peon.schedule_next(row.rule, row.zone, os.time(), row.anchor), id)
    end
    audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "schedule " .. kind, server = row.server,
      ok = done.changes > 0, detail = "#" .. id })
    local fresh = scheduler.get(ctx.guild_id, id)
    local body = done.changes > 0 and t("schedule.done_" .. kind, { id = id, line = fresh and line(t, fresh) or "" })
      or t("schedule.nothing_to_" .. kind)
    return reply(ctx, t("schedule." .. kind .. "_title", { id = id }), body, cards.GREEN)
  end
end

local function timezone(ctx)
  local t = i18n.for_ctx(ctx)
  local zone = ctx.options.zone
  if zone == nil then
    return reply(ctx, t("schedule.zone_title"), t("schedule.zone_now", { zone = scheduler.zone(ctx.guild_id) }),
      cards.BLUE)
  end
  local shown = peon.format_time(os.time(), zone)
  if shown == nil then return reply(ctx, t("schedule.zone_title"), t("schedule.zone_bad", { zone = cards.plain(zone) }),
    cards.RED) end
  store.set("schedule_zone", ctx.guild_id, zone)
  return reply(ctx, t("schedule.zone_title"), t("schedule.zone_set", { zone = zone, now = shown }), cards.GREEN)
end

local function id_option()
  return option("id", "integer", "opt_id", { required = true, min = 1, autocomplete = complete_id })
end

local actions = {}
for i, name in ipairs(scheduler.ACTIONS) do
  actions[i] = { name = name, value = name, name_localizations = L("schedule.action_" .. name) }
end

return {
  name = "schedule",
  name_localizations = require("i18n").localizations("schedule.cmd_name"),
  description = text("description"),
  description_localizations = L("schedule.description"),
  capability = "manage",
  default_member_permissions = "32",
  subcommands = {
    { name = "add", description = text("add"), description_localizations = L("schedule.add"), handler = add,
      options = {
        option("server", "string", "opt_server", { required = true, max_length = 100,
          autocomplete = function(_, typed) return fleet.complete(typed) end }),
        option("action", "string", "opt_action", { required = true, choices = actions }),
        option("when", "string", "opt_when", { required = true, max_length = 100, autocomplete = complete_when }),
        option("warn", "string", "opt_warn", { max_length = 40 }),
        option("warn_text", "string", "opt_warn_text", { max_length = 200 }),
      } },
    { name = "list", description = text("list"), description_localizations = L("schedule.list"), handler = list },
    { name = "remove", description = text("remove"), description_localizations = L("schedule.remove"),
      handler = change("remove"), options = { id_option() } },
    { name = "skip", description = text("skip"), description_localizations = L("schedule.skip"),
      handler = change("skip"), options = { id_option() } },
    { name = "pause", description = text("pause"), description_localizations = L("schedule.pause"),
      handler = change("pause"), options = { id_option() } },
    { name = "resume", description = text("resume"), description_localizations = L("schedule.resume"),
      handler = change("resume"), options = { id_option() } },
    { name = "timezone", description = text("timezone"), description_localizations = L("schedule.timezone"),
      handler = timezone, options = { option("zone", "string", "opt_zone", { max_length = 64 }) } },
  },
  events = {
    LOAD = function() peon.every(scheduler.TICK_SECONDS, scheduler.tick) end,
  },
}
