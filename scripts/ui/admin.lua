-- The admin panel's buttons (custom_id "admin:<action>"), the register modal and the remove select and
-- confirmation. Every press needs the admin capability; every answer is private (it may show URLs). API
-- keys go from the modal to orc.register and are never shown back.
local i18n = require("i18n")
local access = require("access")
local cards = require("cards")
local ui = require("ui")
local orc = require("orc")
local fleet = require("fleet")
local reports = require("admin_reports")
local json = require("core.json")

local CONFIRM_TTL = 120
local NO_BUTTONS = json.array()

local function private(ctx, embed)
  return ctx:reply({ ephemeral = true, embeds = { embed } })
end

-- The translator when the presser is an admin; otherwise a private refusal and nil.
local function admin(ctx)
  local t = i18n.for_ctx(ctx)
  if access.is_admin(ctx) then return t end
  local text = t("admin.not_admin")
  private(ctx, cards.embed("❌ " .. text:match("^[^\n]*"), text:match("\n(.*)$"), cards.RED))
  return nil
end

local function entry_named(name)
  for _, entry in ipairs(orc.list()) do
    if entry.name == name then return entry end
  end
  return nil
end

-- A button that only builds a report: answered privately; the slow ones acknowledge first.
local function report(build, slow)
  return function(ctx)
    local t = admin(ctx)
    if not t then return end
    if slow then ctx:defer() end
    return private(ctx, build(t))
  end
end

local actions = {
  list = report(reports.health, true),
  import = report(reports.import, true),
  plans = report(reports.plans, true),
  system = report(reports.system, true),
  create = report(reports.create, false),
}

function actions.register(ctx)
  local t = admin(ctx)
  if not t then return end
  return ctx:modal(ui.modal({ custom_id = ui.id("admin", "register_set"), title = t("admin.register_title"),
    inputs = {
      { custom_id = "name", label = t("admin.register_name"), style = "short", required = true, min_length = 2,
        max_length = 32 },
      { custom_id = "url", label = t("admin.register_url"), style = "short", required = true, min_length = 8,
        max_length = 200, placeholder = t("admin.register_url_placeholder") },
      { custom_id = "key", label = t("admin.register_key"), style = "short", required = true, min_length = 1,
        max_length = 200 },
    } }))
end

-- orc.register checks GET /orchestrator with the key before anything is saved.
function actions.register_set(ctx)
  local t = admin(ctx)
  if not t then return end
  ctx:defer({ ephemeral = true })
  local fields = ctx.fields or {}
  local name = tostring(fields.name or ""):gsub("^%s+", ""):gsub("%s+$", "")
  local version, err = orc.register(name, fields.url, fields.key)
  if not version then
    return private(ctx, cards.embed(t("admin.register_failed_title", { orc = cards.plain(name) }),
      cards.orc_error(t, err) .. "\n" .. t("admin.nothing_saved"), cards.RED))
  end
  fleet.refresh_soon()
  local entry = entry_named(name)
  return private(ctx, cards.embed(t("admin.registered_title", { orc = cards.plain(name) }),
    t("admin.registered_text", { orc = cards.plain(name), url = entry and entry.url or "?",
      version = cards.plain(version) }), cards.GREEN))
end

function actions.remove(ctx)
  local t = admin(ctx)
  if not t then return end
  local list = orc.list()
  if #list == 0 then return private(ctx, cards.embed(t("admin.remove_none"), nil, cards.ORANGE)) end
  local options = {}
  for i, entry in ipairs(list) do
    if i > 25 then break end
    options[i] = { label = entry.name, value = entry.name,
      description = cards.clip(entry.source == "env" and t("admin.from_env") or entry.url, 100) }
  end
  local text = t("admin.remove_pick_text")
  if #list > 25 then text = text .. "\n" .. t("admin.remove_more") end
  return ctx:reply({ ephemeral = true,
    embeds = { cards.embed(t("admin.remove_pick_title"), text, cards.ORANGE) },
    components = { ui.row(ui.select({ custom_id = ui.id("admin", "remove_pick"),
      placeholder = t("admin.remove_placeholder"), options = options })) } })
end

-- The environment's orchestrator comes back on every start, so removing it here would only mislead.
local function refusal(t, name)
  local entry = entry_named(name)
  if entry == nil then return t("admin.remove_gone", { orc = cards.plain(name) }) end
  if entry.source == "env" then return t("admin.remove_env", { orc = cards.plain(name) }) end
  return nil
end

local function closed(ctx, text, colour)
  return ctx:update({ embeds = { cards.embed(text:match("^[^\n]*"), text:match("\n(.*)$"), colour) },
    components = NO_BUTTONS })
end

function actions.remove_pick(ctx)
  local t = admin(ctx)
  if not t then return end
  local name = tostring(ctx.values and ctx.values[1] or "")
  local why = refusal(t, name)
  if why then return closed(ctx, why, cards.ORANGE) end
  return ctx:update(ui.confirm({ user = ctx.user.id, ttl = CONFIRM_TTL, view = "admin",
    confirm = { action = "remove_confirmed", args = { name }, label = t("admin.button_remove_confirm"),
      style = "danger" },
    cancel = { action = "cancel", label = t("admin.button_cancel") },
    embed = { title = t("admin.confirm_remove_title", { orc = cards.plain(name) }), color = cards.RED,
      description = t("admin.confirm_remove_text", { orc = cards.plain(name) }) } }))
end

function actions.remove_confirmed(ctx, name)
  local t = admin(ctx)
  if not t then return end
  -- Only through the confirmation's bound button (the dispatcher sets ctx.confirmation for those).
  if ctx.confirmation == nil then return closed(ctx, t("admin.unconfirmed"), cards.ORANGE) end
  local why = refusal(t, name)
  if why then return closed(ctx, why, cards.ORANGE) end
  if not orc.deregister(name) then
    return closed(ctx, t("admin.remove_gone", { orc = cards.plain(name) }), cards.ORANGE)
  end
  fleet.refresh_soon()
  return closed(ctx, t("admin.removed", { orc = cards.plain(name) }), cards.GREEN)
end

function actions.cancel(ctx)
  return closed(ctx, i18n.for_ctx(ctx)("admin.cancelled"), cards.GREY)
end

return { actions = actions }
