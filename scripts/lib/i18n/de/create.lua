-- /create und sein Einstellungsformular
return {
  cmd_name = "erstellen",
  cmd_description = "Einen neuen Spielserver anlegen (nur Server-Admins)",
  opt_game_type = "Das Spiel (sein Plan)",
  opt_server_name = "Name des neuen Servers: a-z, 0-9, _ und -",
  opt_description = "Eine kurze Beschreibung",
  opt_orchestrator = "Wo er angelegt wird (nötig, wenn mehrere Orchestratoren das Spiel anbieten)",
  orc_has = "{orc} (bietet {game})",

  bad_game = "`{game}` ist keine Plan-ID eines Spiels. Wähle das Spiel beim Tippen aus der Liste oder sieh in "
    .. "`/liste type:pläne` nach.",
  name_empty = "Der Servername ist leer.",
  name_long = "`{name}` ist zu lang: ein Servername hat höchstens {max} Zeichen.",
  name_dot = "`{name}` enthält einen Punkt. Servernamen dürfen nur a-z, 0-9, `_` und `-` enthalten (der "
    .. "Orchestrator trennt Namen an Punkten).",
  name_chars = "`{name}` enthält Zeichen, die ein Servername nicht haben darf. Erlaubt sind nur a-z, 0-9, `_` "
    .. "und `-` (Leerzeichen werden zu `_`, Großbuchstaben zu Kleinbuchstaben).",
  unknown_orc = "Es ist kein Orchestrator namens **{orc}** registriert. `/liste type:orchestratoren` zeigt sie.",
  plan_nowhere = "Kein Orchestrator bietet das Spiel `{game}` an. `/liste type:pläne` zeigt die Spiele; für ein "
    .. "neues braucht es vielleicht „Pläne aktualisieren“ im Admin-Panel (`/peon`).",
  choose_orc = "Mehrere Orchestratoren bieten `{game}` an ({orcs}). Gib mit der Option `orchestrator` an, welcher.",
  exists = "Auf **{orc}** gibt es schon einen Server **{uid}**. Wähle einen anderen Namen oder verwalte ihn mit "
    .. "`/server action:info server:{ref}`.",
  no_plan = "Orchestrator **{orc}** hat keine Einstellungen für das Spiel `{game}` (sein Plan fehlt). "
    .. "Aktualisiere die Pläne im Admin-Panel (`/peon`) und versuche es erneut.",

  modal_title = "{uid} anlegen",
  modal_step = "({step}/{steps})",
  input_required = "Pflichtfeld",
  input_optional = "Optional: Standardwert lassen oder ändern",
  continue = "Weiter ({step}/{steps})",
  open_form = "Die Einstellungen des Spiels für **{uid}** sind bereit: drücke den Knopf, um sie auszufüllen.",
  next_step = "Teil {step} von {steps} gespeichert. Drücke den Knopf für die nächsten Einstellungen.",
  blank = "Diese Einstellungen dürfen nicht leer sein: {keys}. Drücke den Knopf, um sie erneut auszufüllen.",
  expired = "Dieses Formular ist abgelaufen oder wurde durch ein neueres `/erstellen` ersetzt. Führe "
    .. "`/erstellen` erneut aus.",

  created_title = "🎉 Server angelegt",
  created = "{user} hat **{uid}** auf Orchestrator **{orc}** angelegt.",
  auto_only = "**{orc}** ist der einzige registrierte Orchestrator.",
  auto_has_plan = "**{orc}** wurde gewählt, weil nur er `{game}` anbietet.",
  answer = "Antwort des Orchestrators",
  answer_state = "{emoji} {state}",
  description = "Beschreibung",
  failed_title = "{uid} konnte nicht angelegt werden",
  failed = "{user} wollte **{uid}** auf Orchestrator **{orc}** anlegen.",
  hint_timeout = "Das Anlegen kann einige Minuten dauern (Dateien werden kopiert, Images geladen). Prüfe es "
    .. "gleich mit `/liste type:server`, bevor du es erneut versuchst.",
  hint_failed = "Behebe, was der Orchestrator nennt, und führe `/erstellen` erneut aus. Meldet er, dass schon "
    .. "eine config.json existiert, hat ein früherer Versuch Dateien hinterlassen: lösche **{uid}** mit allem "
    .. "oder wähle einen anderen Namen.",
}
