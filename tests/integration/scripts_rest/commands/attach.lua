-- Test script: /attach posts a message with two text files to #peon.
return {
  name = "attach",
  description = "Post a message with files",
  handler = function(ctx)
    local channel = peon.find_channel(ctx.guild_id, "peon")
    local message, err = discord.send_message(channel.id, {
      content = "logs attached",
      files = { { name = "server.log", data = string.rep("line\n", 1000) },
                { name = "notes.txt", data = "hello", content_type = "text/plain" } },
    })
    ctx:reply(message and ("posted " .. #message.attachments) or ("error " .. err))
  end,
}
