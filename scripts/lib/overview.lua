-- Shared by the read-only commands (/list, /about, /debug): who may see orchestrator URLs, a health probe
-- of every orchestrator at once, and cutting long lists into pages that fit an embed.
local orc = require("orc")

local overview = {}

-- Seconds an orchestrator gets to answer a probe or a list: slower ones are reported, not waited for.
overview.PROBE_TIMEOUT = 4
overview.LIST_TIMEOUT = 6

local ADMINISTRATOR, MANAGE_GUILD = 8, 32

-- Orchestrator URLs are shown only to members with Administrator or Manage Server.
function overview.is_admin(ctx)
  local bits = math.tointeger(tonumber(ctx and ctx.permissions or "0")) or 0
  return bits & ADMINISTRATOR ~= 0 or bits & MANAGE_GUILD ~= 0
end

-- GET /orchestrator on every orchestrator at once:
-- { { name=, url=, ok=, version=, ms=, err= }, ... } in registration order.
function overview.probe(timeout)
  local urls = {}
  for _, entry in ipairs(orc.list()) do urls[entry.name] = entry.url end
  local out = {}
  for i, r in ipairs(orc.each("GET", "/orchestrator", { timeout = timeout or overview.PROBE_TIMEOUT })) do
    local version = r.err == nil and type(r.data) == "table" and r.data.version or nil
    local err = r.err
    if err == nil and version == nil then
      err = { orchestrator = r.name, kind = "malformed", status = 200, detail = "GET /orchestrator without a version" }
    end
    out[i] = { name = r.name, url = urls[r.name], ok = err == nil, version = version and tostring(version),
               ms = r.elapsed_ms and math.floor(r.elapsed_ms + 0.5), err = err }
  end
  return out
end

-- A copy of an orc error whose detail no longer names any orchestrator's address (transport errors say
-- "GET host:port/api/v1/...: connection refused"): for messages non-admins can read.
function overview.hide_addresses(err, replacement)
  if type(err) ~= "table" or type(err.detail) ~= "string" then return err end
  local detail = err.detail
  for _, entry in ipairs(orc.list()) do
    local url = tostring(entry.url or "")
    for _, secret in ipairs({ url, url:match("^%a+://([^/]+)") or "" }) do
      if #secret >= 3 then detail = detail:gsub(secret:gsub("%p", "%%%0"), (replacement:gsub("%%", "%%%%"))) end
    end
  end
  local copy = {}
  for k, v in pairs(err) do copy[k] = v end
  copy.detail = detail
  return copy
end

-- Text from outside shown inside `code`: markdown is inert there, only backticks and line breaks matter.
function overview.code(text)
  return (tostring(text or ""):gsub("[`%c]", " "))
end

local function clip(text, limit)
  if utf8.len(text) == nil or utf8.len(text) <= limit then return text end
  return text:sub(1, utf8.offset(text, limit) - 1) .. "…"
end
overview.clip = clip

-- Cuts groups of lines into page texts. groups = { { header = "text" or nil, lines = { ... } }, ... };
-- a group that spills onto the next page repeats its header with `continued` appended. Pages stay well
-- under an embed description (4096) so the title and footer always fit too.
function overview.pages(groups, options)
  options = options or {}
  local budget, max_lines, continued = options.chars or 3000, options.lines or 30, options.continued or ""
  local pages, current, size = {}, {}, 0
  local function flush()
    if #current > 0 then pages[#pages + 1] = table.concat(current, "\n") end
    current, size = {}, 0
  end
  local function room(...)
    local need, count = 0, select("#", ...)
    for i = 1, count do need = need + utf8.len((select(i, ...))) + 1 end
    return #current + count <= max_lines and size + need <= budget
  end
  local function add(line)
    current[#current + 1] = line
    size = size + utf8.len(line) + 1
  end
  for _, group in ipairs(groups) do
    local header = group.header and clip(group.header, 250)
    local lines = group.lines or {}
    if header then
      -- A header alone at the bottom of a page says nothing: it moves with its first line.
      if #current > 0 and not room("", header, lines[1] and clip(lines[1], 300) or "") then flush() end
      if #current > 0 then add("") end -- a blank line between groups
      add(header)
    end
    for _, raw in ipairs(lines) do
      local line = clip(raw, 300)
      if not room(line) then
        flush()
        if header then add(header .. continued) end
      end
      add(line)
    end
  end
  flush()
  if #pages == 0 then pages[1] = "" end
  return pages
end

return overview
