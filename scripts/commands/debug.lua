-- /debug action:(test_connectivity|list_plans), for admins: every orchestrator checked at once (reachable,
-- latency, version, plan count; or each one's game_uids), plus the bot's own Discord and Lua counters.
local i18n = require("i18n")
local orc = require("orc")
local cards = require("cards")
local ui = require("ui")
local overview = require("overview")

local MAX_ORCS = 20 -- fields left for the Discord counters and the "more" note (25 per embed)

local function choice(value)
  return { name = value, value = value, name_localizations = i18n.localizations("debug.choice_" .. value) }
end

local function plans_by_orchestrator()
  local out = {}
  for _, r in ipairs(orc.each("GET", "/plans", { timeout = overview.PROBE_TIMEOUT })) do
    if r.err == nil and type(r.data) ~= "table" then
      r.err = { orchestrator = r.name, kind = "malformed", status = 200, detail = "GET /plans did not return a list" }
    end
    local uids = {}
    for _, plan in ipairs(r.err == nil and r.data or {}) do
      if type(plan) == "table" and type(plan.game_uid) == "string" then uids[#uids + 1] = plan.game_uid end
    end
    table.sort(uids)
    out[r.name] = { err = r.err, uids = uids }
  end
  return out
end

local function field_name(ok, name)
  return overview.clip((ok and "🟢 " or "🔴 ") .. name, 250)
end

local function connectivity_fields(t)
  local plans = plans_by_orchestrator()
  local fields = {}
  for _, p in ipairs(overview.probe()) do
    if #fields == MAX_ORCS then break end
    local lines
    if p.ok then
      local plan = plans[p.name] or {}
      lines = {
        t("debug.reachable_yes"),
        t("debug.latency", { ms = p.ms or "?" }),
        t("debug.version", { version = cards.plain(p.version) }),
        plan.err and t("debug.plans_failed", { why = cards.orc_error(t, plan.err) })
          or t("debug.plan_count", { count = #plan.uids }),
      }
    else
      lines = { t("debug.reachable_no"), cards.orc_error(t, p.err) }
    end
    fields[#fields + 1] = { name = field_name(p.ok, p.name), value = overview.clip(table.concat(lines, "\n"), 1000) }
  end
  return fields
end

-- The core's counters, when this build exposes them (peon.stats); the gateway needs a hook in the core.
local function discord_field(t)
  local value
  if type(peon.stats) ~= "function" then
    value = t("debug.no_stats")
  else
    local s = peon.stats()
    local lines = {}
    local gw = s.gateway
    if gw then
      lines[#lines + 1] = t("debug.gateway", { last = math.floor((gw.last_rtt_ms or 0) + 0.5),
        avg = math.floor((gw.avg_rtt_ms or 0) + 0.5), ready = gw.ready_shards or "?", shards = gw.shards or "?" })
    else
      lines[#lines + 1] = t("debug.no_gateway")
    end
    local rest = s.rest
    if rest then
      lines[#lines + 1] = t("debug.rest", { requests = rest.requests, answered = rest.answered,
        avg = math.floor((rest.avg_latency_ms or 0) + 0.5), queued = rest.queued, in_flight = rest.in_flight })
      lines[#lines + 1] = t("debug.limits", { total = rest.total_429, global = rest.responses_429.global or 0,
        failed = rest.failed_locally, buckets = rest.buckets })
    end
    local lua = s.lua
    if lua then
      lines[#lines + 1] = t("debug.lua", { tasks = lua.tasks_started, failed = lua.tasks_failed,
        live = lua.live_tasks, defers = lua.guard_defers, kib = (lua.memory_bytes or 0) // 1024 })
    end
    value = table.concat(lines, "\n")
  end
  return { name = t("debug.discord"), value = overview.clip(value, 1000) }
end

-- Orchestrators past MAX_ORCS are counted, not shown: an embed holds 25 fields.
local function more_note(t, shown)
  local total = #orc.list()
  if total > shown then
    return { name = t("debug.more_title"), value = t("debug.more", { count = total - shown }) }
  end
  return nil
end

return {
  name = "debug",
  description = "Check the orchestrators and the bot's connection (server admins only)",
  name_localizations = i18n.localizations("debug.cmd_name"),
  description_localizations = i18n.localizations("debug.cmd_description"),
  capability = "admin",
  default_member_permissions = "32",
  ephemeral = true,
  options = {
    { name = "action", type = "string", required = true,
      description = "What to check", description_localizations = i18n.localizations("debug.opt_action"),
      choices = { choice("test_connectivity"), choice("list_plans") } },
  },
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    ctx:defer({ ephemeral = true })
    if #orc.list() == 0 then
      return ctx:reply({ embeds = { ui.embed{ title = t("debug.title_" .. ctx.options.action),
        description = t("orc.none_registered"), color = cards.ORANGE, fields = { discord_field(t) } } } })
    end
    local fields, title
    if ctx.options.action == "list_plans" then
      title = t("debug.title_list_plans")
      fields = {}
      local plans = plans_by_orchestrator()
      for _, entry in ipairs(orc.list()) do
        if #fields == MAX_ORCS then break end
        local r = plans[entry.name] or { uids = {} }
        local value
        if r.err then
          value = cards.orc_error(t, r.err)
        elseif #r.uids == 0 then
          value = t("debug.no_plans")
        else
          value = "`" .. table.concat(r.uids, "`, `") .. "`"
        end
        fields[#fields + 1] = { name = field_name(r.err == nil, t("debug.plans_of", { orc = entry.name,
          count = #r.uids })), value = overview.clip(value, 1000) }
      end
    else
      title = t("debug.title_test_connectivity")
      fields = connectivity_fields(t)
    end
    local note = more_note(t, #fields)
    if note then fields[#fields + 1] = note end
    if ctx.options.action ~= "list_plans" then fields[#fields + 1] = discord_field(t) end
    ctx:reply({ embeds = { ui.embed{ title = title, color = cards.BLUE, fields = fields } } })
  end,
}
