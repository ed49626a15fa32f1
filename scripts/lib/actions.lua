-- Server actions on the orchestrator that hosts the server (never "the first one"). Shared by /server,
-- the server panel and schedules. Each returns data on success or nil and an orc.lua error table; every
-- uid is checked to be "<game>.<name>" first, because the orchestrator treats a uid without a dot as a
-- whole game folder (an eradicate would delete every server of that game).
local orc = require("orc")
local fleet = require("fleet")

local actions = {}

actions.UPDATE_MODES = { "server", "image", "full", "reinit" }
local VALID_MODE = { server = true, image = true, full = true, reinit = true }

local function guard(server)
  if type(server) ~= "table" or not fleet.valid_uid(server.uid) or type(server.orchestrator) ~= "string" then
    error("actions: a server record from fleet.resolve is required", 3)
  end
end

local function put(server, action, body, timeout)
  guard(server)
  local data, err = orc.call(server.orchestrator, "PUT", "/server/" .. action .. "/" .. server.uid, body or {},
    { timeout = timeout or orc.ACTION })
  fleet.refresh_soon()
  return data, err
end

-- An epoch for the orchestrator's scheduler: a string of exactly 10 digits.
local function epoch_body(epoch)
  return { epoch_time = string.format("%010d", math.tointeger(epoch) or 0) }
end

-- stop_at (optional): the orchestrator stops the server at that time.
function actions.start(server, stop_at)
  return put(server, "start", stop_at and epoch_body(stop_at) or {})
end

-- at (optional): schedule the stop instead of stopping now (replaces a pending one).
function actions.stop(server, at)
  return put(server, "stop", at and epoch_body(at) or {})
end

function actions.restart(server)
  return put(server, "restart", {})
end

function actions.update(server, mode)
  if not VALID_MODE[mode] then error("actions.update: mode must be server, image, full or reinit", 2) end
  return put(server, "update", { mode = mode }, orc.LONG)
end

function actions.describe(server, text)
  return put(server, "description", { description = text })
end

function actions.info(server)
  guard(server)
  local data, err = orc.call(server.orchestrator, "GET", "/server/get/" .. server.uid, nil, { timeout = orc.QUICK })
  if data == nil then return nil, err end
  if type(data) ~= "table" then
    return nil, { orchestrator = server.orchestrator, kind = "malformed", status = 200, detail = "no server object" }
  end
  return fleet.record(server.orchestrator, data) or server
end

-- Returns the archive's bytes and its file name.
function actions.backup(server)
  guard(server)
  local body, err, res = orc.call(server.orchestrator, "GET", "/server/save/" .. server.uid, nil,
    { timeout = orc.LONG, raw = true })
  if body == nil then return nil, err end
  local disposition = res and res.headers and (res.headers["content-disposition"] or "") or ""
  local name = disposition:match('filename="?([%w._-]+)"?') or (server.uid .. ".zip")
  return body, nil, name
end

-- everything = true also deletes the server's files on the orchestrator (its saves included).
function actions.delete(server, everything)
  guard(server)
  local data, err = orc.call(server.orchestrator, "DELETE", "/server/destroy/" .. server.uid,
    everything and { eradicate = true } or {}, { timeout = orc.ACTION })
  fleet.refresh_soon()
  return data, err
end

return actions
