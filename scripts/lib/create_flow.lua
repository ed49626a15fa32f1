-- The steps of /create shared by the command (scripts/commands/create.lua) and its view
-- (scripts/ui/create.lua): server-name rules, the plan's settings, the pending form, the modals that ask
-- for the settings, and the create request itself.
--
-- Pending form: store namespace "create", key = the user's id, value = JSON
--   { nonce, orc, game, name, description, auto, required = { key... }, optional = { {key=, default=}... },
--     values = { key = value }, expires }
-- One pending form per user (a new /create replaces the old one, so nothing piles up), valid 15 minutes.
-- The modal and button custom_ids carry the nonce, so an old form can never fill in a newer one. A plan
-- with more than five required settings takes several modals; Discord cannot open a modal in answer to a
-- modal, so each submit answers with a "Continue" button that opens the next one.
local cjson = require("cjson")
local json = require("core.json")
local orc = require("orc")
local fleet = require("fleet")
local cards = require("cards")
local ui = require("ui")
local overview = require("overview")

local flow = {}

flow.NAME_MAX = 40
flow.TTL = 15 * 60
local PER_MODAL = 5
local NS = "create"

-- What the user typed as a server name, the way the orchestrator will see it.
function flow.normal_name(text)
  return (tostring(text or ""):gsub("^%s+", ""):gsub("%s+$", ""):lower():gsub("%s", "_"))
end

-- The i18n key ("create.name_...") saying what is wrong with a normalised name, or nil. No dots: the
-- orchestrator splits "game.name" uids on dots and would lose the rest.
function flow.name_problem(name)
  if name == "" then return "create.name_empty" end
  if #name > flow.NAME_MAX then return "create.name_long" end
  if name:find(".", 1, true) then return "create.name_dot" end
  if not name:match("^[a-z0-9_-]+$") then return "create.name_chars" end
  return nil
end

-- Where a key sits in the raw JSON: cjson forgets the orchestrator's order (required settings first).
local function key_position(raw, key)
  local quoted, from = cjson.encode(key), 1
  while true do
    local s, e = raw:find(quoted, from, true)
    if s == nil then return math.huge end
    if raw:match("^%s*:", e + 1) then return s end
    from = e + 1
  end
end

-- GET /plan/<game>: { required = { key... }, optional = { {key=, default=}... }, description = }
-- in the orchestrator's order, or nil and an orc error.
function flow.plan_settings(orchestrator, game, timeout)
  local raw, err = orc.get(orchestrator, "/plan/" .. game, { raw = true, timeout = timeout })
  if raw == nil then return nil, err end
  local ok, data = pcall(cjson.decode, raw)
  if not ok or type(data) ~= "table" or data[1] ~= nil then
    return nil, { orchestrator = orchestrator, kind = "malformed", status = 200,
                  detail = "GET /plan/" .. game .. " did not return the plan's settings" }
  end
  if data.status == "error" then
    return nil, { orchestrator = orchestrator, kind = "failed", status = 200, detail = orc.said(raw) }
  end
  local keys = {}
  for key, value in pairs(data) do
    local kind = type(value)
    if type(key) == "string" and key ~= "description" and (kind == "string" or kind == "number" or kind == "boolean")
    then
      keys[#keys + 1] = key
    end
  end
  local where = {}
  for _, key in ipairs(keys) do where[key] = key_position(raw, key) end
  table.sort(keys, function(a, b)
    if where[a] ~= where[b] then return where[a] < where[b] end
    return a < b
  end)
  local out = { required = {}, optional = {},
                description = type(data.description) == "string" and data.description or nil }
  for _, key in ipairs(keys) do
    local value = tostring(data[key])
    if value == "" then
      out.required[#out.required + 1] = key
    else
      out.optional[#out.optional + 1] = { key = key, default = value }
    end
  end
  return out
end

-- ---- the pending form ----

function flow.save(user_id, state)
  state.expires = os.time() + flow.TTL
  return store.set(NS, user_id, json.encode(state))
end

-- The user's pending form if it is the one `nonce` names and has not expired.
function flow.load(user_id, nonce)
  local raw = store.get(NS, user_id)
  if raw == nil then return nil end
  local ok, state = pcall(cjson.decode, raw)
  if not ok or type(state) ~= "table" or state.nonce ~= nonce then return nil end
  if type(state.expires) ~= "number" or state.expires < os.time() then
    store.delete(NS, user_id)
    return nil
  end
  state.values = type(state.values) == "table" and state.values or {}
  return state
end

function flow.forget(user_id)
  store.delete(NS, user_id)
end

-- ---- modals ----

function flow.steps(state)
  return math.max(1, math.ceil(#state.required / PER_MODAL))
end

-- Inputs of modal `step`: required settings five at a time; the last modal fills its free rows with
-- optional settings, prefilled with their defaults. Optional settings left out keep the plan's default.
function flow.step_inputs(state, step)
  local inputs = {}
  local first = (step - 1) * PER_MODAL + 1
  for i = first, math.min(#state.required, first + PER_MODAL - 1) do
    inputs[#inputs + 1] = { key = state.required[i], required = true }
  end
  if step == flow.steps(state) then
    for _, setting in ipairs(state.optional) do
      if #inputs == PER_MODAL then break end
      inputs[#inputs + 1] = { key = setting.key, default = setting.default, required = false }
    end
  end
  return inputs
end

function flow.has_inputs(state)
  return #state.required + #state.optional > 0
end

local function clip(text, limit)
  if utf8.len(text) == nil or utf8.len(text) <= limit then return text end
  return text:sub(1, utf8.offset(text, limit) - 1) .. "…"
end

-- Inputs are named s1..s5 (setting keys can be long); step_inputs maps them back.
function flow.modal(t, state, step)
  local inputs = {}
  for i, input in ipairs(flow.step_inputs(state, step)) do
    local value = state.values[input.key] or input.default
    inputs[i] = {
      custom_id = "s" .. i, label = clip(input.key, 45), style = "short", required = input.required,
      max_length = 1000, value = value ~= nil and value ~= "" and clip(tostring(value), 1000) or nil,
      placeholder = clip(t(input.required and "create.input_required" or "create.input_optional"), 100),
    }
  end
  local title = t("create.modal_title", { uid = state.game .. "." .. state.name })
  local steps = flow.steps(state)
  if steps > 1 then title = t("create.modal_step", { step = step, steps = steps }) .. " " .. title end
  return ui.modal{ custom_id = ui.id("create", "submit", state.nonce, step), title = clip(title, 45), inputs = inputs }
end

-- The button that opens modal `step` (after a submit, or when the command could not open it in time).
function flow.continue_button(t, state, step)
  return ui.row(ui.button{ label = t("create.continue", { step = step, steps = flow.steps(state) }),
                           style = "primary", emoji = "📝", custom_id = ui.id("create", "form", state.nonce, step) })
end

-- ---- the request ----

local function answer_text(t, data)
  if type(data) ~= "table" then return nil end
  if data.servername ~= nil then
    local record = fleet.record("?", data)
    if record then return t("create.answer_state", { emoji = fleet.state_emoji(record.state),
                                                     state = cards.plain(record.state) }) end
  end
  local said = type(data.info) == "string" and data.info or nil
  return said and cards.clip(cards.plain(said), 900) or nil
end

-- PUT /server/create/<game>.<name> with the settings and the description, then tells the channel who
-- created what where. Creating copies files and pulls images: minutes, so the answer is deferred first.
function flow.create(ctx, t, state)
  ctx:defer()
  local body = {}
  for key, value in pairs(state.values) do
    if type(value) == "string" and value ~= "" then body[key] = value end
  end
  if state.description and state.description ~= "" then body.description = state.description end
  local uid = state.game .. "." .. state.name
  local data, err = orc.call(state.orc, "PUT", "/server/create/" .. uid, body, { timeout = orc.LONG })
  local where = cards.plain(state.orc)
  if data == nil then
    local hint = err.kind == "timeout" and t("create.hint_timeout")
      or t("create.hint_failed", { uid = cards.plain(uid) })
    return ctx:reply({ embeds = { cards.embed("❌ " .. t("create.failed_title", { uid = uid }),
      t("create.failed", { user = "<@" .. ctx.user.id .. ">", uid = cards.plain(uid), orc = where }) .. "\n\n"
        .. cards.orc_error(t, overview.hide_addresses(err, t("list.address_hidden"))) .. "\n\n" .. hint,
      cards.RED) } })
  end
  fleet.refresh_soon()
  local fields = {}
  local answer = answer_text(t, data)
  if answer then fields[1] = { name = t("create.answer"), value = answer } end
  if state.description and state.description ~= "" then
    fields[#fields + 1] = { name = t("create.description"), value = cards.clip(cards.plain(state.description), 1000) }
  end
  local text = t("create.created", { user = "<@" .. ctx.user.id .. ">", uid = cards.plain(uid), orc = where })
  if state.auto then text = text .. "\n" .. t("create.auto_" .. state.auto, { orc = where, game = state.game }) end
  ctx:reply({ embeds = { ui.embed{ title = t("create.created_title"), description = text, color = cards.GREEN,
                                   fields = fields } } })
end

return flow
