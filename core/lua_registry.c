/* Bindings for what scripts may know about the bot's setup: the orchestrator registry (names, URLs and
 * API keys, for the orchestrator client in scripts/lib) and the non-secret configuration. The Discord
 * token is never handed to Lua. */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "lua_host_internal.h"
#include "store.h"

static struct store *registry_store(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    if (host->state == NULL) luaL_error(L, "the orchestrator registry is not available in this host");
    return host->state;
}

/* host.orc_list() -> { {name=, url=, key=, source=, created_at=}, ... } in registration order */
int lua_registry_list(lua_State *L)
{
    store_orc *list;
    size_t count;
    if (store_orc_list(registry_store(L), &list, &count) != 0) return luaL_error(L, "cannot read the registry");
    lua_createtable(L, (int)count, 0);
    for (size_t i = 0; i < count; i++) {
        lua_createtable(L, 0, 5);
        lua_pushstring(L, list[i].name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, list[i].url);
        lua_setfield(L, -2, "url");
        log_add_secret(list[i].api_key); /* keys registered from Discord get redacted from logs too */
        lua_pushstring(L, list[i].api_key);
        lua_setfield(L, -2, "key");
        lua_pushstring(L, list[i].source);
        lua_setfield(L, -2, "source");
        lua_pushinteger(L, list[i].created_at);
        lua_setfield(L, -2, "created_at");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    store_orc_list_free(list, count);
    return 1;
}

/* host.orc_put(name, url, key [, source]) -> true | nil, message */
int lua_registry_put(lua_State *L)
{
    char err[256];
    log_add_secret(luaL_checkstring(L, 3));
    if (store_orc_put(registry_store(L), luaL_checkstring(L, 1), luaL_checkstring(L, 2), luaL_checkstring(L, 3),
                      luaL_optstring(L, 4, "user"), err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* host.orc_delete(name) -> true (removed) | false (no such name); raises on a database error */
int lua_registry_delete(lua_State *L)
{
    int rc = store_orc_delete(registry_store(L), luaL_checkstring(L, 1));
    if (rc < 0) return luaL_error(L, "cannot write the registry");
    lua_pushboolean(L, rc == 1);
    return 1;
}

static void set_string(lua_State *L, const char *name, const char *value)
{
    if (value == NULL) return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
}

/* host.config() -> the settings scripts act on (no token, no API keys). */
int lua_registry_config(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    const peon_config *cfg = ((lua_host *)ud)->config;
    lua_createtable(L, 0, 8);
    set_string(L, "version", PEON_VERSION);
    if (cfg != NULL) {
        set_string(L, "control_channel", cfg->control_channel);
        set_string(L, "language", cfg->language);
        set_string(L, "timezone", cfg->timezone);
        set_string(L, "guild_id", cfg->guild_id);
        lua_pushboolean(L, cfg->legacy_commands);
        lua_setfield(L, -2, "legacy_commands");
        lua_pushinteger(L, (lua_Integer)cfg->started_at);
        lua_setfield(L, -2, "started_at");
        lua_pushinteger(L, cfg->poll_seconds);
        lua_setfield(L, -2, "poll_seconds");
        lua_pushinteger(L, cfg->schedule_grace_minutes);
        lua_setfield(L, -2, "schedule_grace_minutes");
    }
    return 1;
}

/* host.read_legacy_registry() -> the text of the Python bot's peon.orchestrators.json (PEON_IMPORT_ORCHESTRATORS),
 * or nil, why ("absent" when there is no such file). Only that one configured file can be read. */
int lua_registry_read_legacy(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    const peon_config *cfg = ((lua_host *)ud)->config;
    if (cfg == NULL || cfg->import_orchestrators == NULL || cfg->import_orchestrators[0] == '\0') {
        lua_pushnil(L);
        lua_pushstring(L, "absent");
        return 2;
    }
    FILE *f = fopen(cfg->import_orchestrators, "rb");
    if (f == NULL) {
        lua_pushnil(L);
        lua_pushstring(L, errno == ENOENT ? "absent" : strerror(errno));
        return 2;
    }
    enum { MAX_BYTES = 1 << 20 };
    char *text = malloc(MAX_BYTES + 1);
    size_t len = text ? fread(text, 1, MAX_BYTES + 1, f) : 0;
    int failed = text == NULL || ferror(f) || len > MAX_BYTES;
    fclose(f);
    if (failed) {
        free(text);
        lua_pushnil(L);
        lua_pushstring(L, "unreadable or larger than 1 MiB");
        return 2;
    }
    lua_pushlstring(L, text, len);
    free(text);
    lua_pushstring(L, cfg->import_orchestrators);
    return 2;
}

