-- Routes each interaction to its script and gives the handler a ctx. Compiled into the binary: the
-- guarantees here (every interaction gets an answer, errors become a clear message) don't depend on the
-- scripts, which reload. Runs inside a task, so answers yield until Discord has them.
local host, api = ...
local cjson = require("cjson")
local json = require("core.json")
local cache = require("core.cache")

-- What scripts can ask about the gateway's view of the server.
api.peon.channel = cache.channel
api.peon.find_channel = cache.find_channel
api.peon.role = cache.role
api.peon.guild = cache.guild

local M = {}

local EPHEMERAL = 64
local NO_PINGS = { parse = json.array() }

-- Text over Discord's limits would make Discord refuse the whole answer, and the user would see "This
-- interaction failed"; cut it instead (with "…") and log which limit a script ran into.
local function clip(text, limit, what, clipped)
  if type(text) ~= "string" then return text end
  local length = utf8.len(text) or #text
  if length <= limit then return text end
  clipped[#clipped + 1] = what
  local cut = utf8.len(text) and utf8.offset(text, limit) or limit
  return text:sub(1, cut - 1) .. "…"
end

local function embed_size(e)
  local n = #(e.title or "") + #(e.description or "") + #((e.footer or {}).text or "") + #((e.author or {}).name or "")
  for _, f in ipairs(e.fields or {}) do n = n + #(f.name or "") + #(f.value or "") end
  return n
end

local function fit_to_limits(out)
  local clipped = {}
  out.content = clip(out.content, 2000, "content", clipped)
  local total = 0
  for i, e in ipairs(type(out.embeds) == "table" and out.embeds or {}) do
    if type(e) == "table" then
      e.title = clip(e.title, 256, "embed title", clipped)
      e.description = clip(e.description, 4096, "embed description", clipped)
      if type(e.footer) == "table" then e.footer.text = clip(e.footer.text, 2048, "embed footer", clipped) end
      for _, f in ipairs(type(e.fields) == "table" and e.fields or {}) do
        f.name = clip(f.name, 256, "field name", clipped)
        f.value = clip(f.value, 1024, "field value", clipped)
      end
      total = total + embed_size(e)
      if total > 6000 and type(e.description) == "string" then
        local room = math.max(0, #e.description - (total - 6000) - 10)
        e.description = clip(e.description:sub(1, room), math.max(1, room), "embeds total", clipped)
        total = 6000
      end
      out.embeds[i] = e
    end
  end
  if #clipped > 0 then api.log.warn("an answer was over Discord's limits (%s): cut", table.concat(clipped, ", ")) end
end

-- Turns what a handler passes (a string or a table) into Discord's message JSON, and its `files`
-- ({ {name=, data=, content_type=}, ... }, sent as attachments) when there are any.
local function message_json(message)
  if type(message) == "string" then message = { content = message } end
  if type(message) ~= "table" then error("answer with a string or a message table", 3) end
  local out = {}
  for key, value in pairs(message) do
    if key ~= "ephemeral" and key ~= "files" then out[key] = value end
  end
  if message.ephemeral then out.flags = (out.flags or 0) | EPHEMERAL end
  fit_to_limits(out)
  -- User-supplied text must never ping @everyone or a role by surprise.
  if out.allowed_mentions == nil then out.allowed_mentions = NO_PINGS end
  local files = message.files
  if files ~= nil then
    if type(files) ~= "table" then error("files must be a list of {name=, data=}", 3) end
    local attachments = json.array()
    for i, file in ipairs(files) do
      attachments[i] = { id = i - 1, filename = type(file) == "table" and file.name or nil }
    end
    out.attachments = attachments
  end
  return json.encode(out), files
end

-- Flattens Discord's nested validation errors into "path: message" lines (error code 50035).
local function explain(body)
  local ok, decoded = pcall(cjson.decode, body or "")
  if not ok or type(decoded) ~= "table" or type(decoded.errors) ~= "table" then return nil end
  local lines = {}
  local function walk(node, path)
    for key, value in pairs(node) do
      if key == "_errors" and type(value) == "table" then
        for _, e in ipairs(value) do
          lines[#lines + 1] = string.format("%s: %s", path ~= "" and path or "(message)", tostring(e.message))
        end
      elseif type(value) == "table" then
        walk(value, path == "" and tostring(key) or (path .. "." .. tostring(key)))
      end
    end
  end
  walk(decoded.errors, "")
  table.sort(lines)
  return table.concat(lines, "; ")
end

local Ctx = {}
Ctx.__index = Ctx

-- Sends one answer and waits for Discord; raises on failure so a script notices (pcall to handle it).
function Ctx:_answer(kind, payload, files)
  self._answered = true
  host.start_answer(self._handle, kind, payload, files)
  local ok, body_or_err, status, code = api.await()
  if not ok then
    local detail = status == 400 and explain(body_or_err) or nil
    error(string.format("%s failed: %s%s%s", kind, body_or_err, code ~= 0 and code and (" [code " .. code .. "]") or "",
      detail and (" (" .. detail .. ")") or ""), 3)
  end
  if body_or_err ~= nil and body_or_err ~= "" then
    local decoded_ok, decoded = pcall(cjson.decode, body_or_err)
    if decoded_ok then return decoded end
  end
  return true
end

function Ctx:reply(message) return self:_answer("reply", message_json(message)) end
function Ctx:followup(message) return self:_answer("reply", message_json(message)) end
function Ctx:update(message) return self:_answer("update", message_json(message)) end
function Ctx:edit_original(message) return self:_answer("edit", message_json(message)) end

-- Whether the member may use something that needs `capability` (view, operate, manage, admin).
function Ctx:can(capability) return M.permitted(self, capability) end

function Ctx:defer(options)
  local ephemeral = type(options) == "table" and options.ephemeral
  return self:_answer("defer", ephemeral and json.encode({ flags = EPHEMERAL }) or nil)
end

function Ctx:modal(modal)
  if type(modal) ~= "table" then error("modal expects a table {custom_id=, title=, components=}", 2) end
  return self:_answer("modal", json.encode(modal))
end

-- Options of a command (and the subcommand path) as plain name -> value.
local function read_options(data)
  local options, path = {}, {}
  local list = data.options
  while type(list) == "table" and list[1] ~= nil and (list[1].type == 1 or list[1].type == 2) do
    path[#path + 1] = list[1].name
    list = list[1].options
  end
  local focused
  for _, option in ipairs(type(list) == "table" and list or {}) do
    local value = option.value
    -- cjson decodes every JSON number as a float: an integer option should arrive as an integer (5, not 5.0).
    if option.type == 4 and math.type(value) == "float" then value = math.tointeger(value) or value end
    options[option.name] = value
    if option.focused then focused = option end
  end
  return options, path, focused
end

-- Finds the definition node for a subcommand path (the command itself when there is none).
local function node_for(def, path)
  local node = def
  for _, name in ipairs(path) do
    local found
    for _, list in ipairs({ node.subcommands or {}, node.groups or {}, node.options or {} }) do
      for _, child in ipairs(list) do
        if child.name == name then found = child end
      end
    end
    if found == nil then return nil end
    node = found
  end
  return node
end

local function option_spec(node, name)
  for _, spec in ipairs(node.options or {}) do
    if spec.name == name then return spec end
  end
  return nil
end

-- custom_id "view:action:arg1:arg2" -> view, action, { args }; arguments holding ':' or '%' arrive
-- percent-encoded (scripts/lib/ui.lua's ui.id does that) and are decoded here.
local function split_custom_id(custom_id)
  local parts = {}
  for piece in (custom_id .. ":"):gmatch("(.-):") do
    parts[#parts + 1] = piece:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end)
  end
  local view, action = parts[1], parts[2]
  return view, action, { table.unpack(parts, 3) }
end

-- Confirmations: a custom_id bound to one user until a time. The binding is a leading segment
-- ":<user id in base 36>.<expiry epoch in base 36>" in front of the ordinary "view:action:args"; an empty
-- first segment is never a view name, so plain custom_ids are unaffected. The dispatcher checks the
-- binding before any view handler runs and strips it, so handlers get the same arguments either way.
local DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
local now = os.time

-- A string of digits in base `from` rewritten in base `to` (exact at any length: user ids can pass 2^63).
local function rebase(text, from, to)
  local digits = {}
  for i = 1, #text do
    digits[i] = tonumber(text:sub(i, i), from)
    if digits[i] == nil then return nil end
  end
  if #digits == 0 then return nil end
  local out = {}
  repeat
    local quotient, remainder = {}, 0
    for _, digit in ipairs(digits) do
      local acc = remainder * from + digit
      remainder = acc % to
      if #quotient > 0 or acc >= to then quotient[#quotient + 1] = acc // to end
    end
    out[#out + 1] = DIGITS:sub(remainder + 1, remainder + 1)
    digits = quotient
  until #digits == 0
  return table.concat(out):reverse()
end

-- custom_id bound to user_id (a snowflake string) until `expires` (epoch seconds); used by ui.confirm.
function M.bind(custom_id, user_id, expires)
  if type(user_id) ~= "string" or not user_id:match("^%d+$") or #user_id > 20 then
    error("a confirmation needs the user id string of who may confirm, got " .. tostring(user_id), 2)
  end
  if math.type(expires) ~= "integer" or expires < 0 then error("expiry must be an integer epoch", 2) end
  return string.format(":%s.%s:%s", rebase(user_id, 10, 36), rebase(tostring(expires), 10, 36), custom_id)
end

-- The user id (decimal string), expiry (epoch) and the plain custom_id of a bound custom_id, or nil.
function M.unbind(custom_id)
  local user, expires, rest = custom_id:match("^:([0-9a-z]+)%.([0-9a-z]+):(.*)$")
  if user == nil then return nil end
  return rebase(user, 36, 10), math.tointeger(tonumber(expires, 36)), rest
end

local function new_ctx(interaction, handle)
  local member = interaction.member
  local user = member and member.user or interaction.user or {}
  local data = interaction.data or {}
  local ctx = setmetatable({
    _handle = handle,
    _answered = false,
    id = interaction.id,
    type = interaction.type,
    user = user,
    member = member,
    roles = member and member.roles or {},
    permissions = member and member.permissions or "0",
    guild_id = interaction.guild_id,
    channel_id = interaction.channel_id or (interaction.channel and interaction.channel.id),
    channel = interaction.channel,
    locale = interaction.locale or "en-US",
    attachment_size_limit = math.tointeger(interaction.attachment_size_limit),
    guild_locale = interaction.guild_locale,
    message = interaction.message,
    data = data,
    resolved = data.resolved,
  }, Ctx)
  local known = cache.channel(ctx.channel_id)
  ctx.channel_name = interaction.channel and interaction.channel.name or (known and known.name)
  ctx.parent_id = interaction.channel and interaction.channel.parent_id or (known and known.parent_id)
  return ctx
end

local function modal_fields(data)
  local fields = {}
  for _, row in ipairs(data.components or {}) do
    local inner = row.components or (row.component and { row.component }) or {}
    for _, input in ipairs(inner) do
      if input.custom_id then fields[input.custom_id] = input.value or input.values end
    end
  end
  return fields
end

-- Capabilities, from least to most: view < operate < manage < admin; holding one includes those below.
-- Members with Administrator or Manage Server hold all of them. Other members hold what their roles were
-- granted (/permissions, table role_grants) and always "view"; "operate" is open to every member until a
-- role of that guild is granted it, so a fresh install works and granting it is how you restrict it.
local ADMINISTRATOR, MANAGE_GUILD = 8, 32
local RANK = { view = 1, operate = 2, manage = 3, admin = 4 }
M.CAPABILITIES = { "view", "operate", "manage", "admin" }

-- Rows, or {} where there is no store (tools that run the host alone) or the query failed.
local function query(sql, ...)
  local ok, rows = pcall(host.sql, sql, ...)
  return ok and rows or {}
end

local function granted_rank(ctx)
  local roles = ctx.roles or {}
  if ctx.guild_id == nil or #roles == 0 then return 0 end
  local marks, values = {}, { ctx.guild_id }
  for i, role in ipairs(roles) do
    if i > 250 then break end
    marks[#marks + 1] = "?"
    values[#values + 1] = tostring(role)
  end
  local rows = query("SELECT capability FROM role_grants WHERE guild_id = ? AND role_id IN ("
    .. table.concat(marks, ",") .. ")", table.unpack(values))
  local best = 0
  for _, row in ipairs(rows) do best = math.max(best, RANK[row.capability] or 0) end
  return best
end

local function operate_restricted(guild_id)
  if guild_id == nil then return false end
  return #query("SELECT 1 AS yes FROM role_grants WHERE guild_id = ? AND capability = 'operate' LIMIT 1",
    guild_id) > 0
end

function M.permitted(ctx, capability)
  local needed = RANK[capability or "view"]
  if needed == nil then error("unknown capability '" .. tostring(capability) .. "'", 2) end
  local bits = math.tointeger(tonumber(ctx.permissions or "0")) or 0
  if bits & ADMINISTRATOR ~= 0 or bits & MANAGE_GUILD ~= 0 then return true end
  if needed == 1 then return true end
  if needed == 2 and not operate_restricted(ctx.guild_id) then return true end
  return granted_rank(ctx) >= needed
end

-- Why a member was refused, for the ephemeral reply.
function M.refusal(capability, what)
  return string.format("You need the '%s' capability for %s. A server administrator (Manage Server) can do "
    .. "it, or grant it to one of your roles with /permissions grant.", capability, what)
end

-- Each kind returns the function to run and its arguments, or nil and a message for the user.
local function route_command(gen, ctx, data)
  local def = gen.commands[data.name]
  if def == nil then
    return nil, string.format("The command /%s is not loaded on this bot (try /reload).", data.name)
  end
  local options, path = read_options(data)
  ctx.options, ctx.subcommand, ctx.command = options, path[#path], data.name
  ctx.group = #path == 2 and path[1] or nil
  local node = node_for(def, path)
  local capability = node and node.capability or def.capability
  if not M.permitted(ctx, capability) then return nil, M.refusal(capability, "/" .. data.name) end
  local handler = node and node.handler or def.handler
  if type(handler) ~= "function" then
    return nil, string.format("/%s %s has no handler yet.", data.name, table.concat(path, " "))
  end
  return handler, { ctx }
end

local function route_autocomplete(gen, ctx, data)
  local def = gen.commands[data.name]
  local options, path, focused = read_options(data)
  ctx.options, ctx.subcommand, ctx.command = options, path[#path], data.name
  local node = def and node_for(def, path)
  local spec = node and focused and option_spec(node, focused.name)
  if spec == nil or type(spec.autocomplete) ~= "function" then return nil end
  return spec.autocomplete, { ctx, focused.value }
end

-- Without a `cancel` action in its view, a confirmation's Cancel removes the buttons.
local function cancelled(ctx)
  ctx:update({ content = "Cancelled.", embeds = {}, components = {} })
end

local function route_view(gen, ctx, data)
  local custom_id = data.custom_id or ""
  local bound_user, expires, plain = M.unbind(custom_id)
  if bound_user ~= nil then
    -- Enforced here, before any script runs, so no view can forget it.
    ctx.confirmation = { user = bound_user, expires = expires }
    if ctx.user.id ~= bound_user then
      return nil, string.format("Only <@%s> can confirm this.", bound_user)
    end
    if expires == nil or now() > expires then
      return nil, "This confirmation expired, run the command again."
    end
    custom_id = plain
  end
  local view_name, action, args = split_custom_id(custom_id)
  ctx.custom_id, ctx.view, ctx.action, ctx.args = data.custom_id, view_name, action, args
  ctx.values = data.values
  if ctx.type == 5 then ctx.fields = modal_fields(data) end
  local view = gen.views and gen.views[view_name]
  local handler = view and view.actions and view.actions[action]
  if handler == nil and bound_user ~= nil and action == "cancel" then handler = cancelled end
  if type(handler) ~= "function" then
    return nil, "This button belongs to something that no longer exists. Run the command again."
  end
  return handler, { ctx, table.unpack(args) }
end

local function clamp_choices(result)
  local choices = {}
  for i, choice in ipairs(type(result) == "table" and result or {}) do
    if i > 25 then break end
    local name, value = choice, choice
    if type(choice) == "table" then name, value = choice.name, choice.value end
    name = tostring(name)
    if utf8.len(name) and utf8.len(name) > 100 then name = name:sub(1, utf8.offset(name, 100) - 1) .. "…" end
    if type(value) == "string" and #value > 100 then value = value:sub(1, 100) end
    choices[#choices + 1] = { name = name, value = value }
  end
  return json.encode({ choices = choices })
end

local function first_line(message)
  return (tostring(message):match("^[^\n]*"))
end

-- Collects every script's `events = { NAME = fn }` into gen.events[NAME] = { fn, ... } (at load). Each
-- handler is wrapped so its error is logged with a traceback, like a command handler's.
function M.index_events(gen)
  local index = {}
  local function collect(def)
    if type(def) ~= "table" or type(def.events) ~= "table" then return end
    for name, fn in pairs(def.events) do
      if type(fn) == "function" then
        index[name] = index[name] or {}
        table.insert(index[name], function(...)
          local ok, err = xpcall(fn, host.traceback, ...)
          if not ok then api.log.error("event %s handler failed: %s", name, err) end
        end)
      end
    end
  end
  for _, def in pairs(gen.commands or {}) do collect(def) end
  for _, view in pairs(gen.views or {}) do collect(view) end
  gen.events = index
end

-- A gateway event: updates the cache, and returns the script handlers to run with the decoded data.
-- LOAD handlers start a generation's background work, but their tasks run after the reload returns: by
-- then a burst of /reloads may have retired that generation. Each handler runs only if its generation is
-- still live, and its task remembers the generation (peon.every loops for as long as that one is live).
local function bind_to_generation(handlers)
  local gen = host.generation()
  local bound = {}
  for i, fn in ipairs(handlers) do
    bound[i] = function(...)
      if host.generation() ~= gen then return end
      host.task_generation[coroutine.running()] = gen
      return fn(...)
    end
  end
  return bound
end

function M.event(name, text)
  local handlers = (host.generation().events or {})[name]
  if not cache.wants(name) and handlers == nil then return nil end
  local ok, data = pcall(cjson.decode, text)
  if not ok then return nil end
  cache.update(name, data)
  if name == "LOAD" and handlers ~= nil then handlers = bind_to_generation(handlers) end
  return handlers, data
end

function M.interaction(interaction, handle)
  local gen = host.generation()
  local ctx = new_ctx(interaction, handle)
  local data = ctx.data
  local kind = interaction.type
  local fn, args
  if kind == 2 then
    fn, args = route_command(gen, ctx, data)
  elseif kind == 4 then
    fn, args = route_autocomplete(gen, ctx, data)
    if fn == nil then return ctx:_answer("choices", clamp_choices({})) end
  else
    fn, args = route_view(gen, ctx, data)
  end
  if fn == nil then
    return ctx:reply({ content = args, ephemeral = true })
  end

  local results = table.pack(xpcall(fn, host.traceback, table.unpack(args)))
  if not results[1] then
    local err = results[2]
    if err == "not enough memory" then
      -- Lua calls no message handler for a memory error: say what happened, and where, here.
      err = string.format("not enough memory: %s went over the scripts' memory cap",
        kind == 2 and ("/" .. tostring(data.name)) or tostring(data.custom_id or data.name))
    end
    api.log.error("%s", err)
    if kind == 4 then
      if not ctx._answered then ctx:_answer("choices", clamp_choices({})) end
      return
    end
    local notice = {
      ephemeral = true,
      embeds = { {
        title = "Something went wrong",
        description = "The handler failed and the error was logged.\n```" .. first_line(err):sub(1, 300) .. "```",
        color = 0xE74C3C,
      } },
    }
    local ok = pcall(ctx.reply, ctx, notice)
    if not ok then pcall(ctx.followup, ctx, notice) end
    return
  end
  if kind == 4 then
    if not ctx._answered then ctx:_answer("choices", clamp_choices(results[2])) end
    return
  end
  if not ctx._answered then
    -- A handler that returned without answering: components get a silent acknowledgement, the rest a note.
    if kind == 3 then
      ctx:defer()
    else
      api.log.warn("handler for %s returned without answering", tostring(data.name or data.custom_id))
      ctx:reply({ content = "Done.", ephemeral = true })
    end
  end
end

return M
