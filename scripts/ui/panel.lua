-- The server panel's buttons (custom_id "panel:<action>:<game.name@orchestrator>") and the modals, select and
-- confirmations they open. Every press checks the presser's capability for that action first; stop and
-- update confirm through the /server confirmation view (scripts/ui/server.lua), delete through its own.
local i18n = require("i18n")
local fleet = require("fleet")
local access = require("access")
local outcome = require("outcome")
local cards = require("cards")
local ui = require("ui")
local orc = require("orc")
local panels = require("panels")
local json = require("core.json")

local CONFIRM_TTL = 120 -- seconds a confirmation or the update select stays pressable
local MODES = require("actions").UPDATE_MODES
local NO_BUTTONS = json.array()

local function trim(text)
  return (tostring(text or ""):gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Private refusal: first line as the title, the rest as the text.
local function refuse(ctx, text, fields)
  local embed = cards.embed("❌ " .. text:match("^[^\n]*"), text:match("\n(.*)$"), cards.RED, fields)
  return ctx:reply({ ephemeral = true, embeds = { embed } })
end

-- The translator when the presser may do `action`; otherwise refuses and returns nil.
local function allowed(ctx, action)
  local t = i18n.for_ctx(ctx)
  local capability = access.ACTION_CAPABILITY[action]
  if access.allows(ctx, capability) then return t end
  refuse(ctx, t("panel.not_allowed", { action = t("panel.act_" .. action), capability = capability }))
  return nil
end

-- The server a button names, looked up again now (it may have moved or gone since the panel was posted).
-- Returns the record, or nil and the text saying why.
local function find(t, target)
  local server, why = fleet.resolve(target)
  if server then return server end
  local uid, where = fleet.parse_ref(target)
  return nil, t("panel.resolve_" .. why, { ref = cards.plain(target), uid = uid or "?",
    orc = cards.plain(where or "?") })
end

-- From the cache only, for modals: they must open within Discord's 3 s, before any slow lookup.
local function cached(target)
  local uid, where = fleet.parse_ref(target)
  for _, s in ipairs(fleet.servers) do
    if s.uid == uid and s.orchestrator == where then return s end
  end
  return nil
end

-- Start, restart, info, backup: run it and post the result (who, where, what the orchestrator said) as a
-- new message, so the panel stays.
local function run(action)
  return function(ctx, target)
    local t = allowed(ctx, action)
    if not t then return end
    local server, why = find(t, target)
    if not server then return refuse(ctx, why) end
    if action == "backup" then ctx:defer() end -- the archive can take a while
    local message = outcome.perform(ctx, t, server, action, { several_orchestrators = #orc.list() > 1,
      upload_limit = ctx.attachment_size_limit })
    if action == "info" then message.ephemeral = true end -- a look, not news for the channel
    return ctx:reply(message) -- a backup's archive goes along as an attachment
  end
end

local actions = { start = run("start"), restart = run("restart"), info = run("info"), backup = run("backup") }

-- Stop: a modal for the optional timer, then the /server confirmation (server:stop).
function actions.stop(ctx, target)
  local t = allowed(ctx, "stop")
  if not t then return end
  local uid = fleet.parse_ref(target) or "?"
  return ctx:modal(ui.modal({ custom_id = ui.id("panel", "stop_at", target),
    title = cards.clip(t("panel.stop_modal_title", { uid = uid }), 45),
    inputs = { { custom_id = "timer", label = t("panel.stop_modal_label"), style = "short", required = false,
      max_length = 40, placeholder = t("panel.stop_modal_placeholder") } } }))
end

function actions.stop_at(ctx, target)
  local t = allowed(ctx, "stop")
  if not t then return end
  local text = trim(ctx.fields and ctx.fields.timer)
  local when
  if text ~= "" then
    local parsed, why = peon.parse_timer(text)
    if not parsed then
      local reason = tostring(why):match("^(.-)%s*Timers:") or tostring(why)
      return refuse(ctx, t("panel.bad_timer", { text = cards.clip(cards.plain(text), 60) }) .. "\n"
        .. t("panel.timer_formats", { zone = peon.config.timezone or "UTC" }),
        reason ~= "" and { { name = t("panel.field_detail"), value = cards.clip(reason, 1000) } } or nil)
    end
    when = parsed
  end
  local server, why = find(t, target)
  if not server then return refuse(ctx, why) end
  local key = when and "confirm_stop_later" or "confirm_stop"
  local at = when and peon.format_time(when.epoch) or ""
  local text_lines = t("panel." .. key .. "_text", { orc = cards.plain(server.orchestrator), when = at })
  if when and when.tomorrow then text_lines = text_lines .. "\n" .. t("panel.timer_tomorrow") end
  return ctx:reply(ui.confirm({ user = ctx.user.id, ttl = CONFIRM_TTL, view = "server",
    confirm = { action = "stop", args = { panels.target(server), when and tostring(when.epoch) or "" },
      label = t(when and "panel.button_stop_later" or "panel.button_stop_now"), style = "danger" },
    cancel = { action = "cancel", args = { server.uid }, label = t("panel.button_cancel") },
    embed = { title = t("panel." .. key .. "_title", { uid = server.uid, when = at }), description = text_lines,
      color = cards.ORANGE } }))
end

-- Update: a select of the four modes (only the presser may choose), then the /server confirmation.
function actions.update(ctx, target)
  local t = allowed(ctx, "update")
  if not t then return end
  local server, why = find(t, target)
  if not server then return refuse(ctx, why) end
  local options = {}
  for i, mode in ipairs(MODES) do
    options[i] = { label = t("panel.mode_" .. mode), value = mode, description = t("panel.risk_" .. mode) }
  end
  return ctx:reply({
    embeds = { cards.embed(t("panel.update_title", { uid = server.uid }),
      t("panel.update_text", { orc = cards.plain(server.orchestrator) }), cards.ORANGE) },
    components = { ui.row(ui.select({ placeholder = t("panel.update_placeholder"), options = options,
      custom_id = panels.bound(ctx.user.id, CONFIRM_TTL, "panel", "update_mode", panels.target(server)) })) },
  })
end

function actions.update_mode(ctx, target)
  local t = allowed(ctx, "update")
  if not t then return end
  if ctx.confirmation == nil then return refuse(ctx, t("panel.unconfirmed")) end
  local mode = ctx.values and ctx.values[1]
  local known = false
  for _, m in ipairs(MODES) do known = known or m == mode end
  if not known then return refuse(ctx, t("panel.bad_mode")) end
  local uid, where = fleet.parse_ref(target)
  local text = t("panel.confirm_update_text", { orc = cards.plain(where or "?") })
  if mode == "reinit" then text = text .. "\n\n" .. t("panel.reinit_warning") end
  return ctx:update(ui.confirm({ user = ctx.user.id, ttl = CONFIRM_TTL, view = "server",
    confirm = { action = "update", args = { target, mode }, label = t("panel.button_update_confirm"),
      style = "danger" },
    cancel = { action = "cancel", args = { uid or "?" }, label = t("panel.button_cancel") },
    embed = { title = t("panel.confirm_update_title", { mode = t("panel.mode_" .. mode), uid = uid or "?" }),
      description = text, color = mode == "reinit" and cards.RED or cards.ORANGE,
      fields = { { name = t("panel.field_risk"), value = t("panel.level_" .. mode) } } } }))
end

-- Edit description: a modal prefilled with the description the bot knows.
function actions.describe(ctx, target)
  local t = allowed(ctx, "description")
  if not t then return end
  local current = panels.description(cached(target))
  if current and utf8.len(current) and utf8.len(current) > 200 then current = nil end
  return ctx:modal(ui.modal({ custom_id = ui.id("panel", "describe_set", target),
    title = cards.clip(t("panel.describe_modal_title", { uid = fleet.parse_ref(target) or "?" }), 45),
    inputs = { { custom_id = "description", label = t("panel.describe_label"), style = "paragraph",
      required = true, min_length = 1, max_length = 200, value = current } } }))
end

function actions.describe_set(ctx, target)
  local t = allowed(ctx, "description")
  if not t then return end
  local text = trim(ctx.fields and ctx.fields.description)
  if text == "" then return refuse(ctx, t("panel.describe_empty")) end
  local length = utf8.len(text) or #text
  if length > 200 then return refuse(ctx, t("panel.describe_too_long", { count = length })) end
  local server, why = find(t, target)
  if not server then return refuse(ctx, why) end
  return ctx:reply(outcome.perform(ctx, t, server, "description", { text = text }))
end

-- Delete: one confirmation with two ways to delete (container only, everything) and Cancel, all bound to
-- the presser; panel:destroy:<target>:<container|all> runs it.
function actions.delete(ctx, target)
  local t = allowed(ctx, "delete")
  if not t then return end
  local server, why = find(t, target)
  if not server then return refuse(ctx, why) end
  local ref = panels.target(server)
  local function b(emoji, key, style, action, ...)
    return ui.button({ emoji = emoji, label = t(key), style = style,
      custom_id = panels.bound(ctx.user.id, CONFIRM_TTL, "panel", action, ...) })
  end
  return ctx:reply({
    embeds = { ui.embed({ title = t("panel.delete_title", { uid = server.uid }), color = cards.RED,
      description = t("panel.delete_text", { orc = cards.plain(server.orchestrator) }),
      fields = { { name = t("panel.delete_container_field"), value = t("panel.delete_container_text") },
        { name = t("panel.delete_everything_field"), value = t("panel.delete_everything_text") } } }) },
    components = { ui.row(
      b("🗃️", "panel.button_delete_container", "danger", "destroy", ref, "container"),
      b("💥", "panel.button_delete_everything", "danger", "destroy", ref, "all"),
      b(nil, "panel.button_cancel", "secondary", "cancel", server.uid)) },
  })
end

function actions.destroy(ctx, target, how)
  local t = allowed(ctx, "delete")
  if not t then return end
  -- Only through the confirmation's bound buttons (the dispatcher sets ctx.confirmation for those).
  if ctx.confirmation == nil then return refuse(ctx, t("panel.unconfirmed")) end
  ctx:defer() -- the confirmation waits while the orchestrator works
  local server, why = find(t, target)
  local message
  if server then
    message = outcome.perform(ctx, t, server, "delete", { everything = how == "all" })
  else
    message = { embeds = { cards.embed("❌ " .. why:match("^[^\n]*"), why:match("\n(.*)$"), cards.RED) } }
  end
  message.components = NO_BUTTONS -- answered: the buttons go
  return ctx:update(message)
end

function actions.cancel(ctx, uid)
  local t = i18n.for_ctx(ctx)
  return ctx:update({ embeds = { cards.embed(t("panel.cancelled", { uid = cards.plain(uid or "?") }), nil,
    cards.GREY) }, components = NO_BUTTONS })
end

return { actions = actions }
