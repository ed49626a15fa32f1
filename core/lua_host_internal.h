/* Shared by the Lua host's files (loader, tasks, bindings); not for the rest of the core. */
#ifndef PEON_LUA_HOST_INTERNAL_H
#define PEON_LUA_HOST_INTERNAL_H

#include <limits.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lua_host.h"

#define GENERATION_KEY "peon.generation"
#define HOST_API_KEY "peon.host_api"   /* the table the prelude returned */

/* Pushes an operation's results onto a suspended task's thread right before it resumes and returns how
 * many; called with T == NULL when the task ended first, to free `data` only. */
typedef int (*lua_push_fn)(lua_State *T, void *data);

typedef struct lua_task {
    struct lua_task *next;         /* live list */
    struct lua_task *next_ready;   /* resume queue */
    lua_host *host;
    int64_t id;
    lua_State *thread;
    int thread_ref;
    int resume_args;               /* values waiting on the thread's stack for the next resume */
    lua_push_fn push;              /* or: results to push at resume time (answers that may finish at once) */
    void *push_data;
    int pending_ops;
    bool started, finished, killed, queued;
    char label[64];                /* "module.function", for logs */
    lua_task_done_fn done;
    void *user;
} lua_task;

struct lua_host {
    lua_State *L;
    uv_loop_t *loop;
    struct http_client *http;
    struct store *state;
    char scripts_dir[PATH_MAX];
    size_t memory_used, memory_limit;
    size_t command_count;
    bool loaded_once;              /* a generation went live: later loads are reloads */
    char *commands_json;           /* Discord's JSON for the live generation, sorted and canonical */
    char commands_hash[17];
    uint64_t instruction_budget;   /* per resume; 0 = unlimited */
    uint64_t slice_instructions;
    lua_task *tasks;
    lua_task *ready_head, *ready_tail;
    lua_task *current;             /* the task being resumed, NULL while loading scripts */
    struct sleep_op *sleeps;       /* pending sleep timers, closed at shutdown */
    struct discord_rest *rest;     /* NULL until Discord is configured: answers then fail clearly */
    struct command_sync *sync;
    const struct peon_config *config; /* may be NULL (tests of the host alone) */
    struct gateway *gateway;       /* for /debug's counters; NULL until started and after it stops */
    struct ix_record *interactions;
    int64_t next_interaction;
    int64_t next_task_id;
    uv_timer_t resume_timer;
    bool timer_ready;
    lua_host_stats stats;
};

/* lua_tasks.c */
void lua_tasks_init(lua_host *host);
void lua_tasks_shutdown(lua_host *host);
/* Queues `task` to be resumed from the loop with `nargs` values already pushed on its thread. */
void lua_task_wake(lua_task *task, int nargs);
void lua_task_release_op(lua_task *task);
/* Queues the task with results pushed only when it resumes; safe even while the task is still running
 * (an operation that completed inside its own start call). Consumes one pending op at delivery. */
void lua_task_wake_later(lua_task *task, lua_push_fn push, void *data);
int64_t lua_task_start(lua_host *host, int nargs, const char *label, lua_task_done_fn done, void *user);
int lua_push_entry(lua_host *host, const char *module, const char *function, char *err, size_t errlen);

/* lua_bindings.c: fills the table the prelude receives as `host`. */
void lua_bindings_push_host_table(lua_host *host);
/* Stops every pending sleep (their tasks are already finished at shutdown). */
void lua_bindings_cancel_sleeps(lua_host *host);
/* Ends the pauses of peon.every loops at once (before a reload's LOAD: they all belong to retired ones). */
void lua_bindings_end_retired_sleeps(lua_host *host);

/* The task running the calling script, or a Lua error naming `what` when there is none (script load time). */
lua_task *lua_host_require_task(lua_State *L, const char *what);

/* lua_discord.c: host.start_discord, the binding behind discord.* (Discord REST through the limiter). */
int lua_discord_start_request(lua_State *L);

/* lua_store_sql.c: host.sql, one SQL statement on the state store. */
int lua_store_sql(lua_State *L);

/* lua_registry.c: the orchestrator registry and the non-secret configuration. */
int lua_registry_list(lua_State *L);
int lua_registry_put(lua_State *L);
int lua_registry_delete(lua_State *L);
int lua_registry_config(lua_State *L);
int lua_registry_read_legacy(lua_State *L);

/* lua_interactions.c: the binding behind ctx answers. */
int lua_interactions_start_answer(lua_State *L);

/* lua_time.c: host.parse_timer and host.format_time (timer_parse.h, time_format.h; zones cached per state). */
int lua_time_parse_timer(lua_State *L);
int lua_time_format(lua_State *L);

/* lua_stats.c: host.stats(), the REST limiter and Lua host counters for /debug. */
int lua_stats_push(lua_State *L);

/* lua_presence.c: host.set_presence(text), the bot's custom status on every shard (gateway_set_presence). */
int lua_presence_set(lua_State *L);

/* lua_schedule.c: host.schedule_rule and host.schedule_next (schedule_rule.h; zones from lua_zone_cache.h). */
int lua_schedule_rule(lua_State *L);
int lua_schedule_next(lua_State *L);

#endif
