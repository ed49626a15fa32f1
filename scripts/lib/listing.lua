-- What /list shows, built fresh for one page: the servers of every orchestrator (grouped per orchestrator),
-- the orchestrators' health, or the union of their plans. Used by scripts/commands/list.lua and by the page
-- buttons (scripts/ui/list_pages.lua), which fetch again on every press so a page is never stale.
local orc = require("orc")
local fleet = require("fleet")
local cards = require("cards")
local ui = require("ui")
local overview = require("overview")

local listing = {}

listing.KINDS = { servers = true, orchestrators = true, plans = true }

-- "list.key_one" for 1, "list.key_other" otherwise.
local function counted(t, key, n, vars)
  vars = vars or {}
  vars.count = n
  return t(key .. (n == 1 and "_one" or "_other"), vars)
end

-- Addresses stay hidden unless the message is an admin's private one.
local function error_line(t, err, show_urls)
  if not show_urls then err = overview.hide_addresses(err, t("list.address_hidden")) end
  return "⚠️ " .. overview.clip(cards.orc_error(t, err), 280)
end

-- A 2xx answer that is not the list we asked for counts as a failure of that orchestrator.
local function list_or_error(r, what)
  if r.err == nil and type(r.data) ~= "table" then
    return nil, { orchestrator = r.name, kind = "malformed", status = 200, detail = what .. " did not return a list" }
  end
  return r.data, r.err
end

local function servers(t)
  local results = orc.each("GET", "/servers", { timeout = overview.LIST_TIMEOUT })
  local groups, total, down = {}, 0, 0
  for _, r in ipairs(results) do
    local name = cards.plain(r.name)
    local data, err = list_or_error(r, "GET /servers")
    if err then
      down = down + 1
      groups[#groups + 1] = { header = t("list.orc_down_header", { orc = name }), lines = { error_line(t, err) } }
    else
      local records = {}
      for _, s in ipairs(data) do
        local record = type(s) == "table" and fleet.record(r.name, s)
        if record then records[#records + 1] = record end
      end
      table.sort(records, function(a, b) return a.uid < b.uid end)
      local lines = {}
      for i, s in ipairs(records) do
        lines[i] = t("list.server_line", { emoji = fleet.state_emoji(s.state), uid = cards.plain(s.uid),
                                           state = cards.plain(s.state) })
      end
      if #lines == 0 then lines[1] = t("list.no_servers") end
      total = total + #records
      groups[#groups + 1] = { header = counted(t, "list.orc_header", #records, { orc = name }), lines = lines }
    end
  end
  return {
    title = t("list.servers_title"), groups = groups, warn = down > 0,
    summary = counted(t, "list.servers_summary", total, { orcs = #results })
      .. (down > 0 and t("list.unreachable_note", { down = down }) or ""),
  }
end

local function orchestrators(t, show_urls)
  local groups, down = {}, 0
  for _, p in ipairs(overview.probe()) do
    local name = cards.plain(p.name)
    local lines = {}
    local header
    if p.ok then
      header = t("list.orc_ok", { orc = name, version = cards.plain(p.version), ms = p.ms or "?" })
    else
      down = down + 1
      header = t("list.orc_bad", { orc = name })
      lines[#lines + 1] = error_line(t, p.err, show_urls)
    end
    if show_urls and p.url then lines[#lines + 1] = t("list.orc_url", { url = p.url }) end
    groups[#groups + 1] = { header = header, lines = lines }
  end
  return {
    title = t("list.orchestrators_title"), groups = groups, warn = down > 0,
    summary = counted(t, "list.orchestrators_summary", #groups)
      .. (down > 0 and t("list.unreachable_note", { down = down }) or ""),
  }
end

local function plans(t)
  local results = orc.each("GET", "/plans", { timeout = overview.LIST_TIMEOUT })
  local several = #results > 1
  local catalogue, order, problems = {}, {}, {}
  for _, r in ipairs(results) do
    local data, err = list_or_error(r, "GET /plans")
    if err then
      problems[#problems + 1] = error_line(t, err)
    else
      for _, plan in ipairs(data) do
        local uid = type(plan) == "table" and type(plan.game_uid) == "string" and plan.game_uid or nil
        if uid and uid ~= "" then
          local known = catalogue[uid]
          if known == nil then
            known = { uid = uid, title = type(plan.title) == "string" and plan.title ~= "" and plan.title or uid,
                      where = {} }
            catalogue[uid] = known
            order[#order + 1] = known
          end
          known.where[#known.where + 1] = r.name
        end
      end
    end
  end
  table.sort(order, function(a, b)
    if a.title:lower() ~= b.title:lower() then return a.title:lower() < b.title:lower() end
    return a.uid < b.uid
  end)
  local lines = {}
  for i, plan in ipairs(order) do
    local vars = { title = cards.plain(plan.title), uid = overview.code(plan.uid) }
    if several then
      vars.orcs = cards.plain(table.concat(plan.where, ", "))
      lines[i] = t("list.plan_line_where", vars)
    else
      lines[i] = t("list.plan_line", vars)
    end
  end
  local groups = {}
  if #problems > 0 then groups[1] = { header = t("list.plans_problems"), lines = problems } end
  if #lines > 0 then groups[#groups + 1] = { lines = lines } end
  return {
    title = t("list.plans_title"), groups = groups, warn = #problems > 0,
    summary = counted(t, "list.plans_summary", #order, { orcs = #results })
      .. (#problems > 0 and t("list.unreachable_note", { down = #problems }) or ""),
  }
end

-- The message for page `page` of list `kind`. show_urls: orchestrator URLs (admins, private answers only).
function listing.render(t, kind, page, show_urls)
  if #orc.list() == 0 then
    return { embeds = { ui.embed{ title = t("list." .. kind .. "_title"), description = t("orc.none_registered"),
                                  color = cards.ORANGE } }, components = {} }
  end
  local view
  if kind == "servers" then
    view = servers(t)
  elseif kind == "orchestrators" then
    view = orchestrators(t, show_urls)
  else
    view = plans(t)
  end
  local pages = overview.pages(view.groups, { continued = t("list.continued") })
  page = math.max(1, math.min(math.tointeger(tonumber(page)) or 1, #pages))
  local embed = ui.embed{
    title = view.title,
    description = pages[page] ~= "" and pages[page] or t("list.empty"),
    color = view.warn and cards.ORANGE or cards.BLUE,
    footer = t("list.footer", { page = page, pages = #pages, summary = view.summary }),
  }
  local components = {}
  if #pages > 1 then
    components[1] = ui.row(
      ui.button{ label = t("list.previous"), emoji = "◀️", disabled = page <= 1,
                 custom_id = ui.id("list_pages", "show", kind, page - 1) },
      ui.button{ label = t("list.next"), emoji = "▶️", disabled = page >= #pages,
                 custom_id = ui.id("list_pages", "show", kind, page + 1) })
  end
  return { embeds = { embed }, components = components }
end

return listing
