return {
  name = "pick",
  description = "Autocompletes",
  options = {
    { name = "server", type = "string", description = "which", required = true,
      autocomplete = function(_, typed)
        local out = {}
        for i = 1, 30 do out[#out + 1] = { name = typed .. i .. string.rep("x", 120), value = "s" .. i } end
        return out
      end },
  },
  handler = function(ctx) ctx:reply("picked " .. ctx.options.server) end,
}
