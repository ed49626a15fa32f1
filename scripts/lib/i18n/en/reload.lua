-- /reload.
return {
  description = "Reload peon-bot's scripts (server admins only)",
  failed = "Reload failed: the previous scripts are still live",
  done = "Scripts reloaded",
  summary = "{count} commands loaded in {ms} ms.",
  added = "Added", removed = "Removed", changed = "Changed", none = "none",
  discord = "Discord",
}
