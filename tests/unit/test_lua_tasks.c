/* Tasks on a real libuv loop: async calls that read synchronously, yields through script coroutines,
 * the instruction budget, errors with tracebacks, and refusal of I/O while scripts load. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "log.h"
#include "lua_host.h"
#include "store.h"

static char root[128];
static uv_loop_t *loop;
static store *state;
static http_client *http;

typedef struct outcome {
    int calls;
    bool ok;
    char error[4096];
} outcome;

static void on_done(int64_t id, bool ok, const char *error, void *user)
{
    (void)id;
    outcome *o = user;
    o->calls++;
    o->ok = ok;
    snprintf(o->error, sizeof o->error, "%s", error ? error : "");
}

static void write_file(const char *relative, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    FILE *f = fopen(path, "w");
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

static const char tasks_module[] =
    "local M = {}\n"
    "function M.simple(arg) store.set('t', 'simple', 'got ' .. arg) end\n"
    "function M.sleeper()\n"
    "  sleep(0.05)\n"
    "  store.set('t', 'sleeper', 'woke')\n"
    "end\n"
    "function M.refused(url)\n"
    "  local res, err, kind = http.request({ url = url, timeout = 2 })\n"
    "  store.set('t', 'refused', tostring(res) .. '|' .. kind .. '|' .. err)\n"
    "end\n"
    "function M.nested()\n"
    "  local gen = coroutine.wrap(function()\n"
    "    for i = 1, 3 do sleep(0.01); coroutine.yield(i) end\n"
    "  end)\n"
    "  store.set('t', 'nested', gen() .. gen() .. gen())\n"
    "end\n"
    "function M.bad_yield() coroutine.yield(1) end\n"
    "function M.runaway() while true do end end\n"
    "function M.stubborn()\n"
    "  while true do pcall(function() while true do end end) end\n"
    "end\n"
    "function M.boom() local x = nil; return x.field end\n"
    "function M.bad_sleep() sleep(-1) end\n"
    "function M.parallel(name) sleep(0.1); store.set('t', name, 'done') end\n"
    "return M\n";

static lua_host *new_host(uint64_t budget)
{
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = root, .loop = loop, .state = state, .http = http,
                              .instruction_budget = budget };
    lua_host *host = lua_host_create(&opts, err, sizeof err);
    if (host == NULL) fprintf(stderr, "  %s\n", err);
    CHECK(host != NULL);
    CHECK_INT(lua_host_load(host, err, sizeof err), 0);
    return host;
}

static void run(lua_host *host, const char *fn, const char *arg, outcome *o)
{
    char err[256] = "";
    memset(o, 0, sizeof *o);
    int64_t id = lua_host_spawn(host, "tasks", fn, arg, strlen(arg), on_done, o, err, sizeof err);
    if (id <= 0) fprintf(stderr, "  spawn %s: %s\n", fn, err);
    CHECK(id > 0);
    while (o->calls == 0 && uv_run(loop, UV_RUN_ONCE) != 0) {
    }
    CHECK_INT(o->calls, 1);
}

static void expect_value(const char *key, const char *want)
{
    char *got = store_kv_get(state, "t", key);
    CHECK_STR(got, want);
    free(got);
}

static void test_simple_and_sleep(void)
{
    lua_host *host = new_host(0);
    outcome o;
    run(host, "simple", "hello", &o);
    CHECK(o.ok);
    expect_value("simple", "got hello");
    uint64_t start = uv_now(loop);
    run(host, "sleeper", "", &o);
    CHECK(o.ok);
    CHECK(uv_now(loop) - start >= 45);
    expect_value("sleeper", "woke");
    lua_host_destroy(host);
}

static void test_http_error_is_a_value(void)
{
    lua_host *host = new_host(0);
    outcome o;
    run(host, "refused", "http://127.0.0.1:9/nothing", &o);
    CHECK(o.ok);
    char *got = store_kv_get(state, "t", "refused");
    CHECK(got != NULL && strncmp(got, "nil|refused|GET 127.0.0.1:9/nothing: connection refused", 55) == 0);
    free(got);
    lua_host_destroy(host);
}

static void test_host_yields_pass_through_script_coroutines(void)
{
    lua_host *host = new_host(0);
    outcome o;
    run(host, "nested", "", &o);
    if (!o.ok) fprintf(stderr, "  %s\n", o.error);
    CHECK(o.ok);
    expect_value("nested", "123");
    lua_host_destroy(host);
}

static void test_errors_carry_traceback(void)
{
    lua_host *host = new_host(0);
    outcome o;
    run(host, "boom", "", &o);
    CHECK(!o.ok);
    if (strstr(o.error, "tasks.lua:22:") == NULL) fprintf(stderr, "  got: %s\n", o.error);
    CHECK(strstr(o.error, "tasks.lua:22:") != NULL);
    CHECK(strstr(o.error, "stack traceback") != NULL);
    run(host, "bad_yield", "", &o);
    CHECK(!o.ok);
    CHECK(strstr(o.error, "coroutine.yield was called outside") != NULL);
    run(host, "bad_sleep", "", &o);
    CHECK(!o.ok);
    CHECK(strstr(o.error, "sleep: seconds must be between") != NULL);
    lua_host_destroy(host);
}

static void test_budget_kills_runaways_even_under_pcall(void)
{
    lua_host *host = new_host(2000000);
    outcome o;
    run(host, "runaway", "", &o);
    if (strstr(o.error, "script stopped") == NULL) fprintf(stderr, "  got: %s\n", o.error);
    CHECK(!o.ok);
    CHECK(strstr(o.error, "script stopped") != NULL);
    run(host, "stubborn", "", &o);
    CHECK(!o.ok);
    CHECK(strstr(o.error, "script stopped") != NULL);
    run(host, "simple", "after", &o); /* the host keeps working */
    CHECK(o.ok);
    lua_host_stats stats;
    lua_host_get_stats(host, &stats);
    CHECK_INT(stats.tasks_killed, 2);
    CHECK_INT(stats.live_tasks, 0);
    lua_host_destroy(host);
}

static void test_tasks_interleave(void)
{
    lua_host *host = new_host(0);
    outcome outcomes[20];
    char err[128];
    uint64_t start = uv_now(loop);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        memset(&outcomes[i], 0, sizeof outcomes[i]);
        CHECK(lua_host_spawn(host, "tasks", "parallel", name, strlen(name), on_done, &outcomes[i], err, sizeof err) > 0);
    }
    int finished = 0;
    while (finished < 20 && uv_run(loop, UV_RUN_ONCE) != 0) {
        finished = 0;
        for (int i = 0; i < 20; i++) finished += outcomes[i].calls;
    }
    CHECK_INT(finished, 20);
    CHECK(uv_now(loop) - start < 1000); /* 20 sleeps of 100 ms ran side by side, not one after another */
    expect_value("p19", "done");
    lua_host_destroy(host);
}

static void test_io_refused_while_loading(void)
{
    write_file("commands/eager.lua", "sleep(1)\nreturn { name = 'eager', description = 'x' }\n");
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = root, .loop = loop, .state = state };
    lua_host *host = lua_host_create(&opts, err, sizeof err);
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    if (strstr(err, "eager.lua:1:") == NULL) fprintf(stderr, "  got: %s\n", err);
    CHECK(strstr(err, "eager.lua:1:") != NULL && strstr(err, "only be used inside a handler") != NULL);
    lua_host_destroy(host);
    char path[512];
    snprintf(path, sizeof path, "%s/commands/eager.lua", root);
    unlink(path);
}

static void test_shutdown_with_tasks_in_flight(void)
{
    lua_host *host = new_host(0);
    outcome sleeping, fetching;
    memset(&sleeping, 0, sizeof sleeping);
    memset(&fetching, 0, sizeof fetching);
    char err[128], url[64];
    /* A loopback listener that never accepts: the request connects and then waits forever. */
    int silent = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t addr_len = sizeof addr;
    CHECK(bind(silent, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(silent, 4) == 0);
    getsockname(silent, (struct sockaddr *)&addr, &addr_len);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(addr.sin_port));
    CHECK(lua_host_spawn(host, "tasks", "parallel", "late", 4, on_done, &sleeping, err, sizeof err) > 0);
    CHECK(lua_host_spawn(host, "tasks", "refused", url, strlen(url), on_done, &fetching, err, sizeof err) > 0);
    uv_run(loop, UV_RUN_NOWAIT); /* both start and wait */
    lua_host_destroy(host);
    CHECK_INT(sleeping.calls, 1);
    CHECK(!sleeping.ok && strstr(sleeping.error, "shutting down") != NULL);
    CHECK_INT(fetching.calls, 1);
    char *late = store_kv_get(state, "t", "late");
    CHECK(late == NULL); /* the abandoned task never ran on */
    free(late);
    close(silent);
}

static bool guard_fired;
static void on_guard(uv_timer_t *timer) { (void)timer; guard_fired = true; }

/* Runs the loop until store key t/key holds `want`, or max_ms passed. */
static bool wait_for_value(const char *key, const char *want, uint64_t max_ms)
{
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    guard_fired = false;
    uv_timer_start(&guard, on_guard, max_ms, 0);
    bool seen = false;
    for (;;) {
        char *got = store_kv_get(state, "t", key);
        seen = got != NULL && strcmp(got, want) == 0;
        free(got);
        if (seen || guard_fired) break;
        uv_run(loop, UV_RUN_ONCE);
    }
    uv_timer_stop(&guard);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return seen;
}

/* A reload ends the retired generation's peon.every loop at once, not at its next turn a minute later, and
 * the new generation's loop runs: one loop alive at a time. */
static void test_every_loop_ends_at_reload(void)
{
    write_file("commands/ticker.lua",
               "local function bump(key)\n"
               "  store.set('t', key, tostring(tonumber(store.get('t', key) or '0') + 1))\n"
               "end\n"
               "return { name = 'ticker', description = 'x', events = { LOAD = function()\n"
               "  peon.every(60, function() bump('ticks') end)\n"
               "  bump('ended')\n"
               "end } }\n");
    store_kv_delete(state, "t", "ticks");
    store_kv_delete(state, "t", "ended");
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = root, .loop = loop, .state = state, .http = http };
    lua_host *host = lua_host_create(&opts, err, sizeof err);
    CHECK(host != NULL);
    CHECK_INT(lua_host_load(host, err, sizeof err), 1);
    CHECK(wait_for_value("ticks", "1", 5000));
    for (int i = 1; i <= 2; i++) {
        CHECK_INT(lua_host_load(host, err, sizeof err), 1);
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        CHECK(wait_for_value("ended", want, 5000)); /* without waking it: 60 s */
        snprintf(want, sizeof want, "%d", i + 1);
        CHECK(wait_for_value("ticks", want, 5000)); /* the new generation's loop took over */
    }
    /* A burst: the generations retired before their LOAD ran never start a loop; one loop is left. */
    for (int i = 0; i < 3; i++) CHECK_INT(lua_host_load(host, err, sizeof err), 1);
    CHECK(wait_for_value("ended", "3", 5000));
    CHECK(wait_for_value("ticks", "4", 5000));
    CHECK(!wait_for_value("ticks", "5", 300));
    lua_host_destroy(host);
    char path[512];
    snprintf(path, sizeof path, "%s/commands/ticker.lua", root);
    unlink(path);
}

static void test_unknown_entry(void)
{
    lua_host *host = new_host(0);
    char err[256] = "";
    CHECK(lua_host_spawn(host, "tasks", "nope", "", 0, on_done, NULL, err, sizeof err) < 0);
    CHECK(strstr(err, "no function 'nope'") != NULL);
    lua_host_destroy(host);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    snprintf(root, sizeof root, "/tmp/peon-tasks-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/commands", root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/lib", root);
    mkdir(dir, 0700);
    write_file("lib/tasks.lua", tasks_module);
    loop = uv_default_loop();
    char err[256];
    snprintf(dir, sizeof dir, "%s/data", root);
    state = store_open(dir, err, sizeof err);
    http_client_options hopts = { .user_agent = "test" };
    http = http_client_create(loop, &hopts);
    RUN_TEST(test_simple_and_sleep);
    RUN_TEST(test_http_error_is_a_value);
    RUN_TEST(test_host_yields_pass_through_script_coroutines);
    RUN_TEST(test_errors_carry_traceback);
    RUN_TEST(test_budget_kills_runaways_even_under_pcall);
    RUN_TEST(test_tasks_interleave);
    RUN_TEST(test_io_refused_while_loading);
    RUN_TEST(test_unknown_entry);
    RUN_TEST(test_every_loop_ends_at_reload);
    RUN_TEST(test_shutdown_with_tasks_in_flight);
    http_client_destroy(http);
    uv_run(loop, UV_RUN_DEFAULT);
    store_close(state);
    uv_loop_close(loop);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
    return CHECK_DONE();
}
