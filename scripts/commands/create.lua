-- /create game_type server_name [description] [orchestrator]: checks the name and picks the orchestrator
-- without sending anything, then asks for the plan's settings in a modal and creates the server
-- (scripts/lib/create_flow.lua holds the steps, scripts/ui/create.lua the form).
local i18n = require("i18n")
local orc = require("orc")
local fleet = require("fleet")
local cards = require("cards")
local flow = require("create_flow")
local overview = require("overview")
local L = i18n.localizations

-- Before the modal everything must fit in Discord's 3 s; these keep the checks short.
local CHECK_TIMEOUT, PLAN_TIMEOUT = 2, 3

local function refuse(ctx, text)
  return ctx:reply({ ephemeral = true, content = "❌ " .. text })
end

-- Autocomplete answers from the cache only. A cold cache (no refresh yet) is warmed once in the background.
local kicked_at = 0
local function warm_cache()
  if fleet.refreshed_at == nil and os.time() - kicked_at > 30 then
    kicked_at = os.time()
    fleet.refresh_soon()
  end
end

local function complete_game(_, typed)
  warm_cache()
  local out = {}
  for _, plan in ipairs(fleet.plan_list(typed)) do
    out[#out + 1] = { name = plan.title .. " (" .. plan.game_uid .. ")", value = plan.game_uid }
    if #out == 25 then break end
  end
  return out
end

-- Orchestrators that offer the chosen game first.
local function complete_orchestrator(ctx, typed)
  local t = i18n.for_ctx(ctx)
  typed = tostring(typed or ""):lower()
  local game = type(ctx.options.game_type) == "string" and ctx.options.game_type or nil
  local plan = game and fleet.plans[game]
  local with, without = {}, {}
  for _, entry in ipairs(orc.list()) do
    if typed == "" or entry.name:lower():find(typed, 1, true) then
      if plan and plan.orchestrators[entry.name] then
        with[#with + 1] = { name = t("create.orc_has", { orc = entry.name, game = game }), value = entry.name }
      else
        without[#without + 1] = { name = entry.name, value = entry.name }
      end
    end
  end
  for _, choice in ipairs(without) do with[#with + 1] = choice end
  return with
end

-- Orchestrators whose plan list has `game`: from the cache when it has heard from every registered
-- orchestrator and knows the game, else a short live look (a new orchestrator, a new game).
local function offering(game)
  local have, complete = {}, true
  local plan = fleet.plans[game]
  for _, entry in ipairs(orc.list()) do
    local status = fleet.status[entry.name]
    if status == nil or not status.ok then complete = false end
    if plan and plan.orchestrators[entry.name] then have[#have + 1] = entry.name end
  end
  if complete and #have > 0 then return have end
  have = {}
  for _, r in ipairs(orc.each("GET", "/plans", { timeout = CHECK_TIMEOUT })) do
    for _, p in ipairs(r.err == nil and type(r.data) == "table" and r.data or {}) do
      if type(p) == "table" and p.game_uid == game then
        have[#have + 1] = r.name
        break
      end
    end
  end
  return have
end

-- The orchestrator to create on, and why it was chosen ("only", "has_plan", or false when the user chose),
-- or nil and the reason for the user.
local function choose(t, ctx, game)
  local wanted = ctx.options.orchestrator
  if type(wanted) == "string" and wanted ~= "" then
    if not orc.exists(wanted) then return nil, t("create.unknown_orc", { orc = cards.plain(wanted) }) end
    return wanted, false
  end
  local all = orc.list()
  if #all == 1 then return all[1].name, "only" end
  local have = offering(game)
  if #have == 1 then return have[1], "has_plan" end
  if #have == 0 then return nil, t("create.plan_nowhere", { game = overview.code(game) }) end
  return nil, t("create.choose_orc", { game = overview.code(game), orcs = cards.plain(table.concat(have, ", ")) })
end

local function exists(servers, game, name)
  for _, s in ipairs(type(servers) == "table" and servers or {}) do
    if type(s) == "table" and s.game_uid == game and s.servername == name then return true end
  end
  return false
end

local function handler(ctx)
  local t = i18n.for_ctx(ctx)
  -- Everything that needs no orchestrator is checked first: a bad name sends nothing anywhere.
  local game = tostring(ctx.options.game_type or ""):gsub("^%s+", ""):gsub("%s+$", ""):lower()
  if not game:match("^[a-z0-9_-]+$") or #game > 60 then
    return refuse(ctx, t("create.bad_game", { game = overview.code(game) }))
  end
  local name = flow.normal_name(ctx.options.server_name)
  local problem = flow.name_problem(name)
  if problem then return refuse(ctx, t(problem, { name = overview.code(name), max = flow.NAME_MAX })) end
  if #orc.list() == 0 then return refuse(ctx, t("orc.none_registered")) end

  local target, why = choose(t, ctx, game)
  if target == nil then return refuse(ctx, why) end
  local uid = game .. "." .. name
  local servers, err = orc.get(target, "/servers", { timeout = CHECK_TIMEOUT })
  if servers == nil then return refuse(ctx, cards.orc_error(t, err)) end
  if exists(servers, game, name) then
    return refuse(ctx, t("create.exists", { uid = cards.plain(uid), ref = uid, orc = cards.plain(target) }))
  end
  local settings
  settings, err = flow.plan_settings(target, game, PLAN_TIMEOUT)
  if settings == nil then
    if err.kind == "http" and err.status == 404 then
      return refuse(ctx, t("create.no_plan", { game = overview.code(game), orc = cards.plain(target) }))
    end
    return refuse(ctx, cards.orc_error(t, err))
  end

  local description = ctx.options.description
  if type(description) ~= "string" or description:match("^%s*$") then description = settings.description end
  local state = { nonce = ctx.id, orc = target, game = game, name = name, description = description, auto = why,
                  required = settings.required, optional = settings.optional, values = {} }
  if not flow.has_inputs(state) then return flow.create(ctx, t, state) end
  flow.save(ctx.user.id, state)
  local shown, failure = pcall(ctx.modal, ctx, flow.modal(t, state, 1))
  if not shown then
    -- The checks took too long and the core already acknowledged: offer the form behind a button.
    log.warn("create: modal not opened directly: %s", tostring(failure))
    ctx:reply({ ephemeral = true, content = t("create.open_form", { uid = cards.plain(uid) }),
                components = { flow.continue_button(t, state, 1) } })
  end
end

return {
  name = "create",
  description = "Create a new game server (server admins only)",
  name_localizations = L("create.cmd_name"),
  description_localizations = L("create.cmd_description"),
  capability = "manage",
  default_member_permissions = "32",
  ephemeral = true,
  options = {
    { name = "game_type", type = "string", required = true, autocomplete = complete_game,
      description = "The game (its plan)", description_localizations = L("create.opt_game_type") },
    { name = "server_name", type = "string", required = true, max_length = 100,
      description = "Name of the new server: a-z, 0-9, _ and -",
      description_localizations = L("create.opt_server_name") },
    { name = "description", type = "string", max_length = 200,
      description = "A short description", description_localizations = L("create.opt_description") },
    { name = "orchestrator", type = "string", autocomplete = complete_orchestrator,
      description = "Where to create it (needed when several orchestrators offer the game)",
      description_localizations = L("create.opt_orchestrator") },
  },
  handler = handler,
}
