-- Test script: /hog keeps the event loop busy for 1.6 s without yielding (what a careless script does),
-- so the loop watchdog has something to report.
return {
  name = "hog",
  description = "Block the event loop for a moment",
  handler = function(ctx)
    local started = os.clock()
    local junk = 0
    while os.clock() - started < 1.6 do
      junk = junk + #string.rep("x", 2000)
    end
    ctx:reply("done " .. tostring(junk > 0))
  end,
}
