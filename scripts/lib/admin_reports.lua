-- What the admin panel's report buttons show: orchestrator health, import and plan-update results, the
-- create hint and system info. Each asks every orchestrator at once and returns one embed; the caller
-- checks the presser is an admin (these show URLs) and answers privately.
local orc = require("orc")
local fleet = require("fleet")
local cards = require("cards")
local overview = require("overview")

local reports = {}

local LOADED_AT = os.time() -- when this script generation loaded (the last /reload)
local MAX_NAMES = 10

local function source_note(t, entry)
  return entry and entry.source == "env" and t("admin.source_env") or ""
end

local function by_name()
  local out = {}
  for _, entry in ipairs(orc.list()) do out[entry.name] = entry end
  return out
end

-- GET /orchestrator on each: 🟢 version and latency, or 🔴 and why; with the URL (admins only).
function reports.health(t)
  local entries = by_name()
  local probes = overview.probe()
  if #probes == 0 then return cards.embed(t("admin.list_title"), t("admin.list_none"), cards.ORANGE) end
  local lines, ok = {}, 0
  for i, p in ipairs(probes) do
    local vars = { orc = cards.plain(p.name), url = p.url or "?", source = source_note(t, entries[p.name]) }
    if p.ok then
      ok = ok + 1
      vars.version, vars.ms = cards.plain(p.version), tostring(p.ms or "?")
      lines[i] = t("admin.health_ok", vars)
    else
      vars.why = overview.clip(cards.orc_error(t, p.err), 300)
      lines[i] = t("admin.health_bad", vars)
    end
  end
  lines[#lines + 1] = "\n" .. t("admin.list_summary", { ok = ok, total = #probes })
  return cards.embed(t("admin.list_title"), overview.clip(table.concat(lines, "\n"), 4000),
    ok == #probes and cards.GREEN or cards.ORANGE)
end

-- PUT /servers on each (creates missing containers, starts nothing).
function reports.import(t)
  local lines, ok = {}, 0
  local results = orc.each("PUT", "/servers", { timeout = orc.LONG })
  for i, r in ipairs(results) do
    if r.err == nil and type(r.data) == "table" then
      ok = ok + 1
      lines[i] = t("admin.import_ok", { orc = cards.plain(r.name), count = #r.data })
    else
      local err = r.err or { orchestrator = r.name, kind = "malformed", status = 200,
        detail = "PUT /servers did not return a list" }
      lines[i] = t("admin.import_bad", { why = overview.clip(cards.orc_error(t, err), 300) })
    end
  end
  if #results == 0 then return cards.embed(t("admin.import_title"), t("admin.list_none"), cards.ORANGE) end
  fleet.refresh_soon()
  lines[#lines + 1] = "\n" .. t("admin.import_summary", { ok = ok, total = #results })
  return cards.embed(t("admin.import_title"), overview.clip(table.concat(lines, "\n"), 4000),
    ok == #results and cards.GREEN or cards.ORANGE)
end

-- Titles of the games in a PUT /plans answer ({"new_recipies": {uid: {title=...}}}), sorted.
local function new_games(data)
  local names = {}
  local found = type(data) == "table" and data.new_recipies
  for uid, plan in pairs(type(found) == "table" and found or {}) do
    local title = type(plan) == "table" and type(plan.title) == "string" and plan.title or tostring(uid)
    names[#names + 1] = cards.plain(title)
  end
  table.sort(names)
  return names
end

-- PUT /plans on each (a git pull of the catalogue): the new games, or "up to date".
function reports.plans(t)
  local lines, total, ok = {}, 0, 0
  local results = orc.each("PUT", "/plans", { timeout = orc.LONG })
  for i, r in ipairs(results) do
    if r.err then
      lines[i] = t("admin.plans_bad", { why = overview.clip(cards.orc_error(t, r.err), 300) })
    else
      ok = ok + 1
      local names = new_games(r.data)
      total = total + #names
      if #names == 0 then
        lines[i] = t("admin.plans_current", { orc = cards.plain(r.name) })
      else
        local shown = table.concat(names, ", ", 1, math.min(#names, MAX_NAMES))
        if #names > MAX_NAMES then shown = shown .. t("admin.plans_more", { count = #names - MAX_NAMES }) end
        lines[i] = t("admin.plans_new", { orc = cards.plain(r.name), count = #names, names = shown })
      end
    end
  end
  if #results == 0 then return cards.embed(t("admin.plans_title"), t("admin.list_none"), cards.ORANGE) end
  fleet.refresh_soon()
  lines[#lines + 1] = "\n" .. t("admin.plans_summary", { count = total })
  return cards.embed(t("admin.plans_title"), overview.clip(table.concat(lines, "\n"), 4000),
    ok == #results and cards.GREEN or cards.ORANGE)
end

-- Server creation is /create's job (it asks for each game's settings); point there, with a few games.
function reports.create(t)
  local names = {}
  for i, plan in ipairs(fleet.plan_list("")) do
    if i > MAX_NAMES then break end
    names[i] = "`" .. cards.plain(plan.game_uid) .. "`"
  end
  local text = t("admin.create_text")
  if #names > 0 then text = text .. "\n" .. t("admin.create_games", { names = table.concat(names, ", ") }) end
  return cards.embed(t("admin.create_title"), text, cards.BLUE)
end

function reports.system(t)
  local probes = overview.probe()
  local ok = 0
  for _, p in ipairs(probes) do if p.ok then ok = ok + 1 end end
  local running = 0
  for _, s in ipairs(fleet.servers) do if s.state == "running" then running = running + 1 end end
  return cards.embed(t("admin.system_title"), nil, cards.BLUE, {
    { name = t("admin.field_version"), value = cards.plain(peon.config.version or "?"), inline = true },
    { name = t("admin.field_online"), value = t("admin.online", { ok = ok, total = #probes }), inline = true },
    { name = t("admin.field_servers"), value = t("admin.servers", { total = #fleet.servers, running = running }),
      inline = true },
    { name = t("admin.field_started"), value = string.format("<t:%d:R>", peon.config.started_at or LOADED_AT),
      inline = true },
    { name = t("admin.field_loaded"), value = string.format("<t:%d:R>", LOADED_AT), inline = true },
  })
end

return reports
