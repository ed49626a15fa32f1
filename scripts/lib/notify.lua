-- Notifications: what the fleet poller sees change, posted to the channels and Discord webhooks a server
-- configured with /notify (table `notify_targets`), optionally mentioning a role.
--
-- For other scripts (the scheduler posts its results this way):
--
--   local delivered, failed = require("notify").publish(guild_id, kind, embed)
--
--   guild_id  the Discord server whose targets get it, or nil for every server's targets
--   kind      one of notify.KINDS: "started", "stopped", "crashed", "created", "deleted", "unreachable",
--             "recovered", "schedule"; a target receives it when its event filter includes the kind
--   embed     one Discord embed table ({ title =, description =, color =, fields =, ... }); it is sent as
--             is, with the target's role mention (and nothing else pinging) in the content
--   returns   how many targets got it, and how many failed (failures are logged, never raised)
--
-- It waits for the deliveries (Discord REST through the core's limiter, webhooks over http.request), so
-- call it from a handler or a task (peon.spawn), not while a script loads.
--
-- Events from the poller (after every fleet refresh, compared with what each orchestrator said last):
-- started, stopped, crashed (server_state UNKNOWN or dead), created (a new uid), deleted (a uid gone while
-- its orchestrator answered); "unreachable" once an orchestrator failed DOWN_AFTER polls in a row, and
-- "recovered" when it answers again after that (the "down" mark is kept in the store across restarts).
--
-- Webhook URLs carry a token: they are never shown, logged or echoed; messages name them "webhook …/abcd".
local cards = require("cards")
local i18n = require("i18n")
local json = require("core.json")

local notify = {}

notify.KINDS = { "started", "stopped", "crashed", "created", "deleted", "unreachable", "recovered", "schedule" }
notify.GROUPS = {
  all = notify.KINDS,
  servers = { "started", "stopped", "crashed", "created", "deleted" },
  states = { "started", "stopped", "crashed" },
  orchestrators = { "unreachable", "recovered" },
}
notify.DOWN_AFTER = 3          -- failed polls in a row before "unreachable"
notify.MAX_TARGETS = 25        -- per Discord server
local KNOWN_KIND = {}
for _, kind in ipairs(notify.KINDS) do KNOWN_KIND[kind] = true end
local DOWN_NS = "notify.down"  -- store namespace: orchestrator -> epoch it was announced down

-- ---- targets ----

local DISCORD_HOSTS = { ["discord.com"] = true, ["discordapp.com"] = true, ["ptb.discord.com"] = true,
  ["canary.discord.com"] = true }

-- A Discord webhook URL (https://discord.com/api[/v10]/webhooks/<id>/<token>[?thread_id=<id>]), or a local
-- relay on http://127.0.0.1:<port>/... .
function notify.valid_webhook(url)
  if type(url) ~= "string" or #url > 512 or url:find("[%s%c]") then return false end
  local host, path = url:match("^https://([%w%.%-]+)/api/(.+)$")
  if host then
    if not DISCORD_HOSTS[host:lower()] then return false end
    path = path:gsub("^v%d+/", "")
    local base, query = path:match("^([^?]*)(.*)$")
    if query ~= "" and not query:match("^%?thread_id=%d+$") then return false end
    return base:match("^webhooks/%d+/[%w_%-]+$") ~= nil
  end
  return url:match("^http://127%.0%.0%.1:%d+/[%w%._~/%-?=&]*$") ~= nil
end

-- How a webhook is shown: never the URL, only its last four characters.
function notify.mask(url)
  return "webhook …/" .. tostring(url or ""):sub(-4)
end

local function replace_plain(text, needle, replacement)
  if needle == nil or #needle < 4 then return text end
  local out, from = {}, 1
  while true do
    local i, j = text:find(needle, from, true)
    if not i then break end
    out[#out + 1] = text:sub(from, i - 1)
    out[#out + 1] = replacement
    from = j + 1
  end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

-- An error text with the webhook's URL and token taken out.
local function scrub(text, url)
  text = tostring(text or "")
  if url then
    text = replace_plain(text, url, notify.mask(url))
    text = replace_plain(text, url:match("/([^/?]+)%??[^/]*$"), "…")
  end
  return text
end

-- "all", or a comma list of kinds and groups -> the stored form ("all" or "started,stopped"), or nil and
-- the word that is not a kind.
function notify.parse_events(text)
  text = tostring(text or ""):lower()
  if not text:match("%S") then return "all" end
  local chosen, order = {}, {}
  for word in text:gmatch("[^,%s]+") do
    local kinds = notify.GROUPS[word] or (KNOWN_KIND[word] and { word })
    if not kinds then return nil, word end
    for _, kind in ipairs(kinds) do
      if not chosen[kind] then chosen[kind] = true end
    end
  end
  for _, kind in ipairs(notify.KINDS) do
    if chosen[kind] then order[#order + 1] = kind end
  end
  if #order == #notify.KINDS then return "all" end
  return table.concat(order, ",")
end

function notify.accepts(events, kind)
  events = tostring(events or "all")
  if events == "all" then return true end
  for word in events:gmatch("[^,]+") do
    if word == kind then return true end
  end
  return false
end

function notify.targets(guild_id)
  local sql = "SELECT id, guild_id, channel_id, webhook_url, mention_role, events, created_by FROM notify_targets"
  if guild_id then return store.sql(sql .. " WHERE guild_id = ? ORDER BY id", guild_id) or {} end
  return store.sql(sql .. " ORDER BY id") or {}
end

function notify.target(guild_id, id)
  local rows = store.sql("SELECT id, guild_id, channel_id, webhook_url, mention_role, events, created_by FROM "
    .. "notify_targets WHERE guild_id = ? AND id = ?", guild_id, id)
  return type(rows) == "table" and rows[1] or nil
end

-- "<#channel> + webhook …/abcd, mentions <@&role>" (safe to show: no URL).
function notify.describe(t, target)
  local parts = {}
  if target.channel_id then parts[#parts + 1] = "<#" .. target.channel_id .. ">" end
  if target.webhook_url then parts[#parts + 1] = notify.mask(target.webhook_url) end
  local text = table.concat(parts, " + ")
  if target.mention_role then
    text = text .. ", " .. t("notify.mentions", { role = "<@&" .. target.mention_role .. ">" })
  end
  return text
end

-- ---- delivery ----

local function message_for(target, embed)
  local message = { embeds = { embed }, allowed_mentions = { parse = json.array() } }
  if target.mention_role then
    message.content = "<@&" .. target.mention_role .. ">"
    message.allowed_mentions.roles = { target.mention_role }
  end
  return message
end

-- POSTs to a webhook; a 429 is waited out (twice at most). Returns true, or nil and a scrubbed reason.
local function send_webhook(url, message)
  local body = json.encode(message)
  for attempt = 1, 3 do
    local res, err = http.request({ method = "POST", url = url, body = body, timeout = 10,
      headers = { ["Content-Type"] = "application/json", ["User-Agent"] = "peon-bot" } })
    if not res then return nil, scrub(err, url) end
    if res.status >= 200 and res.status < 300 then return true end
    local ok, decoded = pcall(json.decode, res.body or "")
    decoded = ok and type(decoded) == "table" and decoded or {}
    if res.status == 429 and attempt < 3 then
      local wait = tonumber(decoded.retry_after) or tonumber(res.headers and res.headers["retry-after"]) or 1
      sleep(math.min(math.max(wait, 0.05), 30))
    else
      local said = type(decoded.message) == "string" and (": " .. cards.clip(decoded.message, 200)) or ""
      if decoded.code then said = said .. " (code " .. tostring(decoded.code) .. ")" end
      return nil, scrub("HTTP " .. res.status .. said, url)
    end
  end
  return nil, "HTTP 429"
end

-- Sends one embed to one target (its channel and/or webhook). Returns true, or nil and why (safe to show).
function notify.deliver(target, embed)
  local message = message_for(target, embed)
  local problems = {}
  if target.channel_id then
    local sent, err = discord.send_message(target.channel_id, message)
    if not sent then problems[#problems + 1] = "<#" .. target.channel_id .. ">: " .. tostring(err) end
  end
  if target.webhook_url then
    local sent, err = send_webhook(target.webhook_url, message)
    if not sent then problems[#problems + 1] = notify.mask(target.webhook_url) .. ": " .. err end
  end
  if #problems > 0 then return nil, table.concat(problems, "; ") end
  return true
end

function notify.publish(guild_id, kind, embed)
  if not KNOWN_KIND[kind] then error("notify.publish: unknown kind " .. tostring(kind), 2) end
  if type(embed) ~= "table" then error("notify.publish: embed must be a table", 2) end
  local delivered, failed = 0, 0
  for _, target in ipairs(notify.targets(guild_id)) do
    if notify.accepts(target.events, kind) then
      local ok, why = notify.deliver(target, embed)
      if ok then
        delivered = delivered + 1
      else
        failed = failed + 1
        log.warn("notification #%d (%s) not delivered: %s", target.id, kind, why)
      end
    end
  end
  return delivered, failed
end

-- ---- what the poller saw ----

local fails = {}   -- orchestrator -> failed polls in a row
local known = {}   -- orchestrator -> { uid = state } from its last answer (nil: no answer seen yet)
local seen_at = {} -- orchestrator -> checked_at of the newest answer handled

local STOPPED = { exited = true, stopped = true, created = true }
local CRASHED = { unknown = true, dead = true }

local function transition(old, new)
  if new == "running" and old ~= "running" then return "started" end
  if CRASHED[new] and not CRASHED[old] then return "crashed" end
  if STOPPED[new] and not STOPPED[old] then return "stopped" end
  return nil
end

local function now_iso()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local function down_reason(t, err)
  local kind = type(err) == "table" and err.kind or "unreachable"
  local text = t("board.down_" .. tostring(kind), { status = type(err) == "table" and err.status or 0 })
  if text:sub(1, 2) == "[[" then text = t("board.down_unreachable") end
  return text
end

local COLOURS = { started = cards.GREEN, stopped = cards.ORANGE, crashed = cards.RED, created = cards.BLUE,
  deleted = cards.GREY, unreachable = cards.RED, recovered = cards.GREEN }

local function server_event(t, kind, s, old)
  local vars = { uid = cards.plain(s.uid), orc = cards.plain(s.orchestrator), state = cards.plain(s.state),
    old = cards.plain(old or "—") }
  return { kind = kind, embed = { title = t("notify.title_" .. kind, vars),
    description = t("notify.text_" .. kind, vars), color = COLOURS[kind], timestamp = now_iso() } }
end

local function sorted_keys(map)
  local keys = {}
  for key in pairs(map) do keys[#keys + 1] = key end
  table.sort(keys)
  return keys
end

-- Compares this refresh with each orchestrator's last answer; returns a list of { kind =, embed = }.
function notify.detect(servers, status)
  local t = i18n.default()
  local events = {}
  local by_orc = {}
  for _, s in ipairs(servers) do
    by_orc[s.orchestrator] = by_orc[s.orchestrator] or {}
    by_orc[s.orchestrator][s.uid] = s
  end
  for _, name in ipairs(sorted_keys(status)) do
    local st = status[name]
    local orc_name = cards.plain(name)
    -- Refreshes can overlap (the poller, after an action): an answer older than one already seen is stale.
    local stale = st.checked_at and seen_at[name] and st.checked_at < seen_at[name]
    seen_at[name] = math.max(st.checked_at or 0, seen_at[name] or 0)
    if stale then
      log.debug("orchestrator %s: ignoring an answer older than the last one seen", name)
    elseif st.ok then
      fails[name] = 0
      local down_since = store.get(DOWN_NS, name)
      if down_since then
        store.delete(DOWN_NS, name)
        local since = math.tointeger(tonumber(down_since)) or os.time()
        events[#events + 1] = { kind = "recovered", embed = {
          title = t("notify.title_recovered", { orc = orc_name }),
          description = t("notify.text_recovered", { orc = orc_name, since = "<t:" .. since .. ":R>" }),
          color = COLOURS.recovered, timestamp = now_iso() } }
      end
      local now = by_orc[name] or {}
      local before = known[name]
      if before then
        for _, uid in ipairs(sorted_keys(now)) do
          local s = now[uid]
          if before[uid] == nil then
            events[#events + 1] = server_event(t, "created", s)
          else
            local kind = transition(before[uid], s.state)
            if kind then events[#events + 1] = server_event(t, kind, s, before[uid]) end
          end
        end
        for _, uid in ipairs(sorted_keys(before)) do
          if now[uid] == nil then
            events[#events + 1] = server_event(t, "deleted", { uid = uid, orchestrator = name, state = "—" },
              before[uid])
          end
        end
      end
      local states = {}
      for uid, s in pairs(now) do states[uid] = s.state end
      known[name] = states
    else
      fails[name] = (fails[name] or 0) + 1
      if fails[name] >= notify.DOWN_AFTER and not store.get(DOWN_NS, name) then
        store.set(DOWN_NS, name, tostring(os.time()))
        events[#events + 1] = { kind = "unreachable", embed = {
          title = t("notify.title_unreachable", { orc = orc_name }),
          description = t("notify.text_unreachable", { orc = orc_name, count = fails[name],
            why = down_reason(t, st.err) }),
          color = COLOURS.unreachable, timestamp = now_iso() } }
      end
    end
  end
  for name in pairs(fails) do
    if status[name] == nil then -- deregistered: forget it
      fails[name], known[name], seen_at[name] = nil, nil, nil
      store.delete(DOWN_NS, name)
    end
  end
  return events
end

-- Events go out in the order they were seen, by one task at a time.
local queue, draining, draining_since = {}, false, 0

local function drain()
  while #queue > 0 do
    local event = table.remove(queue, 1)
    local ok, err = pcall(notify.publish, nil, event.kind, event.embed)
    if not ok then log.error("notification (%s) failed: %s", event.kind, tostring(err)) end
  end
  draining = false
end

function notify.on_refresh(servers, status)
  local events = notify.detect(servers, status)
  for _, event in ipairs(events) do queue[#queue + 1] = event end
  if #queue > 0 and (not draining or os.time() - draining_since > 300) then
    draining, draining_since = true, os.time()
    peon.spawn(drain)
  end
end

return notify
