-- /create and its settings form
return {
  cmd_name = "create",
  cmd_description = "Create a new game server (server admins only)",
  opt_game_type = "The game (its plan)",
  opt_server_name = "Name of the new server: a-z, 0-9, _ and -",
  opt_description = "A short description",
  opt_orchestrator = "Where to create it (needed when several orchestrators offer the game)",
  orc_has = "{orc} (offers {game})",

  bad_game = "`{game}` is not a game plan id. Choose the game from the list while typing, or see `/list type:plans`.",
  name_empty = "The server name is empty.",
  name_long = "`{name}` is too long: a server name has at most {max} characters.",
  name_dot = "`{name}` contains a dot. Server names may only use a-z, 0-9, `_` and `-` (the orchestrator "
    .. "splits names on dots).",
  name_chars = "`{name}` has characters a server name cannot use. Use only a-z, 0-9, `_` and `-` (spaces "
    .. "become `_`, capitals become small letters).",
  unknown_orc = "No orchestrator named **{orc}** is registered. `/list type:orchestrators` shows them.",
  plan_nowhere = "No orchestrator offers the game `{game}`. `/list type:plans` shows the games; a new one "
    .. "may need Update plans in the admin panel (`/peon`).",
  choose_orc = "Several orchestrators offer `{game}` ({orcs}). Say which one with the `orchestrator` option.",
  exists = "A server **{uid}** already exists on **{orc}**. Choose another name, or manage that one with "
    .. "`/server action:info server:{ref}`.",
  no_plan = "Orchestrator **{orc}** has no settings for the game `{game}` (its plan is missing). Update plans "
    .. "in the admin panel (`/peon`) and try again.",

  modal_title = "Create {uid}",
  modal_step = "({step}/{steps})",
  input_required = "Required",
  input_optional = "Optional: keep the default or change it",
  continue = "Continue ({step}/{steps})",
  open_form = "The game's settings for **{uid}** are ready: press the button to fill them in.",
  next_step = "Part {step} of {steps} saved. Press the button for the next settings.",
  blank = "These settings cannot be blank: {keys}. Press the button to fill them in again.",
  expired = "This form has expired or was replaced by a newer `/create`. Run `/create` again.",

  created_title = "🎉 Server created",
  created = "{user} created **{uid}** on orchestrator **{orc}**.",
  auto_only = "**{orc}** is the only orchestrator registered.",
  auto_has_plan = "**{orc}** was chosen because it is the only orchestrator that offers `{game}`.",
  answer = "Orchestrator's answer",
  answer_state = "{emoji} {state}",
  description = "Description",
  failed_title = "Could not create {uid}",
  failed = "{user} tried to create **{uid}** on orchestrator **{orc}**.",
  hint_timeout = "Creating can take several minutes (files are copied and images pulled). Check with "
    .. "`/list type:servers` in a moment before you try again.",
  hint_failed = "Fix what the orchestrator names and run `/create` again. If it says a config.json already "
    .. "exists, an earlier attempt left files behind: delete **{uid}** with everything, or choose another name.",
}
