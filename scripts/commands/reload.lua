-- /reload: loads every script again; when command definitions changed, re-registers them with Discord.
-- A script with an error leaves the previous scripts live, and the admin sees the file and line.
local i18n = require("i18n")
local cards = require("cards")
local json = require("core.json")

-- name -> canonical JSON of each live command, to tell what a reload added, removed or changed.
local function snapshot()
  local out = {}
  for _, command in ipairs(peon.commands()) do out[command.name] = json.encode(command, { sorted = true }) end
  return out
end

local function difference(before, after)
  local added, removed, changed = {}, {}, {}
  for name, text in pairs(after) do
    if before[name] == nil then added[#added + 1] = "/" .. name
    elseif before[name] ~= text then changed[#changed + 1] = "/" .. name end
  end
  for name in pairs(before) do
    if after[name] == nil then removed[#removed + 1] = "/" .. name end
  end
  for _, list in ipairs({ added, removed, changed }) do table.sort(list) end
  return added, removed, changed
end

local function listing(t, list)
  return #list > 0 and table.concat(list, ", ") or t("reload.none")
end

return {
  name = "reload",
  description = i18n.text("en", "reload.description"),
  description_localizations = i18n.localizations("reload.description"),
  capability = "admin",
  default_member_permissions = "32",
  ephemeral = true,
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    local before = snapshot()
    local count, err, elapsed_ms = peon.reload("/reload by " .. ctx.user.id)
    if not count then
      return ctx:reply({ ephemeral = true, embeds = { cards.embed(t("reload.failed"),
        "```" .. cards.clip(err, 3900) .. "```", cards.RED) } })
    end
    local added, removed, changed = difference(before, snapshot())
    local outcome, message = peon.sync_commands()
    ctx:reply({ ephemeral = true, embeds = { cards.embed(t("reload.done"),
      t("reload.summary", { count = count, ms = string.format("%.1f", elapsed_ms or 0) }),
      outcome == "failed" and cards.RED or cards.GREEN, {
        { name = t("reload.added"), value = listing(t, added), inline = true },
        { name = t("reload.removed"), value = listing(t, removed), inline = true },
        { name = t("reload.changed"), value = listing(t, changed), inline = true },
        { name = t("reload.discord"), value = cards.clip(message or "", 1000) },
      }) } })
  end,
}
