-- Test script: records every PEON_TEST event (how often each number arrived, and in which order) and
-- answers /where with the channel name from the gateway cache.
return {
  name = "where",
  description = "Which channel is this",
  handler = function(ctx)
    local cached = peon.find_channel(ctx.guild_id, "valheim-bob")
    ctx:reply(string.format("%s|%s", tostring(ctx.channel_name), cached and cached.id or "none"))
  end,
  events = {
    PEON_TEST = function(data, seq)
      local key = string.format("%06d", data.n)
      local seen = tonumber(store.get("events", key) or "0")
      store.set("events", key, tostring(seen + 1))
      store.set("order", string.format("%09d", seq), key)
    end,
    GUILD_CREATE = function(data)
      store.set("guilds", data.id, tostring(#(data.channels or {})))
    end,
  },
}
