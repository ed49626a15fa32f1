/* Tasks: each handler runs in its own coroutine. A task yields (through the prelude's await) when it waits
 * for an operation; the operation's completion pushes the results and queues the task, and the resume
 * timer resumes queued tasks from the loop, never from inside a libcurl or libwebsockets callback. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop_watchdog.h"
#include "lua_host_internal.h"

#define HOOK_EVERY 1000 /* instructions between budget checks */

static void process_ready(uv_timer_t *timer);

void lua_tasks_init(lua_host *host)
{
    uv_timer_init(host->loop, &host->resume_timer);
    host->resume_timer.data = host;
    host->timer_ready = true;
}

static void unlink_task(lua_host *host, lua_task *task)
{
    for (lua_task **p = &host->tasks; *p; p = &(*p)->next) {
        if (*p == task) {
            *p = task->next;
            return;
        }
    }
}

/* A task's memory goes once it has finished and no operation still points at it. */
static void maybe_free(lua_task *task)
{
    if (!task->finished || task->pending_ops > 0 || task->queued) return;
    free(task);
}

static void finish_task(lua_host *host, lua_task *task, bool ok, const char *error)
{
    task->finished = true;
    unlink_task(host, task);
    host->stats.live_tasks--;
    if (ok) host->stats.tasks_ok++;
    else host->stats.tasks_failed++;
    if (host->L != NULL) luaL_unref(host->L, LUA_REGISTRYINDEX, task->thread_ref);
    task->thread = NULL;
    if (!ok) log_debug("lua", "task %lld (%s) failed: %s", (long long)task->id, task->label, error);
    if (task->done) task->done(task->id, ok, error, task->user);
    maybe_free(task);
}

void lua_task_release_op(lua_task *task)
{
    task->pending_ops--;
    maybe_free(task);
}

void lua_task_wake(lua_task *task, int nargs)
{
    lua_host *host = task->host;
    task->resume_args = nargs;
    task->queued = true;
    task->next_ready = NULL;
    if (host->ready_tail) host->ready_tail->next_ready = task;
    else host->ready_head = task;
    host->ready_tail = task;
    uv_timer_start(&host->resume_timer, process_ready, 0, 0);
}

/* Counts instructions; past the budget the task is killed. The hook then fires on every instruction and
 * keeps raising, so a script's pcall cannot swallow the kill and carry on. */
static void budget_hook(lua_State *L, lua_Debug *ar)
{
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    lua_task *task = host->current;
    if (task == NULL) return;
    static unsigned calls;
    if (++calls % 64 == 0 && lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
        /* For the loop watchdog: where a script that hogs the loop is (cheap: every 64k instructions). */
        char what[200];
        snprintf(what, sizeof what, "script %s:%d (%s)", ar->short_src, ar->currentline, task->label);
        loop_watchdog_set_activity(what);
    }
    if (!task->killed) {
        host->slice_instructions += HOOK_EVERY;
        if (host->instruction_budget == 0 || host->slice_instructions <= host->instruction_budget) return;
        task->killed = true;
        host->stats.tasks_killed++;
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "script stopped: it ran %d million instructions without waiting (an endless loop?)",
               (int)(host->instruction_budget / 1000000));
}

static void report_error(lua_host *host, lua_task *task, int status)
{
    lua_State *T = task->thread;
    const char *msg = lua_tostring(T, -1);
    if (msg == NULL) msg = status == LUA_ERRMEM ? "not enough memory" : "error object is not a string";
    luaL_traceback(host->L, T, msg, 0);
    char text[4096];
    snprintf(text, sizeof text, "%s", lua_tostring(host->L, -1));
    lua_pop(host->L, 1);
    finish_task(host, task, false, text);
}

void lua_task_wake_later(lua_task *task, lua_push_fn push, void *data)
{
    task->push = push;
    task->push_data = data;
    lua_task_wake(task, 0);
}

/* Delivers (or, for an ended task, discards) results queued by lua_task_wake_later. */
static int take_pushed_results(lua_task *task)
{
    if (task->push == NULL) return 0;
    lua_push_fn push = task->push;
    task->push = NULL;
    int n = push(task->finished ? NULL : task->thread, task->push_data);
    task->pending_ops--;
    return n;
}

static void resume_task(lua_host *host, lua_task *task)
{
    lua_State *T = task->thread;
    int nargs = task->resume_args + take_pushed_results(task), nresults = 0;
    task->resume_args = 0;
    host->current = task;
    host->slice_instructions = 0;
    host->stats.resumes++;
    char what[96];
    snprintf(what, sizeof what, "script %s", task->label);
    loop_watchdog_set_activity(what);
    int status = lua_resume(T, host->L, nargs, &nresults);
    loop_watchdog_set_activity(NULL);
    host->current = NULL;
    if (status == LUA_OK) {
        lua_pop(T, nresults);
        finish_task(host, task, true, NULL);
    } else if (status == LUA_YIELD) {
        /* The only legitimate yield is the prelude's await: (SENTINEL, op). */
        bool awaiting = false;
        if (nresults >= 1 && lua_checkstack(T, 2)) {
            lua_getfield(T, LUA_REGISTRYINDEX, HOST_API_KEY);
            lua_getfield(T, -1, "SENTINEL");
            awaiting = lua_rawequal(T, -(nresults + 2), -1) && task->pending_ops > 0;
            lua_pop(T, 2);
        }
        lua_pop(T, nresults);
        if (!awaiting) {
            lua_pushstring(T, "coroutine.yield was called outside a coroutine the script created");
            report_error(host, task, LUA_ERRRUN);
        }
    } else {
        report_error(host, task, status);
    }
}

static void process_ready(uv_timer_t *timer)
{
    lua_host *host = timer->data;
    /* Detach the queue: tasks woken while we run wait for the next round, so one busy task cannot starve
     * the loop. */
    lua_task *task = host->ready_head;
    host->ready_head = host->ready_tail = NULL;
    while (task != NULL) {
        lua_task *next = task->next_ready;
        task->queued = false;
        if (!task->finished) {
            resume_task(host, task);
        } else {
            take_pushed_results(task);
            maybe_free(task);
        }
        task = next;
    }
}

/* Starts a task from what is on the host stack: the function, then `nargs` arguments (all popped). */
int64_t lua_task_start(lua_host *host, int nargs, const char *label, lua_task_done_fn done, void *user)
{
    lua_State *L = host->L;
    lua_task *task = calloc(1, sizeof *task);
    if (task == NULL) {
        lua_pop(L, nargs + 1);
        return -1;
    }
    task->host = host;
    task->id = ++host->next_task_id;
    task->done = done;
    task->user = user;
    snprintf(task->label, sizeof task->label, "%s", label);
    task->thread = lua_newthread(L);
    task->thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_sethook(task->thread, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_xmove(L, task->thread, nargs + 1);
    task->next = host->tasks;
    host->tasks = task;
    host->stats.tasks_started++;
    host->stats.live_tasks++;
    lua_task_wake(task, nargs);
    return task->id;
}

/* Pushes require(module)[function] of the current generation, or returns -1 with err set. */
int lua_push_entry(lua_host *host, const char *module, const char *function, char *err, size_t errlen)
{
    lua_State *L = host->L;
    int top = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, module);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        lua_settop(L, top);
        return -1;
    }
    if (!lua_istable(L, -1) || lua_getfield(L, -1, function) != LUA_TFUNCTION) {
        snprintf(err, errlen, "module '%s' has no function '%s'", module, function);
        lua_settop(L, top);
        return -1;
    }
    lua_remove(L, -2);
    return 0;
}

int64_t lua_host_spawn(lua_host *host, const char *module, const char *function, const char *arg, size_t arg_len,
                       lua_task_done_fn done, void *user, char *err, size_t errlen)
{
    if (!host->timer_ready) {
        snprintf(err, errlen, "the Lua host has no event loop");
        return -1;
    }
    if (lua_push_entry(host, module, function, err, errlen) != 0) return -1;
    lua_pushlstring(host->L, arg ? arg : "", arg ? arg_len : 0);
    char label[64];
    snprintf(label, sizeof label, "%s.%s", module, function);
    int64_t id = lua_task_start(host, 1, label, done, user);
    if (id < 0) snprintf(err, errlen, "out of memory");
    return id;
}

void lua_tasks_shutdown(lua_host *host)
{
    /* Abandon what still runs (queued tasks stay allocated while the queue references them), then empty
     * the resume queue, discarding results nobody will read. Operations still out there find their task
     * finished and only free themselves. */
    while (host->tasks) finish_task(host, host->tasks, false, "the bot is shutting down");
    lua_task *t = host->ready_head;
    host->ready_head = host->ready_tail = NULL;
    while (t != NULL) {
        lua_task *next = t->next_ready;
        t->queued = false;
        take_pushed_results(t);
        maybe_free(t);
        t = next;
    }
    lua_bindings_cancel_sleeps(host);
    if (host->timer_ready) uv_timer_stop(&host->resume_timer);
}
