-- What the bot knows about every orchestrator's servers and plans: a cache refreshed in the background
-- (scripts/commands/server.lua starts the loop from events.LOAD) and after every action, so autocomplete
-- answers from memory and never waits for an orchestrator. Also finds the server a user means.
local orc = require("orc")

local fleet = {
  servers = {},      -- list of server records (see record()), sorted by uid then orchestrator
  plans = {},        -- game_uid -> { game_uid=, title=, orchestrators = { name = true } }
  status = {},       -- orchestrator name -> { ok = bool, err = , checked_at = , elapsed_ms = }
  refreshed_at = nil,
}

local listeners = {}

-- How often the background loop polls every orchestrator (PEON_POLL_SECONDS, default 60).
function fleet.refresh_seconds()
  return peon.config.poll_seconds or 60
end

-- fn(servers, status, previous_servers, previous_status) runs after every refresh (in the refreshing task):
-- status boards and notifications compare the two views. An error in one listener doesn't stop the others.
function fleet.on_refresh(fn)
  listeners[#listeners + 1] = fn
end
local STALE_SECONDS = 120

local function text_or_nil(value)
  if type(value) == "string" and value ~= "" then return value end
  if type(value) == "number" then return tostring(value) end
  return nil
end

-- The orchestrator's server object, reduced to what the bot shows and decides with.
local function record(orchestrator, s)
  local game, name = text_or_nil(s.game_uid), text_or_nil(s.servername)
  if game == nil or name == nil then return nil end
  local config = type(s.server_config) == "table" and s.server_config or {}
  return {
    uid = game .. "." .. name,
    game = game,
    name = name,
    orchestrator = orchestrator,
    state = (text_or_nil(s.server_state) or text_or_nil(s.container_state) or "unknown"):lower(),
    container_state = text_or_nil(s.container_state),
    description = text_or_nil(s.description),
    version = text_or_nil(s.build_version),
    container_type = text_or_nil(s.container_type),
    config = config,
    stop_at = math.tointeger(tonumber(s.time or nil)), -- int or 10-digit string or null
  }
end
fleet.record = record

function fleet.state_emoji(state)
  if state == "running" then return "🟢" end
  if state == "exited" or state == "stopped" or state == "created" or state == "dead" then return "🔴" end
  return "🟡"
end

local function sort_servers(list)
  table.sort(list, function(a, b)
    if a.uid ~= b.uid then return a.uid < b.uid end
    return a.orchestrator < b.orchestrator
  end)
end

-- Fetches servers and plans from every orchestrator at once. Returns the servers and the per-orchestrator
-- status; an unreachable orchestrator keeps its last known servers out of the list (not guessed).
function fleet.refresh()
  local now = os.time()
  local servers = orc.each("GET", "/servers", { timeout = orc.QUICK })
  local plans = orc.each("GET", "/plans", { timeout = orc.QUICK })
  local list, status, catalogue = {}, {}, {}
  for i, result in ipairs(servers) do
    local entry = { ok = result.err == nil, err = result.err, checked_at = now, elapsed_ms = result.elapsed_ms }
    if result.err == nil and type(result.data) ~= "table" then
      entry.ok, entry.err = false, { orchestrator = result.name, kind = "malformed", status = 200,
        detail = "GET /servers did not return a list" }
    end
    status[result.name] = entry
    if entry.ok then
      for _, s in ipairs(result.data) do
        local r = type(s) == "table" and record(result.name, s)
        if r then list[#list + 1] = r end
      end
    end
    local p = plans[i]
    if p and p.err == nil and type(p.data) == "table" then
      for _, plan in ipairs(p.data) do
        if type(plan) == "table" and text_or_nil(plan.game_uid) then
          local known = catalogue[plan.game_uid] or { game_uid = plan.game_uid, title = text_or_nil(plan.title)
            or plan.game_uid, orchestrators = {} }
          known.orchestrators[result.name] = true
          catalogue[plan.game_uid] = known
        end
      end
    end
  end
  sort_servers(list)
  local previous, previous_status = fleet.servers, fleet.status
  local first = fleet.refreshed_at == nil
  fleet.servers, fleet.status, fleet.refreshed_at = list, status, now
  if next(catalogue) ~= nil or #servers == 0 then fleet.plans = catalogue end
  for _, fn in ipairs(listeners) do
    local ok, err = pcall(fn, list, status, not first and previous or nil, not first and previous_status or nil)
    if not ok then log.error("refresh listener failed: %s", tostring(err)) end
  end
  return list, status
end

-- A fresh view for a command that is about to act (autocomplete never calls this).
function fleet.ensure()
  if fleet.refreshed_at == nil or os.time() - fleet.refreshed_at > STALE_SECONDS then fleet.refresh() end
  return fleet.servers
end

-- Refresh without making the caller wait (after an action, so lists and autocomplete catch up).
function fleet.refresh_soon()
  peon.spawn(fleet.refresh)
end

-- Game and server names as the orchestrator builds them: no dot inside a part.
local function valid_uid(text)
  return type(text) == "string" and #text <= 100 and text:match("^[%w_-]+%.[%w_-]+$") ~= nil
end
fleet.valid_uid = valid_uid

-- "valheim.bob" or "valheim.bob@orchestrator" -> uid, orchestrator (lower-cased uid).
function fleet.parse_ref(text)
  text = tostring(text or ""):gsub("^%s+", ""):gsub("%s+$", "")
  local uid, where = text:match("^(.-)@([%w._-]+)$")
  uid = (uid or text):lower()
  if not valid_uid(uid) then return nil end
  return uid, where
end

local function matches(uid, where)
  local found = {}
  for _, s in ipairs(fleet.servers) do
    if s.uid == uid and (where == nil or s.orchestrator == where) then found[#found + 1] = s end
  end
  return found
end

-- The server a user means. Returns the record, or nil and a reason:
--   "format" (not game.name), "none" (no orchestrator registered), "unknown" (no such server),
--   "ambiguous" (several orchestrators host that uid; the candidates come third).
function fleet.resolve(text)
  local uid, where = fleet.parse_ref(text)
  if uid == nil then return nil, "format" end
  if #orc.list() == 0 then return nil, "none" end
  fleet.ensure()
  local found = matches(uid, where)
  if #found == 0 then
    fleet.refresh() -- created a moment ago, or the cache is behind: look once more, live
    found = matches(uid, where)
  end
  if #found == 0 then return nil, "unknown" end
  if #found > 1 then return nil, "ambiguous", found end
  return found[1]
end

-- A game channel is named "<game>-<server>" (Discord lower-cases names). The server name may contain
-- hyphens, so try each split and prefer one the fleet knows.
function fleet.from_channel(channel_name)
  if type(channel_name) ~= "string" then return nil end
  local candidates = {}
  for i = 1, #channel_name do
    if channel_name:sub(i, i) == "-" and i > 1 and i < #channel_name then
      local uid = channel_name:sub(1, i - 1) .. "." .. channel_name:sub(i + 1)
      if valid_uid(uid) then candidates[#candidates + 1] = uid end
    end
  end
  for _, uid in ipairs(candidates) do
    if #matches(uid) > 0 then return uid end
  end
  return candidates[1]
end

-- Autocomplete choices from the cache only: name "🟢 valheim.bob (local)", value "valheim.bob", or
-- "valheim.bob@local" when several orchestrators have that uid.
function fleet.complete(typed)
  typed = tostring(typed or ""):lower()
  local count = {}
  for _, s in ipairs(fleet.servers) do count[s.uid] = (count[s.uid] or 0) + 1 end
  local several = #orc.list() > 1
  local choices = {}
  for _, s in ipairs(fleet.servers) do
    if typed == "" or s.uid:find(typed, 1, true) then
      local value = count[s.uid] > 1 and (s.uid .. "@" .. s.orchestrator) or s.uid
      local label = string.format("%s %s", fleet.state_emoji(s.state), s.uid)
      if several then label = label .. " (" .. s.orchestrator .. ")" end
      choices[#choices + 1] = { name = label, value = value }
      if #choices == 25 then break end
    end
  end
  return choices
end

-- Plans known to any orchestrator, sorted by title, filtered by what was typed.
function fleet.plan_list(typed)
  typed = tostring(typed or ""):lower()
  local list = {}
  for _, plan in pairs(fleet.plans) do
    if typed == "" or plan.game_uid:lower():find(typed, 1, true) or plan.title:lower():find(typed, 1, true) then
      list[#list + 1] = plan
    end
  end
  table.sort(list, function(a, b)
    if a.title:lower() ~= b.title:lower() then return a.title:lower() < b.title:lower() end
    return a.game_uid < b.game_uid
  end)
  return list
end

return fleet
