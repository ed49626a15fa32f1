-- The PEON orchestrator client: the registry of orchestrators and their REST API v1 (X-Api-Key), over the
-- core's non-blocking HTTP. Every call yields until the orchestrator answered; nothing here blocks the loop.
--
-- Results are `data` on success, or `nil, err` where err is a table:
--   { orchestrator = name, kind = kind, status = http status or 0, detail = what the orchestrator said }
-- kind: "unreachable" (no HTTP answer), "timeout", "auth" (401: wrong key), "http" (another non-2xx),
-- "malformed" (2xx without the JSON we expect), "failed" (2xx whose body says status "error"),
-- "unknown" (no orchestrator by that name). API keys never appear in results or errors.
local json = require("core.json")

local orc = {}

local API = "/api/v1"
orc.QUICK, orc.ACTION, orc.LONG = 10, 120, 600 -- seconds: reads, start/stop/restart, update/create/pull

local function entries()
  return peon.registry.list()
end

-- Public view of an entry (no key).
local function public(entry)
  return { name = entry.name, url = entry.url, source = entry.source, created_at = entry.created_at }
end

function orc.list()
  local out = {}
  for i, entry in ipairs(entries()) do out[i] = public(entry) end
  return out
end

local function entry_named(name)
  for _, entry in ipairs(entries()) do
    if entry.name == name then return entry end
  end
  return nil
end

function orc.exists(name)
  return entry_named(name) ~= nil
end

local function err(name, kind, status, detail)
  return { orchestrator = name, kind = kind, status = status or 0, detail = detail }
end

-- What an orchestrator said in an error body: its bodies come as {"status":"error","info":..},
-- {"error":..}, {"message":..}, {"exception":..} or a bare JSON string.
local function said(body)
  local ok, decoded = pcall(json.decode, body or "")
  if not ok then
    local text = tostring(body or ""):gsub("%s+", " ")
    return text ~= "" and text:sub(1, 300) or nil
  end
  if type(decoded) == "string" then return decoded end
  if type(decoded) == "table" then
    local parts = {}
    for _, field in ipairs({ "info", "error", "message", "exception" }) do
      if type(decoded[field]) == "string" and decoded[field] ~= "" then parts[#parts + 1] = decoded[field] end
    end
    if type(decoded.err_code) == "string" then parts[#parts + 1] = "(" .. decoded.err_code .. ")" end
    if #parts > 0 then return table.concat(parts, " — ") end
  end
  return nil
end
orc.said = said

local function request_for(entry, method, path, body, timeout)
  local headers = { ["X-Api-Key"] = entry.key, ["Accept"] = "application/json" }
  local encoded
  if body ~= nil then
    encoded = json.encode(body)
    headers["Content-Type"] = "application/json"
  end
  return {
    method = method,
    url = entry.url .. API .. path,
    headers = headers,
    body = encoded,
    timeout = timeout or orc.QUICK,
    retries = method == "GET" and 1 or 0,
  }
end

-- Turns one HTTP result into data or an error. raw = true: the body is returned as it came (files).
-- The core's transport messages start with "METHOD host:port/path: reason"; users see the orchestrator's
-- name instead, never its address (only admins may see URLs).
local function reason_only(message)
  local text = tostring(message or "")
  return (text:match(": ([^:]+)$")) or (text:gsub("https?://%S+", ""):gsub("%S+:%d+%S*", ""))
end

local function interpret(name, res, transport_error, transport_kind, raw)
  if res == nil then
    return nil, err(name, transport_kind == "timeout" and "timeout" or "unreachable", 0, reason_only(transport_error))
  end
  local status = res.status
  if status == 401 or status == 403 then return nil, err(name, "auth", status, said(res.body)) end
  if status < 200 or status > 299 then return nil, err(name, "http", status, said(res.body)) end
  if raw then return res.body, nil, res end
  local ok, decoded = pcall(json.decode, res.body)
  if not ok or decoded == nil then
    return nil, err(name, "malformed", status, "not JSON: " .. tostring(res.body):sub(1, 120))
  end
  if type(decoded) == "table" and decoded.status == "error" then
    return nil, err(name, "failed", status, said(res.body))
  end
  return decoded
end

-- One call on the orchestrator named `name`: orc.call("local", "GET", "/servers").
-- options: timeout (seconds), raw (return the body untouched).
function orc.call(name, method, path, body, options)
  local entry = entry_named(name)
  if entry == nil then return nil, err(name, "unknown", 0, nil) end
  options = options or {}
  local res, message, kind = http.request(request_for(entry, method, path, body, options.timeout))
  return interpret(name, res, message, kind, options.raw)
end

function orc.get(name, path, options) return orc.call(name, "GET", path, nil, options) end

-- The same request on every registered orchestrator at once. Returns a list of
-- { name = , data = , err = } in registration order ({} when none is registered).
function orc.each(method, path, options)
  local list = entries()
  if #list == 0 then return {} end
  options = options or {}
  local requests = {}
  for i, entry in ipairs(list) do requests[i] = request_for(entry, method, path, options.body, options.timeout) end
  local results = http.request_all(requests)
  local out = {}
  for i, entry in ipairs(list) do
    local r = results[i]
    local data, e
    if r.error then
      data, e = interpret(entry.name, nil, r.error, r.kind, options.raw)
    else
      data, e = interpret(entry.name, r, nil, nil, options.raw)
    end
    out[i] = { name = entry.name, data = data, err = e, elapsed_ms = r.elapsed_ms }
  end
  return out
end

-- Names: what Discord users type, stored as given after trimming.
local function valid_name(name)
  return type(name) == "string" and #name >= 2 and #name <= 32 and name:match("^[%w][%w._-]*$") ~= nil
end
orc.valid_name = valid_name

local function normal_url(url)
  url = tostring(url or ""):gsub("^%s+", ""):gsub("%s+$", ""):gsub("/+$", "")
  url = url:gsub("/api/v1$", "")
  if not url:match("^https?://[%w%.%-%[%]:]+[%w/%.%-_~]*$") or #url > 200 then return nil end
  return url
end
orc.normal_url = normal_url

-- Registers after checking that the orchestrator answers GET /orchestrator with that key.
-- Returns the orchestrator's version, or nil and an error (kind "invalid" for bad input, "exists").
function orc.register(name, url, key)
  name = tostring(name or ""):gsub("^%s+", ""):gsub("%s+$", "")
  key = tostring(key or ""):gsub("^%s+", ""):gsub("%s+$", "")
  local base = normal_url(url)
  if not valid_name(name) then return nil, err(name, "invalid", 0, "name") end
  if base == nil then return nil, err(name, "invalid", 0, "url") end
  if key == "" or #key > 200 or key:match("[%c%s]") then return nil, err(name, "invalid", 0, "key") end
  if entry_named(name) then return nil, err(name, "exists", 0, nil) end
  local probe = { name = name, url = base, key = key }
  local res, message, kind = http.request(request_for(probe, "GET", "/orchestrator", nil, orc.QUICK))
  local data, e = interpret(name, res, message, kind)
  if data == nil then return nil, e end
  if type(data) ~= "table" or data.version == nil then
    return nil, err(name, "malformed", res and res.status or 0, "GET /orchestrator did not return a version")
  end
  local saved, why = peon.registry.put(name, base, key, "user")
  if not saved then return nil, err(name, "store", 0, why) end
  return tostring(data.version)
end

function orc.deregister(name)
  return peon.registry.delete(name)
end

return orc
