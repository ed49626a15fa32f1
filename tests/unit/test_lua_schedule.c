/* host.schedule_rule / host.schedule_next as scripts see them. The zone cache lives in the Lua state, so
 * closing the state must free it (the sanitizer build checks for leaks). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "lua_host_internal.h"
#include "lua_zone_cache.h"

static lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "schedule_rule", lua_schedule_rule);
    lua_register(L, "schedule_next", lua_schedule_next);
    return L;
}

static void run(lua_State *L, const char *chunk)
{
    int rc = luaL_dostring(L, chunk);
    if (rc != LUA_OK) fprintf(stderr, "  lua: %s\n", lua_tostring(L, -1));
    CHECK_INT(rc, LUA_OK);
    lua_settop(L, 0);
}

static void test_schedule_rule(void)
{
    lua_State *L = new_state();
    run(L, "local now = 1735066800 -- 2024-12-24 20:00 CET, a Tuesday\n"
           "local r = schedule_rule('Daily 4:00', 'Europe/Berlin', now)\n"
           "assert(r.kind == 'daily' and r.text == 'daily 04:00' and r.description == 'every day at 04:00')\n"
           "assert(r.next == 1735095600 and math.type(r.next) == 'integer' and r.anchor == nil)\n"
           "r = schedule_rule('mo,do 18:00', 'Europe/Berlin', now)\n"
           "assert(r.kind == 'weekly' and r.text == 'mon,thu 18:00' and r.description == 'Mon, Thu at 18:00')\n"
           "assert(r.next == 1735232400)\n"
           "r = schedule_rule('weekdays 23:30', 'Europe/Berlin', now)\n"
           "assert(r.kind == 'weekly' and r.text == 'weekdays 23:30' and r.description == 'Mon-Fri at 23:30')\n"
           "r = schedule_rule('every 6h', 'Europe/Berlin', now, now - 1000)\n"
           "assert(r.kind == 'every' and r.text == 'every 6h' and r.description == 'every 6 hours')\n"
           "assert(r.next == now - 1000 + 21600 and r.interval == 21600 and r.anchor == now - 1000)\n"
           "r = schedule_rule('every 30m', 'UTC', now)\n"
           "assert(r.anchor == now and r.next == now + 1800)\n"
           "r = schedule_rule('0 */6 * * *', 'Europe/Berlin', now)\n"
           "assert(r.kind == 'cron' and r.text == '0 */6 * * *' and r.description == 'cron 0 */6 * * *')\n"
           "assert(r.next == 1735081200)\n"
           "r = schedule_rule('15m', 'Europe/Berlin', now)\n"
           "assert(r.kind == 'once' and r.text == 'once 2024-12-24T19:15:00Z' and r.next == now + 900)\n"
           "assert(r.description == 'once at 2024-12-24 20:15 CET', r.description)\n"
           "r = schedule_rule('2025-12-24.18:00', 'Europe/Berlin', 1748772000)\n"
           "assert(r.description == 'once at 2025-12-24 18:00 CET' and r.next == 1766595600)\n"
           "-- refusals: nil, message (with the accepted forms), code\n"
           "local function refused(text, code, zone)\n"
           "  local ok, msg, c = schedule_rule(text, zone or 'Europe/Berlin', now)\n"
           "  assert(ok == nil and c == code, text .. ': ' .. tostring(c) .. ' ' .. tostring(msg))\n"
           "  if code ~= 'zone' then\n"
           "    assert(msg:find('daily 04:00', 1, true) and msg:find('Europe/Berlin', 1, true))\n"
           "  end\n"
           "  return msg\n"
           "end\n"
           "refused('tonight', 'format')\n"
           "refused('', 'empty')\n"
           "refused(('x'):rep(100 * 1024), 'too_long')\n"
           "refused('daily 04:00\\0', 'format')\n"
           "refused('daily 04:00\\1', 'format')\n"
           "refused('every 1m', 'range')\n"
           "assert(refused('61 * * * *', 'range'):find('61 is out of range', 1, true))\n"
           "refused('0 0 30 2 *', 'never')\n"
           "assert(refused('2024-12-24.14:00', 'past'):find('in the past', 1, true))\n"
           "local ok, msg, code = schedule_rule('daily 04:00', 'Mars/Base', now)\n"
           "assert(ok == nil and code == 'zone' and msg:find('Mars/Base', 1, true))\n"
           "ok, msg, code = schedule_rule('daily 04:00', 'UTC\\0x', now)\n"
           "assert(ok == nil and code == 'zone')\n"
           "-- without now: the real clock\n"
           "r = schedule_rule('every 1d', 'UTC')\n"
           "assert(math.abs(r.next - 86400 - os.time()) < 5)\n"
           "-- programming errors raise\n"
           "assert(not pcall(schedule_rule, nil, 'UTC', now))\n"
           "assert(not pcall(schedule_rule, 'daily 04:00'))\n"
           "assert(not pcall(schedule_rule, 'daily 04:00', 'UTC', 1.5))\n"
           "assert(not pcall(schedule_rule, 'daily 04:00', 'UTC', math.maxinteger))\n"
           "assert(not pcall(schedule_rule, 'every 6h', 'UTC', now, math.mininteger))\n");
    lua_close(L);
}

static void test_schedule_next(void)
{
    lua_State *L = new_state();
    run(L, "local now = 1735066800\n"
           "-- the canonical text re-parses; next is strictly after `after`\n"
           "assert(schedule_next('daily 04:00', 'Europe/Berlin', now) == 1735095600)\n"
           "assert(schedule_next('daily 04:00', 'Europe/Berlin', 1735095600) == 1735182000)\n"
           "assert(schedule_next('weekdays 23:30', 'Europe/Berlin', 1735339500) == 1735597800)\n"
           "-- DST: 02:30 on the spring-forward day runs at 03:30 CEST; on fall-back once\n"
           "assert(schedule_next('daily 02:30', 'Europe/Berlin', 1711796400) == 1711848600)\n"
           "assert(schedule_next('daily 02:30', 'Europe/Berlin', 1729989000) == 1730079000)\n"
           "-- every: the stored anchor keeps the runs in place; without it, counted from `after`\n"
           "local anchor = now - 1000\n"
           "assert(schedule_next('every 6h', 'UTC', now, anchor) == anchor + 21600)\n"
           "assert(schedule_next('every 6h', 'UTC', anchor + 5 * 21600, anchor) == anchor + 6 * 21600)\n"
           "assert(schedule_next('every 6h', 'UTC', now) == now + 21600)\n"
           "-- a one-shot: its time while ahead, then plain nil (spent)\n"
           "local r = schedule_rule('15m', 'Europe/Berlin', now)\n"
           "assert(schedule_next(r.text, 'Europe/Berlin', now) == now + 900)\n"
           "local spent = table.pack(schedule_next(r.text, 'Europe/Berlin', now + 900))\n"
           "assert(spent.n == 1 and spent[1] == nil)\n"
           "-- leap day far ahead\n"
           "assert(schedule_next('0 12 29 2 *', 'Europe/Berlin', 1735686000) == 1835434800)\n"
           "-- bad text or zone: nil, message, code\n"
           "local ok, msg, code = schedule_next('nonsense', 'UTC', now)\n"
           "assert(ok == nil and code == 'format' and msg:find('every 6h', 1, true))\n"
           "ok, msg, code = schedule_next('daily 04:00', 'Nowhere/Land', now)\n"
           "assert(ok == nil and code == 'zone')\n"
           "assert(math.abs(schedule_next('every 1h', 'UTC') - 3600 - os.time()) < 5)\n"
           "assert(not pcall(schedule_next, 'daily 04:00', 'UTC', 'soon'))\n");
    /* Many zones through the cache: it starts over past its size and nothing leaks. */
    run(L, "for _, z in ipairs({ 'UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata',\n"
           "  'Europe/Paris', 'Europe/Rome', 'Europe/Madrid', 'Europe/Oslo', 'Europe/Vienna', 'Europe/Prague',\n"
           "  'Europe/Warsaw', 'Europe/Lisbon', 'Europe/London', 'Europe/Dublin', 'Europe/Athens',\n"
           "  'Europe/Helsinki', 'Europe/Kyiv', 'Europe/Riga', 'Europe/Sofia', 'Europe/Zurich', 'America/Chicago',\n"
           "  'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'America/Toronto',\n"
           "  'America/Sao_Paulo', 'America/Santiago', 'America/Nuuk', 'Asia/Tokyo', 'Asia/Seoul',\n"
           "  'Asia/Shanghai', 'Asia/Jerusalem', 'Asia/Dubai', 'Asia/Kathmandu', 'Australia/Sydney',\n"
           "  'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham' }) do\n"
           "  for i = 1, 2 do assert(schedule_next('daily 04:00', z, 1735066800), z) end\n"
           "end\n");
    lua_close(L);
}

static void test_zone_cache_c(void)
{
    lua_State *L = luaL_newstate();
    const tz_zone *a = lua_zone_cache_get(L, "Europe/Berlin", 13);
    CHECK(a != NULL);
    CHECK_INT(lua_gettop(L), 0);
    CHECK(lua_zone_cache_get(L, "Europe/Berlin", 13) == a);   /* cached */
    CHECK(lua_zone_cache_get(L, "Nowhere/Land", 12) == NULL);
    CHECK_INT(lua_gettop(L), 1);
    CHECK(strstr(lua_tostring(L, -1), "Nowhere/Land") != NULL);
    lua_settop(L, 0);
    CHECK(lua_zone_cache_get(L, "UTC\0x", 5) == NULL);
    lua_close(L);
}

/* Registered in the host table every script environment gets. */
static void test_host_table_has_schedule_functions(void)
{
    char root[] = "/tmp/peon-lua-schedule-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = root };
    lua_host *host = lua_host_create(&opts, err, sizeof err);
    CHECK(host != NULL);
    if (host == NULL) {
        fprintf(stderr, "  %s\n", err);
        rmdir(root);
        return;
    }
    lua_State *L = host->L;
    lua_getfield(L, LUA_REGISTRYINDEX, HOST_API_KEY);
    CHECK_INT(lua_getfield(L, -1, "schedule_rule"), LUA_TFUNCTION);
    lua_pushliteral(L, "mon,thu 18:00");
    lua_pushliteral(L, "Europe/Berlin");
    lua_pushinteger(L, 1735066800);
    CHECK_INT(lua_pcall(L, 3, 1, 0), LUA_OK);
    CHECK_INT(lua_getfield(L, -1, "next"), LUA_TNUMBER);
    CHECK_INT(lua_tointeger(L, -1), 1735232400);
    lua_pop(L, 2);
    CHECK_INT(lua_getfield(L, -1, "schedule_next"), LUA_TFUNCTION);
    lua_pop(L, 2);
    lua_host_destroy(host);
    rmdir(root);
}

int main(void)
{
    RUN_TEST(test_schedule_rule);
    RUN_TEST(test_schedule_next);
    RUN_TEST(test_zone_cache_c);
    RUN_TEST(test_host_table_has_schedule_functions);
    return CHECK_DONE();
}
