-- luacheck configuration for the script layer (Debian package lua-check).
std = "lua54"
max_line_length = 120
-- The host injects these into every script's environment.
read_globals = { "discord", "orc", "http", "store", "sleep", "log", "peon" }
