-- Status boards and the bot's presence.
--
-- A board is one message in a channel (table `boards`, one per channel) that lists every server of every
-- orchestrator: state, game, players/address/ports where the game reports them in server_config, the
-- pending auto-stop (`time`) and the next run of a schedule, and orchestrators that did not answer. After
-- every fleet refresh the content is rendered again; a board is edited only when the fingerprint of its
-- content (stored with it) changed, so an idle fleet costs no Discord requests. A board whose message was
-- deleted (edit answers 404, code 10008) is posted again and its new id stored. All Discord calls go
-- through the core's rate limiter.
--
-- The presence ("3/5 servers running") is set after every refresh; the core sends it only when it changed.
local fleet = require("fleet")
local cards = require("cards")
local i18n = require("i18n")
local json = require("core.json")

local board = {}

board.MAX_EMBEDS = 10      -- Discord: embeds per message
local BUDGET = 5800        -- Discord: 6000 characters over all embeds of a message; keep a margin
local DESCRIPTION_MAX = 4000
local CONTENT_MAX = 1900
local VALUE_MAX = 60       -- one value from server_config
local STALE_LOCK_SECONDS = 300

local function len(text)
  return utf8.len(text) or #text
end

-- ---- rendering ----

local function config_value(config, ...)
  for _, key in ipairs({ ... }) do
    local value = config[key]
    if type(value) == "number" then value = tostring(math.tointeger(value) or value) end
    if type(value) == "string" and value:match("%S") then
      return cards.clip(cards.plain(value:match("^%s*(.-)%s*$")), VALUE_MAX)
    end
  end
  return nil
end

-- The next run of a schedule for this server ({ action =, at =, skip = }), or nil. Schedules name their
-- server "game.name@orchestrator"; a bare uid is accepted too.
local function next_schedule(server, now)
  local rows = store.sql("SELECT action, next_run, skip_next FROM schedules WHERE (server = ? OR server = ?) "
    .. "AND paused = 0 AND next_run IS NOT NULL AND next_run >= ? ORDER BY next_run LIMIT 1",
    server.uid .. "@" .. server.orchestrator, server.uid, now - 60)
  local row = type(rows) == "table" and rows[1]
  if not row then return nil end
  return { action = tostring(row.action), at = math.tointeger(row.next_run), skip = row.skip_next == 1 }
end

local function action_name(t, action)
  local text = t("board.action_" .. action)
  if text:sub(1, 2) == "[[" then return cards.plain(action) end
  return text
end

-- The line(s) of one server: "🟢 **valheim.bob** · running · Valheim", then its details.
local function server_lines(t, s, now)
  local head = string.format("%s **%s** · %s", fleet.state_emoji(s.state), cards.plain(s.uid), cards.plain(s.state))
  local plan = fleet.plans[s.game]
  if plan and plan.title and plan.title ~= s.game then head = head .. " · " .. cards.plain(plan.title) end
  local details = {}
  local config = type(s.config) == "table" and s.config or {}
  local players = config_value(config, "players", "player_count", "playercount", "online_players")
  if players then
    local max = config_value(config, "max_players", "maxplayers", "player_limit")
    if max and not players:find("/", 1, true) then players = players .. "/" .. max end
    details[#details + 1] = t("board.players", { players = players })
  end
  local address = config_value(config, "ip", "address", "public_ip", "host")
  local port = config_value(config, "port", "game_port", "server_port")
  if address then
    details[#details + 1] = "🌐 " .. address .. (port and (":" .. port) or "")
  elseif port then
    details[#details + 1] = t("board.ports", { ports = port })
  end
  local ports = config_value(config, "ports")
  if ports then details[#details + 1] = t("board.ports", { ports = ports }) end
  if s.stop_at then details[#details + 1] = t("board.stops", { at = string.format("<t:%d:R>", s.stop_at) }) end
  local schedule = next_schedule(s, now)
  if schedule and schedule.at then
    details[#details + 1] = t(schedule.skip and "board.next_skipped" or "board.next", {
      action = action_name(t, schedule.action), at = string.format("<t:%d:R>", schedule.at) })
  end
  if #details == 0 then return head end
  return head .. "\n" .. "└ " .. table.concat(details, " · ")
end

local DOWN_KEYS = { unreachable = true, timeout = true, auth = true, http = true, malformed = true, failed = true }

-- Why an orchestrator is shown as unreachable, without its address or what it said (the board is public).
local function down_reason(t, err)
  local kind = type(err) == "table" and err.kind or "unreachable"
  if not DOWN_KEYS[kind] then kind = "unreachable" end
  return t("board.down_" .. kind, { status = type(err) == "table" and err.status or 0 })
end

-- One section per orchestrator, sorted by name: { title =, color =, lines = {...}, servers = n }.
local function sections(t, servers, status, now)
  local names = {}
  for name in pairs(status) do names[#names + 1] = name end
  table.sort(names)
  local by_orc = {}
  for _, s in ipairs(servers) do
    by_orc[s.orchestrator] = by_orc[s.orchestrator] or {}
    table.insert(by_orc[s.orchestrator], s)
  end
  local out = {}
  for _, name in ipairs(names) do
    local st = status[name]
    if st.ok then
      local list = by_orc[name] or {}
      local running = 0
      local lines = {}
      for _, s in ipairs(list) do
        if s.state == "running" then running = running + 1 end
        lines[#lines + 1] = server_lines(t, s, now)
      end
      if #lines == 0 then lines[1] = t("board.no_servers") end
      out[#out + 1] = { title = t("board.orchestrator", { orc = cards.plain(name), running = running, total = #list }),
        color = running > 0 and cards.GREEN or cards.GREY, lines = lines, servers = #list }
    else
      out[#out + 1] = { title = t("board.orchestrator_down", { orc = cards.plain(name) }), color = cards.RED,
        lines = { down_reason(t, st.err) }, servers = 0 }
    end
  end
  return out
end

-- Packs the sections into at most 10 embeds within Discord's 6000-character total; servers that do not
-- fit are counted and named in the message content. Returns embeds, hidden server count.
local function pack(t, list)
  local embeds, used, hidden = {}, 0, 0
  for _, section in ipairs(list) do
    local embed, shown = nil, 0
    for _, line in ipairs(section.lines) do
      local needed = len(line) + 1
      local fits_budget = used + needed <= BUDGET
      if embed and fits_budget and len(embed.description) + needed > DESCRIPTION_MAX then
        embed = nil -- continue this orchestrator in another embed
      end
      if embed == nil and fits_budget and #embeds < board.MAX_EMBEDS then
        local title = shown == 0 and section.title or t("board.continued", { title = section.title })
        title = cards.clip(title, 256)
        if used + len(title) + needed <= BUDGET then
          embed = { title = title, color = section.color, description = "" }
          embeds[#embeds + 1] = embed
          used = used + len(title)
        end
      end
      if embed and used + needed <= BUDGET then
        embed.description = embed.description == "" and line or (embed.description .. "\n" .. line)
        used = used + needed
        shown = shown + 1
      elseif section.servers > 0 then
        hidden = hidden + 1
      end
    end
  end
  return embeds, hidden
end

-- The board message and its fingerprint (of everything but the "updated" time, which changes only when
-- the message is edited). servers/status default to the fleet cache.
function board.render(servers, status, now)
  local t = i18n.default()
  servers, status, now = servers or fleet.servers, status or fleet.status, now or os.time()
  local running, down = 0, 0
  for _, s in ipairs(servers) do
    if s.state == "running" then running = running + 1 end
  end
  for _, st in pairs(status) do
    if not st.ok then down = down + 1 end
  end
  local embeds, hidden = pack(t, sections(t, servers, status, now))
  local content = t("board.summary", { running = running, total = #servers })
  if down > 0 then content = content .. "\n" .. t("board.summary_down", { count = down }) end
  if next(status) == nil then content = content .. "\n" .. t("board.no_orchestrators") end
  if hidden > 0 then content = content .. "\n" .. t("board.hidden", { count = hidden }) end
  content = cards.clip(content, CONTENT_MAX)
  local message = { content = content, embeds = json.array(embeds) }
  local fingerprint = board.fingerprint(json.encode(message, { sorted = true }))
  if #embeds > 0 then
    local last = embeds[#embeds]
    last.footer = { text = t("board.footer") }
    last.timestamp = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
  end
  message.allowed_mentions = { parse = json.array() }
  return message, fingerprint
end

-- FNV-1a, 64 bits (Lua integers wrap), as 16 hex digits.
function board.fingerprint(text)
  local h = 0xcbf29ce484222325 -- the offset basis (wraps to a negative integer)
  for i = 1, #text do
    h = (h ~ text:byte(i)) * 1099511628211
  end
  return string.format("%016x", h)
end

-- ---- presence ----

function board.presence_text(servers, status)
  local t = i18n.default()
  if next(status) == nil then return t("board.presence_none") end
  local running, down = 0, 0
  for _, s in ipairs(servers) do
    if s.state == "running" then running = running + 1 end
  end
  for _, st in pairs(status) do
    if not st.ok then down = down + 1 end
  end
  if down > 0 then return t("board.presence_down", { running = running, total = #servers, down = down }) end
  return t("board.presence", { running = running, total = #servers })
end

-- ---- boards in the store ----

local busy, busy_since = false, 0

-- Runs fn with the boards to itself: creates, removes and updates never interleave their Discord calls.
local function locked(fn, ...)
  while busy and os.time() - busy_since < STALE_LOCK_SECONDS do sleep(0.05) end
  busy, busy_since = true, os.time()
  local result = table.pack(pcall(fn, ...))
  busy = false
  if not result[1] then error(result[2], 0) end
  return table.unpack(result, 2, result.n)
end
board.locked = locked

function board.get(guild_id, channel_id)
  local rows = store.sql("SELECT guild_id, channel_id, message_id, fingerprint FROM boards WHERE guild_id = ? "
    .. "AND channel_id = ?", guild_id, channel_id)
  return type(rows) == "table" and rows[1] or nil
end

function board.list(guild_id)
  if guild_id then
    return store.sql("SELECT guild_id, channel_id, message_id, fingerprint FROM boards WHERE guild_id = ? "
      .. "ORDER BY channel_id", guild_id) or {}
  end
  return store.sql("SELECT guild_id, channel_id, message_id, fingerprint FROM boards ORDER BY guild_id, channel_id")
    or {}
end

local function remember(row, message_id, fingerprint)
  local done, why = store.sql("UPDATE boards SET message_id = ?, fingerprint = ? WHERE guild_id = ? AND "
    .. "channel_id = ?", message_id, fingerprint, row.guild_id, row.channel_id)
  if not done then log.warn("board in channel %s: not saved: %s", row.channel_id, tostring(why)) end
  return done and done.changes > 0
end

-- discord.* errors end in "(code 10008)" (or "10008.0": JSON numbers may decode as floats).
local function has_code(err, code)
  return type(err) == "string" and tonumber(err:match("%(code (%d+)")) == code
end

-- Posts the board as a new message and stores its id. Returns "posted" or nil, why.
local function post(row, message, fingerprint)
  local sent, err, status = discord.send_message(row.channel_id, message)
  if not sent then
    if status == 404 and has_code(err, 10003) then
      store.sql("DELETE FROM boards WHERE guild_id = ? AND channel_id = ?", row.guild_id, row.channel_id)
      log.info("board in channel %s removed: the channel is gone", row.channel_id)
    else
      log.warn("board in channel %s not posted: %s", row.channel_id, tostring(err))
    end
    return nil, err
  end
  if not remember(row, sent.id, fingerprint) then
    -- The board was removed meanwhile: don't leave an orphan behind.
    discord.delete_message(row.channel_id, sent.id)
    return nil, "removed"
  end
  return "posted", sent
end

-- Brings one board up to date. opts.force edits even when unchanged; opts.verify checks that an unchanged
-- board's message still exists. Returns "unchanged" | "edited" | "posted", or nil and why.
local function update_one(row, message, fingerprint, opts)
  if row.message_id == nil or row.message_id == "" then return post(row, message, fingerprint) end
  if row.fingerprint == fingerprint and not opts.force then
    if not opts.verify then return "unchanged" end
    local found, err, status = discord.request("GET", "/channels/" .. row.channel_id .. "/messages/" .. row.message_id)
    if found then return "unchanged" end
    if not (status == 404 and has_code(err, 10008)) then return nil, err end
    log.info("board in channel %s: its message was deleted; posting it again", row.channel_id)
    return post(row, message, fingerprint)
  end
  local edited, err, status = discord.edit_message(row.channel_id, row.message_id, message)
  if edited then
    remember(row, row.message_id, fingerprint)
    return "edited"
  end
  if status == 404 and has_code(err, 10008) then
    log.info("board in channel %s: its message was deleted; posting it again", row.channel_id)
    return post(row, message, fingerprint)
  end
  if status == 404 and has_code(err, 10003) then
    store.sql("DELETE FROM boards WHERE guild_id = ? AND channel_id = ?", row.guild_id, row.channel_id)
    log.info("board in channel %s removed: the channel is gone", row.channel_id)
    return nil, err
  end
  log.warn("board in channel %s not updated: %s", row.channel_id, tostring(err))
  return nil, err
end

-- Updates every board (or those of opts.guild_id); call inside board.locked. Returns counts by outcome.
function board.update_all(opts)
  opts = opts or {}
  local rows = board.list(opts.guild_id)
  local counts = { unchanged = 0, edited = 0, posted = 0, failed = 0 }
  if #rows == 0 then return counts end
  local message, fingerprint = board.render()
  for _, row in ipairs(rows) do
    local outcome = update_one(row, message, fingerprint, opts)
    counts[outcome or "failed"] = counts[outcome or "failed"] + 1
  end
  return counts
end

-- Creates (or re-posts) the board of a channel. Returns "created" | "exists" | "reposted", the message
-- (or nil, why).
function board.create(guild_id, channel_id, user_id)
  local row = board.get(guild_id, channel_id)
  if row and row.message_id then
    local found, err, status = discord.request("GET", "/channels/" .. channel_id .. "/messages/" .. row.message_id)
    if found then return "exists", found end
    if not (status == 404 and has_code(err, 10008)) then return nil, err end
  end
  if row == nil then
    local done, why = store.sql("INSERT INTO boards (guild_id, channel_id, created_by) VALUES (?, ?, ?)", guild_id,
      channel_id, user_id)
    if not done then return nil, why end
    row = { guild_id = guild_id, channel_id = channel_id }
  end
  local message, fingerprint = board.render()
  local outcome, sent = post(row, message, fingerprint)
  if not outcome then
    if row.message_id == nil then
      store.sql("DELETE FROM boards WHERE guild_id = ? AND channel_id = ? AND message_id IS NULL", guild_id, channel_id)
    end
    return nil, sent
  end
  return row.message_id and "reposted" or "created", sent
end

-- Removes the board of a channel and deletes its message. Returns true, or false when there was none.
function board.remove(guild_id, channel_id)
  local row = board.get(guild_id, channel_id)
  if row == nil then return false end
  store.sql("DELETE FROM boards WHERE guild_id = ? AND channel_id = ?", guild_id, channel_id)
  if row.message_id then
    local gone, err, status = discord.delete_message(channel_id, row.message_id)
    if not gone and status ~= 404 then log.warn("board message in channel %s not deleted: %s", channel_id, err) end
  end
  return true
end

-- ---- after every fleet refresh ----

local queued = false

function board.on_refresh(servers, status)
  peon.set_presence(board.presence_text(servers, status))
  if queued then return end -- an update is already waiting; it will render the latest state
  queued = true
  peon.spawn(function()
    locked(function()
      queued = false
      board.update_all({})
    end)
  end)
end

return board
