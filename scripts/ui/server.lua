-- The server view: what the confirmations of /server (and the panel) run once the invoking user pressed
-- the button. custom_ids: server:stop:<uid@orchestrator>:<epoch or "">, server:update:<uid@orch>:<mode>,
-- server:cancel:<uid>. The dispatcher has already checked who pressed and that it has not expired.
local i18n = require("i18n")
local fleet = require("fleet")
local access = require("access")
local outcome = require("outcome")
local cards = require("cards")
local json = require("core.json")

local NO_BUTTONS = json.array()

local function answer(ctx, message)
  message.components = NO_BUTTONS -- the confirmation's buttons go: the question has been answered
  return ctx:update(message)
end

local function failure(ctx, text)
  return answer(ctx, { embeds = { cards.embed("❌ " .. text, nil, cards.RED) } })
end

-- Finds the server again (it may have moved or gone since the question was asked) and runs the action.
local function run(ctx, action, target, opts)
  local t = i18n.for_ctx(ctx)
  if not access.allows(ctx, access.ACTION_CAPABILITY[action]) then
    return failure(ctx, t("server.not_allowed", { capability = access.ACTION_CAPABILITY[action], action = action }))
  end
  ctx:defer() -- the buttons' message waits while the orchestrator works
  local server, why = fleet.resolve(target)
  if server == nil then return failure(ctx, t("server.resolve_" .. why, { ref = cards.plain(target) })) end
  opts.upload_limit = ctx.attachment_size_limit
  return answer(ctx, outcome.perform(ctx, t, server, action, opts))
end

return {
  actions = {
    stop = function(ctx, target, epoch)
      local at = math.tointeger(tonumber(epoch or ""))
      local when
      if at then
        if at <= os.time() then
          return failure(ctx, i18n.for_ctx(ctx)("server.timer_passed"))
        end
        when = { epoch = at }
      end
      return run(ctx, "stop", target, { when = when })
    end,
    update = function(ctx, target, mode)
      return run(ctx, "update", target, { mode = mode })
    end,
    cancel = function(ctx, uid)
      local t = i18n.for_ctx(ctx)
      return answer(ctx, { embeds = { cards.embed(t("server.cancelled", { uid = cards.plain(uid or "?") }), nil,
        cards.GREY) } })
    end,
  },
}
