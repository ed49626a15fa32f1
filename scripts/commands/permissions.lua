-- /permissions grant|revoke|list: which roles hold which capability (view < operate < manage < admin).
-- Members with Administrator or Manage Server always hold every capability; the host checks a command's
-- capability before any handler runs (core/lua/dispatch.lua).
local i18n = require("i18n")
local cards = require("cards")
local audit = require("audit")
local L = i18n.localizations

local CAPABILITIES = { "view", "operate", "manage", "admin" }

local function capability_choices()
  local out = {}
  for i, name in ipairs(CAPABILITIES) do
    out[i] = { name = i18n.text("en", "permissions.cap_" .. name), value = name,
      name_localizations = L("permissions.cap_" .. name) }
  end
  return out
end

local function role_option(key)
  return { name = "role", type = "role", required = true, description = i18n.text("en", key),
    description_localizations = L(key) }
end

local function capability_option()
  return { name = "capability", type = "string", required = true, choices = capability_choices(),
    description = i18n.text("en", "permissions.opt_capability"),
    description_localizations = L("permissions.opt_capability") }
end

local function role_name(ctx, role_id)
  local resolved = ctx.resolved and ctx.resolved.roles and ctx.resolved.roles[role_id]
  local cached = peon.role(role_id)
  return cards.plain((resolved and resolved.name) or (cached and cached.name) or role_id)
end

local function answer(ctx, title, text, colour)
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(title, text, colour) } })
end

local function grant(ctx)
  local t = i18n.for_ctx(ctx)
  local role, capability = ctx.options.role, ctx.options.capability
  if role == ctx.guild_id then return answer(ctx, t("permissions.everyone_title"), t("permissions.everyone"),
    cards.ORANGE) end
  local done, why = store.sql("INSERT INTO role_grants (guild_id, role_id, capability, granted_by) VALUES (?, ?, ?, ?) "
    .. "ON CONFLICT (guild_id, role_id, capability) DO NOTHING", ctx.guild_id, role, capability, ctx.user.id)
  if not done then return answer(ctx, t("permissions.failed"), cards.plain(why), cards.RED) end
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "grant", ok = true,
    detail = capability .. " to role " .. role })
  local vars = { role = "<@&" .. role .. ">", capability = capability, name = role_name(ctx, role) }
  local text = t(done.changes > 0 and "permissions.granted" or "permissions.already", vars)
  if capability == "operate" then text = text .. "\n" .. t("permissions.operate_note") end
  return answer(ctx, t("permissions.title"), text, cards.GREEN)
end

local function revoke(ctx)
  local t = i18n.for_ctx(ctx)
  local role, capability = ctx.options.role, ctx.options.capability
  local done, why = store.sql("DELETE FROM role_grants WHERE guild_id = ? AND role_id = ? AND capability = ?",
    ctx.guild_id, role, capability)
  if not done then return answer(ctx, t("permissions.failed"), cards.plain(why), cards.RED) end
  audit.record({ guild_id = ctx.guild_id, user_id = ctx.user.id, action = "revoke", ok = done.changes > 0,
    detail = capability .. " from role " .. role })
  local vars = { role = "<@&" .. role .. ">", capability = capability }
  return answer(ctx, t("permissions.title"), t(done.changes > 0 and "permissions.revoked" or "permissions.not_held",
    vars), done.changes > 0 and cards.GREEN or cards.ORANGE)
end

local function list(ctx)
  local t = i18n.for_ctx(ctx)
  local rows = store.sql("SELECT role_id, capability FROM role_grants WHERE guild_id = ? ORDER BY capability, role_id",
    ctx.guild_id) or {}
  local by_capability = {}
  for _, row in ipairs(rows) do
    by_capability[row.capability] = by_capability[row.capability] or {}
    table.insert(by_capability[row.capability], "<@&" .. row.role_id .. ">")
  end
  local fields = {}
  for _, name in ipairs(CAPABILITIES) do
    local roles = by_capability[name]
    local value = roles and table.concat(roles, " ") or t("permissions.none_" .. name)
    fields[#fields + 1] = { name = t("permissions.cap_" .. name), value = cards.clip(value, 1024) }
  end
  return ctx:reply({ ephemeral = true, embeds = { cards.embed(t("permissions.list_title"), t("permissions.list_intro"),
    cards.BLUE, fields) } })
end

return {
  name = "permissions",
  name_localizations = L("permissions.cmd_name"),
  description = i18n.text("en", "permissions.description"),
  description_localizations = L("permissions.description"),
  capability = "admin",
  default_member_permissions = "32",
  ephemeral = true,
  subcommands = {
    { name = "grant", description = i18n.text("en", "permissions.grant"), description_localizations =
      L("permissions.grant"), options = { role_option("permissions.opt_role_grant"), capability_option() },
      handler = grant },
    { name = "revoke", description = i18n.text("en", "permissions.revoke"), description_localizations =
      L("permissions.revoke"), options = { role_option("permissions.opt_role_revoke"), capability_option() },
      handler = revoke },
    { name = "list", description = i18n.text("en", "permissions.list"), description_localizations =
      L("permissions.list"), handler = list },
  },
}
