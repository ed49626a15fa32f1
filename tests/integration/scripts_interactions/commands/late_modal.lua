return {
  name = "late_modal",
  description = "Opens a modal too late",
  handler = function(ctx)
    sleep(2.8)
    ctx:modal({ custom_id = "form:save", title = "Too late", components = {} })
  end,
}
