-- The audit log: every action taken through the bot (who, what, which server, result, when), kept in the
-- state store's audit table and shown by /audit.
local audit = {}

local KEEP = 5000 -- entries per guild; older ones go

-- entry: { guild_id =, user_id =, action =, server =, ok = bool, detail = }
function audit.record(entry)
  local done, why = store.sql("INSERT INTO audit (guild_id, user_id, action, server, result, detail) "
    .. "VALUES (?, ?, ?, ?, ?, ?)", entry.guild_id, entry.user_id, entry.action, entry.server,
    entry.ok and "ok" or "failed", entry.detail and tostring(entry.detail):sub(1, 500) or nil)
  if not done then
    log.warn("audit entry not written: %s", tostring(why))
    return
  end
  if done.last_id % 100 == 0 then
    store.sql("DELETE FROM audit WHERE guild_id = ? AND id <= (SELECT id FROM audit WHERE guild_id = ? "
      .. "ORDER BY id DESC LIMIT 1 OFFSET ?)", entry.guild_id, entry.guild_id, KEEP)
  end
end

-- The latest entries of a guild, newest first, optionally for one server (uid, any orchestrator) or user.
function audit.latest(guild_id, server, user_id, limit)
  local sql = "SELECT id, at, user_id, action, server, result, detail FROM audit WHERE guild_id = ?"
  local values = { guild_id }
  if server then
    sql = sql .. " AND (server = ? OR server LIKE ?)"
    values[#values + 1] = server
    values[#values + 1] = server:gsub("[%%_]", "") .. "@%"
  end
  if user_id then
    sql = sql .. " AND user_id = ?"
    values[#values + 1] = user_id
  end
  values[#values + 1] = limit or 15
  return store.sql(sql .. " ORDER BY id DESC LIMIT ?", table.unpack(values)) or {}
end

return audit
