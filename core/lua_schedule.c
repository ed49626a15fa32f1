/* host.schedule_rule and host.schedule_next: the schedule calculator (schedule_rule.h) for scripts. Zones
 * come from the per-state cache in lua_zone_cache.c. */
#include <lauxlib.h>
#include <time.h>

#include "lua_host_internal.h"
#include "lua_zone_cache.h"
#include "schedule_rule.h"

/* Years 0001-9999, as lua_time.c accepts. */
#define EPOCH_MIN (-62135596800LL)
#define EPOCH_MAX 253402300799LL

static int64_t opt_epoch(lua_State *L, int arg, int64_t fallback, const char *what)
{
    if (lua_isnoneornil(L, arg)) return fallback;
    lua_Integer v = luaL_checkinteger(L, arg);
    if (v < EPOCH_MIN || v > EPOCH_MAX) luaL_argerror(L, arg, lua_pushfstring(L, "%s outside the years 1-9999", what));
    return (int64_t)v;
}

/* The common arguments (text, zone_name, time [, anchor]); returns the parse error, or -1 after pushing
 * nil, message, "zone" when the zone cannot be loaded. */
static int parse_args(lua_State *L, schedule_rule *rule, const tz_zone **zone, int64_t *time_arg, char *err,
                      size_t errlen)
{
    size_t len, name_len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *zone_name = luaL_checklstring(L, 2, &name_len);
    *time_arg = opt_epoch(L, 3, (int64_t)time(NULL), "time");
    int64_t anchor = opt_epoch(L, 4, *time_arg, "anchor");
    *zone = lua_zone_cache_get(L, zone_name, name_len);
    if (*zone == NULL) {
        lua_pushnil(L);
        lua_insert(L, -2);
        lua_pushliteral(L, "zone");
        return -1;
    }
    return (int)schedule_rule_parse(text, len, *time_arg, anchor, *zone, rule, err, errlen);
}

/* schedule_rule(text, zone_name [, now [, anchor]])
 *   -> { next = epoch|nil, kind = "daily"|"weekly"|"every"|"cron"|"once", text = canonical,
 *        description = english [, interval = seconds, anchor = epoch (every)] }
 *   |  nil, message, code ("empty" "too_long" "format" "range" "never" "past" "zone")
 * now defaults to the real clock, anchor to now. */
int lua_schedule_rule(lua_State *L)
{
    schedule_rule rule;
    const tz_zone *zone;
    int64_t now;
    char err[640];
    int rc = parse_args(L, &rule, &zone, &now, err, sizeof err);
    if (rc < 0) return 3;
    if (rc != SCHEDULE_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        lua_pushstring(L, schedule_error_name((schedule_error)rc));
        return 3;
    }
    char description[160];
    schedule_rule_describe(&rule, zone, description, sizeof description);
    int64_t next = schedule_rule_next(&rule, zone, now);
    lua_createtable(L, 0, 6);
    if (next >= 0) {
        lua_pushinteger(L, (lua_Integer)next);
        lua_setfield(L, -2, "next");
    }
    lua_pushstring(L, schedule_kind_name(rule.kind));
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, rule.text);
    lua_setfield(L, -2, "text");
    lua_pushstring(L, description);
    lua_setfield(L, -2, "description");
    if (rule.kind == SCHEDULE_EVERY) {
        lua_pushinteger(L, (lua_Integer)rule.interval);
        lua_setfield(L, -2, "interval");
        lua_pushinteger(L, (lua_Integer)rule.anchor);
        lua_setfield(L, -2, "anchor");
    }
    return 1;
}

/* schedule_next(text, zone_name [, after [, anchor]]) -> epoch | nil (no further run) | nil, message, code
 * The first run strictly after `after` (default: the real clock). Meant for the canonical text of
 * schedule_rule: a spent one-shot gives plain nil. An `every` rule needs its stored anchor; without one it
 * counts from `after`. */
int lua_schedule_next(lua_State *L)
{
    schedule_rule rule;
    const tz_zone *zone;
    int64_t after;
    char err[640];
    int rc = parse_args(L, &rule, &zone, &after, err, sizeof err);
    if (rc < 0) return 3;
    if (rc == SCHEDULE_ERR_PAST) {   /* a one-shot at or before `after`: nothing left to run */
        lua_pushnil(L);
        return 1;
    }
    if (rc != SCHEDULE_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        lua_pushstring(L, schedule_error_name((schedule_error)rc));
        return 3;
    }
    int64_t next = schedule_rule_next(&rule, zone, after);
    if (next < 0) lua_pushnil(L);
    else lua_pushinteger(L, (lua_Integer)next);
    return 1;
}
