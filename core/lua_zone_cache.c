/* See lua_zone_cache.h. */
#include "lua_zone_cache.h"

#include <lauxlib.h>
#include <string.h>

#define CACHE_KEY "peon.zone_cache"
#define BOX_META "peon.zone_box"

typedef struct zone_box {
    tz_zone *zone;
} zone_box;

static int zone_box_gc(lua_State *L)
{
    zone_box *box = luaL_checkudata(L, 1, BOX_META);
    tz_free(box->zone);
    box->zone = NULL;
    return 0;
}

/* Pushes the cache table, creating it (and the metatable) on first use. */
static void push_cache(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, CACHE_KEY) == LUA_TTABLE) return;
    lua_pop(L, 1);
    if (luaL_newmetatable(L, BOX_META)) {
        lua_pushcfunction(L, zone_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_createtable(L, 1, 4);
    lua_pushinteger(L, 0);
    lua_rawseti(L, -2, 1);   /* the entry count; zone names are strings, so [1] cannot collide */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, CACHE_KEY);
}

const tz_zone *lua_zone_cache_get(lua_State *L, const char *name, size_t len)
{
    if (strlen(name) != len) {
        lua_pushstring(L, "a time zone name cannot contain a NUL byte");
        return NULL;
    }
    push_cache(L);
    if (lua_getfield(L, -1, name) == LUA_TUSERDATA) {
        const tz_zone *zone = ((zone_box *)lua_touserdata(L, -1))->zone;
        lua_pop(L, 2);
        return zone;
    }
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 1);
    lua_Integer count = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (count >= LUA_ZONE_CACHE_MAX) {   /* start over; the old entries are collected with their zones */
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, CACHE_KEY);
        push_cache(L);
        count = 0;
    }
    /* The box exists before the zone does, so a memory error in Lua cannot leak the zone. */
    zone_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->zone = NULL;
    luaL_setmetatable(L, BOX_META);
    char err[256];
    box->zone = tz_load(name, err, sizeof err);
    if (box->zone == NULL) {   /* not cached: a zone installed later still loads */
        lua_pop(L, 2);
        lua_pushstring(L, err);
        return NULL;
    }
    lua_setfield(L, -2, name);
    lua_pushinteger(L, count + 1);
    lua_rawseti(L, -2, 1);
    lua_pop(L, 1);
    return box->zone;
}
