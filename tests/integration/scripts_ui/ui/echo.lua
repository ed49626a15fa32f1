-- Test view: echo:say:<arg> answers with the decoded argument.
return {
  actions = {
    say = function(ctx, arg) ctx:reply("arg=" .. arg) end,
  },
}
