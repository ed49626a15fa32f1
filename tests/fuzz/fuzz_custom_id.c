/* libFuzzer target: the custom_id codec (ui.id in scripts/lib/ui.lua; split_custom_id, bind and unbind in
 * core/lua/dispatch.lua) through a real Lua host and the same entry the gateway uses for a component press:
 * lua_host_interaction with an INTERACTION_CREATE payload. The host has one view, fz (tests/fuzz/lua/ui/fz.lua),
 * whose echo action records what it was given, and a check module (tests/fuzz/lua/lib/fuzzcheck.lua) run
 * as tasks in between. There is no Discord: the host's rest pointer is NULL, so answers fail cleanly.
 *
 * Input: byte 0 picks the mode (mod 3), the rest is its data:
 *   0: a raw custom_id, pressed by user 42;
 *   1: a flags byte, then view, action and arguments separated by NUL bytes: ui.id's refusals are checked,
 *      and fz:echo with those arguments (bound to user 42 by flag 1, expired by flag 2, pressed by user 43
 *      with flag 4) is pressed through lua_host_interaction;
 *   2: "USER EXPIRES": dispatch.bind/unbind round trip and refusals.
 *
 * Invariants checked, beyond ASan/UBSan (see fuzzcheck.lua): a custom_id whose view and action decode to
 * fz and echo reaches fz:echo (unless it is bound), with one argument per ':'-separated piece, each piece
 * percent-decoded, and ctx.args equal to the handler's arguments; nothing else reaches it; the arguments
 * ui.id encodes come back exactly (decode(encode(x)) == x) whatever bytes they hold; a confirmation runs
 * only for its user and before its expiry, with ctx.confirmation set; ui.id refuses only with one of its
 * documented reasons and never builds an id over 100 bytes; unbind(bind(...)) gives back the user id,
 * expiry and custom_id; every interaction task ends, and the Lua heap stays bounded. */
#include <lauxlib.h>
#include <lua.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "fuzz_util.h"
#include "log.h"
#include "lua_host.h"
#include "lua_host_internal.h"

static uv_loop_t loop;
static lua_host *host;
static bool task_done, task_ok;
static char task_error[4096];

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (in == NULL || out == NULL) {
        fprintf(stderr, "fuzz_custom_id: cannot copy %s to %s\n", from, to);
        abort();
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) abort();
    fclose(in);
    fclose(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_ERROR);
    /* A scripts directory of our own: no commands, the fz view, the real ui.lua and the check module. */
    static char dir[64] = "/tmp/peon-fuzz-lua-XXXXXX";
    if (mkdtemp(dir) == NULL) abort();
    char path[256], to[256];
    const char *subdirs[] = { "commands", "ui", "lib" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
        if (mkdir(path, 0700) != 0) abort();
    }
    snprintf(to, sizeof to, "%s/lib/ui.lua", dir);
    copy_file(PEON_SOURCE_DIR "/scripts/lib/ui.lua", to);
    snprintf(to, sizeof to, "%s/lib/fuzzcheck.lua", dir);
    copy_file(PEON_SOURCE_DIR "/tests/fuzz/lua/lib/fuzzcheck.lua", to);
    snprintf(to, sizeof to, "%s/ui/fz.lua", dir);
    copy_file(PEON_SOURCE_DIR "/tests/fuzz/lua/ui/fz.lua", to);

    if (uv_loop_init(&loop) != 0) abort();
    char err[1024];
    lua_host_options opts = { .scripts_dir = dir, .loop = &loop, .instruction_budget = 20000000 };
    host = lua_host_create(&opts, err, sizeof err);
    if (host == NULL || lua_host_load(host, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_custom_id: the Lua host did not start: %s\n", host ? err : err);
        abort();
    }
    return 0;
}

/* Runs the loop until no task is alive and every interaction record is gone. */
static void run_until_idle(void)
{
    for (int i = 0; i < 100000; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        lua_host_stats st;
        lua_host_get_stats(host, &st);
        if (st.live_tasks == 0 && host->interactions == NULL) return;
    }
    FUZZ_CHECK(false, "tasks still running after 100000 loop iterations");
}

static void on_task_done(int64_t id, bool ok, const char *error, void *user)
{
    (void)id;
    (void)user;
    task_done = true;
    task_ok = ok;
    snprintf(task_error, sizeof task_error, "%s", ok ? "" : error);
}

/* Runs fuzzcheck.<function>(arg) as a task; its error is an invariant violation. */
static void check_task(const char *function, const char *arg, size_t len)
{
    char err[512];
    task_done = false;
    int64_t id = lua_host_spawn(host, "fuzzcheck", function, arg, len, on_task_done, NULL, err, sizeof err);
    FUZZ_CHECK(id > 0, "spawn fuzzcheck.%s: %s", function, err);
    run_until_idle();
    FUZZ_CHECK(task_done && task_ok, "fuzzcheck.%s: %s", function, task_error);
}

/* Presses a component with this custom_id as user `user`, through the gateway's entry point. */
static void press(const char *custom_id, size_t len, const char *user)
{
    size_t cap = len * 6 + 512;
    char *json = malloc(cap);
    if (json == NULL) abort();
    uv_timeval64_t tv;
    uv_gettimeofday(&tv);
    uint64_t unix_ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    unsigned long long snowflake = (unsigned long long)(unix_ms - 1420070400000ull) << 22;
    size_t n = (size_t)snprintf(json, cap,
                                "{\"id\":\"%llu\",\"application_id\":\"1\",\"token\":\"fuzz-token\",\"type\":3,"
                                "\"channel_id\":\"5\",\"locale\":\"en-US\",\"user\":{\"id\":\"%s\"},"
                                "\"data\":{\"component_type\":2,\"custom_id\":\"",
                                snowflake, user);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)custom_id[i];
        if (c == '"' || c == '\\') n += (size_t)snprintf(json + n, cap - n, "\\%c", c);
        else if (c < 0x20) n += (size_t)snprintf(json + n, cap - n, "\\u%04x", c);
        else json[n++] = (char)c;
    }
    n += (size_t)snprintf(json + n, cap - n, "\"}}");
    char err[512];
    int rc = lua_host_interaction(host, json, n, err, sizeof err);
    FUZZ_CHECK(rc == 0, "lua_host_interaction refused %s: %s", json, err);
    free(json);
    run_until_idle();
}

/* fuzzcheck.pending (a custom_id to press and by whom), read from the module the generation keeps. */
static bool take_pending(char **id, size_t *len, char *user, size_t user_cap)
{
    lua_State *L = host->L;
    int top = lua_gettop(L);
    bool found = false;
    lua_getfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
    if (lua_getfield(L, -1, "modules") == LUA_TTABLE && lua_getfield(L, -1, "fuzzcheck") == LUA_TTABLE &&
        lua_getfield(L, -1, "pending") == LUA_TTABLE) {
        lua_getfield(L, -1, "id");
        lua_getfield(L, -2, "user");
        const char *s = lua_tolstring(L, -2, len), *u = lua_tostring(L, -1);
        if (s != NULL && u != NULL) {
            *id = malloc(*len + 1);
            if (*id == NULL) abort();
            memcpy(*id, s, *len + 1);
            snprintf(user, user_cap, "%s", u);
            found = true;
        }
    }
    lua_settop(L, top);
    return found;
}

static void press_pending(void)
{
    char *id;
    size_t len;
    char user[32];
    if (!take_pending(&id, &len, user, sizeof user)) return;
    press(id, len, user);
    free(id);
    check_task("check_pending", "", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *rest = (const char *)data + 1;
    size_t len = size - 1;
    check_task("reset", "", 0);
    switch (data[0] % 3) {
    case 0:
        if (len > 4000) return 0;
        press(rest, len, "42");
        check_task("check_raw", rest, len);
        press_pending();
        break;
    case 1:
        check_task("roundtrip", rest, len);
        press_pending();
        break;
    default:
        check_task("bindtrip", rest, len);
        break;
    }
    FUZZ_CHECK(lua_host_memory_in_use(host) < 32u * 1024 * 1024, "the Lua heap holds %zu bytes",
               lua_host_memory_in_use(host));
    return 0;
}
