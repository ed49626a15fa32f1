-- Moving from the Python bot: its registry file (peon.orchestrators.json: [{"name", "url", "key"}]) is
-- imported once, names already registered are left alone, and each guild's control channel is told what
-- came over (never the keys). Runs from events.LOAD and GUILD_CREATE of scripts/commands/orchestrators.lua.
local cjson = require("cjson")
local orc = require("orc")
local i18n = require("i18n")
local cards = require("cards")

local M = {}
local NS = "legacy_import"

-- Early Python bot versions wrote the key wrapped in single quotes.
local function clean_key(key)
  key = tostring(key or ""):gsub("^%s+", ""):gsub("%s+$", "")
  return (key:match("^'(.*)'$") or key)
end

-- Imports what is new; returns the summary stored for the announcement, or nil when nothing to do.
function M.run()
  if store.get(NS, "done") then return nil end
  local text, where = peon.registry.read_legacy()
  if text == nil then
    if where ~= "absent" then log.warn("cannot read the Python bot's orchestrator file: %s", tostring(where)) end
    return nil
  end
  local ok, list = pcall(cjson.decode, text)
  local imported, skipped, invalid = {}, {}, 0
  if not ok or type(list) ~= "table" then
    log.warn("%s is not the Python bot's orchestrator list (a JSON array); nothing imported", where)
    list = {}
  end
  for _, entry in ipairs(list) do
    local name = type(entry) == "table" and tostring(entry.name or ""):gsub("^%s+", ""):gsub("%s+$", "") or ""
    local url = type(entry) == "table" and orc.normal_url(entry.url) or nil
    local key = type(entry) == "table" and clean_key(entry.key) or ""
    if not orc.valid_name(name) or url == nil or key == "" or key:match("[%c%s]") then
      invalid = invalid + 1
    elseif orc.exists(name) then
      skipped[#skipped + 1] = name
    else
      local saved, why = peon.registry.put(name, url, key, "import")
      if saved then imported[#imported + 1] = name else log.warn("import of %s failed: %s", name, tostring(why)) end
    end
  end
  local summary = cjson.encode({ imported = imported, skipped = skipped, invalid = invalid, from = where })
  store.set(NS, "done", summary)
  log.info("imported %d orchestrators from %s (%d already registered, %d unusable)", #imported, where, #skipped,
    invalid)
  return summary
end

-- Tells a guild's control channel about the import, once per guild.
function M.announce(guild_id)
  local summary = store.get(NS, "done")
  if summary == nil or guild_id == nil or store.get(NS, "told:" .. guild_id) then return end
  local data = cjson.decode(summary)
  if #data.imported == 0 and #data.skipped == 0 and (tonumber(data.invalid) or 0) == 0 then return end
  local channel = peon.find_channel(guild_id, peon.config.control_channel)
  if channel == nil then return end
  local t = i18n.default()
  local lines = { t("legacy_import.text", { count = #data.imported, file = cards.plain(data.from) }) }
  if #data.imported > 0 then
    lines[#lines + 1] = t("legacy_import.names", { names = table.concat(data.imported, ", ") })
  end
  if #data.skipped > 0 then
    lines[#lines + 1] = t("legacy_import.skipped", { names = table.concat(data.skipped, ", ") })
  end
  local invalid = math.tointeger(data.invalid) or 0
  if invalid > 0 then lines[#lines + 1] = t("legacy_import.invalid", { count = invalid }) end
  lines[#lines + 1] = t("legacy_import.next")
  local sent = discord.send_message(channel.id, { embeds = { cards.embed(t("legacy_import.title"),
    table.concat(lines, "\n"), cards.BLUE) } })
  if sent then store.set(NS, "told:" .. guild_id, "1") end
end

return M
