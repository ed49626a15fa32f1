/* Time zones for host functions, cached per Lua state in the registry: each entry is a userdata whose __gc
 * frees the zone, so a zone file is read once and everything goes with lua_close (host destroy, reload).
 * The same scheme as lua_time.c's private cache, shared so other bindings need not copy it. */
#ifndef PEON_LUA_ZONE_CACHE_H
#define PEON_LUA_ZONE_CACHE_H

#include <lua.h>
#include <stddef.h>

#include "tz.h"

#define LUA_ZONE_CACHE_MAX 32   /* guild-chosen zones are few; past this the cache starts over */

/* The zone called `name` (`len` bytes, no NUL inside), or NULL with a one-line message pushed. On success
 * the stack is as it was. Valid until the cache starts over: use it before the next call. */
const tz_zone *lua_zone_cache_get(lua_State *L, const char *name, size_t len);

#endif
