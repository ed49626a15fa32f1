-- The two panels /peon posts: one game server's buttons, and the admin's. Both are ordinary messages whose
-- custom_ids carry everything a press needs (the server as "game.name@orchestrator"), so they keep working
-- after restarts and reloads, with no timeout and nothing kept in memory.
local ui = require("ui")
local cards = require("cards")
local orc = require("orc")
local dispatch = require("core.dispatch")

local panels = {}

local QUOTES = 12 -- peon.quote_1 .. peon.quote_12 in each language
local DEFAULT_DESCRIPTION = "None - Please add a description" -- the orchestrator's text for "not set"

function panels.quote(t)
  return t("peon.quote_" .. math.random(QUOTES))
end

-- What a panel's custom_ids name: the server and the orchestrator that hosts it.
function panels.target(server)
  return server.uid .. "@" .. server.orchestrator
end

-- The server's own description, or nil when the orchestrator has none.
function panels.description(server)
  local text = server and server.description
  if text == nil or text == DEFAULT_DESCRIPTION then return nil end
  return text
end

-- A custom_id only `user` may press until `ttl` seconds from now (checked by the dispatcher, as for
-- ui.confirm), for flows with more than one confirming button or a select.
function panels.bound(user, ttl, view, action, ...)
  local id = dispatch.bind(ui.id(view, action, ...), user, os.time() + ttl)
  if #id > 100 then error("bound custom_id is over Discord's 100 characters: " .. id:sub(1, 40), 2) end
  return id
end

local function button(t, emoji, key, style, view, action, ...)
  return ui.button({ emoji = emoji, label = t(key), style = style, custom_id = ui.id(view, action, ...) })
end

-- The panel of one server (a record from fleet.resolve). Raises when the name is too long for a custom_id.
function panels.server(t, server)
  local target = panels.target(server)
  local function b(emoji, action, style)
    return button(t, emoji, "panel.button_" .. action, style, "panel", action, target)
  end
  local fields = {
    { name = t("panel.field_game"), value = cards.plain(server.game), inline = true },
    { name = t("panel.field_orchestrator"), value = cards.plain(server.orchestrator), inline = true },
  }
  local description = panels.description(server)
  if description then
    fields[#fields + 1] = { name = t("panel.field_description"), value = cards.clip(cards.plain(description), 1000) }
  end
  return {
    embeds = { ui.embed({ title = t("peon.server_title", { uid = server.uid }), color = cards.GREEN,
      description = "*" .. panels.quote(t) .. "*", fields = fields, footer = t("panel.footer") }) },
    components = {
      ui.row(b("🚀", "start", "success"), b("🔄", "restart", "secondary"), b("🛑", "stop", "danger"),
        b("📊", "info", "secondary")),
      ui.row(b("⬆️", "update", "secondary"), b("📦", "backup", "primary"), b("📝", "describe", "secondary"),
        b("🗑️", "delete", "danger")),
    },
  }
end

function panels.admin(t)
  local function b(emoji, action, style)
    return button(t, emoji, "admin.button_" .. action, style, "admin", action)
  end
  return {
    embeds = { ui.embed({ title = t("peon.admin_title"), color = cards.BLUE,
      description = "*" .. panels.quote(t) .. "*",
      fields = { { name = t("peon.admin_mode"), value = t("peon.admin_orchestrators", { count = #orc.list() }) } },
      footer = t("peon.admin_footer") }) },
    components = {
      ui.row(b("➕", "register", "success"), b("➖", "remove", "danger"), b("📋", "list", "secondary")),
      ui.row(b("📦", "import", "secondary"), b("🔄", "plans", "secondary"), b("🏗️", "create", "primary"),
        b("ℹ️", "system", "secondary")),
    },
  }
end

return panels
