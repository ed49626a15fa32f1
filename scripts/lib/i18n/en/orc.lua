-- Orchestrator problems, as users read them: which orchestrator, what it said, what to try.
return {
  unreachable = "Could not reach orchestrator **{orc}** ({detail}). Check that it is running and that the bot "
    .. "can reach its URL; `/debug test_connectivity` checks every orchestrator.",
  timeout = "Orchestrator **{orc}** did not answer in time ({detail}). It may still be working on it (updates "
    .. "and image pulls take minutes): check again with `/server action:info` in a moment.",
  auth = "Orchestrator **{orc}** refused the bot's API key (HTTP {status}). An administrator can register it "
    .. "again with the orchestrator's current API_KEY.",
  http = "Orchestrator **{orc}** answered HTTP {status}: {detail}",
  malformed = "Orchestrator **{orc}** sent an answer the bot cannot read ({detail}). Is that URL really a PEON "
    .. "orchestrator (API v1)?",
  failed = "Orchestrator **{orc}** reports a failure: {detail}",
  unknown = "No orchestrator named **{orc}** is registered.",
  exists = "An orchestrator named **{orc}** is already registered. Remove it first, or choose another name.",
  invalid_name = "The name must be 2-32 letters, digits, '.', '_' or '-', starting with a letter or digit.",
  invalid_url = "The URL must look like `http://host:5000` (http or https, no spaces).",
  invalid_key = "The API key must not be empty or contain spaces.",
  store = "The bot could not save that ({detail}); nothing was changed.",
  no_detail = "no details given",
  none_registered = "No orchestrator is registered yet. An administrator can add one with `/peon` in the "
    .. "control channel (Register orchestrator), or by setting PEON_ORCHESTRATOR_URL and LOCAL_API_KEY.",
}
