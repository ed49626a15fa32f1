/* host.start_discord(method, path, body, reason): a Discord REST request from a script. It goes through
 * discord_rest (so through the rate limiter) and wakes the task with {status, body, code} or nil, message.
 * The prelude's discord.* functions build paths and bodies on top of this. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discord_rest.h"
#include "lua_host_internal.h"

#define SCRIPT_TIMEOUT_MS 15000u

typedef struct discord_op {
    lua_task *task;
} discord_op;

static void on_discord_done(const discord_result *res, void *user)
{
    discord_op *op = user;
    lua_task *task = op->task;
    free(op);
    if (!task->finished && lua_checkstack(task->thread, 4)) {
        lua_State *T = task->thread;
        if (res->error == HTTP_OK) {
            lua_createtable(T, 0, 3);
            lua_pushinteger(T, res->status);
            lua_setfield(T, -2, "status");
            lua_pushlstring(T, res->body, res->body_len);
            lua_setfield(T, -2, "body");
            lua_pushinteger(T, res->discord_code);
            lua_setfield(T, -2, "code");
            lua_task_wake(task, 1);
        } else {
            lua_pushnil(T);
            lua_pushstring(T, res->error_message ? res->error_message : "request failed");
            lua_task_wake(task, 2);
        }
    }
    lua_task_release_op(task);
}

static bool allowed_method(const char *m)
{
    static const char *const methods[] = { "GET", "POST", "PATCH", "PUT", "DELETE" };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(m, methods[i]) == 0) return true;
    return false;
}

/* Paths are relative to the API base and made only of URL-safe characters: a script cannot smuggle a
 * query, another host or a traversal into the request line. */
static bool safe_path(const char *path)
{
    if (path[0] != '/' || strstr(path, "..") != NULL) return false;
    for (const char *p = path; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("/-_.@", *p) != NULL))
            return false;
    return true;
}

int lua_discord_start_request(lua_State *L)
{
    lua_task *task = lua_host_require_task(L, "discord.request");
    lua_host *host = task->host;
    const char *method = luaL_checkstring(L, 1);
    const char *path = luaL_checkstring(L, 2);
    size_t body_len = 0;
    const char *body = luaL_optlstring(L, 3, NULL, &body_len);
    const char *reason = luaL_optstring(L, 4, NULL);
    if (!allowed_method(method)) return luaL_error(L, "discord.request: unknown method '%s'", method);
    if (!safe_path(path) || strlen(path) > 1000)
        return luaL_error(L, "discord.request: '%s' is not an API path such as /channels/123/messages", path);
    if (reason != NULL && strlen(reason) > 512) return luaL_error(L, "discord.request: the audit reason is too long");
    if (host->rest == NULL) {
        lua_pushnil(L);
        lua_pushstring(L, "Discord is not connected in this host");
        return 2;
    }
    discord_op *op = malloc(sizeof *op);
    if (op == NULL) return luaL_error(L, "discord.request: out of memory");
    op->task = task;
    task->pending_ops++;
    discord_request req = { .method = method, .path = path, .json = body, .json_len = body_len,
                            .audit_reason = reason, .timeout_ms = SCRIPT_TIMEOUT_MS };
    discord_rest_send(host->rest, &req, on_discord_done, op); /* answers from the loop, never in here */
    lua_pushboolean(L, 1);
    return 1;
}
