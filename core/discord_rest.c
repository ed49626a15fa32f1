#include "discord_rest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DEFAULT_TIMEOUT_MS 15000u
#define URL_MAX 2048

struct discord_rest {
    http_client *http;
    char *api_base;
    char *authorization;  /* "Bot <token>" */
    bool token_rejected;
};

typedef struct pending {
    discord_rest *rest;
    discord_done_fn done;
    void *user;
} pending;

discord_rest *discord_rest_create(http_client *http, const char *api_base, const char *token)
{
    discord_rest *rest = calloc(1, sizeof *rest);
    if (rest == NULL) return NULL;
    rest->http = http;
    rest->api_base = strdup(api_base);
    size_t auth_len = strlen(token) + 5;
    rest->authorization = malloc(auth_len);
    if (rest->api_base == NULL || rest->authorization == NULL) {
        discord_rest_destroy(rest);
        return NULL;
    }
    snprintf(rest->authorization, auth_len, "Bot %s", token);
    return rest;
}

void discord_rest_destroy(discord_rest *rest)
{
    if (rest == NULL) return;
    if (rest->authorization) memset(rest->authorization, 0, strlen(rest->authorization));
    free(rest->authorization);
    free(rest->api_base);
    free(rest);
}

int discord_rest_token_rejected(const discord_rest *rest) { return rest->token_rejected; }

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

static void on_http_done(const http_response *res, void *user)
{
    pending *p = user;
    discord_result result = {
        .error = res->error, .error_message = res->error_message, .status = res->status,
        .body = res->body, .body_len = res->body_len, .elapsed_ms = res->elapsed_ms,
    };
    if (res->error == HTTP_OK && res->status >= 400) result.discord_code = error_code_of(res->body, res->body_len);
    if (res->error == HTTP_OK && res->status == 401 && !p->rest->token_rejected) {
        p->rest->token_rejected = true;
        log_error("discord", "Discord answered 401 Unauthorized: the bot token is invalid or was reset; "
                             "further requests are refused locally until restart");
    }
    p->done(&result, p->user);
    free(p);
}

static void fail_locally(discord_done_fn done, void *user, const char *message)
{
    discord_result result = { .error = HTTP_ERR_OTHER, .error_message = message, .body = "" };
    done(&result, user);
}

void discord_rest_send(discord_rest *rest, const discord_request *req, discord_done_fn done, void *user)
{
    bool token_route = is_token_route(req->path);
    if (rest->token_rejected && !token_route) {
        fail_locally(done, user, "the bot token was rejected by Discord (401); fix DISCORD_TOKEN and restart");
        return;
    }
    char url[URL_MAX];
    if (snprintf(url, sizeof url, "%s%s", rest->api_base, req->path) >= (int)sizeof url) {
        fail_locally(done, user, "request path too long");
        return;
    }
    pending *p = malloc(sizeof *p);
    if (p == NULL) {
        fail_locally(done, user, "out of memory");
        return;
    }
    *p = (pending){ rest, done, user };
    http_header headers[4];
    size_t count = 0;
    if (!token_route) headers[count++] = (http_header){ "Authorization", rest->authorization };
    if (req->json != NULL && req->file_count == 0)
        headers[count++] = (http_header){ "Content-Type", "application/json" };
    if (req->audit_reason != NULL) headers[count++] = (http_header){ "X-Audit-Log-Reason", req->audit_reason };

    http_part parts[11];
    size_t part_count = 0;
    if (req->file_count > 0) {
        size_t files = req->file_count > 10 ? 10 : req->file_count;
        parts[part_count++] = (http_part){ .name = "payload_json", .content_type = "application/json",
                                           .data = req->json ? req->json : "{}",
                                           .len = req->json ? req->json_len : 2 };
        for (size_t i = 0; i < files; i++) parts[part_count++] = req->files[i];
    }
    http_request hreq = {
        .method = req->method, .url = url, .headers = headers, .header_count = count,
        .body = part_count ? NULL : req->json, .body_len = part_count ? 0 : req->json_len,
        .parts = parts, .part_count = part_count,
        .timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS,
        /* Only reads are retried on 5xx or a dropped connection: a repeated POST is a duplicate message. */
        .max_retries = strcmp(req->method, "GET") == 0 ? 3 : 0,
    };
    http_send(rest->http, &hreq, on_http_done, p);
}
