#include "discord_rest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "id_table.h"
#include "log.h"

#define DEFAULT_TIMEOUT_MS 15000u
#define URL_MAX 2048
#define MAX_FILES 10
#define GC_INTERVAL_MS 60000u

/* One request from submission to its callback: a private copy of everything, since a 429 sends it again. */
typedef struct pending {
    discord_rest *rest;        /* NULL once the client is gone (an orphaned in-flight request) */
    uint64_t id;
    uint64_t http_id;          /* non-zero while in flight */
    char *method, *path, *json, *audit_reason;
    size_t json_len;
    http_part files[MAX_FILES];
    size_t file_count;
    uint32_t timeout_ms;
    discord_done_fn done;
    void *user;
    const char *local_error;   /* set: fails from the loop with this message */
    http_error local_kind;
    struct pending *next_failed;
} pending;

struct discord_rest {
    uv_loop_t *loop;
    http_client *http;
    char *api_base;
    char *authorization;       /* "Bot <token>" */
    rl_limiter *rl;
    id_table requests;         /* id -> pending, queued or in flight */
    pending *failed_head, *failed_tail;
    uint64_t next_id;
    uv_timer_t wake;           /* the limiter's next wakeup, or 0 ms to deliver local failures */
    uv_timer_t gc;
    int open_handles;
    bool closed;               /* destroyed, or the HTTP client shut down: nothing more is sent */
    bool pumping, pump_again;
    discord_rest_stats stats;
};

/* ---- pending records ---- */

static char *copy_bytes(const char *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL) return NULL;
    if (len) memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

static void free_pending(pending *p)
{
    free(p->method);
    free(p->path);
    free(p->json);
    free(p->audit_reason);
    for (size_t i = 0; i < p->file_count; i++) {
        free((char *)p->files[i].name);
        free((char *)p->files[i].filename);
        free((char *)p->files[i].content_type);
        free((char *)p->files[i].data);
    }
    free(p);
}

static pending *copy_request(const discord_request *req)
{
    pending *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->method = strdup(req->method);
    p->path = strdup(req->path);
    p->json = req->json ? copy_bytes(req->json, req->json_len) : NULL;
    p->json_len = req->json ? req->json_len : 0;
    p->audit_reason = req->audit_reason ? strdup(req->audit_reason) : NULL;
    bool ok = p->method && p->path && (p->json || !req->json) && (p->audit_reason || !req->audit_reason);
    size_t files = req->file_count > MAX_FILES ? MAX_FILES : req->file_count;
    for (size_t i = 0; ok && i < files; i++) {
        const http_part *f = &req->files[i];
        http_part *c = &p->files[p->file_count++];
        c->name = strdup(f->name);
        c->filename = f->filename ? strdup(f->filename) : NULL;
        c->content_type = f->content_type ? strdup(f->content_type) : NULL;
        c->data = copy_bytes(f->data, f->len);
        c->len = f->len;
        ok = c->name && c->data && (c->filename || !f->filename) && (c->content_type || !f->content_type);
    }
    p->timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (!ok) {
        free_pending(p);
        return NULL;
    }
    return p;
}

static void on_wake(uv_timer_t *timer);

static void arm_now(discord_rest *rest) { uv_timer_start(&rest->wake, on_wake, 0, 0); }

/* ---- delivery ---- */

static void deliver_error(pending *p, http_error kind, const char *message)
{
    discord_result result = { .error = kind, .error_message = message, .body = "" };
    p->done(&result, p->user);
    free_pending(p);
}

/* Local failures go out from the loop, never from inside discord_rest_send. */
static void fail_later(discord_rest *rest, pending *p, http_error kind, const char *message)
{
    p->local_error = message;
    p->local_kind = kind;
    p->next_failed = NULL;
    if (rest->failed_tail) rest->failed_tail->next_failed = p;
    else rest->failed_head = p;
    rest->failed_tail = p;
    arm_now(rest);
}

/* Discord error bodies are {"code": N, "message": "..."}; the code tells 10062 (unknown interaction) from
 * 40060 (already acknowledged) and so on. A small scan is enough: the code is a top-level integer. */
static long error_code_of(const char *body, size_t len)
{
    const char *key = "\"code\"";
    const char *end = body + len;
    for (const char *p = body; p + 6 < end; p++) {
        if (memcmp(p, key, 6) != 0) continue;
        p += 6;
        while (p < end && (*p == ' ' || *p == ':')) p++;
        return strtol(p, NULL, 10);
    }
    return 0;
}

static bool is_token_route(const char *path)
{
    return strncmp(path, "/interactions/", 14) == 0 || strncmp(path, "/webhooks/", 10) == 0;
}

/* The path for a log line: an interaction or webhook token is a credential for 15 minutes, so it is
 * replaced by "***" in the log. */
static const char *loggable_path(const char *path, char *buf, size_t cap)
{
    const char *rest = NULL;
    if (strncmp(path, "/webhooks/", 10) == 0) rest = path + 10;
    else if (strncmp(path, "/interactions/", 14) == 0) rest = path + 14;
    const char *slash = rest ? strchr(rest, '/') : NULL;
    if (slash == NULL) return path;
    const char *after = strchr(slash + 1, '/');
    snprintf(buf, cap, "%.*s***%s", (int)(slash + 1 - path), path, after ? after : "");
    return buf;
}

/* ---- the pump: the limiter decides, this sends ---- */

static void pump(discord_rest *rest);

static void on_http_done(const http_response *res, void *user);

static void start_transfer(discord_rest *rest, pending *p)
{
    char url[URL_MAX];
    if (snprintf(url, sizeof url, "%s%s", rest->api_base, p->path) >= (int)sizeof url) {
        rl_cancel(rest->rl, p->id, uv_now(rest->loop));
        id_table_take(&rest->requests, p->id);
        fail_later(rest, p, HTTP_ERR_OTHER, "request path too long");
        return;
    }
    http_header headers[4];
    size_t count = 0;
    if (!is_token_route(p->path)) headers[count++] = (http_header){ "Authorization", rest->authorization };
    if (p->json != NULL && p->file_count == 0) headers[count++] = (http_header){ "Content-Type", "application/json" };
    if (p->audit_reason != NULL) headers[count++] = (http_header){ "X-Audit-Log-Reason", p->audit_reason };
    http_part parts[MAX_FILES + 1];
    size_t part_count = 0;
    if (p->file_count > 0) {
        parts[part_count++] = (http_part){ .name = "payload_json", .content_type = "application/json",
                                           .data = p->json ? p->json : "{}", .len = p->json ? p->json_len : 2 };
        for (size_t i = 0; i < p->file_count; i++) parts[part_count++] = p->files[i];
    }
    http_request hreq = {
        .method = p->method, .url = url, .headers = headers, .header_count = count,
        .body = part_count ? NULL : p->json, .body_len = part_count ? 0 : p->json_len,
        .parts = parts, .part_count = part_count, .timeout_ms = p->timeout_ms,
        /* Only reads are retried on 5xx or a dropped connection: a repeated POST is a duplicate message. */
        .max_retries = strcmp(p->method, "GET") == 0 ? 3 : 0,
    };
    rest->stats.requests++;
    p->http_id = UINT64_MAX; /* in flight from here on */
    uint64_t id = http_send(rest->http, &hreq, on_http_done, p);
    if (id != 0) p->http_id = id; /* 0: it failed at once and p is already gone */
}

static void on_wake(uv_timer_t *timer)
{
    discord_rest *rest = timer->data;
    if (rest->rl != NULL) pump(rest);
}

static void arm(discord_rest *rest)
{
    if (rest->closed) return;
    if (rest->failed_head) {
        arm_now(rest);
        return;
    }
    uint64_t delay = rl_next_wakeup(rest->rl, uv_now(rest->loop));
    if (delay == RL_NEVER) uv_timer_stop(&rest->wake);
    else uv_timer_start(&rest->wake, on_wake, delay, 0);
}

static uint64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pump(discord_rest *rest)
{
    if (rest->pumping) { /* a callback submitted or finished something: go round once more */
        rest->pump_again = true;
        return;
    }
    rest->pumping = true;
    do {
        rest->pump_again = false;
        while (rest->failed_head) {
            pending *p = rest->failed_head;
            rest->failed_head = p->next_failed;
            if (rest->failed_head == NULL) rest->failed_tail = NULL;
            deliver_error(p, p->local_kind, p->local_error);
        }
        if (rest->closed) break;
        uint64_t now = uv_now(rest->loop);
        rl_set_wall_clock(rest->rl, now, unix_ms());
        rl_ticket ticket;
        while (!rest->closed && rl_next_ready(rest->rl, now, &ticket)) {
            pending *p = id_table_get(&rest->requests, ticket.request_id);
            if (p == NULL) continue;
            if (ticket.action == RL_SEND) {
                start_transfer(rest, p);
                continue;
            }
            id_table_take(&rest->requests, p->id);
            char why[160], message[400], shown[300];
            rl_describe_failure(&ticket.failure, why, sizeof why);
            snprintf(message, sizeof message, "%s %s not sent: %s", p->method,
                     loggable_path(p->path, shown, sizeof shown), why);
            if (ticket.failure.reason == RL_FAIL_TOKEN_INVALID)
                snprintf(message, sizeof message,
                         "the bot token was rejected by Discord (401); fix DISCORD_TOKEN and restart");
            else
                log_warn("discord", "%s", message);
            deliver_error(p, HTTP_ERR_OTHER, message);
        }
    } while (rest->pump_again || rest->failed_head);
    rest->pumping = false;
    arm(rest);
}

/* ---- responses ---- */

static void note_429(const pending *p, const rl_result *detail)
{
    char shown[300];
    const char *path = loggable_path(p->path, shown, sizeof shown);
    if (detail->scope == RL_SCOPE_CLOUDFLARE)
        log_error("discord", "Cloudflare blocked this IP (429 with an HTML page) on %s %s: too many invalid "
                             "requests; pausing all requests for %llu s", p->method, path,
                  (unsigned long long)(detail->retry_after_ms / 1000));
    else
        log_warn("discord", "rate limited (429, %s scope%s) on %s %s; retrying in %llu ms",
                 rl_scope_name(detail->scope), detail->sublimit ? ", a sub-limit" : "", p->method, path,
                 (unsigned long long)detail->retry_after_ms);
}

static void on_http_done(const http_response *res, void *user)
{
    pending *p = user;
    discord_rest *rest = p->rest;
    p->http_id = 0;
    if (rest == NULL) { /* the client was destroyed while this was in flight */
        deliver_error(p, HTTP_ERR_SHUTDOWN, "the bot is shutting down");
        return;
    }
    uint64_t now = uv_now(rest->loop);
    if (res->error != HTTP_OK) {
        rest->stats.transport_errors++;
        rl_transport_error(rest->rl, p->id, now, false); /* the HTTP layer already retried what was safe */
        id_table_take(&rest->requests, p->id);
        if (res->error == HTTP_ERR_SHUTDOWN) rest->closed = true;
        deliver_error(p, res->error, res->error_message);
        if (!rest->closed) pump(rest);
        return;
    }
    rl_response r;
    rl_response_init(&r, (int)res->status);
    for (size_t i = 0; i < res->header_count; i++) rl_parse_header(&r, res->headers[i].name, res->headers[i].value);
    if (res->status == 429) rl_parse_body(&r, res->body, res->body_len);
    rl_result detail;
    rl_outcome outcome = rl_complete(rest->rl, p->id, now, &r, &detail);
    if (detail.token_invalidated)
        log_error("discord", "Discord answered 401 Unauthorized: the bot token is invalid or was reset; "
                             "further requests are refused locally until restart");
    if (res->status == 429) note_429(p, &detail);
    if (outcome == RL_REQUEUE) { /* it comes out of the limiter again once the wait is over */
        pump(rest);
        return;
    }
    id_table_take(&rest->requests, p->id);
    if (outcome == RL_FAILED_LOCALLY) {
        char why[160], message[400], shown[300];
        rl_describe_failure(&detail.failure, why, sizeof why);
        snprintf(message, sizeof message, "%s %s rate limited by Discord and not retried: %s", p->method,
                 loggable_path(p->path, shown, sizeof shown), why);
        deliver_error(p, HTTP_ERR_OTHER, message);
    } else {
        rest->stats.answered++;
        rest->stats.total_latency_ms += res->elapsed_ms;
        discord_result result = {
            .error = HTTP_OK, .status = res->status, .body = res->body, .body_len = res->body_len,
            .elapsed_ms = res->elapsed_ms,
        };
        if (res->status >= 400) result.discord_code = error_code_of(res->body, res->body_len);
        p->done(&result, p->user);
        free_pending(p);
    }
    pump(rest);
}

/* ---- lifecycle ---- */

static void on_gc(uv_timer_t *timer)
{
    discord_rest *rest = timer->data;
    rl_gc(rest->rl, uv_now(rest->loop));
}

discord_rest *discord_rest_create(uv_loop_t *loop, http_client *http, const char *api_base, const char *token,
                                  const rl_config *limits)
{
    discord_rest *rest = calloc(1, sizeof *rest);
    if (rest == NULL) return NULL;
    rest->loop = loop;
    rest->http = http;
    rest->api_base = strdup(api_base);
    size_t auth_len = strlen(token) + 5;
    rest->authorization = malloc(auth_len);
    rest->rl = rl_create(limits);
    if (rest->api_base == NULL || rest->authorization == NULL || rest->rl == NULL) {
        if (rest->authorization) rest->authorization[0] = '\0';
        free(rest->authorization);
        free(rest->api_base);
        rl_destroy(rest->rl);
        free(rest);
        return NULL;
    }
    snprintf(rest->authorization, auth_len, "Bot %s", token);
    uv_timer_init(loop, &rest->wake);
    uv_timer_init(loop, &rest->gc);
    rest->wake.data = rest->gc.data = rest;
    rest->open_handles = 2;
    uv_timer_start(&rest->gc, on_gc, GC_INTERVAL_MS, GC_INTERVAL_MS);
    uv_unref((uv_handle_t *)&rest->gc);
    return rest;
}

static void on_handle_closed(uv_handle_t *handle)
{
    discord_rest *rest = handle->data;
    if (--rest->open_handles == 0) free(rest);
}

static void end_request(uint64_t id, void *value, void *ud)
{
    (void)id;
    (void)ud;
    pending *p = value;
    if (p->http_id != 0) {
        /* Still in flight: the HTTP layer reports it later; the record outlives the client. */
        http_cancel(p->rest->http, p->http_id);
        p->rest = NULL;
        return;
    }
    deliver_error(p, HTTP_ERR_SHUTDOWN, "the bot is shutting down");
}

void discord_rest_destroy(discord_rest *rest)
{
    if (rest == NULL) return;
    rest->closed = true;
    rest->pumping = true; /* callbacks below must not pump */
    while (rest->failed_head) {
        pending *p = rest->failed_head;
        rest->failed_head = p->next_failed;
        deliver_error(p, p->local_kind, p->local_error);
    }
    id_table requests = rest->requests;
    rest->requests = (id_table){ 0 };
    id_table_each(&requests, end_request, NULL);
    id_table_free(&requests);
    rl_destroy(rest->rl);
    rest->rl = NULL;
    memset(rest->authorization, 0, strlen(rest->authorization));
    free(rest->authorization);
    free(rest->api_base);
    uv_close((uv_handle_t *)&rest->wake, on_handle_closed);
    uv_close((uv_handle_t *)&rest->gc, on_handle_closed);
}

int discord_rest_token_rejected(const discord_rest *rest) { return rl_token_invalid(rest->rl); }

void discord_rest_get_stats(discord_rest *rest, discord_rest_stats *out)
{
    *out = rest->stats;
    rl_get_stats(rest->rl, uv_now(rest->loop), &out->limits);
}

void discord_rest_send(discord_rest *rest, const discord_request *req, discord_done_fn done, void *user)
{
    pending *p = copy_request(req);
    if (p == NULL) {
        discord_result result = { .error = HTTP_ERR_OTHER, .error_message = "out of memory", .body = "" };
        done(&result, user);
        return;
    }
    p->rest = rest;
    p->done = done;
    p->user = user;
    p->id = ++rest->next_id;
    if (rest->closed) {
        fail_later(rest, p, HTTP_ERR_SHUTDOWN, "the bot is shutting down");
        return;
    }
    uint64_t now = uv_now(rest->loop);
    int rc = rl_submit(rest->rl, p->id, now, p->method, p->path, 0, req->deadline_ms);
    if (rc == RL_OK && id_table_put(&rest->requests, p->id, p) != 0) {
        rl_cancel(rest->rl, p->id, now);
        rc = RL_ERR_NOMEM;
    }
    if (rc != RL_OK) {
        fail_later(rest, p, HTTP_ERR_OTHER, rc == RL_ERR_NOMEM ? "out of memory" : "not a Discord API path");
        return;
    }
    /* Sent from the loop: the caller's own state is complete before any answer can arrive. */
    arm_now(rest);
}
