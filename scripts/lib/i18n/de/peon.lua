-- /peon: der Befehl, die Köpfe der Panels und die Sprüche des Peons.
return {
  description = "Das Bedienfeld für diesen Kanal posten (eines Spielservers oder das Admin-Panel)",
  opt_channel_type = "Welches Panel; sonst das, das zum Kanal passt",
  choice_admin = "admin", choice_server = "server",

  quote_1 = "Stiefel an, Spitzhacke in der Hand. Zeig mir den Server.",
  quote_2 = "Neuer Tag, neues Kriegslager zum Aufpassen.",
  quote_3 = "Ich grabe, ich schleppe, ich drücke Knöpfe. Meistens Knöpfe.",
  quote_4 = "Sag mir, was ich bauen soll, Chef. Erst murre ich, dann baue ich.",
  quote_5 = "Server rauf, Server runter. Ein Peon hat nie Feierabend.",
  quote_6 = "Vorsicht mit den roten Knöpfen. Aufkehren darf nachher ich.",
  quote_7 = "Hammer geölt, Brotzeit gepackt. Bereit, wenn du es bist.",
  quote_8 = "Geht's kaputt, flick ich's. Brennt's, hol ich den Eimer.",
  quote_9 = "Kein Nickerchen für den Peon heute. Gib mir Arbeit.",
  quote_10 = "Das Lager läuft nicht von allein. Na gut ... nicht ohne mich.",
  quote_11 = "Noch ein Befehl? Klar. Warum nicht. *seufz*",
  quote_12 = "Die Server zweimal gezählt. Beide Male gleich viele. Gutes Zeichen.",

  server_title = "🎮 {uid}",
  admin_title = "🛠️ PEON-Steuerung",
  admin_mode = "Admin-Panel",
  admin_orchestrators = "{count} Orchestrator(en) registriert.",
  admin_footer = "Jeder Knopf prüft, ob die drückende Person Administrator ist.",

  admin_only = "Das Admin-Panel ist für Administratoren.\nEs braucht Administrator oder Server verwalten. "
    .. "`/server` und `/list servers` kann jeder benutzen.",
  not_here = "Für diesen Kanal gibt es kein Panel.\nDas Admin-Panel gehört in #{control}, das Panel eines "
    .. "Spielservers in dessen Kanal, benannt spiel-servername (z. B. #valheim-bob). Überall führt `/server` "
    .. "eine Aktion aus.",
  not_game_channel = "Das ist nicht der Kanal eines Spielservers.\nSpielkanäle heißen spiel-servername "
    .. "(z. B. #valheim-bob für den Server valheim.bob).",
  unknown_server = "Kein Orchestrator hat einen Server \"{ref}\" (aus dem Namen dieses Kanals).\n`/list servers` "
    .. "zeigt alle Server; der Kanal von valheim.bob heißt #valheim-bob.",
  ambiguous_server = "Mehrere Orchestratoren haben einen Server {uid}: {choices}.\nNimm `/server` mit einem davon.",
  no_orchestrator = "Noch ist kein Orchestrator registriert.\nEin Administrator kann mit `/peon` in #{control} "
    .. "einen registrieren (Orchestrator registrieren).",
  bad_name = "Der Server \"{ref}\" hat einen zu langen Namen für Panel-Knöpfe.\nNimm `/server` dafür.",
}
