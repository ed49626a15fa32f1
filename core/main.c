/* peon-bot: wires configuration, logging, the state store and the Lua host onto one libuv loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "command_sync.h"
#include "config.h"
#include "discord_rest.h"
#include "gateway.h"
#include "gateway_session.h"
#include "health_file.h"
#include "http.h"
#include "log.h"
#include "loop_watchdog.h"
#include "lua_host.h"
#include "script_watch.h"
#include "store.h"

typedef struct app {
    uv_loop_t *loop;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    peon_config cfg;
    store *state;
    http_client *http;
    discord_rest *rest;
    command_sync *sync;
    lua_host *lua;
    script_watch *watch;
    gateway *gw;
    ws_context *ws;
    loop_watchdog *watchdog;
    uv_timer_t stop_timer;
    bool stopping;
    int exit_status;
} app;

static const char *process_getenv(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

static void on_handle_closed(uv_handle_t *handle)
{
    (void)handle;
}

static void close_every_handle(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle)) uv_close(handle, on_handle_closed);
}

static void on_gateway_closed(void *user)
{
    app *a = user;
    uv_stop(a->loop);
}

static void on_stop_timeout(uv_timer_t *timer)
{
    app *a = timer->data;
    log_warn("core", "Discord did not confirm the close in time; stopping anyway");
    uv_stop(a->loop);
}

/* Shutdown starts by closing the gateway with 1000 (the bot shows offline at once); main() then closes the
 * rest once the close went through, or after a few seconds. */
static void begin_stop(app *a, int status)
{
    a->exit_status = status;
    if (a->stopping) return;
    a->stopping = true;
    if (a->gw == NULL) {
        uv_stop(a->loop);
        return;
    }
    uv_timer_init(a->loop, &a->stop_timer);
    a->stop_timer.data = a;
    uv_timer_start(&a->stop_timer, on_stop_timeout, 3000, 0);
    gateway_stop(a->gw, on_gateway_closed, a);
}

static void on_stop_signal(uv_signal_t *signal, int signum)
{
    app *a = signal->data;
    log_info("core", "received %s, shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
    begin_stop(a, 0);
}

static void on_gateway_fatal(int status, const char *message, void *user)
{
    (void)message; /* already logged by the gateway */
    begin_stop(user, status);
}

static int start_signals(app *a)
{
    uv_signal_t *handles[] = { &a->sigint, &a->sigterm };
    int signums[] = { SIGINT, SIGTERM };
    for (int i = 0; i < 2; i++) {
        uv_signal_init(a->loop, handles[i]);
        handles[i]->data = a;
        int rc = uv_signal_start(handles[i], on_stop_signal, signums[i]);
        if (rc != 0) {
            log_error("core", "cannot watch signal %d: %s", signums[i], uv_strerror(rc));
            return -1;
        }
    }
    return 0;
}

static void on_drain_timeout(uv_timer_t *timer)
{
    uv_walk(timer->loop, close_every_handle, NULL);
}

/* The layers' handles (libwebsockets' among them) finish closing only while the loop runs, and
 * libwebsockets frees its context only once all of them have closed. So the loop runs until it empties
 * by itself; an unreferenced guard timer force-closes whatever is left after two seconds. */
static void drain_loop(app *a)
{
    uv_timer_t guard;
    uv_handle_t *own[] = { (uv_handle_t *)&a->sigint, (uv_handle_t *)&a->sigterm,
                           (uv_handle_t *)&a->stop_timer };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i]->loop == a->loop && !uv_is_closing(own[i])) uv_close(own[i], on_handle_closed);
    uv_timer_init(a->loop, &guard);
    uv_timer_start(&guard, on_drain_timeout, 2000, 0);
    uv_unref((uv_handle_t *)&guard);
    uv_run(a->loop, UV_RUN_DEFAULT);
    if (!uv_is_closing((uv_handle_t *)&guard)) uv_close((uv_handle_t *)&guard, on_handle_closed);
    uv_walk(a->loop, close_every_handle, NULL);
    uv_run(a->loop, UV_RUN_DEFAULT);
}

/* Layers go down from the top: scripts first (their tasks end), then the HTTP requests they may have left
 * in flight, then whatever handles remain on the loop. */
static void shutdown_app(app *a)
{
    loop_watchdog_stop(a->watchdog);
    a->watchdog = NULL;
    lua_host_set_gateway(a->lua, NULL);
    ws_context_destroy(a->ws); /* reports every gateway connection closed while the gateway still exists */
    gateway_destroy(a->gw);
    a->gw = NULL;
    script_watch_stop(a->watch);
    a->watch = NULL;
    lua_host_destroy(a->lua);
    a->lua = NULL;
    command_sync_destroy(a->sync);
    a->sync = NULL;
    http_client_destroy(a->http); /* ends every request still in flight, with their callbacks */
    a->http = NULL;
    discord_rest_destroy(a->rest);
    a->rest = NULL;
    if (a->loop != NULL) {
        drain_loop(a);
        ws_context_release(a->ws);
        a->ws = NULL;
        uv_run(a->loop, UV_RUN_NOWAIT);
        uv_loop_close(a->loop);
    }
    store_close(a->state);
    config_free(&a->cfg);
    log_clear_secrets();
}

static int print_usage(void)
{
    printf("peon-bot %s: the PEON game-server Discord bot\n\n"
           "usage: peon-bot [--version | --help]\n\n"
           "Configuration comes from the environment and from a .env file in the working directory;\n"
           "see README.md (Configuration) for every variable.\n",
           PEON_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--version") == 0) {
            printf("peon-bot %s\n", PEON_VERSION);
            return 0;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return print_usage();
        fprintf(stderr, "peon-bot: unknown argument '%s' (try --help)\n", argv[1]);
        return PEON_EXIT_CONFIG;
    }

    app a = { .exit_status = 0 };
    srand((unsigned)uv_hrtime() ^ (unsigned)getpid()); /* retry jitter must differ between processes */
    char err[1024] = "";
    if (config_load(&a.cfg, ".env", process_getenv, NULL, err, sizeof err) != 0) {
        log_error("config", "%s", err);
        log_clear_secrets();
        return PEON_EXIT_CONFIG;
    }
    log_set_level(a.cfg.log_level);
    if (a.cfg.discord_token == NULL) {
        log_error("config", "%s", config_token_help);
        config_free(&a.cfg);
        return PEON_EXIT_CONFIG;
    }
    log_info("core", "peon-bot %s starting (log level %s, scripts %s, data %s)", PEON_VERSION,
             log_level_name(a.cfg.log_level), a.cfg.scripts_dir, a.cfg.data_dir);

    a.state = store_open(a.cfg.data_dir, err, sizeof err);
    if (a.state == NULL) {
        log_error("store", "%s", err);
        shutdown_app(&a);
        return 1;
    }
    log_info("store", "%s open (schema version %d)", store_path(a.state), store_schema_version(a.state));
    if (a.cfg.orchestrator_url != NULL) {
        /* PEON_ORCHESTRATOR_URL/LOCAL_API_KEY keep an orchestrator named "local" registered, as configured. */
        if (store_orc_put(a.state, "local", a.cfg.orchestrator_url, a.cfg.local_api_key, "env", err, sizeof err) != 0)
            log_warn("store", "cannot register the local orchestrator: %s", err);
        else
            log_info("store", "orchestrator \"local\" registered from PEON_ORCHESTRATOR_URL/LOCAL_API_KEY");
    }

    a.loop = uv_default_loop();
    char user_agent[128];
    snprintf(user_agent, sizeof user_agent, "DiscordBot (https://github.com/the-peon-project/peon-bot, %s) peon-bot",
             PEON_VERSION);
    http_client_options http_opts = { .user_agent = user_agent };
    a.http = http_client_create(a.loop, &http_opts);
    if (a.http == NULL) {
        log_error("http", "cannot start the HTTP client (libcurl)");
        shutdown_app(&a);
        return 1;
    }

    a.rest = discord_rest_create(a.loop, a.http, a.cfg.api_base, a.cfg.discord_token, NULL);
    a.sync = a.rest ? command_sync_create(a.rest, a.state, a.cfg.guild_id) : NULL;
    if (a.sync == NULL) {
        log_error("core", "out of memory");
        shutdown_app(&a);
        return 1;
    }

    lua_host_options lua_opts = { .scripts_dir = a.cfg.scripts_dir, .loop = a.loop, .http = a.http,
                                  .state = a.state, .rest = a.rest, .sync = a.sync, .config = &a.cfg };
    a.lua = lua_host_create(&lua_opts, err, sizeof err);
    if (a.lua == NULL) {
        log_error("lua", "%s", err);
        shutdown_app(&a);
        return PEON_EXIT_CONFIG;
    }
    int commands = lua_host_load(a.lua, err, sizeof err);
    if (commands < 0) {
        log_error("lua", "scripts not loaded: %s", err);
        shutdown_app(&a);
        return 1;
    }
    log_info("lua", "loaded %d command scripts (%zu KiB in use)", commands, lua_host_memory_in_use(a.lua) / 1024);
    const char *hash;
    const char *json = lua_host_commands_json(a.lua, &hash);
    command_sync_run(a.sync, json, hash, NULL, NULL);
    if (a.cfg.watch) {
        a.watch = script_watch_start(a.loop, a.cfg.scripts_dir, a.lua, err, sizeof err);
        if (a.watch == NULL) log_warn("lua", "PEON_WATCH is on but %s", err);
    }

    if (start_signals(&a) != 0) {
        shutdown_app(&a);
        return 1;
    }
    int intents = GWS_INTENT_GUILDS;
    if (a.cfg.legacy_commands) intents |= GWS_INTENT_GUILD_MESSAGES | GWS_INTENT_MESSAGE_CONTENT;
    gateway_options gw_opts = { .loop = a.loop, .rest = a.rest, .lua = a.lua, .sync = a.sync,
                                .token = a.cfg.discord_token, .intents = intents, .shards = a.cfg.shards,
                                .on_fatal = on_gateway_fatal, .user = &a };
    a.ws = ws_context_create(a.loop, err, sizeof err);
    gw_opts.ws = a.ws;
    a.gw = a.ws ? gateway_start(&gw_opts, err, sizeof err) : NULL;
    if (a.gw == NULL) {
        log_error("gateway", "%s", err);
        shutdown_app(&a);
        return 1;
    }
    lua_host_set_gateway(a.lua, a.gw);
    a.watchdog = loop_watchdog_start(a.loop, 1000);
    health_file_start(a.loop, a.cfg.data_dir); /* PEON_DATA_DIR/health: the Docker HEALTHCHECK reads it */
    log_info("core", "running (SIGINT or SIGTERM stops)");
    uv_run(a.loop, UV_RUN_DEFAULT);

    int status = a.exit_status;
    shutdown_app(&a);
    log_info("core", "stopped");
    return status;
}
