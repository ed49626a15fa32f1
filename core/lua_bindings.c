/* The C primitives behind the prelude's async API. Each start_* registers an operation for the running
 * task and returns at once; the prelude then yields, and the operation's completion wakes the task with
 * its results. Outside a task (a script's top level) they refuse with a clear error. */
#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "command_sync.h"
#include "http.h"
#include "log.h"
#include "lua_host_internal.h"
#include "store.h"

#define MAX_SLEEP_SECONDS (24.0 * 3600.0)
#define DEFAULT_HTTP_TIMEOUT_S 10.0
#define MAX_HTTP_TIMEOUT_S 600.0
#define MAX_HTTP_HEADERS 32

typedef struct sleep_op {
    uv_timer_t timer;
    lua_task *task;
    bool ends_at_reload; /* a peon.every pause: a reload wakes it so the retired loop ends now */
    struct sleep_op *prev, *next;
} sleep_op;

typedef struct http_op {
    lua_task *task;
    bool submitted;   /* false while http_send runs: a synchronous failure is reported by start_http itself */
    bool failed_early;
    char early_error[256];
} http_op;

/* Raises an error located at the script line that called the prelude wrapper (level 2), not in the
 * prelude itself. */
static int script_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    luaL_where(L, 2);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    return lua_error(L);
}

static lua_host *host_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

static lua_task *require_task(lua_State *L, const char *what)
{
    lua_host *host = host_of(L);
    if (host->current == NULL)
        script_error(L, "%s can only be used inside a handler, not while a script loads", what);
    if (host->loop == NULL) script_error(L, "%s is not available: the host has no event loop", what);
    return host->current;
}

/* ---- sleep ---- */

static void free_sleep_op(uv_handle_t *handle) { free(handle->data); }

static void end_sleep(lua_host *host, sleep_op *op)
{
    if (op->prev) op->prev->next = op->next;
    else host->sleeps = op->next;
    if (op->next) op->next->prev = op->prev;
    lua_task_release_op(op->task);
    uv_close((uv_handle_t *)&op->timer, free_sleep_op);
}

/* The pause is over (its time came, or a reload ended it): the task goes on. */
static void wake_sleeper(lua_host *host, sleep_op *op)
{
    if (!op->task->finished) lua_task_wake(op->task, 0);
    end_sleep(host, op);
}

static void on_sleep_done(uv_timer_t *timer)
{
    sleep_op *op = timer->data;
    wake_sleeper(op->task->host, op);
}

void lua_bindings_cancel_sleeps(lua_host *host)
{
    while (host->sleeps) {
        uv_timer_stop(&host->sleeps->timer);
        end_sleep(host, host->sleeps);
    }
}

/* Wakes the pauses of peon.every loops before a new generation's LOAD: the retired loops see they are
 * retired and end now instead of at their next turn (up to a minute later), so a burst of /reloads does
 * not keep every retired generation's modules alive meanwhile. */
void lua_bindings_end_retired_sleeps(lua_host *host)
{
    sleep_op *op = host->sleeps;
    while (op != NULL) {
        sleep_op *next = op->next;
        if (op->ends_at_reload) {
            uv_timer_stop(&op->timer);
            wake_sleeper(host, op);
        }
        op = next;
    }
}

/* host.start_sleep(seconds [, ends_at_reload]) */
static int start_sleep(lua_State *L)
{
    lua_task *task = require_task(L, "sleep");
    if (lua_type(L, 1) != LUA_TNUMBER) return script_error(L, "sleep: seconds must be a number");
    lua_Number seconds = lua_tonumber(L, 1);
    if (!(seconds >= 0 && seconds <= MAX_SLEEP_SECONDS)) /* also refuses NaN */
        return script_error(L, "sleep: seconds must be between 0 and %d", (int)MAX_SLEEP_SECONDS);
    sleep_op *op = calloc(1, sizeof *op);
    if (op == NULL) return script_error(L, "sleep: out of memory");
    op->task = task;
    op->ends_at_reload = lua_toboolean(L, 2);
    uv_timer_init(task->host->loop, &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, on_sleep_done, (uint64_t)llround(seconds * 1000.0), 0);
    lua_host *host = task->host;
    op->next = host->sleeps;
    if (host->sleeps) host->sleeps->prev = op;
    host->sleeps = op;
    task->pending_ops++;
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- http.request ---- */

static void push_response(lua_State *T, const http_response *res)
{
    lua_createtable(T, 0, 4);
    lua_pushinteger(T, res->status);
    lua_setfield(T, -2, "status");
    lua_pushlstring(T, res->body, res->body_len);
    lua_setfield(T, -2, "body");
    lua_pushnumber(T, res->elapsed_ms);
    lua_setfield(T, -2, "elapsed_ms");
    lua_createtable(T, 0, (int)res->header_count);
    for (size_t i = 0; i < res->header_count; i++) {
        lua_pushstring(T, res->headers[i].value);
        lua_setfield(T, -2, res->headers[i].name);
    }
    lua_setfield(T, -2, "headers");
}

static void on_http_done(const http_response *res, void *user)
{
    http_op *op = user;
    if (!op->submitted) {
        op->failed_early = true;
        snprintf(op->early_error, sizeof op->early_error, "%s", res->error_message ? res->error_message : "failed");
        return;
    }
    lua_task *task = op->task;
    if (!task->finished && lua_checkstack(task->thread, 4)) {
        lua_State *T = task->thread;
        if (res->error == HTTP_OK) {
            push_response(T, res);
            lua_task_wake(task, 1);
        } else {
            lua_pushnil(T);
            lua_pushstring(T, res->error_message);
            lua_pushstring(T, http_error_name(res->error));
            lua_task_wake(task, 3);
        }
    }
    lua_task_release_op(task);
    free(op);
}

static const char *opt_string_field(lua_State *L, int idx, const char *name, const char *fallback)
{
    lua_getfield(L, idx, name);
    int type = lua_type(L, -1);
    if (type != LUA_TNIL && type != LUA_TSTRING) script_error(L, "http.request: '%s' must be a string", name);
    /* Strings only (no number coercion): the pointer then stays valid while the request table lives. */
    const char *value = type == LUA_TNIL ? fallback : lua_tostring(L, -1);
    lua_pop(L, 1);
    return value;
}

/* Reads a request table at idx into req; header strings stay owned by the table (http_send copies). */
static void read_http_request(lua_State *L, int idx, http_request *req, http_header *headers)
{
    const char *method = opt_string_field(L, idx, "method", "GET");
    const char *url = opt_string_field(L, idx, "url", NULL);
    if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        script_error(L, "http.request: 'url' must be an http:// or https:// URL");
    size_t body_len = 0;
    lua_getfield(L, idx, "body");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING) script_error(L, "http.request: 'body' must be a string");
    const char *body = lua_isnil(L, -1) ? NULL : lua_tolstring(L, -1, &body_len);
    lua_pop(L, 1);
    lua_getfield(L, idx, "timeout");
    lua_Number timeout = luaL_optnumber(L, -1, DEFAULT_HTTP_TIMEOUT_S);
    lua_pop(L, 1);
    if (!(timeout > 0 && timeout <= MAX_HTTP_TIMEOUT_S))
        script_error(L, "http.request: 'timeout' must be between 0 and %d seconds", (int)MAX_HTTP_TIMEOUT_S);
    lua_getfield(L, idx, "retries");
    lua_Integer retries = luaL_optinteger(L, -1, 0);
    lua_pop(L, 1);

    size_t header_count = 0;
    lua_getfield(L, idx, "headers");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (header_count == MAX_HTTP_HEADERS) script_error(L, "http.request: too many headers");
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                script_error(L, "http.request: headers must map names to string values");
            headers[header_count].name = lua_tostring(L, -2);
            headers[header_count].value = lua_tostring(L, -1);
            header_count++;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    *req = (http_request){
        .method = method, .url = url, .headers = headers, .header_count = header_count,
        .body = body, .body_len = body_len, .timeout_ms = (uint32_t)(timeout * 1000.0),
        .max_retries = (uint8_t)(retries < 0 ? 0 : retries > 5 ? 5 : retries),
    };
}

static int start_http(lua_State *L)
{
    lua_task *task = require_task(L, "http.request");
    lua_host *host = task->host;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (host->http == NULL) return script_error(L, "http.request is not available in this host");
    http_header headers[MAX_HTTP_HEADERS];
    http_request req;
    read_http_request(L, 1, &req, headers);

    http_op *op = calloc(1, sizeof *op);
    if (op == NULL) return script_error(L, "http.request: out of memory");
    op->task = task;
    http_send(host->http, &req, on_http_done, op);
    if (op->failed_early) {
        lua_pushnil(L);
        lua_pushstring(L, op->early_error);
        free(op);
        return script_error(L, "http.request: %s", lua_tostring(L, -1));
    }
    op->submitted = true;
    task->pending_ops++;
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- http.request_all: several requests in flight at once, one wake-up when the last one is done ---- */

typedef struct batch_result {
    long status;
    char *body;                  /* NULL: failed, see error */
    size_t body_len;
    double elapsed_ms;
    char error[200];
    const char *error_name;
} batch_result;

typedef struct http_batch {
    size_t total, remaining;
    lua_task *task;
    batch_result results[];
} http_batch;

typedef struct batch_slot {
    http_batch *batch;
    size_t index;
} batch_slot;

static void free_batch(http_batch *batch)
{
    for (size_t i = 0; i < batch->total; i++) free(batch->results[i].body);
    free(batch);
}

/* Runs when the task resumes: { {status=, body=, elapsed_ms=} or {error=, kind=}, ... } in request order. */
static int push_batch(lua_State *T, void *data)
{
    http_batch *batch = data;
    if (T != NULL && lua_checkstack(T, 4)) {
        lua_createtable(T, (int)batch->total, 0);
        for (size_t i = 0; i < batch->total; i++) {
            const batch_result *r = &batch->results[i];
            lua_createtable(T, 0, 3);
            if (r->body != NULL) {
                lua_pushinteger(T, r->status);
                lua_setfield(T, -2, "status");
                lua_pushlstring(T, r->body, r->body_len);
                lua_setfield(T, -2, "body");
                lua_pushnumber(T, r->elapsed_ms);
                lua_setfield(T, -2, "elapsed_ms");
            } else {
                lua_pushstring(T, r->error);
                lua_setfield(T, -2, "error");
                lua_pushstring(T, r->error_name);
                lua_setfield(T, -2, "kind");
            }
            lua_rawseti(T, -2, (lua_Integer)i + 1);
        }
        free_batch(batch);
        return 1;
    }
    free_batch(batch);
    return 0;
}

/* A task that already ended (killed, or the host shutting down) gets nothing; the batch just goes. */
static void deliver_batch(http_batch *batch)
{
    lua_task *task = batch->task;
    if (task->finished) {
        free_batch(batch);
        lua_task_release_op(task);
        return;
    }
    lua_task_wake_later(task, push_batch, batch);
}

static void on_batch_part(const http_response *res, void *user)
{
    batch_slot *slot = user;
    http_batch *batch = slot->batch;
    batch_result *r = &batch->results[slot->index];
    free(slot);
    r->status = res->status;
    r->elapsed_ms = res->elapsed_ms;
    if (res->error == HTTP_OK && (r->body = malloc(res->body_len + 1)) != NULL) {
        memcpy(r->body, res->body, res->body_len);
        r->body_len = res->body_len;
    } else {
        snprintf(r->error, sizeof r->error, "%s", res->error == HTTP_OK ? "out of memory" : res->error_message);
        r->error_name = res->error == HTTP_OK ? "memory" : http_error_name(res->error);
    }
    if (--batch->remaining == 0) deliver_batch(batch);
}

static int start_http_all(lua_State *L)
{
    lua_task *task = require_task(L, "http.request_all");
    lua_host *host = task->host;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (host->http == NULL) return script_error(L, "http.request_all is not available in this host");
    size_t total = (size_t)luaL_len(L, 1);
    if (total == 0 || total > 64) return script_error(L, "http.request_all: give 1 to 64 requests");
    /* Every table is checked before anything is sent, so a bad entry never leaves requests half-started. */
    http_header headers[MAX_HTTP_HEADERS];
    http_request req;
    for (size_t i = 1; i <= total; i++) {
        if (lua_rawgeti(L, 1, (lua_Integer)i) != LUA_TTABLE) return script_error(L, "http.request_all: entry %d is not a table", (int)i);
        read_http_request(L, lua_gettop(L), &req, headers);
        lua_pop(L, 1);
    }
    http_batch *batch = calloc(1, sizeof *batch + total * sizeof(batch_result));
    if (batch == NULL) return script_error(L, "http.request_all: out of memory");
    batch->total = batch->remaining = total;
    batch->task = task;
    task->pending_ops++; /* one op for the batch, consumed when push_batch delivers */
    for (size_t i = 1; i <= total; i++) {
        lua_rawgeti(L, 1, (lua_Integer)i);
        read_http_request(L, lua_gettop(L), &req, headers);
        batch_slot *slot = malloc(sizeof *slot);
        if (slot == NULL) {
            batch_result *r = &batch->results[i - 1];
            snprintf(r->error, sizeof r->error, "out of memory");
            r->error_name = "memory";
            if (--batch->remaining == 0) deliver_batch(batch);
        } else {
            *slot = (batch_slot){ batch, i - 1 };
            http_send(host->http, &req, on_batch_part, slot);
        }
        lua_pop(L, 1);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- spawn: a new task beside the caller (background refreshes, fan-out) ---- */

/* host.spawn(fn, ...) -> task id. The new task starts on the next loop iteration with its own budget. */
static int host_spawn(lua_State *L)
{
    lua_host *host = require_task(L, "spawn")->host;
    luaL_checktype(L, 1, LUA_TFUNCTION);
    int nargs = lua_gettop(L) - 1;
    char label[64] = "spawned task";
    lua_Debug ar;
    if (lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(label, sizeof label, "spawned at %.40s:%d", ar.short_src, ar.currentline);
    lua_State *M = host->L;
    if (L != M) {
        if (!lua_checkstack(M, nargs + 1)) return script_error(L, "spawn: too many arguments");
        lua_xmove(L, M, nargs + 1);
    }
    int64_t id = lua_task_start(host, nargs, label, NULL, NULL);
    if (id < 0) return script_error(L, "spawn: out of memory");
    lua_pushinteger(L, id);
    return 1;
}

/* ---- log and store (synchronous: SQLite on local disk answers in microseconds) ---- */

static int host_log(lua_State *L)
{
    static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
    int level = luaL_checkoption(L, 1, NULL, levels);
    const char *msg = luaL_checkstring(L, 2);
    lua_Debug ar;
    char where[128] = "script";
    /* Level 2 is the script function that called log.*: name it so the line says where it came from. */
    if (lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(where, sizeof where, "%s:%d", ar.short_src, ar.currentline);
    log_write((log_level)level, "script", "%s: %s", where, msg);
    return 0;
}

static struct store *require_store(lua_State *L)
{
    lua_host *host = host_of(L);
    if (host->state == NULL) luaL_error(L, "store is not available in this host");
    return host->state;
}

static int host_store_get(lua_State *L)
{
    struct store *st = require_store(L);
    char *value = store_kv_get(st, luaL_checkstring(L, 1), luaL_checkstring(L, 2));
    if (value == NULL) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, value);
    free(value);
    return 1;
}

static int host_store_set(lua_State *L)
{
    struct store *st = require_store(L);
    char err[256];
    if (store_kv_set(st, luaL_checkstring(L, 1), luaL_checkstring(L, 2), luaL_checkstring(L, 3), err,
                     sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int host_store_delete(lua_State *L)
{
    struct store *st = require_store(L);
    lua_pushboolean(L, store_kv_delete(st, luaL_checkstring(L, 1), luaL_checkstring(L, 2)) == 0);
    return 1;
}

/* host.reload(why) -> count | nil, "file:line: message". The running handler keeps its own code. */
static int host_reload(lua_State *L)
{
    lua_host *host = host_of(L);
    char err[4096];
    uint64_t started = uv_hrtime();
    int count = lua_host_load(host, err, sizeof err);
    double elapsed_ms = (double)(uv_hrtime() - started) / 1e6;
    if (count < 0) {
        log_error("lua", "reload (%s) failed, the previous scripts stay live: %s", luaL_optstring(L, 1, "script"),
                  err);
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    log_info("lua", "reloaded %d commands in %.1f ms (%s)", count, elapsed_ms, luaL_optstring(L, 1, "script"));
    lua_pushinteger(L, count);
    lua_pushnil(L);
    lua_pushnumber(L, elapsed_ms);
    return 3;
}

/* host.commands_json() -> the live generation's application commands as Discord gets them (a JSON array). */
static int host_commands_json(lua_State *L)
{
    lua_host *host = host_of(L);
    lua_pushstring(L, host->commands_json ? host->commands_json : "[]");
    return 1;
}

typedef struct sync_result {
    sync_outcome outcome;
    char message[512];
} sync_result;

static int push_sync_result(lua_State *T, void *data)
{
    sync_result *r = data;
    int n = 0;
    if (T != NULL) {
        static const char *const names[] = { "unchanged", "updated", "failed" };
        lua_pushstring(T, names[r->outcome]);
        lua_pushstring(T, r->message);
        n = 2;
    }
    free(r);
    return n;
}

static void on_sync_done(sync_outcome outcome, const char *message, void *user)
{
    lua_task *task = user;
    sync_result *r = malloc(sizeof *r);
    if (r == NULL) {
        lua_task_release_op(task);
        return;
    }
    r->outcome = outcome;
    snprintf(r->message, sizeof r->message, "%s", message);
    lua_task_wake_later(task, push_sync_result, r);
}

/* host.start_sync(): registers the live definitions with Discord if they changed; the prelude awaits
 * ("unchanged"|"updated"|"failed", message). */
static int start_sync(lua_State *L)
{
    lua_task *task = require_task(L, "syncing commands");
    lua_host *host = task->host;
    if (host->sync == NULL || host->commands_json == NULL) {
        return script_error(L, "command sync is not available in this host");
    }
    task->pending_ops++;
    command_sync_run(host->sync, host->commands_json, host->commands_hash, on_sync_done, task);
    lua_pushboolean(L, 1);
    return 1;
}

/* The live generation (commands, views) for the dispatcher: it runs compiled-in, the scripts reload. */
static int host_generation(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
    return 1;
}

static int host_traceback(lua_State *L)
{
    luaL_traceback(L, L, luaL_optstring(L, 1, NULL), 1);
    return 1;
}

void lua_bindings_push_host_table(lua_host *host)
{
    lua_State *L = host->L;
    static const luaL_Reg functions[] = {
        { "start_sleep", start_sleep }, { "start_http", start_http }, { "start_http_all", start_http_all }, { "log", host_log },
        { "sql", lua_store_sql }, { "store_get", host_store_get }, { "store_set", host_store_set }, { "store_delete", host_store_delete },
        { "start_answer", lua_interactions_start_answer }, { "generation", host_generation },
        { "traceback", host_traceback }, { "reload", host_reload }, { "start_sync", start_sync },
        { "start_discord", lua_discord_start_request },
        { "orc_list", lua_registry_list }, { "orc_put", lua_registry_put }, { "orc_delete", lua_registry_delete },
        { "config", lua_registry_config }, { "read_legacy_registry", lua_registry_read_legacy }, { "spawn", host_spawn }, { "commands_json", host_commands_json },
        { "parse_timer", lua_time_parse_timer }, { "format_time", lua_time_format },
        { "stats", lua_stats_push },
        { "set_presence", lua_presence_set },
        { "schedule_rule", lua_schedule_rule }, { "schedule_next", lua_schedule_next },
        { NULL, NULL },
    };
    luaL_newlib(L, functions);
    lua_newtable(L); /* a unique value no script can forge: marks the host's own yields */
    lua_setfield(L, -2, "SENTINEL");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, HOST_API_KEY);
}

lua_task *lua_host_require_task(lua_State *L, const char *what) { return require_task(L, what); }
