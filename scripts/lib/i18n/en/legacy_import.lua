-- The one-time import of the Python bot's orchestrator list.
return {
  title = "Orchestrators imported from the Python bot",
  text = "{count} orchestrator(s) came over from `{file}`.",
  names = "Imported: {names}",
  skipped = "Already registered here, left as they are: {names}",
  invalid = "{count} entr(y/ies) had no usable name, URL or key and were skipped.",
  next = "`/list orchestrators` shows whether each one answers; the API keys were kept as they were.",
}
