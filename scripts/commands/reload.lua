-- /reload: loads every script again; when command definitions changed, re-registers them with Discord.
-- A script with an error leaves the previous scripts live, and the admin sees the file and line.
local RED, GREEN = 0xE74C3C, 0x2ECC71

return {
  name = "reload",
  description = "Reload peon-bot's scripts (server admins only)",
  capability = "admin",
  default_member_permissions = "32",
  ephemeral = true,
  handler = function(ctx)
    local count, err = peon.reload("/reload by " .. ctx.user.id)
    if not count then
      return ctx:reply({
        ephemeral = true,
        embeds = { {
          title = "Reload failed: the previous scripts are still live",
          description = "```" .. err:sub(1, 3900) .. "```",
          color = RED,
        } },
      })
    end
    local outcome, message = peon.sync_commands()
    ctx:reply({
      ephemeral = true,
      embeds = { {
        title = "Scripts reloaded",
        description = string.format("%d commands loaded.\n%s", count, message),
        color = outcome == "failed" and RED or GREEN,
      } },
    })
  end,
}
