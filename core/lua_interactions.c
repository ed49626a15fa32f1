/* Interactions inside the Lua host: each INTERACTION_CREATE gets a record holding its answer state machine
 * (interaction.c) and deadline-guard timer, and a task running the dispatcher. Scripts answer through
 * host.start_answer; the record turns each answer into the right REST call and, while the initial
 * response is in flight, holds later answers back so they can't overtake it. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discord_rest.h"
#include "interaction.h"
#include "log.h"
#include "lua_host_internal.h"

#define ERROR_EMBED_COLOR 0xE74C3C

typedef struct answer_op answer_op;

typedef struct ix_record {
    struct ix_record *next;
    lua_host *host;
    int64_t handle;
    ix machine;
    char id[32];
    char token[512];
    char app_id[32];
    char label[64];             /* "/server", "component view:action", for logs */
    uv_timer_t guard;
    int refs;                   /* the task, the guard timer handle, each REST call in flight */
    answer_op *waiting_head, *waiting_tail;
    bool task_done;
} ix_record;

struct answer_op {
    answer_op *next;
    ix_record *rec;
    lua_task *task;             /* NULL for answers the core sends itself (guard, error notice) */
    ix_ask ask;
    int callback_type;          /* for core-sent callbacks */
    char *payload;
    size_t payload_len;
    http_part *files;           /* attachments (owned copies), sent as multipart with the payload */
    size_t file_count;
};

#define MAX_ANSWER_FILES 10
#define MAX_ANSWER_FILE_BYTES (25u * 1024 * 1024)

static void release(ix_record *rec);
static void run_answer(answer_op *op);
static void on_guard(uv_timer_t *timer);

static void unlink_record(lua_host *host, ix_record *rec)
{
    for (ix_record **p = &host->interactions; *p; p = &(*p)->next) {
        if (*p == rec) {
            *p = rec->next;
            return;
        }
    }
}

static void release(ix_record *rec)
{
    if (--rec->refs > 0) return;
    unlink_record(rec->host, rec);
    free(rec);
}

static ix_record *find_record(lua_host *host, int64_t handle)
{
    for (ix_record *rec = host->interactions; rec; rec = rec->next)
        if (rec->handle == handle) return rec;
    return NULL;
}

static void free_files(answer_op *op)
{
    for (size_t i = 0; i < op->file_count; i++) {
        free((char *)op->files[i].filename);
        free((char *)op->files[i].content_type);
        free((char *)op->files[i].data);
    }
    free(op->files);
    op->files = NULL;
    op->file_count = 0;
}

static void free_op(answer_op *op)
{
    ix_record *rec = op->rec;
    free_files(op);
    free(op->payload);
    free(op);
    release(rec);
}

typedef struct answer_result {
    bool ok;
    long status, code;
    char *text; /* the response body when ok, the error message otherwise */
    size_t len;
} answer_result;

static int push_answer_result(lua_State *T, void *data)
{
    answer_result *r = data;
    int n = 0;
    if (T != NULL) {
        if (r->ok) {
            lua_pushboolean(T, 1);
            lua_pushlstring(T, r->text ? r->text : "", r->len);
            n = 2;
        } else {
            lua_pushnil(T);
            lua_pushstring(T, r->text ? r->text : "failed");
            lua_pushinteger(T, r->status);
            lua_pushinteger(T, r->code);
            n = 4;
        }
    }
    free(r->text);
    free(r);
    return n;
}

/* Hands the script waiting on `op` (true, body) or (nil, message, status, code) when it next resumes. */
static void finish_op(answer_op *op, bool ok, const char *body, size_t body_len, const char *message, long status,
                      long code)
{
    lua_task *task = op->task;
    if (task != NULL) {
        answer_result *r = calloc(1, sizeof *r);
        const char *text = ok ? body : message;
        size_t len = ok ? body_len : (message ? strlen(message) : 0);
        if (r != NULL) {
            *r = (answer_result){ .ok = ok, .status = status, .code = code };
            if (text != NULL && (r->text = malloc(len + 1)) != NULL) {
                memcpy(r->text, text, len);
                r->text[len] = '\0';
                r->len = len;
            }
            lua_task_wake_later(task, push_answer_result, r);
        } else {
            lua_task_release_op(task);
        }
    } else if (!ok) {
        log_warn("interaction", "%s: the core's own answer failed: %s", op->rec->label, message);
    }
    free_op(op);
}

static void retry_waiting(ix_record *rec)
{
    answer_op *op = rec->waiting_head;
    rec->waiting_head = rec->waiting_tail = NULL;
    while (op != NULL) {
        answer_op *next = op->next;
        op->next = NULL;
        run_answer(op);
        op = next;
    }
}

typedef struct rest_call {
    answer_op *op;
    bool initial;
} rest_call;

static void on_rest_done(const discord_result *res, void *user)
{
    rest_call *call = user;
    answer_op *op = call->op;
    ix_record *rec = op->rec;
    rec->refs++; /* held across finish_op, which may drop the op's reference */
    bool ok = res->error == HTTP_OK && res->status >= 200 && res->status < 300;
    if (call->initial && !ok && res->error == HTTP_OK && res->status == 400) {
        ix_initial_refused(&rec->machine);
        /* Still unanswered: the guard watches the deadline again (at once if it has passed). */
        uint64_t now = uv_now(rec->host->loop);
        if (!uv_is_closing((uv_handle_t *)&rec->guard))
            uv_timer_start(&rec->guard, on_guard, rec->machine.guard_at_ms > now ? rec->machine.guard_at_ms - now : 0,
                           0);
    } else if (call->initial) {
        ix_initial_done(&rec->machine, ok);
    }
    char message[512];
    if (!ok) {
        if (res->error != HTTP_OK)
            snprintf(message, sizeof message, "%s", res->error_message);
        else if (res->discord_code == 10062)
            snprintf(message, sizeof message, "Discord no longer knows this interaction (10062): the answer came "
                                              "after the 3 s deadline or the 15 min token expired");
        else
            snprintf(message, sizeof message, "Discord answered %ld: %.*s", res->status,
                     (int)(res->body_len > 400 ? 400 : res->body_len), res->body);
        log_warn("interaction", "%s: %s", rec->label, message);
    }
    finish_op(op, ok, res->body, res->body_len, ok ? NULL : message, res->status, res->discord_code);
    if (call->initial) retry_waiting(rec);
    free(call);
    release(rec);
}

static void send_rest(ix_record *rec, answer_op *op, const char *method, const char *path, const char *json,
                      size_t json_len, bool initial)
{
    rest_call *call = malloc(sizeof *call);
    if (call == NULL) {
        if (initial) ix_initial_done(&rec->machine, false);
        finish_op(op, false, NULL, 0, "out of memory", 0, 0);
        return;
    }
    *call = (rest_call){ op, initial };
    /* Past Discord's 3 s (initial answer) or the token's 15 min, queueing behind a rate limit is pointless:
     * the limiter then fails the request at once instead of sending it late. */
    uint64_t deadline = initial ? rec->machine.guard_at_ms + (3000 - IX_GUARD_AFTER_MS) : rec->machine.token_expires_ms;
    discord_request req = { .method = method, .path = path, .json = json, .json_len = json_len,
                            .files = op->files, .file_count = op->file_count, .deadline_ms = deadline };
    discord_rest_send(rec->host->rest, &req, on_rest_done, call);
}

/* Wraps a message payload into an interaction response: {"type":T,"data":payload}. */
static char *callback_body(int type, const char *payload, size_t payload_len, size_t *out_len)
{
    size_t cap = payload_len + 32;
    char *body = malloc(cap);
    if (body == NULL) return NULL;
    int n = payload_len ? snprintf(body, cap, "{\"type\":%d,\"data\":%.*s}", type, (int)payload_len, payload)
                        : snprintf(body, cap, "{\"type\":%d}", type);
    *out_len = (size_t)n;
    return body;
}

static void run_answer(answer_op *op)
{
    ix_record *rec = op->rec;
    lua_host *host = rec->host;
    uint64_t now = uv_now(host->loop);
    ix_decision d;
    if (op->task == NULL && op->callback_type != 0)
        d = (ix_decision){ .action = IX_SEND_CALLBACK, .callback_type = op->callback_type };
    else
        d = ix_decide(&rec->machine, op->ask, now);
    if (host->rest == NULL && d.action != IX_REFUSE && d.action != IX_WAIT && d.action != IX_NOTHING) {
        finish_op(op, false, NULL, 0, "Discord is not connected in this host", 0, 0);
        return;
    }
    char path[700];
    switch (d.action) {
    case IX_SEND_CALLBACK: {
        size_t len;
        char *body = callback_body(d.callback_type, op->payload, op->payload_len, &len);
        if (body == NULL) {
            finish_op(op, false, NULL, 0, "out of memory", 0, 0);
            return;
        }
        ix_initial_sent(&rec->machine, d.callback_type);
        uv_timer_stop(&rec->guard);
        snprintf(path, sizeof path, "/interactions/%s/%s/callback", rec->id, rec->token);
        send_rest(rec, op, "POST", path, body, len, true);
        free(body);
        return;
    }
    case IX_SEND_EDIT_ORIGINAL:
        snprintf(path, sizeof path, "/webhooks/%s/%s/messages/@original", rec->app_id, rec->token);
        send_rest(rec, op, "PATCH", path, op->payload, op->payload_len, false);
        return;
    case IX_SEND_FOLLOWUP:
        snprintf(path, sizeof path, "/webhooks/%s/%s", rec->app_id, rec->token);
        send_rest(rec, op, "POST", path, op->payload, op->payload_len, false);
        return;
    case IX_WAIT:
        if (rec->waiting_tail) rec->waiting_tail->next = op;
        else rec->waiting_head = op;
        rec->waiting_tail = op;
        return;
    case IX_NOTHING:
        finish_op(op, true, NULL, 0, NULL, 0, 0);
        return;
    case IX_REFUSE:
        finish_op(op, false, NULL, 0, d.reason ? d.reason : "not possible now", 0, 0);
        return;
    }
}

static answer_op *new_op(ix_record *rec, lua_task *task, ix_ask ask, const char *payload, size_t len)
{
    answer_op *op = calloc(1, sizeof *op);
    if (op == NULL) return NULL;
    rec->refs++; /* an answer keeps its record alive until it has been sent and reported */
    op->rec = rec;
    op->task = task;
    op->ask = ask;
    if (payload != NULL && len > 0) {
        op->payload = malloc(len + 1);
        if (op->payload == NULL) {
            free_op(op);
            return NULL;
        }
        memcpy(op->payload, payload, len);
        op->payload[len] = '\0';
        op->payload_len = len;
    }
    return op;
}

/* The core answers by itself: the guard's defer, or a notice after a failed task. */
static void core_callback(ix_record *rec, int callback_type, const char *payload)
{
    answer_op *op = new_op(rec, NULL, IX_ASK_REPLY, payload, payload ? strlen(payload) : 0);
    if (op == NULL) return;
    op->callback_type = callback_type;
    run_answer(op);
}

static void on_guard(uv_timer_t *timer)
{
    ix_record *rec = timer->data;
    ix_decision d = ix_guard(&rec->machine, uv_now(rec->host->loop));
    if (d.action != IX_SEND_CALLBACK) return;
    log_info("interaction", "%s: handler still busy after %d ms, acknowledging for it", rec->label,
             IX_GUARD_AFTER_MS);
    rec->host->stats.guard_defers++;
    const char *payload = d.callback_type == IXR_CHOICES ? "{\"choices\":[]}"
                          : d.ephemeral                  ? "{\"flags\":64}"
                                                         : NULL;
    core_callback(rec, d.callback_type, payload);
}

static void on_guard_closed(uv_handle_t *handle)
{
    release(handle->data);
}

/* A failed or killed task still owes the user an answer: an ephemeral notice, whatever state we are in. */
static void on_task_done(int64_t task_id, bool ok, const char *error, void *user)
{
    (void)task_id;
    ix_record *rec = user;
    rec->task_done = true;
    if (!ok) {
        log_error("interaction", "%s failed: %s", rec->label, error);
        const char *first_line_end = strchr(error, '\n');
        int first_len = first_line_end ? (int)(first_line_end - error) : (int)strlen(error);
        if (first_len > 300) first_len = 300;
        char payload[1024];
        char safe[320];
        /* JSON-escape the short reason by hand: it is a Lua error message, so quotes and backslashes occur. */
        size_t j = 0;
        for (int i = 0; i < first_len && j + 2 < sizeof safe; i++) {
            char c = error[i];
            if (c == '"' || c == '\\') safe[j++] = '\\';
            safe[j++] = (unsigned char)c < 0x20 ? ' ' : c;
        }
        safe[j] = '\0';
        snprintf(payload, sizeof payload,
                 "{\"flags\":64,\"allowed_mentions\":{\"parse\":[]},\"embeds\":[{\"title\":\"Something went wrong\","
                 "\"description\":\"%s failed and the error was logged.\\n```%s```\",\"color\":%d}]}",
                 rec->label, safe, ERROR_EMBED_COLOR);
        ix_ask ask = rec->machine.type == IX_AUTOCOMPLETE ? IX_ASK_CHOICES : IX_ASK_REPLY;
        if (ask == IX_ASK_CHOICES) snprintf(payload, sizeof payload, "{\"choices\":[]}");
        answer_op *op = new_op(rec, NULL, ask, payload, strlen(payload));
        if (op != NULL) run_answer(op);
    }
    if (rec->machine.state != IXS_NEW || !ok) uv_timer_stop(&rec->guard);
    if (!uv_is_closing((uv_handle_t *)&rec->guard)) uv_close((uv_handle_t *)&rec->guard, on_guard_closed);
    release(rec);
}

/* ---- the binding scripts use ---- */

static int ask_from_name(const char *name, ix_ask *out)
{
    static const struct { const char *name; ix_ask ask; } asks[] = {
        { "reply", IX_ASK_REPLY }, { "update", IX_ASK_UPDATE }, { "defer", IX_ASK_DEFER },
        { "modal", IX_ASK_MODAL }, { "choices", IX_ASK_CHOICES }, { "edit", IX_ASK_EDIT },
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        if (strcmp(name, asks[i].name) == 0) {
            *out = asks[i].ask;
            return 0;
        }
    }
    return -1;
}

/* host.start_answer(handle, ask, payload_json): an answer op for the running task. */
static char *copy_bytes(const char *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, data, len);
        copy[len] = '\0';
    }
    return copy;
}

/* files: { {name=, data=, content_type=}, ... } copied into the op (it may wait behind the initial
 * answer). On failure pushes a message and returns -1. */
static int copy_files(lua_State *L, int idx, answer_op *op)
{
    static const char *const fields[MAX_ANSWER_FILES] = { "files[0]", "files[1]", "files[2]", "files[3]",
                                                          "files[4]", "files[5]", "files[6]", "files[7]",
                                                          "files[8]", "files[9]" };
    if (!lua_istable(L, idx)) return lua_pushstring(L, "files must be a list of {name=, data=}"), -1;
    size_t n = (size_t)lua_rawlen(L, idx);
    if (n == 0) return 0;
    if (n > MAX_ANSWER_FILES) return lua_pushfstring(L, "at most %d files per message", MAX_ANSWER_FILES), -1;
    if ((op->files = calloc(n, sizeof *op->files)) == NULL) return lua_pushstring(L, "out of memory"), -1;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        if (!lua_istable(L, -1)) return lua_pushfstring(L, "files[%d] must be a table", (int)i + 1), -1;
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "data");
        lua_getfield(L, -3, "content_type");
        size_t len = 0;
        const char *name = lua_tostring(L, -3), *data = lua_tolstring(L, -2, &len), *type = lua_tostring(L, -1);
        if (name == NULL || data == NULL || name[0] == '\0' || strlen(name) > 200 || strpbrk(name, "/\\\"\r\n"))
            return lua_pushfstring(L, "files[%d] needs a plain file name and string data", (int)i + 1), -1;
        if (len > MAX_ANSWER_FILE_BYTES) return lua_pushfstring(L, "files[%d] is over 25 MiB", (int)i + 1), -1;
        http_part *part = &op->files[op->file_count++];
        part->name = fields[i];
        part->filename = copy_bytes(name, strlen(name));
        part->content_type = type ? copy_bytes(type, strlen(type)) : NULL;
        part->data = copy_bytes(data, len);
        part->len = len;
        lua_pop(L, 4);
        if (part->filename == NULL || part->data == NULL || (type != NULL && part->content_type == NULL))
            return lua_pushstring(L, "out of memory"), -1;
    }
    return 0;
}

int lua_interactions_start_answer(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    if (host->current == NULL) return luaL_error(L, "answers can only be sent from a handler");
    ix_record *rec = find_record(host, luaL_checkinteger(L, 1));
    if (rec == NULL) return luaL_error(L, "this interaction is finished; its handler returned already");
    ix_ask ask;
    if (ask_from_name(luaL_checkstring(L, 2), &ask) != 0) return luaL_error(L, "unknown answer kind");
    size_t len = 0;
    const char *payload = luaL_optlstring(L, 3, NULL, &len);
    answer_op *op = new_op(rec, host->current, ask, payload, len);
    if (op == NULL) return luaL_error(L, "out of memory");
    if (!lua_isnoneornil(L, 4) && copy_files(L, 4, op) != 0) {
        free_op(op);
        return luaL_error(L, "%s", lua_tostring(L, -1));
    }
    host->current->pending_ops++;
    run_answer(op);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- receipt ---- */

static void copy_field(lua_State *L, int table, const char *name, char *out, size_t cap)
{
    lua_getfield(L, table, name);
    const char *value = lua_tostring(L, -1);
    snprintf(out, cap, "%s", value ? value : "");
    lua_pop(L, 1);
}

static void describe(lua_State *L, int table, int type, char *out, size_t cap)
{
    lua_getfield(L, table, "data");
    int data = lua_gettop(L);
    const char *key = type == IX_COMPONENT || type == IX_MODAL_SUBMIT ? "custom_id" : "name";
    const char *value = lua_istable(L, data) && lua_getfield(L, data, key) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    if (type == IX_COMPONENT) snprintf(out, cap, "component %.40s", value);
    else if (type == IX_MODAL_SUBMIT) snprintf(out, cap, "modal %.40s", value);
    else if (type == IX_AUTOCOMPLETE) snprintf(out, cap, "autocomplete /%.32s", value);
    else snprintf(out, cap, "/%.40s", value);
    lua_settop(L, data - 1);
}

/* A command may declare `ephemeral = true`: then a guard defer keeps its answer private too. */
static bool command_is_ephemeral(lua_State *L, int table)
{
    int top = lua_gettop(L);
    bool ephemeral = false;
    if (lua_getfield(L, table, "data") == LUA_TTABLE && lua_getfield(L, -1, "name") == LUA_TSTRING) {
        lua_getfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
        if (lua_getfield(L, -1, "commands") == LUA_TTABLE) {
            lua_pushvalue(L, top + 2);
            if (lua_gettable(L, -2) == LUA_TTABLE) {
                lua_getfield(L, -1, "ephemeral");
                ephemeral = lua_toboolean(L, -1);
            }
        }
    }
    lua_settop(L, top);
    return ephemeral;
}

int lua_host_interaction(lua_host *host, const char *json, size_t len, char *err, size_t errlen)
{
    lua_State *L = host->L;
    int top = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "cjson");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "decode");
    lua_pushlstring(L, json, len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
        snprintf(err, errlen, "INTERACTION_CREATE is not a JSON object");
        lua_settop(L, top);
        return -1;
    }
    int t = lua_gettop(L);
    ix_record *rec = calloc(1, sizeof *rec);
    if (rec == NULL) {
        snprintf(err, errlen, "out of memory");
        lua_settop(L, top);
        return -1;
    }
    copy_field(L, t, "id", rec->id, sizeof rec->id);
    copy_field(L, t, "token", rec->token, sizeof rec->token);
    copy_field(L, t, "application_id", rec->app_id, sizeof rec->app_id);
    lua_getfield(L, t, "type");
    int type = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (rec->id[0] == '\0' || rec->token[0] == '\0' || type < IX_COMMAND || type > IX_MODAL_SUBMIT) {
        snprintf(err, errlen, "interaction without id, token or a known type (%d)", type);
        free(rec);
        lua_settop(L, top);
        return -1;
    }
    describe(L, t, type, rec->label, sizeof rec->label);
    rec->host = host;
    rec->handle = ++host->next_interaction;
    uint64_t now = uv_now(host->loop);
    uv_timeval64_t tv;
    uv_gettimeofday(&tv);
    ix_init(&rec->machine, type, now, (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000,
            ix_snowflake_unix_ms(rec->id));
    rec->machine.ephemeral_default = type == IX_COMMAND && command_is_ephemeral(L, t);
    rec->refs = 2; /* the task and the guard timer; each answer op adds its own */
    uv_timer_init(host->loop, &rec->guard);
    rec->guard.data = rec;
    uv_timer_start(&rec->guard, on_guard, rec->machine.guard_at_ms > now ? rec->machine.guard_at_ms - now : 0, 0);
    rec->next = host->interactions;
    host->interactions = rec;
    host->stats.interactions++;

    if (lua_push_entry(host, "core.dispatch", "interaction", err, errlen) != 0) {
        lua_settop(L, top);
        on_task_done(0, false, err, rec);
        return -1;
    }
    lua_pushvalue(L, t);
    lua_pushinteger(L, rec->handle);
    if (lua_task_start(host, 2, rec->label, on_task_done, rec) < 0) {
        lua_settop(L, top);
        on_task_done(0, false, "out of memory", rec);
        return -1;
    }
    lua_settop(L, top);
    return 0;
}
