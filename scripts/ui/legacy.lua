-- The old "!" prefix commands, only with ENABLE_LEGACY_COMMANDS=1: each gets a reply naming the slash
-- command that replaces it (pinging nobody). Nothing is ever executed from a prefix message.
-- A view file because views, like commands, may declare `events`; it has no buttons of its own.
local json = require("core.json")
local i18n = require("i18n")
local fleet = require("fleet")

local SERVER_ACTIONS = { start = "start", stop = "stop", restart = "restart", update = "update", get = "info" }
local REPLACED = {
  peon = "/peon", peonbot = "/peon", poke = "/peon",
  getall = "/list type:servers", plans = "/list type:plans", plan = "/list type:plans",
  about = "/about", usage = "/help", help = "/help", set = "/help",
  create = "/create game_type: server_name:",
}
-- What lived in the control channel now lives on the admin panel.
local ADMIN = { register = true, deregister = true, unregister = true, import = true, refresh = true }
local CLEAR = { clear = true, clean = true }

-- User text shown inside `code`: no backticks or backslashes, bounded.
local function shown(text, limit)
  text = tostring(text or ""):gsub("[`\\%c]", " ")
  if #text > limit then text = text:sub(1, utf8.offset(text, limit) or limit) .. "…" end
  return text
end

local function is_timer(word)
  return word:match("^%d+[smhdSMHD]?$") or word:match("^%d%d?:%d%d$") or word:match("^%d%d%d%d[-/]%d")
end

-- "bob" -> "valheim.bob" when the fleet cache knows exactly one server by that name (or with that game).
local function server_ref(words)
  local name, game = words[1], words[2]
  if name == nil or name:find(".", 1, true) then return name end
  local found = {}
  for _, s in ipairs(fleet.servers) do
    if s.name == name:lower() and (game == nil or s.game == game:lower()) then found[#found + 1] = s.uid end
  end
  if #found == 1 then return found[1] end
  if game then return game:lower() .. "." .. name:lower() end
  return name
end

-- The slash command for `!<command> args...`, and an extra note; nil for words that were never commands.
local function replacement(t, command, args)
  if REPLACED[command] then return REPLACED[command] end
  if ADMIN[command] then return "/peon", t("legacy.admin_note", { control = peon.config.control_channel or "peon" }) end
  if CLEAR[command] then return nil, t("legacy.clear") end
  local action = SERVER_ACTIONS[command]
  if action == nil then return nil end
  local words, timers = {}, {}
  for i, arg in ipairs(args) do
    local only_time = command == "get" and i == 1 and arg:lower() == "time" -- "!get time x": the stop time
    if is_timer(arg) then
      timers[#timers + 1] = arg
    elseif not only_time then
      words[#words + 1] = arg
    end
  end
  local server = server_ref(words)
  local slash = "/server action:" .. action .. (server and (" server:" .. server) or "")
  if timers[1] and action == "stop" then return slash .. " timer:" .. timers[1] end
  if timers[1] and action == "start" then
    -- An auto-stop used to ride on !start; now it is a stop with a timer.
    local stop = "/server action:stop" .. (server and (" server:" .. server) or "") .. " timer:" .. timers[1]
    return slash, t("legacy.start_timer", { stop = stop })
  end
  return slash
end

local function on_message(message)
  if not peon.config.legacy_commands or type(message) ~= "table" then return end
  local author = type(message.author) == "table" and message.author or {}
  if author.bot or message.webhook_id or type(message.content) ~= "string" then return end
  local body = message.content:match("^!(%S.*)$")
  if body == nil then return end
  local words = {}
  for word in body:gmatch("%S+") do words[#words + 1] = word end
  local command = table.remove(words, 1):lower()
  local t = i18n.default()
  local slash, note = replacement(t, command, words)
  if slash == nil and note == nil then return end -- not one of ours (another bot's prefix, a typo)
  local typed = shown("!" .. body, 80)
  local text
  if slash then
    text = t("legacy.replaced", { typed = typed, slash = shown(slash, 160) })
  else
    text = t("legacy.gone", { typed = typed })
  end
  if note then text = text .. "\n" .. note end
  text = text .. "\n" .. t("legacy.tip")
  local sent, err = discord.send_message(message.channel_id, {
    content = text,
    message_reference = { message_id = message.id, channel_id = message.channel_id, fail_if_not_exists = false },
    allowed_mentions = { parse = json.array(), replied_user = false },
  })
  if not sent then log.warn("legacy reply to !%s failed: %s", command, tostring(err)) end
end

return {
  actions = {},
  events = { MESSAGE_CREATE = on_message },
}
