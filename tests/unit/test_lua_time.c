/* host.parse_timer / host.format_time as scripts see them, and time_format in C. The zone cache lives in
 * the Lua state, so closing the state must free it (the sanitizer build checks for leaks). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "lua_host_internal.h"
#include "time_format.h"

static lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "parse_timer", lua_time_parse_timer);
    lua_register(L, "format_time", lua_time_format);
    return L;
}

/* Runs a chunk of asserts; a failure prints Lua's message. */
static void run(lua_State *L, const char *chunk)
{
    int rc = luaL_dostring(L, chunk);
    if (rc != LUA_OK) fprintf(stderr, "  lua: %s\n", lua_tostring(L, -1));
    CHECK_INT(rc, LUA_OK);
    lua_settop(L, 0);
}

static void test_parse_timer(void)
{
    lua_State *L = new_state();
    run(L, "local now = 1735066800 -- 2024-12-24 20:00 CET\n"
           "local t = parse_timer('22:30', 'Europe/Berlin', now)\n"
           "assert(t.epoch == 1735075800 and t.kind == 'clock' and t.tomorrow == false and t.shifted == false)\n"
           "assert(math.type(t.epoch) == 'integer' and t.seconds == nil)\n"
           "t = parse_timer('9:30', 'Europe/Berlin', now)\n"
           "assert(t.tomorrow == true and t.epoch == 1735115400)\n"
           "t = parse_timer(' 1H30M ', 'Europe/Berlin', now)\n"
           "assert(t.kind == 'relative' and t.seconds == 5400 and t.epoch == now + 5400)\n"
           "t = parse_timer(15, 'UTC', now)\n"
           "assert(t.kind == 'relative' and t.seconds == 900)\n"
           "t = parse_timer('2024/12/25.14h00', 'Europe/Berlin', now)\n"
           "assert(t.kind == 'dated' and t.epoch == 1735131600)\n"
           "t = parse_timer('2024-03-31.02:30', 'Europe/Berlin', 1711796400)\n"
           "assert(t.shifted == true and t.epoch == 1711848600)\n"
           "local ok, msg, code = parse_timer('2024-12-24.14:00', 'Europe/Berlin', now)\n"
           "assert(ok == nil and code == 'past' and msg:find('in the past', 1, true))\n"
           "ok, msg, code = parse_timer('tonight', 'Europe/Berlin', now)\n"
           "assert(ok == nil and code == 'format' and msg:find('22:30', 1, true))\n"
           "ok, msg, code = parse_timer(('1'):rep(100000), 'UTC', now)\n"
           "assert(ok == nil and code == 'too_long')\n"
           "ok, msg, code = parse_timer('15m\\0', 'UTC', now)\n"
           "assert(ok == nil and code == 'format')\n"
           "ok, msg, code = parse_timer('15m', 'Mars/Base', now)\n"
           "assert(ok == nil and code == 'zone' and msg:find('Mars/Base', 1, true))\n"
           "ok, msg, code = parse_timer('15m', 'Europe/Berlin\\0x', now)\n"
           "assert(ok == nil and code == 'zone')\n"
           "ok, msg = parse_timer('15m', '../../etc/passwd', now)\n"
           "assert(ok == nil and msg:find('not a time zone name', 1, true))\n"
           "-- without now: the real clock\n"
           "t = parse_timer('1d', 'UTC')\n"
           "assert(math.abs(t.epoch - 86400 - os.time()) < 5)\n"
           "-- programming errors raise\n"
           "assert(not pcall(parse_timer, nil, 'UTC'))\n"
           "assert(not pcall(parse_timer, '15m'))\n"
           "assert(not pcall(parse_timer, '15m', 'UTC', 1.5))\n"
           "assert(not pcall(parse_timer, '15m', 'UTC', math.maxinteger))\n");
    /* Many zones through the cache: it starts over past its size and nothing leaks. */
    run(L, "local zones = { 'UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata' }\n"
           "for i = 1, 3 do for _, z in ipairs(zones) do assert(parse_timer('15m', z, 0)) end end\n"
           "for _, z in ipairs({ 'Europe/Paris', 'Europe/Rome', 'Europe/Madrid', 'Europe/Oslo', 'Europe/Vienna',\n"
           "  'Europe/Prague', 'Europe/Warsaw', 'Europe/Lisbon', 'Europe/London', 'Europe/Dublin', 'Europe/Athens',\n"
           "  'Europe/Helsinki', 'Europe/Kyiv', 'Europe/Riga', 'Europe/Sofia', 'Europe/Zurich', 'America/Chicago',\n"
           "  'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'America/Toronto',\n"
           "  'America/Sao_Paulo', 'America/Santiago', 'America/Nuuk', 'Asia/Tokyo', 'Asia/Seoul',\n"
           "  'Asia/Shanghai', 'Asia/Jerusalem', 'Asia/Dubai', 'Asia/Kathmandu', 'Australia/Sydney',\n"
           "  'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham' }) do\n"
           "  assert(format_time(0, z, 0), z)\n"
           "end\n");
    lua_close(L);
}

static void test_format_time(void)
{
    lua_State *L = new_state();
    run(L, "local now = 1735066800 -- 2024-12-24 20:00 CET\n"
           "local s, iso = format_time(1735075800, 'Europe/Berlin', now)\n"
           "assert(s == '22:30 CET' and iso == '2024-12-24 22:30 CET', s .. ' | ' .. iso)\n"
           "s, iso = format_time(1735131600, 'Europe/Berlin', now)\n"
           "assert(s == 'Wed 25 Dec 14:00 CET' and iso == '2024-12-25 14:00 CET', s)\n"
           "s = format_time(1735718400, 'Europe/Berlin', now)\n"
           "assert(s == 'Wed 1 Jan 2025 09:00 CET', s)\n"
           "s, iso = format_time(1711848600, 'Europe/Berlin', 1711848000)\n"
           "assert(s == '03:30 CEST' and iso == '2024-03-31 03:30 CEST', s)\n"
           "s = format_time(1735750800, 'Asia/Kolkata', 1735689600)\n"
           "assert(s == '22:30 IST', s)\n"
           "s = format_time(1728143100, 'Australia/Lord_Howe', 1728143100)\n"
           "assert(s == '02:45 +11', s)\n"
           "s, iso = format_time(4118119200, 'Europe/Berlin', 4118119200)\n"
           "assert(iso == '2100-07-01 12:00 CEST', iso)\n"
           "s, iso = format_time(1835434800, 'UTC', 1835434800)\n"
           "assert(iso == '2028-02-29 11:00 UTC', iso)\n"
           "local ok, msg = format_time(0, 'Nowhere/Land', 0)\n"
           "assert(ok == nil and msg:find('Nowhere/Land', 1, true))\n"
           "assert(not pcall(format_time, 2^62 // 1, 'UTC', 0))\n"
           "assert(not pcall(format_time, 'soon', 'UTC', 0))\n"
           "assert(format_time(os.time(), 'UTC'):match('^%d%d:%d%d UTC$'))\n");
    lua_close(L);
}

static void test_time_format_c(void)
{
    char err[256];
    tz_zone *z = tz_load("America/New_York", err, sizeof err);
    if (z == NULL) {
        fprintf(stderr, "FATAL: %s (is tzdata installed?)\n", err);
        exit(1);
    }
    char s[64], iso[64];
    /* The second 01:30 of the fall-back night is EST, the first EDT. */
    time_format(z, 1730611800, 1730611800, s, sizeof s, iso, sizeof iso);
    CHECK_STR(s, "01:30 EDT");
    time_format(z, 1730615400, 1730611800, s, sizeof s, iso, sizeof iso);
    CHECK_STR(s, "01:30 EST");
    CHECK_STR(iso, "2024-11-03 01:30 EST");
    time_format(z, 1730615400, 1730615400 - 86400 * 2, s, sizeof s, NULL, 0);
    CHECK_STR(s, "Sun 3 Nov 01:30 EST");
    time_format(z, 1730615400, 1730615400, s, 6, NULL, 0);   /* truncated, still terminated */
    CHECK_STR(s, "01:30");
    tz_free(z);
}

/* Registered in the host table every script environment gets; the host's lua_close frees the cache. */
static void test_host_table_has_time_functions(void)
{
    char root[] = "/tmp/peon-lua-time-XXXXXX";
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
    CHECK_INT(lua_getfield(L, -1, "parse_timer"), LUA_TFUNCTION);
    lua_pushliteral(L, "22:30");
    lua_pushliteral(L, "Europe/Berlin");
    lua_pushinteger(L, 1735066800);
    CHECK_INT(lua_pcall(L, 3, 1, 0), LUA_OK);
    CHECK_INT(lua_getfield(L, -1, "epoch"), LUA_TNUMBER);
    CHECK_INT(lua_tointeger(L, -1), 1735075800);
    lua_pop(L, 2);
    CHECK_INT(lua_getfield(L, -1, "format_time"), LUA_TFUNCTION);
    lua_pop(L, 2);
    lua_host_destroy(host);
    rmdir(root);
}

int main(void)
{
    RUN_TEST(test_parse_timer);
    RUN_TEST(test_format_time);
    RUN_TEST(test_time_format_c);
    RUN_TEST(test_host_table_has_time_functions);
    return CHECK_DONE();
}
