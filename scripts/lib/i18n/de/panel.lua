-- Das Server-Panel: Knöpfe, Dialoge, Auswahlen und Bestätigungen (Ergebnisse kommen aus "server").
return {
  button_start = "Starten", button_restart = "Neustart", button_stop = "Stoppen", button_info = "Info",
  button_update = "Update", button_backup = "Sicherung", button_describe = "Beschreibung ändern",
  button_delete = "Löschen",
  field_orchestrator = "Orchestrator", field_game = "Spiel", field_description = "Beschreibung",
  footer = "Die Knöpfe funktionieren, solange es diese Nachricht gibt; jeder prüft, wer ihn drückt.",

  act_start = "starten", act_restart = "neu starten", act_stop = "stoppen", act_info = "ansehen",
  act_update = "aktualisieren", act_backup = "sichern", act_description = "beschreiben", act_delete = "löschen",
  not_allowed = "Du darfst hier keine Server {action}.\nDafür braucht es die Berechtigung '{capability}'; ein "
    .. "Server-Administrator (Server verwalten) kann es tun oder sie vergeben.",

  resolve_format = "Dieses Panel nennt \"{ref}\", und das ist kein Server.\nPoste mit `/peon` ein neues Panel.",
  resolve_none = "Es ist kein Orchestrator mehr registriert.\nEin Administrator kann im Admin-Panel einen "
    .. "registrieren.",
  resolve_unknown = "Orchestrator **{orc}** hat keinen Server {uid} mehr.\nEr wurde vielleicht gelöscht oder "
    .. "verschoben; `/list servers` zeigt, wo jeder Server jetzt ist.",
  resolve_ambiguous = "Mehrere Orchestratoren haben einen Server {uid}.\nNimm `/server` mit uid@orchestrator.",

  stop_modal_title = "🛑 {uid} stoppen",
  stop_modal_label = "Wann (leer = sofort)",
  stop_modal_placeholder = "15m, 2h, 22:30 oder 2025-12-24.18:00; leer lassen für sofort",
  bad_timer = "\"{text}\" ist keine Zeit, die der Bot versteht, also wurde nichts getan.",
  timer_formats = "Möglich: 15m, 2h, 1d, 1h30m, eine Zahl Minuten (15), eine Uhrzeit 22:30 oder 22h30 (die "
    .. "nächste, {zone}), Datum und Uhrzeit 2025-12-24.18:00 oder 2025/12/24.18h00. Leer stoppt sofort.",
  field_detail = "Genauer",
  timer_tomorrow = "Diese Uhrzeit ist heute schon vorbei, also ist morgen gemeint.",
  confirm_stop_title = "{uid} jetzt stoppen?",
  confirm_stop_text = "Der Server auf Orchestrator **{orc}** stoppt sofort; Spieler darauf werden getrennt.",
  confirm_stop_later_title = "{uid} um {when} stoppen?",
  confirm_stop_later_text = "Orchestrator **{orc}** stoppt den Server um **{when}** (das ersetzt einen schon "
    .. "geplanten Stopp).",
  button_stop_now = "Jetzt stoppen", button_stop_later = "Stopp planen", button_cancel = "Abbrechen",

  update_title = "⬆️ {uid} aktualisieren",
  update_text = "Wähle, was auf Orchestrator **{orc}** aktualisiert wird. Im nächsten Schritt bestätigst du; "
    .. "während des Updates ist der Server aus.",
  update_placeholder = "Was aktualisieren…",
  mode_server = "🎮 Spielserver-Dateien", mode_image = "📦 Container-Image", mode_full = "🔄 Dateien und Image",
  mode_reinit = "🔥 Neu installieren",
  risk_server = "Geringes Risiko: erneuert nur die Dateien des Spiels",
  risk_image = "Mittleres Risiko: holt ein neueres PEON-Container-Image",
  risk_full = "Hohes Risiko: Spieldateien und Container-Image",
  risk_reinit = "Sehr hohes Risiko: löscht Serverdateien (Spielstände bleiben), installiert neu",
  confirm_update_title = "{mode} für {uid}?",
  field_risk = "Risiko",
  level_server = "🟢 Gering", level_image = "🟡 Mittel", level_full = "🟠 Hoch", level_reinit = "🔴 Sehr hoch",
  confirm_update_text = "Orchestrator **{orc}** stoppt den Server, aktualisiert ihn und startet ihn wieder. Das "
    .. "dauert oft 5-15 Minuten.",
  reinit_warning = "⚠️ Eine Neuinstallation LÖSCHT die installierten Dateien des Servers und installiert sie neu. "
    .. "Spielstände und Konfiguration bleiben.",
  button_update_confirm = "Aktualisieren",
  bad_mode = "Das ist keine Update-Art.",

  describe_modal_title = "📝 Beschreibung von {uid}",
  describe_label = "Beschreibung (höchstens 200 Zeichen)",
  describe_empty = "Eine leere Beschreibung ändert nichts, also wurde nichts gesendet.",
  describe_too_long = "Die Beschreibung hat {count} Zeichen; höchstens 200 passen.",

  delete_title = "⚠️ {uid} löschen?",
  delete_text = "Das entfernt den Server von Orchestrator **{orc}** und lässt sich nicht rückgängig machen.",
  delete_container_field = "🗃️ Nur den Container",
  delete_container_text = "Entfernt den Container; die Dateien des Servers (Spielstände, Konfiguration) bleiben "
    .. "auf dem Orchestrator, ein Import holt ihn zurück.",
  delete_everything_field = "💥 Alles",
  delete_everything_text = "Entfernt den Container und löscht alle Dateien des Servers, Spielstände inklusive.",
  button_delete_container = "Nur Container", button_delete_everything = "Alles",

  unconfirmed = "Dieser Knopf ist keine Bestätigung.\nDrück den Knopf im Panel noch einmal, um eine zu bekommen.",
  cancelled = "Abgebrochen: mit {uid} ist nichts passiert.",
}
