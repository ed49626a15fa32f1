-- Which capability each server action needs (view < operate < manage < admin), checked in the handler
-- because /server carries several actions in one command. The rule itself is the host's (ctx:can), so
-- role grants apply here exactly as they do to whole commands.
local access = {}

access.ACTION_CAPABILITY = {
  info = "view", start = "operate", stop = "operate", restart = "operate", backup = "operate",
  update = "manage", description = "manage", delete = "manage",
}

local ADMINISTRATOR, MANAGE_GUILD = 8, 32

-- Until role grants exist: admin and manage need Administrator or Manage Server, the rest is open.
local function fallback(ctx, capability)
  if capability ~= "admin" and capability ~= "manage" then return true end
  local bits = math.tointeger(tonumber(ctx.permissions or "0")) or 0
  return bits & ADMINISTRATOR ~= 0 or bits & MANAGE_GUILD ~= 0
end

function access.allows(ctx, capability)
  if type(ctx.can) == "function" then return ctx:can(capability) end
  return fallback(ctx, capability)
end

function access.is_admin(ctx)
  return access.allows(ctx, "admin")
end

return access
