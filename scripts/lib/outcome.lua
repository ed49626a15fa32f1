-- Runs a server action for a user and turns the orchestrator's answer into the message they see: who did
-- what to which server, where, and what the orchestrator said. Shared by /server and the server panel.
local actions = require("actions")
local cards = require("cards")

local outcome = {}

local DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024 -- Discord's per-file limit when the interaction doesn't say

local ICON = { start = "🚀", stop = "🛑", restart = "🔄", update = "⬆️", backup = "📦", description = "📝",
  delete = "🗑️", info = "📊" }

local function title_case(key)
  return (tostring(key):gsub("_", " "):gsub("^%l", string.upper))
end

local function size_text(bytes)
  if bytes >= 1024 * 1024 then return string.format("%.1f MiB", bytes / 1048576) end
  return string.format("%.0f KiB", math.max(bytes / 1024, 1))
end
outcome.size_text = size_text

-- The status card of one server (the orchestrator's current view of it).
function outcome.status_card(t, server, several_orchestrators)
  local fields = {
    { name = t("server.field_state"), value = cards.plain(server.state), inline = true },
    { name = t("server.field_game"), value = cards.plain(server.game), inline = true },
  }
  if several_orchestrators then
    fields[#fields + 1] = { name = t("server.field_orchestrator"), value = cards.plain(server.orchestrator),
      inline = true }
  end
  if server.container_type or server.version then
    fields[#fields + 1] = { name = t("server.field_build"), inline = true,
      value = cards.plain((server.container_type or "?") .. ":" .. (server.version or "?")) }
  end
  if server.stop_at and server.state == "running" then
    local short = peon.format_time(server.stop_at)
    fields[#fields + 1] = { name = t("server.field_stop_at"), value = short, inline = true }
  end
  local keys = {}
  for key in pairs(server.config or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do
    if #fields >= 20 then break end
    local value = server.config[key]
    if type(value) == "string" or type(value) == "number" then
      fields[#fields + 1] = { name = cards.clip(cards.plain(title_case(key)), 256),
        value = cards.clip(cards.plain(value), 1024), inline = true }
    end
  end
  local colour = server.state == "running" and cards.GREEN or (server.state == "exited" and cards.RED) or cards.ORANGE
  return cards.embed(string.format("%s %s", require("fleet").state_emoji(server.state), server.uid),
    server.description and cards.clip(cards.plain(server.description), 1000) or nil, colour, fields)
end

-- "by @user on orchestrator X" line every result carries.
local function byline(t, ctx, server)
  return t("server.byline", { user = "<@" .. tostring(ctx.user.id) .. ">", orc = cards.plain(server.orchestrator) })
end

-- opts: when (a parse_timer result, for start/stop), mode (update), text (description), everything (delete),
-- upload_limit (bytes). Returns the message table to answer with.
function outcome.perform(ctx, t, server, action, opts)
  opts = opts or {}
  local verb = t("server.verb_" .. action)
  local data, err, extra
  if action == "start" then
    data, err = actions.start(server, opts.when and opts.when.epoch)
  elseif action == "stop" then
    data, err = actions.stop(server, opts.when and opts.when.epoch)
  elseif action == "restart" then
    data, err = actions.restart(server)
  elseif action == "update" then
    data, err = actions.update(server, opts.mode)
  elseif action == "description" then
    data, err = actions.describe(server, opts.text)
  elseif action == "delete" then
    data, err = actions.delete(server, opts.everything)
  elseif action == "info" then
    data, err = actions.info(server)
  elseif action == "backup" then
    data, err, extra = actions.backup(server)
  else
    error("outcome.perform: unknown action " .. tostring(action), 2)
  end
  if action ~= "info" then
    require("audit").record({ guild_id = ctx.guild_id, user_id = ctx.user and ctx.user.id, action = action,
      server = server.uid .. "@" .. server.orchestrator, ok = data ~= nil,
      detail = data == nil and cards.orc_error(t, err) or (opts.mode or (opts.when and ("at " .. opts.when.epoch)))
        or (action == "delete" and (opts.everything and "everything" or "container")) or nil })
  end
  if data == nil then
    local embed = cards.failure(t, t("server.failed", { verb = verb, uid = server.uid }), err)
    embed.fields = { { name = t("server.field_requested"), value = byline(t, ctx, server) } }
    return { embeds = { embed } }
  end
  if action == "info" then
    local card = outcome.status_card(t, data, opts.several_orchestrators)
    return { embeds = { card } }
  end
  local lines = { byline(t, ctx, server) }
  if action == "backup" then
    local limit = opts.upload_limit or DEFAULT_UPLOAD_LIMIT
    if #data > limit then
      lines[#lines + 1] = t("server.backup_too_large", { size = size_text(#data), limit = size_text(limit),
        file = cards.plain(extra) })
      return { embeds = { cards.embed(ICON.backup .. " " .. t("server.backup_title", { uid = server.uid }),
        table.concat(lines, "\n"), cards.ORANGE) } }
    end
    lines[#lines + 1] = t("server.backup_attached", { size = size_text(#data), file = cards.plain(extra) })
    return {
      embeds = { cards.embed(ICON.backup .. " " .. t("server.backup_title", { uid = server.uid }),
        table.concat(lines, "\n"), cards.GREEN) },
      files = { { name = extra, data = data, content_type = "application/zip" } },
    }
  end
  -- What the orchestrator says now: the server object (state, pending stop) or its info text.
  if type(data) == "table" and data.server_state then
    local now = require("fleet").record(server.orchestrator, data)
    if now then
      lines[#lines + 1] = t("server.state_now", { state = require("fleet").state_emoji(now.state) .. " "
        .. cards.plain(now.state) })
      if now.stop_at and (action == "stop" or action == "start") and opts.when then
        lines[#lines + 1] = t("server.stop_scheduled", { when = peon.format_time(now.stop_at) })
      end
    end
  elseif type(data) == "table" and type(data.info) == "string" and data.info ~= "" then
    lines[#lines + 1] = t("server.orchestrator_said", { text = cards.clip(cards.plain(data.info), 500) })
  end
  if opts.when and opts.when.tomorrow then lines[#lines + 1] = t("server.timer_tomorrow") end
  if action == "update" then
    lines[#lines + 1] = t("server.update_mode", { mode = opts.mode })
  end
  local key = action
  if action == "stop" and opts.when then key = "stop_later" end
  if action == "start" and opts.when then key = "start_until" end
  local title = t("server.done_" .. key, { uid = server.uid,
    when = opts.when and peon.format_time(opts.when.epoch) or "" })
  return { embeds = { cards.embed((ICON[action] or "✅") .. " " .. title, table.concat(lines, "\n"),
    action == "stop" and cards.ORANGE or cards.BLUE) } }
end

return outcome
