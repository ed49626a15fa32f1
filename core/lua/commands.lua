-- Turns the command tables scripts return into Discord's application-command JSON, after checking every
-- rule Discord would otherwise answer with a 400. Compiled into the binary (see CMakeLists.txt).
-- build(defs, guild_scoped) -> json, hash            when every definition is valid
--             -> nil, { {file=, hint=, message=}, ... }   otherwise (hint: text to find the line by)
local json = require("core.json")

local M = {}

local OPTION_TYPES = {
  subcommand = 1, group = 2, string = 3, integer = 4, boolean = 5, user = 6, channel = 7, role = 8,
  mentionable = 9, number = 10, attachment = 11,
}
local TYPE_NAMES = {}
for name, value in pairs(OPTION_TYPES) do TYPE_NAMES[value] = name end

local LOCALES = {}
for locale in ("id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk hi th "
  .. "zh-CN ja zh-TW ko"):gmatch("%S+") do
  LOCALES[locale] = true
end

local MAX_COMMANDS, MAX_OPTIONS, MAX_CHOICES, MAX_COMMAND_CHARS = 100, 25, 25, 8000

-- Discord's name rule: 1-32 of letters, digits, '-', '_' and "'", lower case where a letter has a case.
-- ASCII is checked exactly; other UTF-8 letters are accepted (Lua cannot tell their case).
local function valid_name(name)
  if type(name) ~= "string" or not utf8.len(name) then return false end
  local length = utf8.len(name)
  if length < 1 or length > 32 then return false end
  for _, code in utf8.codes(name) do
    if code < 128 then
      local c = string.char(code)
      if not c:match("[a-z0-9_'%-]") then return false end
    end
  end
  return true
end

local function text_length(s)
  return utf8.len(s) or #s
end

local Checker = {}
Checker.__index = Checker

local function new_checker(file)
  return setmetatable({ file = file, errors = {} }, Checker)
end

function Checker:fail(hint, fmt, ...)
  self.errors[#self.errors + 1] = { file = self.file, hint = hint, message = string.format(fmt, ...) }
end

function Checker:localizations(where, map, field, max, hint)
  if map == nil then return nil end
  if type(map) ~= "table" then
    self:fail(hint, "%s: %s must be a table of locale = text", where, field)
    return nil
  end
  local out = {}
  for locale, text in pairs(map) do
    if not LOCALES[locale] then
      self:fail(hint, "%s: %s has an unknown locale '%s' (Discord's locales: en-US, de, fr, ...)", where, field,
        tostring(locale))
    elseif type(text) ~= "string" or text_length(text) < 1 or text_length(text) > max then
      self:fail(hint, "%s: %s.%s must be 1-%d characters", where, field, locale, max)
    elseif field == "name_localizations" and not valid_name(text) then
      self:fail(hint, "%s: %s.%s '%s' is not a valid name (lower case, no spaces, 1-32)", where, field, locale, text)
    else
      out[locale] = text
    end
  end
  return out
end

function Checker:description(where, text, hint)
  if type(text) ~= "string" or text_length(text) < 1 or text_length(text) > 100 then
    self:fail(hint, "%s: description must be 1-100 characters, got %s", where,
      type(text) == "string" and tostring(text_length(text)) or type(text))
    return false
  end
  return true
end

local function option_type(spec)
  local t = spec.type
  if type(t) == "string" then return OPTION_TYPES[t] end
  if math.type(t) == "integer" and TYPE_NAMES[t] then return t end
  return nil
end

function Checker:choices(where, spec, kind, hint)
  if spec.choices == nil then return nil end
  if kind ~= 3 and kind ~= 4 and kind ~= 10 then
    self:fail(hint, "%s: choices are only for string, integer and number options", where)
    return nil
  end
  if type(spec.choices) ~= "table" or #spec.choices < 1 or #spec.choices > MAX_CHOICES then
    self:fail(hint, "%s: choices must be a list of 1-%d entries", where, MAX_CHOICES)
    return nil
  end
  if spec.autocomplete then
    self:fail(hint, "%s: an option has either choices or autocomplete, not both", where)
  end
  local out = {}
  for i, choice in ipairs(spec.choices) do
    local name, value = choice, choice
    if type(choice) == "table" then name, value = choice.name, choice.value end
    if value == nil then value = name end
    if type(name) ~= "string" or text_length(name) < 1 or text_length(name) > 100 then
      self:fail(hint, "%s: choice %d needs a name of 1-100 characters", where, i)
    elseif kind == 3 and (type(value) ~= "string" or #value > 100) then
      self:fail(hint, "%s: choice '%s' needs a string value of at most 100 characters", where, name)
    elseif kind == 4 and math.type(value) ~= "integer" then
      self:fail(hint, "%s: choice '%s' needs an integer value", where, name)
    elseif kind == 10 and type(value) ~= "number" then
      self:fail(hint, "%s: choice '%s' needs a number value", where, name)
    else
      out[#out + 1] = {
        name = name, value = value,
        name_localizations = type(choice) == "table"
          and self:localizations(where, choice.name_localizations, "choice name_localizations", 100, name) or nil,
      }
    end
  end
  return out
end

-- What an option table may hold; anything else is a typo that Discord would silently never see.
local OPTION_KEYS = {}
for key in ("name description type required choices autocomplete min max min_value max_value min_length "
  .. "max_length channel_types name_localizations description_localizations"):gmatch("%S+") do
  OPTION_KEYS[key] = true
end

function Checker:unknown_keys(where, spec, hint)
  for key in pairs(spec) do
    if not OPTION_KEYS[key] then
      self:fail(hint, "%s: unknown field '%s' (options take: name, description, type, required, choices, "
        .. "autocomplete, min/max, min_length/max_length, channel_types, name/description_localizations)", where,
        tostring(key))
    end
  end
end

function Checker:bounds(where, spec, kind, out, hint)
  -- Discord calls them min_value/max_value; scripts may use either spelling.
  if spec.min_value ~= nil or spec.max_value ~= nil then
    if spec.min ~= nil or spec.max ~= nil then self:fail(hint, "%s: give min/max or min_value/max_value", where) end
    spec = { min = spec.min_value, max = spec.max_value, min_length = spec.min_length, max_length = spec.max_length,
      channel_types = spec.channel_types }
  end
  if spec.min ~= nil or spec.max ~= nil then
    if kind ~= 4 and kind ~= 10 then
      self:fail(hint, "%s: min/max are only for integer and number options (strings use min_length/max_length)",
        where)
    else
      for _, key in ipairs({ "min", "max" }) do
        local v = spec[key]
        if v ~= nil and (type(v) ~= "number" or (kind == 4 and math.type(v) ~= "integer")) then
          self:fail(hint, "%s: %s must be %s", where, key, kind == 4 and "an integer" or "a number")
        end
      end
      if type(spec.min) == "number" and type(spec.max) == "number" and spec.min > spec.max then
        self:fail(hint, "%s: min is larger than max", where)
      end
      out.min_value, out.max_value = spec.min, spec.max
    end
  end
  if spec.min_length ~= nil or spec.max_length ~= nil then
    if kind ~= 3 then
      self:fail(hint, "%s: min_length/max_length are only for string options", where)
    else
      local lo, hi = spec.min_length, spec.max_length
      if lo ~= nil and (math.type(lo) ~= "integer" or lo < 0 or lo > 6000) then
        self:fail(hint, "%s: min_length must be 0-6000", where)
      end
      if hi ~= nil and (math.type(hi) ~= "integer" or hi < 1 or hi > 6000) then
        self:fail(hint, "%s: max_length must be 1-6000", where)
      end
      out.min_length, out.max_length = lo, hi
    end
  end
  if spec.channel_types ~= nil then
    if kind ~= 7 then self:fail(hint, "%s: channel_types is only for channel options", where) end
    out.channel_types = spec.channel_types
  end
end

-- Checks one level of options (or subcommands); returns Discord's list.
function Checker:options(where, list, depth)
  if list == nil then return nil end
  if type(list) ~= "table" then
    self:fail(where, "%s: options must be a list", where)
    return nil
  end
  if #list > MAX_OPTIONS then self:fail(where, "%s: at most %d options, got %d", where, MAX_OPTIONS, #list) end
  local out, seen, optional_seen = {}, {}, false
  local has_sub, has_plain = false, false
  for i, spec in ipairs(list) do
    local hint = type(spec) == "table" and spec.name or where
    local here = string.format("%s option %s", where, type(spec) == "table" and tostring(spec.name) or ("#" .. i))
    if type(spec) ~= "table" then
      self:fail(hint, "%s: must be a table", here)
      goto continue
    end
    do
      if not valid_name(spec.name) then
        self:fail(hint, "%s: name must be 1-32 lower-case letters, digits, '-', '_' (got %s)", here,
          tostring(spec.name))
      elseif seen[spec.name] then
        self:fail(hint, "%s: the name is used twice", here)
      end
      seen[spec.name or i] = true
      self:description(here, spec.description, hint)
      local kind = option_type(spec)
      if kind == nil then
        self:fail(hint, "%s: type must be one of subcommand, group, string, integer, boolean, user, channel, "
          .. "role, mentionable, number, attachment (got %s)", here, tostring(spec.type))
        goto continue
      end
      local entry = {
        type = kind, name = spec.name, description = spec.description,
        name_localizations = self:localizations(here, spec.name_localizations, "name_localizations", 32, hint),
        description_localizations = self:localizations(here, spec.description_localizations,
          "description_localizations", 100, hint),
      }
      if kind == 1 or kind == 2 then
        has_sub = true
        if depth >= (kind == 2 and 1 or 2) then
          self:fail(hint, "%s: a %s cannot be nested here", here, TYPE_NAMES[kind])
        end
        if spec.required ~= nil then self:fail(hint, "%s: subcommands and groups take no 'required'", here) end
        if kind == 2 then
          for _, child in ipairs(spec.options or {}) do
            if option_type(child) ~= 1 then
              self:fail(hint, "%s: a group may only contain subcommands", here)
              break
            end
          end
        end
        entry.options = self:options(here, spec.options, depth + 1)
      else
        has_plain = true
        if spec.required then
          if optional_seen then
            self:fail(hint, "%s: required options must come before optional ones", here)
          end
          entry.required = true
        else
          optional_seen = true
        end
        self:unknown_keys(here, spec, hint)
        entry.choices = self:choices(here, spec, kind, hint)
        if spec.autocomplete ~= nil then
          if kind ~= 3 and kind ~= 4 and kind ~= 10 then
            self:fail(hint, "%s: autocomplete is only for string, integer and number options", here)
          elseif type(spec.autocomplete) ~= "function" then
            self:fail(hint, "%s: autocomplete must be a function(ctx, value) returning choices", here)
          end
          entry.autocomplete = true
        end
        self:bounds(here, spec, kind, entry, hint)
      end
      out[#out + 1] = entry
    end
    ::continue::
  end
  if has_sub and has_plain then
    self:fail(where, "%s: subcommands (or groups) cannot be mixed with plain options at one level", where)
  end
  return out
end

-- Discord's 8000-character budget: names, descriptions, choice names/values, longest localization each.
local function size_of(command)
  local total = 0
  local function longest(base, map)
    local best = text_length(base or "")
    for _, text in pairs(map or {}) do best = math.max(best, text_length(text)) end
    return best
  end
  local function walk(node)
    total = total + longest(node.name, node.name_localizations)
    total = total + longest(node.description, node.description_localizations)
    for _, choice in ipairs(node.choices or {}) do
      total = total + longest(choice.name, choice.name_localizations) + text_length(tostring(choice.value))
    end
    for _, child in ipairs(node.options or {}) do walk(child) end
  end
  walk(command)
  return total
end

-- Subcommands may also be given as `subcommands = {...}` / `groups = {...}` instead of typed options.
local function merged_options(def)
  if def.subcommands == nil and def.groups == nil then return def.options end
  local list = {}
  for _, spec in ipairs(def.options or {}) do list[#list + 1] = spec end
  for _, sub in ipairs(def.subcommands or {}) do
    local copy = setmetatable({ type = "subcommand" }, { __index = sub })
    list[#list + 1] = copy
  end
  for _, group in ipairs(def.groups or {}) do
    local subs = {}
    for _, sub in ipairs(group.subcommands or group.options or {}) do
      subs[#subs + 1] = setmetatable({ type = "subcommand" }, { __index = sub })
    end
    list[#list + 1] = setmetatable({ type = "group", options = subs }, { __index = group })
  end
  return list
end

function M.check_command(def, file, guild_scoped)
  local c = new_checker(file)
  local where = string.format("command %s", tostring(def.name))
  if not valid_name(def.name) then
    c:fail("name", "%s: name must be 1-32 lower-case letters, digits, '-', '_' (no spaces)", where)
  end
  c:description(where, def.description, "description")
  if def.handler ~= nil and type(def.handler) ~= "function" then
    c:fail("handler", "%s: handler must be a function(ctx)", where)
  end
  local perms = def.default_member_permissions
  if perms ~= nil and not (type(perms) == "string" and perms:match("^%d+$")) then
    c:fail("default_member_permissions", "%s: default_member_permissions must be a string of digits, e.g. \"32\"",
      where)
  end
  local loc = def.localizations or {}
  local command = {
    type = 1,
    name = def.name,
    description = def.description,
    name_localizations = c:localizations(where, def.name_localizations or loc.name, "name_localizations", 32,
      "localizations"),
    description_localizations = c:localizations(where, def.description_localizations or loc.description,
      "description_localizations", 100, "localizations"),
    options = c:options(where, merged_options(def), 0),
    default_member_permissions = perms,
  }
  if not guild_scoped then
    -- Game servers belong to a community: no DMs. Discord accepts `contexts` on global commands only.
    command.contexts = { 0 }
  end
  if #c.errors == 0 and size_of(command) > MAX_COMMAND_CHARS then
    c:fail("name", "%s: names, descriptions and choices add up to %d characters; Discord allows %d", where,
      size_of(command), MAX_COMMAND_CHARS)
  end
  return command, c.errors
end

-- Sorted keys: equal definitions give equal JSON, so the fingerprint only changes with the definitions.
local function canonical(value)
  return json.encode(value, { sorted = true })
end

-- 64-bit FNV-1a: a stable fingerprint, not security.
local function fingerprint(text)
  local hash = -3750763034362895579 -- 0xcbf29ce484222325 as a signed 64-bit integer
  for i = 1, #text do
    hash = hash ~ text:byte(i)
    hash = hash * 1099511628211
  end
  return string.format("%016x", hash)
end

-- defs: list of { def = <table>, file = <path> }; guild_scoped: the commands go to one guild's route.
function M.build(defs, guild_scoped)
  local commands, errors, names = {}, {}, {}
  for _, entry in ipairs(defs) do
    local command, problems = M.check_command(entry.def, entry.file, guild_scoped)
    for _, p in ipairs(problems) do errors[#errors + 1] = p end
    if names[command.name] then
      errors[#errors + 1] = { file = entry.file, hint = "name",
        message = string.format("command %s: also defined in %s", tostring(command.name), names[command.name]) }
    end
    names[command.name or ""] = entry.file
    commands[#commands + 1] = command
  end
  if #commands > MAX_COMMANDS then
    errors[#errors + 1] = { file = defs[#defs].file, hint = "name",
      message = string.format("%d commands; Discord allows %d", #commands, MAX_COMMANDS) }
  end
  if #errors > 0 then return nil, errors end
  table.sort(commands, function(a, b) return a.name < b.name end)
  local text = canonical(commands)
  return text, fingerprint(text)
end

return M
