-- /about: the bot's version, each orchestrator's version, the games on offer and where to read more.
-- It defers first, so a slow orchestrator delays what the answer says, never the answer itself.
local i18n = require("i18n")
local orc = require("orc")
local fleet = require("fleet")
local cards = require("cards")
local ui = require("ui")
local overview = require("overview")

local MAX_ORCS, MAX_GAMES = 10, 12
local WEBSITE, DOCS = "https://warcamp.org", "https://docs.warcamp.org"

-- Games from the fleet cache; on a cold cache ask the orchestrators once (and warm the cache for later).
local function games()
  local list = fleet.plan_list("")
  if #list > 0 then return list end
  fleet.refresh_soon()
  local seen = {}
  for _, r in ipairs(orc.each("GET", "/plans", { timeout = overview.PROBE_TIMEOUT })) do
    for _, plan in ipairs(r.err == nil and type(r.data) == "table" and r.data or {}) do
      local uid = type(plan) == "table" and plan.game_uid
      if type(uid) == "string" and uid ~= "" and not seen[uid] then
        seen[uid] = true
        list[#list + 1] = { game_uid = uid, title = type(plan.title) == "string" and plan.title or uid }
      end
    end
  end
  table.sort(list, function(a, b) return a.title:lower() < b.title:lower() end)
  return list
end

local function orchestrator_lines(t, probes)
  local lines = {}
  for i, p in ipairs(probes) do
    if i > MAX_ORCS then
      lines[#lines + 1] = t("about.more", { count = #probes - MAX_ORCS })
      break
    end
    local name = cards.plain(p.name)
    if p.ok then
      lines[#lines + 1] = t("about.orc_ok", { orc = name, version = cards.plain(p.version) })
    else
      lines[#lines + 1] = t("about.orc_bad", { orc = name, why = t("about.why_" .. tostring(p.err.kind)) })
    end
  end
  return table.concat(lines, "\n")
end

local function games_text(t, list)
  if #list == 0 then return t("about.no_games") end
  local names = {}
  for i = 1, math.min(#list, MAX_GAMES) do names[i] = cards.plain(list[i].title) end
  local text = t("about.games", { count = #list, names = table.concat(names, ", ") })
  if #list > MAX_GAMES then text = text .. t("about.games_more", { count = #list - MAX_GAMES }) end
  return overview.clip(text, 1000)
end

return {
  name = "about",
  description = "About peon-bot: versions, orchestrators and supported games",
  name_localizations = i18n.localizations("about.cmd_name"),
  description_localizations = i18n.localizations("about.cmd_description"),
  capability = "view",
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    ctx:defer()
    local fields = { { name = t("about.version"), value = tostring(peon.config.version or "?"), inline = true } }
    local description
    if #orc.list() == 0 then
      description = t("about.intro") .. "\n\n" .. t("orc.none_registered")
    else
      description = t("about.intro")
      fields[#fields + 1] = { name = t("about.orchestrators"), value = orchestrator_lines(t, overview.probe()) }
      fields[#fields + 1] = { name = t("about.supported_games"), value = games_text(t, games()) }
    end
    fields[#fields + 1] = { name = t("about.links"), value = t("about.links_text", { website = WEBSITE, docs = DOCS }) }
    ctx:reply({ embeds = { ui.embed{ title = t("about.title"), description = description, color = cards.BLUE,
                                      fields = fields, footer = t("about.footer") } } })
  end,
}
