-- Start-up chores that belong to no command: the one-time import of the Python bot's orchestrator list
-- (at load, before the gateway connects) and telling each guild's control channel about it.
local legacy_import = require("legacy_import")

return {
  actions = {},
  events = {
    LOAD = function() legacy_import.run() end,
    GUILD_CREATE = function(guild) legacy_import.announce(guild.id) end,
  },
}
