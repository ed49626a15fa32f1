-- JSON encoding for what peon-bot sends to Discord. cjson (Debian's 2.1.0) writes an empty Lua table as
-- {}, but Discord wants [] for a cleared component list or "ping nobody". This encoder writes [] for
-- tables marked with json.array() and for empty values of fields Discord defines as arrays; strings and
-- numbers are still encoded by cjson. With sorted = true, object keys come out in order (canonical JSON).
local cjson = require("cjson")

local M = { null = cjson.null }

local ARRAY = { __name = "json.array" }
local ARRAY_FIELDS = {}
for name in ("components embeds fields parse users roles choices options attachments values contexts "
  .. "channel_types default_values sticker_ids files integration_types"):gmatch("%S+") do
  ARRAY_FIELDS[name] = true
end

function M.array(t)
  return setmetatable(t or {}, ARRAY)
end

local encode_value

local function is_array(t)
  if getmetatable(t) == ARRAY then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function encode_table(t, out, sorted, depth, key)
  if depth > 64 then error("json: nesting deeper than 64 (a table that contains itself?)", 0) end
  if is_array(t) or (next(t) == nil and ARRAY_FIELDS[key]) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], out, sorted, depth + 1)
    end
    out[#out + 1] = "]"
    return
  end
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" and math.type(k) ~= "integer" then
      error("json: object keys must be strings (got " .. type(k) .. ")", 0)
    end
    keys[#keys + 1] = k
  end
  if sorted then table.sort(keys, function(a, b) return tostring(a) < tostring(b) end) end
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = cjson.encode(tostring(k))
    out[#out + 1] = ":"
    encode_value(t[k], out, sorted, depth + 1, tostring(k))
  end
  out[#out + 1] = "}"
end

encode_value = function(v, out, sorted, depth, key)
  local t = type(v)
  if t == "table" then
    encode_table(v, out, sorted, depth, key)
  elseif t == "string" or t == "number" or t == "boolean" or v == cjson.null then
    out[#out + 1] = cjson.encode(v)
  elseif t == "nil" then
    out[#out + 1] = "null"
  else
    error("json: cannot encode a " .. t, 0)
  end
end

function M.encode(value, options)
  local out = {}
  encode_value(value, out, options and options.sorted, 0)
  return table.concat(out)
end

M.decode = cjson.decode

return M
