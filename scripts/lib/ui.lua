-- Builders for Discord messages: embeds, buttons, selects, rows, modals and self-describing custom_ids.
-- Each checks Discord's limits when it is called and raises an error that names the calling script's
-- file:line, so a bad panel is caught where it is written instead of coming back as a 400 from Discord.
--   local ui = require("ui")
--   ctx:reply{ embeds = { ui.embed{ title = "Valheim", fields = { { name = "state", value = "running" } } } },
--              components = { ui.row(ui.button{ label = "Stop", style = "danger",
--                                               custom_id = ui.id("server", "stop", "valheim.bob") }) } }
-- ui.confirm builds a confirmation bound to one user with an expiry; the dispatcher enforces both.
local ui = {}
local dispatch = require("core.dispatch")

local STYLES = { primary = 1, secondary = 2, success = 3, danger = 4, link = 5 }

-- Raised from a builder: level 3 is the script that called it.
local function fail(fmt, ...)
  error(string.format(fmt, ...), 3)
end

-- Raised from text(), one call deeper than the builder.
local function text_fail(fmt, ...)
  error(string.format(fmt, ...), 4)
end

local function text(what, value, max, required)
  if value == nil then
    if required then text_fail("%s is required", what) end
    return nil
  end
  if type(value) ~= "string" and type(value) ~= "number" then text_fail("%s must be text", what) end
  value = tostring(value)
  if required and value == "" then text_fail("%s must not be empty", what) end
  if utf8.len(value) == nil then text_fail("%s is not valid UTF-8", what) end
  if utf8.len(value) > max then text_fail("%s is %d characters; Discord allows %d", what, utf8.len(value), max) end
  return value
end

-- "view:action:arg..." with ':' and '%' in arguments percent-encoded; at most 100 characters.
function ui.id(view, action, ...)
  local parts = { text("view", view, 100, true), text("action", action, 100, true) }
  if view:find(":", 1, true) or action:find(":", 1, true) then fail("view and action names cannot contain ':'") end
  for i = 1, select("#", ...) do
    local arg = tostring((select(i, ...)))
    parts[#parts + 1] = arg:gsub("[%%:]", function(c) return string.format("%%%02X", c:byte()) end)
  end
  local id = table.concat(parts, ":")
  if #id > 100 then fail("custom_id '%s...' is %d characters; Discord allows 100", id:sub(1, 40), #id) end
  return id
end

-- Runs another builder for the one the script called: its error is raised again at the script's line.
local function nested(builder, ...)
  local ok, result = pcall(builder, ...)
  if not ok then error(result, 3) end
  return result
end

function ui.embed(spec)
  if type(spec) ~= "table" then fail("ui.embed expects a table") end
  local e = { title = text("embed title", spec.title, 256), description = text("embed description",
    spec.description, 4096), url = spec.url, color = spec.color, timestamp = spec.timestamp }
  local function chars(v) return v and utf8.len(v) or 0 end
  local total = chars(e.title) + chars(e.description)
  if spec.fields then
    if #spec.fields > 25 then fail("an embed has at most 25 fields, got %d", #spec.fields) end
    e.fields = {}
    for i, f in ipairs(spec.fields) do
      e.fields[i] = { name = text("field name", f.name, 256, true), value = text("field value", f.value, 1024, true),
                      inline = f.inline and true or nil }
      total = total + chars(e.fields[i].name) + chars(e.fields[i].value)
    end
  end
  if spec.footer then
    e.footer = { text = text("embed footer", spec.footer, 2048, true) }
    total = total + chars(e.footer.text)
  end
  if total > 6000 then fail("an embed holds at most 6000 characters of text, this one %d", total) end
  return e
end

function ui.button(spec)
  local style = STYLES[spec.style or "secondary"] or fail("unknown button style '%s'", tostring(spec.style))
  local b = { type = 2, style = style, label = text("button label", spec.label, 80), disabled = spec.disabled }
  if style == 5 then
    b.url = text("button url", spec.url, 512, true)
  else
    b.custom_id = text("button custom_id", spec.custom_id, 100, true)
  end
  if not b.label and not spec.emoji then fail("a button needs a label or an emoji") end
  if spec.emoji then b.emoji = { name = spec.emoji } end
  return b
end

function ui.select(spec)
  local options = spec.options or {}
  if #options < 1 or #options > 25 then fail("a select has 1 to 25 options, got %d", #options) end
  local s = { type = 3, custom_id = text("select custom_id", spec.custom_id, 100, true),
              placeholder = text("select placeholder", spec.placeholder, 150),
              min_values = spec.min_values, max_values = spec.max_values, options = {} }
  for i, o in ipairs(options) do
    s.options[i] = { label = text("option label", o.label, 100, true), value = text("option value", o.value, 100, true),
                     description = text("option description", o.description, 100), default = o.default }
  end
  return s
end

function ui.row(...)
  local components = { ... }
  if #components < 1 or #components > 5 then fail("an action row holds 1 to 5 components, got %d", #components) end
  return { type = 1, components = components }
end

-- ui.modal{ custom_id =, title =, inputs = { { custom_id =, label =, style = "short"|"paragraph", ... } } }
function ui.modal(spec)
  local inputs = spec.inputs or {}
  if #inputs < 1 or #inputs > 5 then fail("a modal has 1 to 5 inputs, got %d", #inputs) end
  local m = { custom_id = text("modal custom_id", spec.custom_id, 100, true),
              title = text("modal title", spec.title, 45, true), components = {} }
  for i, input in ipairs(inputs) do
    m.components[i] = { type = 1, components = { {
      type = 4, custom_id = text("input custom_id", input.custom_id, 100, true),
      label = text("input label", input.label, 45, true), style = input.style == "paragraph" and 2 or 1,
      required = input.required, min_length = input.min_length, max_length = input.max_length,
      value = text("input value", input.value, 4000), placeholder = text("input placeholder", input.placeholder, 100),
    } } }
  end
  return m
end

-- A confirmation only `user` may answer, for `ttl` seconds (default 120; 1 to 86400):
--   ctx:reply(ui.confirm{ user = ctx.user.id, ttl = 60, view = "server",
--     confirm = { action = "stop", args = { "valheim.bob" }, label = "Stop", style = "danger" },
--     embed = { title = "Stop valheim.bob?", description = "Players will be disconnected." } })
-- Returns a message table: the embed (a ui.embed spec) or `content` (default "Are you sure?"), and a row
-- with the confirm button and a Cancel button. Both custom_ids are "view:action:args" (as ui.id builds
-- them) bound to the user and the expiry, within Discord's 100 characters. A press by anyone else gets an
-- ephemeral refusal, a press after the expiry an ephemeral "expired"; neither reaches the view. The view's
-- action gets the same arguments as for ui.id. `cancel = { action =, args =, label =, style = }` routes
-- Cancel to the view; without a `cancel` action in the view, Cancel removes the buttons; `cancel = false`
-- leaves it out. `ephemeral = true` passes through.
function ui.confirm(spec)
  if type(spec) ~= "table" then fail("ui.confirm expects a table") end
  if type(spec.user) ~= "string" or not spec.user:match("^%d+$") or #spec.user > 20 then
    fail("ui.confirm needs user = the id string of who may confirm (ctx.user.id), got %s", tostring(spec.user))
  end
  local ttl = spec.ttl or 120
  if type(ttl) ~= "number" or ttl < 1 or ttl > 86400 then fail("ttl is 1 to 86400 seconds, got %s", tostring(ttl)) end
  local expires = os.time() + math.ceil(ttl)
  local view = text("confirm view", spec.view, 100, true)
  if type(spec.confirm) ~= "table" then fail("ui.confirm needs confirm = { action =, args =, label = }") end
  local cancel = spec.cancel
  if cancel == nil then cancel = {} end
  local buttons = {}
  for _, choice in ipairs({ { spec.confirm, "Confirm", "danger" }, { cancel, "Cancel", "secondary" } }) do
    local button, default_label, default_style = choice[1], choice[2], choice[3]
    if button ~= false then
      if type(button) ~= "table" then fail("confirm and cancel are tables { action =, args =, label =, style = }") end
      local args = button.args or {}
      if type(args) ~= "table" then fail("args is a list of arguments") end
      local plain = nested(ui.id, view, button.action or (button == cancel and "cancel") or nil,
        table.unpack(args, 1, args.n or #args))
      local id = dispatch.bind(plain, spec.user, expires)
      if #id > 100 then
        fail("confirmation custom_id '%s...' is %d characters with the user and expiry; Discord allows 100",
          id:sub(1, 40), #id)
      end
      buttons[#buttons + 1] = nested(ui.button, { label = button.label or default_label,
        style = button.style or default_style, emoji = button.emoji, custom_id = id })
    end
  end
  local message = { components = { ui.row(table.unpack(buttons)) }, ephemeral = spec.ephemeral }
  if spec.embed ~= nil then message.embeds = { nested(ui.embed, spec.embed) } end
  message.content = text("confirm content", spec.content, 2000) or (spec.embed == nil and "Are you sure?" or nil)
  return message
end

return ui
