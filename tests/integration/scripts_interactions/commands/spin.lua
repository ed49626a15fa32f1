return {
  name = "spin",
  description = "Never yields",
  handler = function()
    while true do end
  end,
}
