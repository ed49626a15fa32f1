-- Test script: /burst count tag [channel] sends `count` messages to #peon (or the named channel) through
-- discord.send_message, one after the other, and answers "sent N|first error".
return {
  name = "burst",
  description = "Send several messages to a channel",
  options = {
    { name = "count", type = "integer", description = "How many", required = true, min_value = 1, max_value = 200 },
    { name = "tag", type = "string", description = "Prefix of each message", required = true },
    { name = "channel", type = "string", description = "Channel name (default peon)" },
  },
  handler = function(ctx)
    ctx:defer()
    local channel = peon.find_channel(ctx.guild_id, ctx.options.channel or "peon")
    local sent, first_error = 0, "none"
    for i = 1, ctx.options.count do
      local message, err = discord.send_message(channel.id, string.format("%s %d @everyone", ctx.options.tag, i))
      if message then
        sent = sent + 1
      elseif first_error == "none" then
        first_error = err
      end
    end
    ctx:reply(string.format("sent %d|%s", sent, first_error))
  end,
}
