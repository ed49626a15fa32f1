-- What the gateway told us about guilds, channels and roles (GUILDS intent), so scripts can find a
-- channel by name or id without a REST call. Compiled into the binary; updated by lua_host_event.
local M = { guilds = {}, channels = {}, roles = {} }

local function keep_channel(guild_id, channel)
  M.channels[channel.id] = {
    id = channel.id, name = channel.name, type = channel.type, parent_id = channel.parent_id,
    guild_id = channel.guild_id or guild_id,
  }
end

local function keep_role(guild_id, role)
  M.roles[role.id] = { id = role.id, name = role.name, guild_id = guild_id, permissions = role.permissions }
end

local function forget_guild(guild_id)
  for id, channel in pairs(M.channels) do
    if channel.guild_id == guild_id then M.channels[id] = nil end
  end
  for id, role in pairs(M.roles) do
    if role.guild_id == guild_id then M.roles[id] = nil end
  end
end

local handlers = {}

function handlers.GUILD_CREATE(d)
  if d.unavailable then return end
  forget_guild(d.id)
  M.guilds[d.id] = { id = d.id, name = d.name, owner_id = d.owner_id }
  for _, channel in ipairs(d.channels or {}) do keep_channel(d.id, channel) end
  for _, role in ipairs(d.roles or {}) do keep_role(d.id, role) end
end

function handlers.GUILD_UPDATE(d)
  local guild = M.guilds[d.id]
  if guild then guild.name = d.name end
end

function handlers.GUILD_DELETE(d)
  if d.unavailable then return end -- an outage: the guild comes back with a GUILD_CREATE
  forget_guild(d.id)
  M.guilds[d.id] = nil
end

function handlers.CHANNEL_CREATE(d) if d.guild_id then keep_channel(d.guild_id, d) end end
handlers.CHANNEL_UPDATE = handlers.CHANNEL_CREATE
function handlers.CHANNEL_DELETE(d) M.channels[d.id] = nil end
function handlers.GUILD_ROLE_CREATE(d) keep_role(d.guild_id, d.role) end
handlers.GUILD_ROLE_UPDATE = handlers.GUILD_ROLE_CREATE
function handlers.GUILD_ROLE_DELETE(d) M.roles[d.role_id] = nil end

function M.wants(name)
  return handlers[name] ~= nil
end

function M.update(name, d)
  local handler = handlers[name]
  if handler and type(d) == "table" then handler(d) end
end

function M.channel(id)
  return M.channels[id]
end

function M.find_channel(guild_id, name)
  for _, channel in pairs(M.channels) do
    if channel.guild_id == guild_id and channel.name == name then return channel end
  end
  return nil
end

function M.role(id)
  return M.roles[id]
end

function M.guild(id)
  return M.guilds[id]
end

return M
