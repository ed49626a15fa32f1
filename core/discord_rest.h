/* Discord REST: builds requests against DISCORD_API_BASE with the bot's authorization, passes them through
 * Discord's rate limiter (ratelimit.h) and then the HTTP layer, and reports Discord's answer (status, body,
 * and for errors the JSON error code). A 429 puts the request back in its queue (the caller never sees it);
 * a request that would wait past its deadline, or any request after a 401, fails here with a clear message.
 * Every request ends in exactly one callback, never from inside discord_rest_send. Routes under
 * /interactions and /webhooks/{app}/{token} carry no Authorization header (Discord authenticates them by the
 * token in the path) and are kept off the global limit. */
#ifndef PEON_DISCORD_REST_H
#define PEON_DISCORD_REST_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "http.h"
#include "ratelimit.h"

typedef struct discord_rest discord_rest;

typedef struct discord_result {
    http_error error;           /* HTTP_OK when Discord answered (any status) */
    const char *error_message;  /* transport error or "token rejected" etc.; NULL when Discord answered */
    long status;
    const char *body;
    size_t body_len;
    long discord_code;          /* the JSON "code" of an error body, 0 when none */
    double elapsed_ms;
} discord_result;

typedef void (*discord_done_fn)(const discord_result *result, void *user);

typedef struct discord_request {
    const char *method;
    const char *path;           /* after the base, e.g. "/channels/123/messages" */
    const char *json;           /* NULL: no body */
    size_t json_len;
    const http_part *files;     /* sent as multipart with the JSON as payload_json */
    size_t file_count;
    const char *audit_reason;   /* X-Audit-Log-Reason, NULL for none */
    uint32_t timeout_ms;        /* 0: 15 s */
    uint64_t deadline_ms;       /* loop time (uv_now) after which the answer is useless, or 0 */
} discord_request;

typedef struct discord_rest_stats {
    rl_stats limits;            /* queued, in flight, 429s by scope, failed locally, ... */
    uint64_t requests, answered, transport_errors;
    double total_latency_ms;    /* over answered requests: send to answer, without queueing */
} discord_rest_stats;

/* limits: NULL = Discord's defaults (50 requests/s global, ...). */
discord_rest *discord_rest_create(uv_loop_t *loop, http_client *http, const char *api_base, const char *token,
                                  const rl_config *limits);
/* Requests still queued fail with HTTP_ERR_SHUTDOWN; destroy the HTTP client first (it ends those in
 * flight). The handles close on the loop. */
void discord_rest_destroy(discord_rest *rest);
void discord_rest_send(discord_rest *rest, const discord_request *request, discord_done_fn done, void *user);

/* After a 401 the token is known to be bad: later requests fail here instead of hitting Discord. */
int discord_rest_token_rejected(const discord_rest *rest);
void discord_rest_get_stats(discord_rest *rest, discord_rest_stats *out);

#endif
