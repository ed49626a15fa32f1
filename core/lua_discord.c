/* host.start_discord(method, path, body, reason, files): a Discord REST request from a script. files is
 * nil or a list of {name=, data=, content_type=} sent as files[n] with the body as payload_json. It goes through
 * discord_rest (so through the rate limiter) and wakes the task with {status, body, code} or nil, message.
 * The prelude's discord.* functions build paths and bodies on top of this. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discord_rest.h"
#include "lua_host_internal.h"

#define SCRIPT_TIMEOUT_MS 15000u
#define MAX_FILES 10
#define MAX_FILE_BYTES (25u * 1024 * 1024)

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
    http_part files[MAX_FILES];
    size_t file_count = 0;
    if (!lua_isnoneornil(L, 5)) {
        luaL_checktype(L, 5, LUA_TTABLE);
        size_t n = (size_t)lua_rawlen(L, 5);
        if (n > MAX_FILES) return luaL_error(L, "discord.request: at most %d files per message", MAX_FILES);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, 5, (lua_Integer)i + 1);
            if (!lua_istable(L, -1)) return luaL_error(L, "discord.request: files[%d] must be a table", (int)i + 1);
            lua_getfield(L, -1, "name");
            lua_getfield(L, -2, "data");
            lua_getfield(L, -3, "content_type");
            size_t len = 0;
            const char *name = lua_tostring(L, -3), *data = lua_tolstring(L, -2, &len);
            if (name == NULL || data == NULL || name[0] == '\0' || strpbrk(name, "/\\\"\r\n") != NULL)
                return luaL_error(L, "discord.request: files[%d] needs a plain file name and string data",
                                  (int)i + 1);
            if (len > MAX_FILE_BYTES) return luaL_error(L, "discord.request: files[%d] is over 25 MiB", (int)i + 1);
            static const char *const fields[MAX_FILES] = { "files[0]", "files[1]", "files[2]", "files[3]",
                                                           "files[4]", "files[5]", "files[6]", "files[7]",
                                                           "files[8]", "files[9]" };
            /* The strings stay alive during the call: the files table (an argument) references them, and
             * discord_rest copies everything before it returns. */
            files[file_count++] = (http_part){ .name = fields[i], .filename = name,
                                               .content_type = lua_tostring(L, -1), .data = data, .len = len };
            lua_pop(L, 4);
        }
    }
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
                            .files = files, .file_count = file_count, .audit_reason = reason,
                            .timeout_ms = SCRIPT_TIMEOUT_MS };
    discord_rest_send(host->rest, &req, on_discord_done, op); /* answers from the loop, never in here */
    lua_pushboolean(L, 1);
    return 1;
}
