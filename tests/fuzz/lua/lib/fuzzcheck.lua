-- The Lua half of the custom_id fuzzer (tests/fuzz/fuzz_custom_id.c). The C side dispatches interactions
-- through lua_host_interaction, like the gateway does, and runs these functions as tasks in between; an
-- error here is an invariant violation (the C side stops the fuzzer with its message).
local ui = require("ui")
local dispatch = require("core.dispatch")

local M = { last = nil, pending = nil }

-- What fz:echo was called with.
function M.record(ctx, ...)
  M.last = {
    view = ctx.view, action = ctx.action, args = table.pack(...), ctx_args = ctx.args,
    custom_id = ctx.custom_id, confirmation = ctx.confirmation, user = ctx.user and ctx.user.id,
  }
end

function M.reset()
  M.last, M.pending = nil, nil
end

local function fail(fmt, ...)
  error("INVARIANT " .. string.format(fmt, ...), 0)
end

-- %XX -> byte, the documented decoding of every piece.
local function decode(piece)
  return (piece:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

local function same_args(a, b)
  if a.n ~= b.n then return false end
  for i = 1, a.n do
    if a[i] ~= b[i] then return false end
  end
  return true
end

local function show(s)
  return (string.format("%q", s):gsub("\n", "n"))
end

-- A custom_id the C side dispatched as it came (user 42): checks what reached fz:echo, and leaves the
-- re-encoded arguments in M.pending for the C side to dispatch again.
function M.check_raw(id)
  local last = M.last
  M.last = nil
  local plain, bound = id, false
  if id:match("^:([0-9a-z]+)%.([0-9a-z]+):") then
    bound = true
    local user, expires, rest = dispatch.unbind(id)
    if last ~= nil then
      if user ~= "42" then fail("bound to %s, but user 42 got through: %s", tostring(user), show(id)) end
      if expires == nil or expires < os.time() then fail("an expired confirmation got through: %s", show(id)) end
      plain = rest
    end
  end
  local pieces = {}
  for piece in (plain .. ":"):gmatch("(.-):") do pieces[#pieces + 1] = piece end
  local view, action = decode(pieces[1] or ""), decode(pieces[2] or "")
  if last == nil then
    if not bound and view == "fz" and action == "echo" then fail("%s did not reach fz:echo", show(id)) end
    return
  end
  if last.view ~= "fz" or last.action ~= "echo" then
    fail("fz:echo ran for view %s action %s", tostring(last.view), tostring(last.action))
  end
  if view ~= "fz" or action ~= "echo" then fail("%s reached fz:echo", show(id)) end
  if last.args.n ~= #pieces - 2 then fail("%s: %d arguments, %d expected", show(id), last.args.n, #pieces - 2) end
  for i = 1, last.args.n do
    if last.args[i] ~= last.ctx_args[i] then fail("ctx.args[%d] differs from the handler's argument", i) end
    if last.args[i] ~= decode(pieces[i + 2]) then fail("%s: argument %d is %s", show(id), i, show(last.args[i])) end
  end
  if last.custom_id ~= id then fail("ctx.custom_id is %s, not %s", show(last.custom_id), show(id)) end
  -- Encoding what was decoded must give back the same arguments (the codec is a fixed point after one pass).
  local ok, again = pcall(ui.id, "fz", "echo", table.unpack(last.args, 1, last.args.n))
  if ok then M.pending = { id = again, args = last.args, expect = true, user = "42" } end
end

-- input: a flags byte, then view, action and arguments separated by NUL bytes. Checks ui.id's refusals
-- and prepares fz:echo with the same arguments (optionally bound to a user) in M.pending.
function M.roundtrip(input)
  local flags = input:byte(1) or 0
  local parts = {}
  for part in (input:sub(2) .. "\0"):gmatch("(.-)\0") do parts[#parts + 1] = part end
  local view, action = parts[1] or "", parts[2] or ""
  local args = table.pack(table.unpack(parts, 3))
  local ok, id = pcall(ui.id, view, action, table.unpack(args, 1, args.n))
  if ok then
    if type(id) ~= "string" or #id > 100 then fail("ui.id made %s", show(tostring(id))) end
    if view == "" or action == "" or view:find(":", 1, true) or action:find(":", 1, true) then
      fail("ui.id accepted view %s action %s", show(view), show(action))
    end
  else
    local known = { "is required", "must not be empty", "cannot contain ':'", "is not valid UTF%-8",
      "Discord allows 100", "must be text" }
    local explained = false
    for _, pattern in ipairs(known) do explained = explained or tostring(id):find(pattern) ~= nil end
    if not explained then fail("ui.id refused with %s", show(tostring(id))) end
  end
  local ok2, plain = pcall(ui.id, "fz", "echo", table.unpack(args, 1, args.n))
  if not ok2 then return end
  local pending = { id = plain, args = args, expect = true, user = "42" }
  if flags & 1 ~= 0 then
    -- A confirmation: bound to user 42 until an hour from now (or already expired with flag 2).
    local expires = os.time() + ((flags & 2 ~= 0) and -10 or 3600)
    local bound = dispatch.bind(plain, "42", expires)
    local user, back_expires, rest = dispatch.unbind(bound)
    if user ~= "42" or back_expires ~= expires or rest ~= plain then fail("unbind(bind(%s)) differs", show(plain)) end
    pending.id = bound
    pending.expect = flags & 2 == 0
    if flags & 4 ~= 0 then
      pending.user = "43" -- someone else presses it
      pending.expect = false
    end
  end
  M.pending = pending
end

-- After the C side dispatched M.pending.id as M.pending.user.
function M.check_pending()
  local pending, last = M.pending, M.last
  M.pending, M.last = nil, nil
  if pending == nil then return end
  if not pending.expect then
    if last ~= nil then fail("%s ran for user %s", show(pending.id), pending.user) end
    return
  end
  if last == nil then fail("%s did not reach fz:echo", show(pending.id)) end
  if not same_args(last.args, pending.args) then
    local got = {}
    for i = 1, last.args.n do got[i] = show(last.args[i]) end
    fail("%s decoded to (%s)", show(pending.id), table.concat(got, ", "))
  end
  if pending.id:sub(1, 1) == ":" and (last.confirmation == nil or last.confirmation.user ~= "42") then
    fail("a confirmation ran without ctx.confirmation")
  end
end

-- input: a user id and an expiry (decimal, separated by a space): bind/unbind round trip and refusals.
function M.bindtrip(input)
  local user, expires_text = input:match("^(%S*) ?(.*)$")
  local expires = math.tointeger(tonumber(expires_text))
  local ok, bound = pcall(dispatch.bind, "fz:echo:x", user, expires)
  local valid_user = type(user) == "string" and user:match("^%d+$") ~= nil and #user <= 20
  local valid_expires = expires ~= nil and expires >= 0
  if ok ~= (valid_user and valid_expires) then
    fail("bind(%s, %s) %s", show(tostring(user)), show(tostring(expires_text)), ok and "accepted" or "refused")
  end
  if not ok then return end
  local back_user, back_expires, rest = dispatch.unbind(bound)
  local canonical = user:gsub("^0+(%d)", "%1") -- the id in base 36 has no leading zeros
  if back_user ~= canonical or back_expires ~= expires or rest ~= "fz:echo:x" then
    fail("unbind(bind(%s, %d)) = %s, %s", user, expires, show(tostring(back_user)), tostring(back_expires))
  end
end

return M
