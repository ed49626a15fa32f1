-- Persistent schedules (table `schedules`): the loop started from events.LOAD looks every few seconds for
-- runs that are due, claims each one with a compare-and-set on next_run (so a run happens at most once,
-- even across overlapping ticks, a kill -9 or a restart), then runs the action on the server's
-- orchestrator and posts the result. A run missed by more than the grace period (the bot was down) is
-- skipped and reported instead. Warnings before stops and restarts go out at the configured minutes.
local fleet = require("fleet")
local outcome = require("outcome")
local cards = require("cards")
local i18n = require("i18n")
local audit = require("audit")

local scheduler = {}

scheduler.TICK_SECONDS = 5
scheduler.ACTIONS = { "start", "stop", "restart", "update", "backup" }
local WARNED_ACTIONS = { stop = true, restart = true, update = true }
local STALE_WARNING = 120 -- seconds: a warning more than this late (downtime) is not sent any more

local function grace_seconds()
  return (peon.config.schedule_grace_minutes or 15) * 60
end

-- The guild's zone for schedules (/schedule timezone), else TIMEZONE.
function scheduler.zone(guild_id)
  return (guild_id and store.get("schedule_zone", guild_id)) or peon.config.timezone or "UTC"
end

-- "15,5,1" -> { 15, 5, 1 } (1-1440 minutes, at most 5, largest first)
function scheduler.parse_warnings(text)
  local list, seen = {}, {}
  for piece in tostring(text or ""):gmatch("[^,%s]+") do
    local minutes = math.tointeger(tonumber(piece))
    if minutes == nil or minutes < 1 or minutes > 1440 then return nil end
    if not seen[minutes] then
      list[#list + 1] = minutes
      seen[minutes] = true
    end
  end
  if #list > 5 then return nil end
  table.sort(list, function(a, b) return a > b end)
  return list
end

-- Where a schedule's messages go: the server's channel (game-name), else the control channel, else where
-- the schedule was created.
local function channel_for(row)
  local uid = row.server:match("^([^@]+)")
  local game, name = uid:match("^([^.]+)%.(.+)$")
  local channel = game and peon.find_channel(row.guild_id, game .. "-" .. name:gsub("_", "-"))
    or peon.find_channel(row.guild_id, peon.config.control_channel)
  return channel and channel.id or row.channel_id
end

local function post(row, message)
  local channel = channel_for(row)
  if channel == nil then
    log.warn("schedule #%d: no channel to post in", row.id)
    return
  end
  local sent, why = discord.send_message(channel, message)
  if not sent then log.warn("schedule #%d: could not post the result: %s", row.id, tostring(why)) end
  local ok, notify = pcall(require, "notify")
  if ok and type(notify) == "table" and type(notify.publish) == "function" and message.embeds then
    pcall(notify.publish, row.guild_id, "schedule", message.embeds[1])
  end
end

local function note(t, row, key, colour, vars)
  vars = vars or {}
  vars.id, vars.server, vars.action, vars.creator = row.id, row.server, row.action, "<@" .. row.created_by .. ">"
  return { embeds = { cards.embed(t("schedule." .. key .. "_title", vars), t("schedule." .. key, vars), colour) } }
end

-- Runs one claimed schedule (its own task: a slow orchestrator never holds up the other schedules).
local function execute(row, due)
  local t = i18n.default()
  local server, why = fleet.resolve(row.server)
  local result, ok
  if server == nil then
    ok = false
    result = note(t, row, "server_gone", cards.RED, { why = t("server.resolve_" .. why, { ref = row.server }) })
    audit.record({ guild_id = row.guild_id, user_id = "schedule#" .. row.id, action = row.action,
      server = row.server, ok = false, detail = "server not found" })
  else
    local ctx = { user = { id = row.created_by }, guild_id = row.guild_id }
    result = outcome.perform(ctx, t, server, row.action, { mode = row.action == "update" and "server" or nil })
    ok = not (result.embeds and result.embeds[1] and tostring(result.embeds[1].title):find("^❌"))
    local header = t("schedule.ran", { id = row.id, when = peon.format_time(due, row.zone),
      creator = "<@" .. row.created_by .. ">" })
    result.content = header
  end
  store.sql("UPDATE schedules SET last_result = ? WHERE id = ?", ok and "ok" or "failed", row.id)
  post(row, result)
end

-- Claims the run due at row.next_run: moves next_run on first. Returns true when this caller owns it.
local function claim(row, now)
  local following = peon.schedule_next(row.rule, row.zone, math.max(now, row.next_run), row.anchor)
  local done = store.sql("UPDATE schedules SET next_run = ?, last_run = ?, skip_next = 0 WHERE id = ? AND next_run = ?",
    following, now, row.id, row.next_run)
  return done ~= nil and done.changes == 1
end

local function send_warnings(now)
  local rows = store.sql("SELECT * FROM schedules WHERE paused = 0 AND skip_next = 0 AND warn_minutes != '' AND "
    .. "next_run IS NOT NULL AND next_run > ? AND next_run <= ?", now, now + 1440 * 60) or {}
  for _, row in ipairs(rows) do
    if WARNED_ACTIONS[row.action] and peon.guild(row.guild_id) ~= nil then
      local latest
      for _, minutes in ipairs(scheduler.parse_warnings(row.warn_minutes) or {}) do
        local at = row.next_run - minutes * 60
        if at <= now and at > (row.warned_for or 0) and now - at <= STALE_WARNING then latest = { at, minutes } end
      end
      if latest then
        local done = store.sql("UPDATE schedules SET warned_for = ? WHERE id = ? AND (warned_for IS NULL OR "
          .. "warned_for < ?)", latest[1], row.id, latest[1])
        if done and done.changes == 1 then
          local t = i18n.default()
          local text = row.warn_text and row.warn_text ~= "" and cards.plain(row.warn_text) or ""
          post(row, note(t, row, "warning", cards.ORANGE, { minutes = latest[2], text = text,
            when = peon.format_time(row.next_run, row.zone) }))
        end
      end
    end
  end
end

function scheduler.tick()
  local now = os.time()
  local due = store.sql("SELECT * FROM schedules WHERE paused = 0 AND next_run IS NOT NULL AND next_run <= ? "
    .. "ORDER BY next_run LIMIT 50", now) or {}
  for _, row in ipairs(due) do
    local late = now - row.next_run
    -- Until the gateway has delivered the guild (just after a start) there is nowhere to report to: wait.
    if peon.guild(row.guild_id) ~= nil and claim(row, now) then
      local t = i18n.default()
      if row.skip_next == 1 then
        post(row, note(t, row, "skipped", cards.GREY, { when = peon.format_time(row.next_run, row.zone) }))
      elseif late > grace_seconds() then
        store.sql("UPDATE schedules SET last_result = 'missed' WHERE id = ?", row.id)
        post(row, note(t, row, "missed", cards.ORANGE, { when = peon.format_time(row.next_run, row.zone),
          grace = peon.config.schedule_grace_minutes or 15 }))
      else
        peon.spawn(execute, row, row.next_run)
      end
    end
  end
  send_warnings(now)
end

-- Adds a schedule; returns the row id and the parsed rule, or nil and a message for the user.
function scheduler.add(spec)
  local zone = scheduler.zone(spec.guild_id)
  local now = os.time()
  local rule, why = peon.schedule_rule(spec.when, zone, now, now)
  if rule == nil then return nil, why end
  if rule.next == nil then return nil, "never" end
  local done, err = store.sql("INSERT INTO schedules (guild_id, server, action, rule, zone, anchor, next_run, "
    .. "warn_minutes, warn_text, channel_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    spec.guild_id, spec.server, spec.action, rule.text, zone, rule.anchor or now, rule.next,
    spec.warn_minutes or "", spec.warn_text, spec.channel_id, spec.created_by)
  if done == nil then return nil, err end
  return done.last_id, rule
end

function scheduler.list(guild_id)
  return store.sql("SELECT * FROM schedules WHERE guild_id = ? ORDER BY next_run IS NULL, next_run, id LIMIT 100",
    guild_id) or {}
end

function scheduler.get(guild_id, id)
  local rows = store.sql("SELECT * FROM schedules WHERE guild_id = ? AND id = ?", guild_id, id) or {}
  return rows[1]
end

-- The next planned run of a server ("uid@orchestrator"), for status boards.
function scheduler.next_for(server)
  local rows = store.sql("SELECT id, action, next_run FROM schedules WHERE server = ? AND paused = 0 AND "
    .. "next_run IS NOT NULL ORDER BY next_run LIMIT 1", server) or {}
  return rows[1]
end

return scheduler
