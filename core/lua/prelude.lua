-- The host prelude: compiled into the binary and run once per Lua state, before any script.
-- It builds the async API scripts see (sleep, http.request, ...) on top of the C primitives, and makes
-- the coroutine library safe to use alongside host yields.
local host = ...
local SENTINEL = host.SENTINEL
local raw_yield, raw_resume, raw_status = coroutine.yield, coroutine.resume, coroutine.status
local pack, unpack = table.pack, table.unpack

-- Waits for the operation the C side just started; the host resumes us with its results.
local function await(op)
  return raw_yield(SENTINEL, op)
end

-- A script's own coroutines must not swallow host yields: when the inner coroutine yields for the host,
-- pass that yield out to the task and hand the answer back in.
local function resume_through(co, ...)
  local results = pack(raw_resume(co, ...))
  while results[1] and results[2] == SENTINEL and raw_status(co) == "suspended" do
    local answer = pack(raw_yield(unpack(results, 2, results.n)))
    results = pack(raw_resume(co, unpack(answer, 1, answer.n)))
  end
  return unpack(results, 1, results.n)
end

local safe_coroutine = {
  create = coroutine.create,
  isyieldable = coroutine.isyieldable,
  running = coroutine.running,
  status = coroutine.status,
  close = coroutine.close,
  yield = coroutine.yield,
  resume = resume_through,
  wrap = function(fn)
    local co = coroutine.create(fn)
    return function(...)
      local results = pack(resume_through(co, ...))
      if not results[1] then error(results[2], 2) end
      return unpack(results, 2, results.n)
    end
  end,
}

-- The script generation a task was started for (LOAD handlers), by task thread; see dispatch.event.
host.task_generation = setmetatable({}, { __mode = "k" })

local function sleep(seconds)
  return await(host.start_sleep(seconds))
end

local http = {}
function http.request(request)
  if type(request) ~= "table" then error("http.request expects a table {method=, url=, ...}", 2) end
  return await(host.start_http(request))
end

-- Several requests in flight at once; returns their results in request order, each either
-- {status=, body=, elapsed_ms=} or {error=, kind=} (the request never got an HTTP answer).
function http.request_all(requests)
  if type(requests) ~= "table" then error("http.request_all expects a list of request tables", 2) end
  return await(host.start_http_all(requests))
end

local log = {}
for _, level in ipairs({ "error", "warn", "info", "debug" }) do
  log[level] = function(fmt, ...)
    host.log(level, select("#", ...) > 0 and string.format(fmt, ...) or tostring(fmt))
  end
end

local store = {
  get = host.store_get,
  set = host.store_set,
  delete = host.store_delete,
  -- One SQL statement with bound values: rows for a query, { changes =, last_id = } otherwise, or
  -- nil, message. store.sql("SELECT * FROM schedules WHERE guild_id = ?", ctx.guild_id)
  sql = host.sql,
}

-- Several statements as one transaction: all of fn's writes land, or none. fn must not wait (no async
-- calls inside): other handlers would otherwise see, or add to, a half-done transaction.
function store.transaction(fn)
  local begun, why = host.sql("BEGIN IMMEDIATE")
  if not begun then return nil, why end
  local co = coroutine.create(fn)
  local results = pack(raw_resume(co))
  if results[1] and raw_status(co) ~= "dead" then
    host.sql("ROLLBACK")
    error("store.transaction: the function waited (an async call); nothing was written", 2)
  end
  if not results[1] then
    host.sql("ROLLBACK")
    error(results[2], 0)
  end
  local committed, commit_error = host.sql("COMMIT")
  if not committed then
    host.sql("ROLLBACK")
    return nil, commit_error
  end
  return unpack(results, 2, results.n)
end

-- Discord REST from scripts, through the core's rate limiter. Every function yields until Discord answered
-- and returns the decoded body (true for an empty answer), or nil, a message and the HTTP status.
local discord = {}
local NO_PINGS

local function snowflake(name, value)
  if type(value) ~= "string" or not value:match("^%d+$") or #value > 20 then
    error(string.format("%s must be an id string of digits, got %s", name, tostring(value)), 3)
  end
  return value
end

function discord.request(method, path, body, options)
  if type(method) ~= "string" or type(path) ~= "string" then
    error("discord.request(method, path [, body [, {reason=, files=}]])", 2)
  end
  local json = require("core.json")
  if type(body) == "table" then body = json.encode(body) end
  local files = options and options.files
  if files ~= nil and type(files) ~= "table" then error("files must be a list of {name=, data=}", 2) end
  local started, why = host.start_discord(method, path, body, options and options.reason, files)
  if not started then return nil, why, 0 end
  local res, err = await(started)
  if not res then return nil, err, 0 end
  if res.status >= 200 and res.status < 300 then
    if res.body == "" then return true, nil, res.status end
    local ok, decoded = pcall(json.decode, res.body)
    if ok then return decoded, nil, res.status end
    return nil, "Discord answered with something that is not JSON", res.status
  end
  local message = res.body
  local ok, decoded = pcall(json.decode, res.body)
  if ok and type(decoded) == "table" and decoded.message then
    message = string.format("%s (code %s)", decoded.message, tostring(decoded.code))
  end
  return nil, string.format("Discord answered %d: %s", res.status, message), res.status
end

-- A message is a string or a table; mentions never ping unless the script says so. `files` (a list of
-- {name=, data=, content_type=}) go as attachments; the rest is the JSON payload.
local function message_body(message)
  if type(message) == "string" then message = { content = message } end
  if type(message) ~= "table" then error("a message is a string or a table", 3) end
  local out = {}
  for key, value in pairs(message) do
    if key ~= "files" then out[key] = value end
  end
  if out.allowed_mentions == nil then
    NO_PINGS = NO_PINGS or { parse = require("core.json").array() }
    out.allowed_mentions = NO_PINGS
  end
  local files = message.files
  if files then
    local attachments = {}
    for i, file in ipairs(files) do
      attachments[i] = { id = i - 1, filename = file.name }
    end
    out.attachments = attachments
  end
  return out, files and { files = files } or nil
end

function discord.send_message(channel_id, message)
  local body, options = message_body(message)
  return discord.request("POST", "/channels/" .. snowflake("channel_id", channel_id) .. "/messages", body, options)
end

function discord.edit_message(channel_id, message_id, message)
  local body, options = message_body(message)
  return discord.request("PATCH", "/channels/" .. snowflake("channel_id", channel_id) .. "/messages/"
    .. snowflake("message_id", message_id), body, options)
end

function discord.delete_message(channel_id, message_id)
  return discord.request("DELETE", "/channels/" .. snowflake("channel_id", channel_id) .. "/messages/"
    .. snowflake("message_id", message_id))
end

function discord.get_channel(channel_id)
  return discord.request("GET", "/channels/" .. snowflake("channel_id", channel_id))
end

-- Host controls for scripts (the /reload command uses them).
local peon = {}
-- peon.reload(why) -> number of commands, nil, milliseconds taken | nil, "file:line: message"
function peon.reload(why) return host.reload(why) end
-- The live commands as registered with Discord: a list of command tables (for /reload's report).
function peon.commands() return require("core.json").decode(host.commands_json()) end
function peon.sync_commands() return await(host.start_sync()) end
-- The core's counters (Discord REST and rate limits, Lua tasks) as tables, for /debug.
function peon.stats() return host.stats() end

-- The settings scripts act on (control_channel, language, timezone, guild_id, legacy_commands,
-- version); read-only, and without the token or any API key.
do
  local settings = host.config()
  peon.config = setmetatable({}, {
    __index = settings,
    __newindex = function() error("peon.config is read-only", 2) end,
    __metatable = false,
  })
end

-- Runs fn(...) as a separate task (it starts on the next loop turn); its errors are logged with a
-- traceback instead of reaching anyone.
function peon.spawn(fn, ...)
  if type(fn) ~= "function" then error("peon.spawn(fn, ...) needs a function", 2) end
  return host.spawn(function(...)
    local ok, err = xpcall(fn, host.traceback, ...)
    if not ok then host.log("error", "background task failed: " .. tostring(err)) end
  end, ...)
end

-- The bot's presence: a custom status with `text` on every shard ("" clears it), sent to Discord only
-- when it changed. Returns false while the gateway is not running yet (try again with the next update).
function peon.set_presence(text)
  if type(text) ~= "string" then error("peon.set_presence(text) needs a string", 2) end
  return host.set_presence(text)
end

-- Calls fn() now and then every `seconds` for as long as the script generation that started it is
-- live: after a /reload the old loop ends at its next turn and the new scripts' `events.LOAD` starts
-- theirs. Meant to be called from an `events.LOAD` handler; an error in fn is logged, the loop goes on.
function peon.every(seconds, fn)
  if type(seconds) ~= "number" or seconds < 1 then error("peon.every: seconds must be a number >= 1", 2) end
  if type(fn) ~= "function" then error("peon.every(seconds, fn) needs a function", 2) end
  local generation = host.task_generation[coroutine.running()] or host.generation()
  while host.generation() == generation do
    local ok, err = xpcall(fn, host.traceback)
    if not ok then host.log("error", "periodic task failed: " .. tostring(err)) end
    -- A /reload during fn is seen here; one during the pause wakes it (start_sleep's second argument).
    if host.generation() ~= generation then break end
    await(host.start_sleep(seconds, true))
  end
end

-- Times users type ("15m", "22:30", "2024-12-25.14:00") and times shown to them, in TIMEZONE unless a
-- zone is given. parse_timer -> { epoch=, kind=, tomorrow=, shifted= } or nil, message;
-- format_time -> short text (e.g. "22:30 CET"), full text ("2024-12-25 22:30 CET").
function peon.parse_timer(text, zone, now)
  return host.parse_timer(text, zone or peon.config.timezone or "UTC", now)
end

function peon.format_time(epoch, zone, now)
  return host.format_time(epoch, zone or peon.config.timezone or "UTC", now)
end

-- Schedules: what an admin types as `when` ("daily 04:00", "weekdays 23:30", "mon,thu 18:00",
-- "every 6h", a 5-field cron expression, or a one-shot timer) in TIMEZONE unless `zone` is given.
-- schedule_rule -> { next =, kind =, text = canonical, description =, interval =, anchor = } | nil, message
-- schedule_next(canonical, zone, after, anchor) -> the first run after `after`, or nil when none is left.
function peon.schedule_rule(text, zone, now, anchor)
  return host.schedule_rule(text, zone or peon.config.timezone or "UTC", now or os.time(), anchor)
end

function peon.schedule_next(text, zone, after, anchor)
  return host.schedule_next(text, zone or peon.config.timezone or "UTC", after or os.time(), anchor)
end

-- The orchestrator registry (names, URLs, API keys). Scripts use it through scripts/lib/orc.lua,
-- which never shows a key; anything that prints these entries must leave `key` out.
peon.registry = {
  list = host.orc_list,
  put = host.orc_put,
  delete = host.orc_delete,
  -- The Python bot's peon.orchestrators.json (PEON_IMPORT_ORCHESTRATORS): text, path | nil, why.
  read_legacy = host.read_legacy_registry,
}

return {
  peon = peon,
  discord = discord,
  coroutine = safe_coroutine,
  sleep = sleep,
  http = http,
  log = log,
  store = store,
  await = await,
}
