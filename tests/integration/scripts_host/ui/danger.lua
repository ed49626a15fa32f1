-- Test view: danger:wipe counts its calls in the store (so a test can tell that a refused press never got
-- here) and reports its arguments; danger:echo answers with its argument.
return {
  actions = {
    wipe = function(ctx, target, extra)
      local calls = tonumber(store.get("test", "wipes") or "0") + 1
      store.set("test", "wipes", tostring(calls))
      ctx:update{ content = string.format("wiped %s|%s|call %d|by %s", target, extra, calls, ctx.user.id),
                  embeds = {}, components = {} }
    end,
    echo = function(ctx, arg) ctx:reply("echo " .. arg) end,
  },
}
