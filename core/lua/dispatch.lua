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

-- Turns what a handler passes (a string or a table) into Discord's message JSON.
local function message_json(message)
  if type(message) == "string" then message = { content = message } end
  if type(message) ~= "table" then error("answer with a string or a message table", 3) end
  local out = {}
  for key, value in pairs(message) do
    if key ~= "ephemeral" then out[key] = value end
  end
  if message.ephemeral then out.flags = (out.flags or 0) | EPHEMERAL end
  -- User-supplied text must never ping @everyone or a role by surprise.
  if out.allowed_mentions == nil then out.allowed_mentions = NO_PINGS end
  return json.encode(out)
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
function Ctx:_answer(kind, payload)
  self._answered = true
  host.start_answer(self._handle, kind, payload)
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
    options[option.name] = option.value
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

-- Each kind returns the function to run and its arguments, or nil and a message for the user.
-- Until role grants exist (the permissions feature), capabilities map to Discord permissions: "admin" and
-- "manage" need Administrator or Manage Server; "view" and "operate" are open to members.
local ADMINISTRATOR, MANAGE_GUILD = 8, 32
local PRIVILEGED = { admin = true, manage = true }

local function permitted(ctx, capability)
  if capability == nil or not PRIVILEGED[capability] then return true end
  local bits = math.tointeger(tonumber(ctx.permissions or "0")) or 0
  return bits & ADMINISTRATOR ~= 0 or bits & MANAGE_GUILD ~= 0
end

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
  if not permitted(ctx, capability) then
    return nil, string.format("You need the '%s' capability for /%s: ask a server administrator (someone with "
      .. "Manage Server) to run it or grant it.", capability, data.name)
  end
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

local function route_view(gen, ctx, data)
  local view_name, action, args = split_custom_id(data.custom_id or "")
  ctx.custom_id, ctx.view, ctx.action, ctx.args = data.custom_id, view_name, action, args
  ctx.values = data.values
  if ctx.type == 5 then ctx.fields = modal_fields(data) end
  local view = gen.views and gen.views[view_name]
  local handler = view and view.actions and view.actions[action]
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

-- Collects every script's `events = { NAME = fn }` into gen.events[NAME] = { fn, ... } (at load).
function M.index_events(gen)
  local index = {}
  local function collect(def)
    if type(def) ~= "table" or type(def.events) ~= "table" then return end
    for name, fn in pairs(def.events) do
      if type(fn) == "function" then
        index[name] = index[name] or {}
        table.insert(index[name], fn)
      end
    end
  end
  for _, def in pairs(gen.commands or {}) do collect(def) end
  for _, view in pairs(gen.views or {}) do collect(view) end
  gen.events = index
end

-- A gateway event: updates the cache, and returns the script handlers to run with the decoded data.
function M.event(name, text)
  local handlers = (host.generation().events or {})[name]
  if not cache.wants(name) and handlers == nil then return nil end
  local ok, data = pcall(cjson.decode, text)
  if not ok then return nil end
  cache.update(name, data)
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
