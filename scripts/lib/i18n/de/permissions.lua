-- /permissions.
return {
  cmd_name = "rechte",
  description = "Welche Rollen was mit den Spielservern tun dürfen (nur Admins)",
  grant = "Einer Rolle eine Fähigkeit geben", revoke = "Einer Rolle eine Fähigkeit nehmen",
  list = "Zeigen, welche Rollen welche Fähigkeit haben",
  opt_role_grant = "Die Rolle, die sie bekommt", opt_role_revoke = "Die Rolle, die sie verliert",
  opt_capability = "Was die Rolle darf",
  cap_view = "view: Infos und Listen", cap_operate = "operate: starten, stoppen, neu starten, sichern",
  cap_manage = "manage: Update, Beschreibung, Erstellen, Löschen, Zeitpläne",
  cap_admin = "admin: Orchestratoren, Berechtigungen, Neu laden",
  title = "Berechtigungen",
  granted = "{role} hat jetzt **{capability}** (und alles darunter).",
  already = "{role} hatte **{capability}** schon.",
  operate_note = "Ab jetzt dürfen hier nur Rollen mit operate (oder höher) und Server-Administratoren Server "
    .. "starten, stoppen, neu starten und sichern.",
  revoked = "{role} hat **{capability}** nicht mehr.",
  not_held = "{role} hatte **{capability}** nicht; nichts geändert.",
  failed = "Konnte das nicht speichern",
  everyone_title = "Nicht für @everyone",
  everyone = "Eine Vergabe an @everyone gäbe die Fähigkeit jedem Mitglied. View hat ohnehin jeder, und operate "
    .. "ist offen, bis du es einer Rolle gibst; vergib manage oder admin an eine bestimmte Rolle.",
  list_title = "Fähigkeiten auf diesem Server",
  list_intro = "Server-Administratoren (Server verwalten) haben alle. Eine Fähigkeit schließt die darüber "
    .. "stehenden ein.",
  none_view = "alle", none_operate = "alle (noch nicht eingeschränkt)", none_manage = "nur Server-Administratoren",
  none_admin = "nur Server-Administratoren",
}
