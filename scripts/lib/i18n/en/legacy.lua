-- Answers to the old "!" prefix commands (ENABLE_LEGACY_COMMANDS=1)
return {
  replaced = "`{typed}` is now a slash command: **{slash}**",
  gone = "`{typed}` no longer exists.",
  admin_note = "Open it in #{control}: the admin panel registers and removes orchestrators, imports servers "
    .. "and updates plans.",
  start_timer = "For the automatic stop, add **{stop}**.",
  clear = "peon-bot no longer deletes channel messages; Discord's own message tools do that.",
  tip = "-# Type `/` to see every command with autocomplete, or `/help` for an overview.",
}
