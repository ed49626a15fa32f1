-- /debug
return {
  cmd_name = "debug",
  cmd_description = "Orchestratoren und die Verbindung des Bots prüfen (nur Server-Admins)",
  opt_action = "Was geprüft werden soll",
  choice_test_connectivity = "verbindung_testen",
  choice_list_plans = "pläne_auflisten",
  title_test_connectivity = "🔌 Verbindungen",
  title_list_plans = "🎮 Pläne je Orchestrator",
  reachable_yes = "Erreichbar: ja",
  reachable_no = "Erreichbar: nein",
  latency = "Latenz: {ms} ms",
  version = "Version: {version}",
  plan_count = "Pläne: {count}",
  plans_failed = "Pläne: nicht lesbar. {why}",
  plans_of = "{orc} · {count} Pläne",
  no_plans = "Keine Pläne (der Katalog ist leer: „Pläne aktualisieren“ im Admin-Panel holt ihn).",
  discord = "Discord und der Bot",
  gateway = "Gateway: Heartbeat {last} ms (Mittel {avg} ms), {ready}/{shards} Shards bereit",
  no_gateway = "Gateway: Heartbeat-Latenz in diesem Build nicht verfügbar",
  rest = "REST: {requests} Anfragen, {answered} beantwortet, {avg} ms im Mittel; {queued} wartend, "
    .. "{in_flight} unterwegs",
  limits = "Rate-Limits: {total} × 429 ({global} global), {failed} lokal abgelehnt, {buckets} Buckets",
  lua = "Skripte: {tasks} Tasks ({failed} fehlgeschlagen, {live} laufend), {defers} langsame Antworten "
    .. "aufgeschoben, {kib} KiB",
  no_stats = "Dieser Build stellt die Zähler des Bots nicht bereit.",
  more_title = "Weitere Orchestratoren",
  more = "{count} weitere nicht gezeigt: `/liste type:orchestratoren` listet alle.",
}
