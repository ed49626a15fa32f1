-- The /create form: "create:submit:<nonce>:<step>" is a settings modal being submitted,
-- "create:form:<nonce>:<step>" the button that opens modal <step> (see scripts/lib/create_flow.lua).
local i18n = require("i18n")
local flow = require("create_flow")
local cards = require("cards")

local function trim(text)
  return (tostring(text or ""):gsub("^%s+", ""):gsub("%s+$", ""))
end

local function expired(ctx, t)
  return ctx:reply({ ephemeral = true, content = t("create.expired") })
end

return {
  actions = {
    form = function(ctx, nonce, step)
      local t = i18n.for_ctx(ctx)
      local state = flow.load(ctx.user.id, nonce)
      step = math.tointeger(tonumber(step))
      if state == nil or step == nil or step < 1 or step > flow.steps(state) then return expired(ctx, t) end
      ctx:modal(flow.modal(t, state, step))
    end,

    submit = function(ctx, nonce, step)
      local t = i18n.for_ctx(ctx)
      local state = flow.load(ctx.user.id, nonce)
      step = math.tointeger(tonumber(step))
      if state == nil or step == nil or step < 1 or step > flow.steps(state) then return expired(ctx, t) end
      local blank = {}
      for i, input in ipairs(flow.step_inputs(state, step)) do
        local value = trim(ctx.fields and ctx.fields["s" .. i])
        state.values[input.key] = value
        if input.required and value == "" then blank[#blank + 1] = cards.plain(input.key) end
      end
      -- Discord only checks that a required input is not empty; spaces alone are no setting either.
      if #blank > 0 then
        flow.save(ctx.user.id, state)
        return ctx:reply({ ephemeral = true, content = t("create.blank", { keys = table.concat(blank, ", ") }),
                           components = { flow.continue_button(t, state, step) } })
      end
      if step < flow.steps(state) then
        flow.save(ctx.user.id, state)
        local text = t("create.next_step", { step = step, steps = flow.steps(state) })
        return ctx:reply({ ephemeral = true, content = text,
                           components = { flow.continue_button(t, state, step + 1) } })
      end
      flow.forget(ctx.user.id)
      flow.create(ctx, t, state)
    end,
  },
}
