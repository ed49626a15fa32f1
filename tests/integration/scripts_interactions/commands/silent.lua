return {
  name = "silent",
  description = "Returns without answering",
  handler = function() end,
}
