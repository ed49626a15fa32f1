-- Test script: /bomb allocates without bound (what a buggy script does); the allocator cap stops it.
return {
  name = "bomb",
  description = "Allocate until something stops it",
  ephemeral = true,
  handler = function(ctx)
    local hoard = {}
    for i = 1, math.maxinteger do
      hoard[i] = string.rep("x", 65536) .. i
    end
    ctx:reply("allocated " .. #hoard)
  end,
}
