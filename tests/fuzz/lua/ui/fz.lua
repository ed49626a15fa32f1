-- The one view of the custom_id fuzzer (tests/fuzz/fuzz_custom_id.c): fz:echo records what the dispatcher
-- handed it; answering fails cleanly (no Discord in the fuzzer's host), so the answer is pcall'ed.
local check = require("fuzzcheck")

return {
  name = "fz",
  actions = {
    echo = function(ctx, ...)
      check.record(ctx, ...)
      pcall(ctx.update, ctx, { content = "ok" })
    end,
  },
}
