/* host.parse_timer and host.format_time: the timer parser and time formatting for scripts. Zones are
 * cached per Lua state in the registry (each entry a userdata whose __gc frees the zone), so a zone file is
 * read once and everything is freed by lua_close at host destroy or reload. */
#include <lauxlib.h>
#include <string.h>
#include <time.h>

#include "lua_host_internal.h"
#include "time_format.h"
#include "timer_parse.h"
#include "tz.h"

#define ZONE_CACHE_KEY "peon.tz_cache"
#define ZONE_META "peon.tz_zone"
#define ZONE_CACHE_MAX 32   /* guild-chosen zones are few; past this the cache starts over */
/* Years 0001-9999: what the formats can show. */
#define EPOCH_MIN (-62135596800LL)
#define EPOCH_MAX 253402300799LL

typedef struct zone_box {
    tz_zone *zone;
} zone_box;

static int zone_box_gc(lua_State *L)
{
    zone_box *box = luaL_checkudata(L, 1, ZONE_META);
    tz_free(box->zone);
    box->zone = NULL;
    return 0;
}

/* Pushes the cache table, creating it (and the metatable) on first use. */
static void push_cache(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, ZONE_CACHE_KEY) == LUA_TTABLE) return;
    lua_pop(L, 1);
    if (luaL_newmetatable(L, ZONE_META)) {
        lua_pushcfunction(L, zone_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_createtable(L, 1, 4);
    lua_pushinteger(L, 0);
    lua_rawseti(L, -2, 1);   /* the entry count; zone names are strings, so [1] cannot collide */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ZONE_CACHE_KEY);
}

/* The zone called `name`, or NULL with a message pushed. Nothing is left on the stack on success. */
static const tz_zone *get_zone(lua_State *L, const char *name, size_t len)
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
    if (count >= ZONE_CACHE_MAX) {   /* start over; the old entries are collected with their zones */
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, ZONE_CACHE_KEY);
        push_cache(L);
        count = 0;
    }
    /* The box exists before the zone does, so a memory error in Lua cannot leak the zone. */
    zone_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->zone = NULL;
    luaL_setmetatable(L, ZONE_META);
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

static int64_t opt_now(lua_State *L, int arg)
{
    return lua_isnoneornil(L, arg) ? (int64_t)time(NULL) : (int64_t)luaL_checkinteger(L, arg);
}

/* parse_timer(text, zone_name [, now]) -> { epoch, kind, tomorrow, shifted [, seconds] } | nil, message, code */
int lua_time_parse_timer(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    size_t name_len;
    const char *zone_name = luaL_checklstring(L, 2, &name_len);
    int64_t now = opt_now(L, 3);
    luaL_argcheck(L, now >= EPOCH_MIN && now <= EPOCH_MAX, 3, "now outside the years 1-9999");
    const tz_zone *zone = get_zone(L, zone_name, name_len);
    if (zone == NULL) {
        lua_pushnil(L);
        lua_insert(L, -2);
        lua_pushstring(L, "zone");
        return 3;
    }
    timer_result r;
    if (timer_parse(text, len, now, zone, &r) != TIMER_OK) {
        lua_pushnil(L);
        lua_pushstring(L, r.message);
        lua_pushstring(L, timer_error_name(r.error));
        return 3;
    }
    static const char *const kinds[] = { "", "relative", "clock", "dated" };
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)r.epoch);
    lua_setfield(L, -2, "epoch");
    lua_pushstring(L, kinds[r.kind]);
    lua_setfield(L, -2, "kind");
    lua_pushboolean(L, r.tomorrow);
    lua_setfield(L, -2, "tomorrow");
    lua_pushboolean(L, r.shifted);
    lua_setfield(L, -2, "shifted");
    if (r.kind == TIMER_RELATIVE) {
        lua_pushinteger(L, (lua_Integer)r.seconds);
        lua_setfield(L, -2, "seconds");
    }
    return 1;
}

/* format_time(epoch, zone_name [, now]) -> "22:30 CET" | "Wed 25 Dec 14:00 CET", "2024-12-25 14:00 CET" */
int lua_time_format(lua_State *L)
{
    lua_Integer epoch = luaL_checkinteger(L, 1);
    size_t name_len;
    const char *zone_name = luaL_checklstring(L, 2, &name_len);
    int64_t now = opt_now(L, 3);
    luaL_argcheck(L, epoch >= EPOCH_MIN && epoch <= EPOCH_MAX, 1, "epoch outside the years 1-9999");
    luaL_argcheck(L, now >= EPOCH_MIN && now <= EPOCH_MAX, 3, "now outside the years 1-9999");
    const tz_zone *zone = get_zone(L, zone_name, name_len);
    if (zone == NULL) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    char short_text[64], iso[64];
    time_format(zone, (int64_t)epoch, now, short_text, sizeof short_text, iso, sizeof iso);
    lua_pushstring(L, short_text);
    lua_pushstring(L, iso);
    return 2;
}
