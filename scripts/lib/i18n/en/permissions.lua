-- /permissions.
return {
  cmd_name = "permissions",
  description = "Which roles may do what with the game servers (admins only)",
  grant = "Give a role a capability", revoke = "Take a capability from a role",
  list = "Show which roles hold which capability",
  opt_role_grant = "The role that gets it", opt_role_revoke = "The role that loses it",
  opt_capability = "What the role may do",
  cap_view = "view: info and lists", cap_operate = "operate: start, stop, restart, backup",
  cap_manage = "manage: update, description, create, delete, schedules",
  cap_admin = "admin: orchestrators, permissions, reload",
  title = "Permissions",
  granted = "{role} now holds **{capability}** (and everything below it).",
  already = "{role} already held **{capability}**.",
  operate_note = "From now on only roles granted operate (or higher) and server administrators may start, stop, "
    .. "restart and back up servers here.",
  revoked = "{role} no longer holds **{capability}**.",
  not_held = "{role} did not hold **{capability}**; nothing changed.",
  failed = "Could not save that",
  everyone_title = "Not for @everyone",
  everyone = "Granting to @everyone would give the capability to every member. View is open to everyone "
    .. "anyway, and operate is open until you grant it to a role; grant manage or admin to a specific role.",
  list_title = "Capabilities in this server",
  list_intro = "Server administrators (Manage Server) hold all of them. A capability includes those above it "
    .. "in this list.",
  none_view = "everyone", none_operate = "everyone (not restricted yet)", none_manage = "server administrators only",
  none_admin = "server administrators only",
}
