/* Gateway events into Lua: the compiled-in cache learns guilds, channels and roles, and every script that
 * declared `events = { NAME = function(data, seq) ... end }` gets a task per event. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "lua_host_internal.h"

void lua_host_event(lua_host *host, const char *name, int64_t seq, const char *json, size_t len)
{
    lua_State *L = host->L;
    int top = lua_gettop(L);
    char err[256];
    if (lua_push_entry(host, "core.dispatch", "event", err, sizeof err) != 0) {
        log_error("lua", "event %s: %s", name, err);
        return;
    }
    lua_pushstring(L, name);
    lua_pushlstring(L, json, len);
    if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
        log_warn("lua", "event %s: %s", name, lua_tostring(L, -1));
        lua_settop(L, top);
        return;
    }
    int handlers = top + 1, data = top + 2;
    if (lua_istable(L, handlers) && host->timer_ready) {
        for (lua_Integer i = 1; lua_rawgeti(L, handlers, i) == LUA_TFUNCTION; i++) {
            lua_pushvalue(L, data);
            lua_pushinteger(L, seq);
            char label[64];
            snprintf(label, sizeof label, "event %.50s", name);
            if (lua_task_start(host, 2, label, NULL, NULL) < 0) log_warn("lua", "event %s: out of memory", name);
        }
    }
    lua_settop(L, top);
    host->stats.events++;
}
