-- Test script: /channel reads this channel through discord.get_channel (a GET, so retried on 5xx).
return {
  name = "channel",
  description = "Name this channel as Discord's REST API sees it",
  handler = function(ctx)
    local channel, err = discord.get_channel(ctx.channel_id)
    ctx:reply(channel and ("name " .. channel.name) or ("error " .. err))
  end,
}
