/* The Lua host: one lua_State for all scripts, a memory cap, a curated environment, the loader that reads
 * the scripts directory into a generation of command definitions, and tasks: coroutines that call the
 * async API (sleep, http.request, ...) and are resumed from the loop when their operation completes. */
#ifndef PEON_LUA_HOST_H
#define PEON_LUA_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct lua_host lua_host;
struct http_client;
struct store;
struct discord_rest;
struct command_sync;

typedef struct lua_host_options {
    const char *scripts_dir;
    size_t memory_limit;             /* bytes; 0 = 64 MiB */
    uv_loop_t *loop;                 /* required for tasks */
    struct http_client *http;        /* NULL: http.request reports "not available" */
    struct store *state;             /* NULL: store.* reports "not available" */
    struct discord_rest *rest;       /* NULL: interaction answers report "Discord is not connected" */
    struct command_sync *sync;       /* NULL: /reload does not re-register commands */
    const struct peon_config *config; /* NULL: scripts see defaults */
    uint64_t instruction_budget;     /* per resume, 0 = 200 million */
} lua_host_options;

typedef struct lua_host_stats {
    uint64_t tasks_started, tasks_ok, tasks_failed, tasks_killed, resumes;
    uint64_t interactions, guard_defers, events;
    uint64_t live_tasks;
} lua_host_stats;

lua_host *lua_host_create(const lua_host_options *opts, char *err, size_t errlen);
/* Tasks still running are abandoned (their done callbacks run with ok=false, "shutting down"). */
void lua_host_destroy(lua_host *host);

/* Compiles and runs every command script into a fresh generation and swaps it in only when all of them
 * loaded and described themselves correctly; on error the previous generation stays live and err holds
 * "file:line: message". Returns the number of commands, or -1. */
int lua_host_load(lua_host *host, char *err, size_t errlen);

/* The gateway whose counters scripts may read (host.stats); NULL before it starts and before it goes. */
struct gateway;
void lua_host_set_gateway(lua_host *host, struct gateway *gw);

/* Called once per task when it ends. `error` (ok=false) is "message" plus a traceback. */
typedef void (*lua_task_done_fn)(int64_t task_id, bool ok, const char *error, void *user);

/* Starts a task running require(module)[function](arg) of the current generation. It begins on the next
 * loop iteration. Returns the task id (> 0), or -1 with err set when the function does not exist. */
int64_t lua_host_spawn(lua_host *host, const char *module, const char *function, const char *arg, size_t arg_len,
                       lua_task_done_fn done, void *user, char *err, size_t errlen);

/* Handles one INTERACTION_CREATE payload (the `d` object as JSON): starts its deadline guard and a task
 * running the dispatcher. Returns -1 with err set for a payload that is no interaction. */
int lua_host_interaction(lua_host *host, const char *json, size_t len, char *err, size_t errlen);

/* Loads the scripts again (as lua_host_load) and, when the definitions changed, re-registers the commands
 * with Discord in the background. `why` names the trigger in the log ("file change", "/reload"). */
int lua_host_reload(lua_host *host, const char *why, char *err, size_t errlen);

/* Hands one gateway dispatch (the `d` JSON) to the Lua side: the channel/role cache and the scripts'
 * `events` handlers (each runs as its own task). */
void lua_host_event(lua_host *host, const char *name, int64_t seq, const char *json, size_t len);

size_t lua_host_command_count(const lua_host *host);
/* The live generation's application commands as Discord's JSON (canonical: the same definitions always give
 * the same text) and a 16-hex-digit fingerprint of it, to sync only when it changed. NULL before a load. */
const char *lua_host_commands_json(const lua_host *host, const char **hash);
size_t lua_host_memory_in_use(const lua_host *host);
void lua_host_get_stats(const lua_host *host, lua_host_stats *out);

#endif
