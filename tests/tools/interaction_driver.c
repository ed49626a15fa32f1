/* Test driver for the interaction path: loads the scripts in argv[1], answers through Discord REST at
 * argv[2] (a fake in the test), and feeds each stdin line (an INTERACTION_CREATE `d` object) to the host.
 * At end of input it waits for every task to finish, then prints the host's counters as one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "discord_rest.h"
#include "http.h"
#include "log.h"
#include "lua_host.h"
#include "store.h"

static lua_host *host;
static uv_pipe_t input;
static uv_timer_t drain_timer;
static char *line;
static size_t line_len, line_cap;

static void print_stats_and_stop(uv_timer_t *timer)
{
    lua_host_stats stats;
    lua_host_get_stats(host, &stats);
    if (stats.live_tasks > 0) return; /* check again on the next tick */
    printf("{\"tasks_started\":%llu,\"tasks_ok\":%llu,\"tasks_failed\":%llu,\"tasks_killed\":%llu,"
           "\"interactions\":%llu,\"guard_defers\":%llu}\n",
           (unsigned long long)stats.tasks_started, (unsigned long long)stats.tasks_ok,
           (unsigned long long)stats.tasks_failed, (unsigned long long)stats.tasks_killed,
           (unsigned long long)stats.interactions, (unsigned long long)stats.guard_defers);
    fflush(stdout);
    uv_timer_stop(timer);
    uv_stop(timer->loop);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    static char chunk[65536];
    (void)suggested;
    *buf = uv_buf_init(chunk, sizeof chunk);
}

static void on_input(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    if (n < 0) {
        uv_read_stop(stream);
        uv_timer_start(&drain_timer, print_stats_and_stop, 50, 50);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf->base[i] != '\n') {
            if (line_len + 1 >= line_cap) {
                line_cap = line_cap ? line_cap * 2 : 65536;
                line = realloc(line, line_cap);
                if (line == NULL) exit(1);
            }
            line[line_len++] = buf->base[i];
            continue;
        }
        char err[256];
        if (line_len > 0 && lua_host_interaction(host, line, line_len, err, sizeof err) != 0)
            printf("{\"rejected\":\"%s\"}\n", err);
        fflush(stdout);
        line_len = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: interaction_driver SCRIPTS_DIR API_BASE DATA_DIR\n");
        return 2;
    }
    log_set_level(getenv("DRIVER_DEBUG") ? LOG_DEBUG : LOG_INFO);
    uv_loop_t *loop = uv_default_loop();
    char err[1024];
    store *state = store_open(argv[3], err, sizeof err);
    http_client_options hopts = { .user_agent = "DiscordBot (https://example.invalid, 0) test" };
    http_client *http = http_client_create(loop, &hopts);
    discord_rest *rest = discord_rest_create(loop, http, argv[2], "driver-token-not-secret-0123456789", NULL);
    lua_host_options opts = { .scripts_dir = argv[1], .loop = loop, .http = http, .state = state, .rest = rest,
                              .instruction_budget = 20000000 };
    host = lua_host_create(&opts, err, sizeof err);
    if (host == NULL || lua_host_load(host, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uv_timer_init(loop, &drain_timer);
    uv_pipe_init(loop, &input, 0);
    uv_pipe_open(&input, 0);
    uv_read_start((uv_stream_t *)&input, on_alloc, on_input);
    printf("{\"ready\":true}\n");
    fflush(stdout);
    uv_run(loop, UV_RUN_DEFAULT);
    lua_host_destroy(host);
    http_client_destroy(http);
    discord_rest_destroy(rest);
    uv_close((uv_handle_t *)&input, NULL);
    uv_close((uv_handle_t *)&drain_timer, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    store_close(state);
    free(line);
    return 0;
}
