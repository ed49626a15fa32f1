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

local function sleep(seconds)
  return await(host.start_sleep(seconds))
end

local http = {}
function http.request(request)
  if type(request) ~= "table" then error("http.request expects a table {method=, url=, ...}", 2) end
  return await(host.start_http(request))
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
}

-- Host controls for scripts (the /reload command uses them).
local peon = {}
function peon.reload(why) return host.reload(why) end
function peon.sync_commands() return await(host.start_sync()) end

return {
  peon = peon,
  coroutine = safe_coroutine,
  sleep = sleep,
  http = http,
  log = log,
  store = store,
  await = await,
}
