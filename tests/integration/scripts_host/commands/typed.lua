-- Test script: /typed count ratio answers with the Lua types its options arrived as.
return {
  name = "typed",
  description = "Report option types",
  options = {
    { name = "count", type = "integer", description = "An integer", required = true },
    { name = "ratio", type = "number", description = "A number", required = true },
  },
  handler = function(ctx)
    local o = ctx.options
    ctx:reply(string.format("%s %s|%s %s", math.type(o.count), tostring(o.count),
      math.type(o.ratio), tostring(o.ratio)))
  end,
}
