/* Discord's REST rate limits as a state machine: no I/O, no clock reads, no globals, no logging.
 *
 * The HTTP layer submits requests, asks which may be sent now and when to look again, and reports how each
 * one ended. Time is always passed in as monotonic milliseconds, so tests drive it with a fake clock.
 *
 *     rl_submit(rl, id, now, "POST", "/channels/1/messages", 0, 0);
 *     rl_ticket t;
 *     while (rl_next_ready(rl, now, &t))
 *         t.action == RL_SEND ? start_transfer(t.request_id) : fail_request(t.request_id, &t.failure);
 *     uint64_t delay = rl_next_wakeup(rl, now);      // RL_NEVER: stop the timer
 *     ...
 *     rl_response r; rl_response_init(&r, status);
 *     for each header: rl_parse_header(&r, name, value);
 *     if (status == 429) rl_parse_body(&r, body, len);
 *     switch (rl_complete(rl, id, now, &r, &detail)) { DONE: deliver; REQUEUE: nothing (it comes out of
 *         rl_next_ready again); FAILED_LOCALLY: fail it with rl_describe_failure(&detail.failure) }
 *     then drain rl_next_ready and re-arm the timer again.
 *
 * Vocabulary:
 * - route: "METHOD /template" with ids as placeholders, e.g. "POST /channels/{channel_id}/messages".
 * - major: the top-level resource the limit is counted per: "channel_id=1", "guild_id=2", "webhook_id=3",
 *   "webhook_id=3+token#<hash>", "interaction_id=4+token#<hash>" (tokens are kept only as a 64-bit hash).
 * - lane: one route's FIFO for one major. A request never overtakes an earlier one in its lane.
 * - bucket: what Discord counts. Its identity is the learned X-RateLimit-Bucket hash + major. Until a route's
 *   hash is known the route is its own provisional bucket per major. Lanes of routes that turn out to share a
 *   hash are merged into one bucket per major: each lane keeps its order and the bucket sends the lane head
 *   that was submitted first, so the merged order is submission order across those routes.
 * - one request in flight per bucket. A route that answered without any bucket header is unlimited: it may
 *   have up to rl_config.unlimited_in_flight in flight per major, until a 429 makes it serial again.
 *
 * Every request handed out with RL_SEND stays "in flight" until exactly one of rl_complete,
 * rl_transport_error or rl_cancel. A request reported with RL_FAIL (or a FAILED_LOCALLY outcome) is
 * forgotten: its id may be reused. */
#ifndef PEON_RATELIMIT_H
#define PEON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RL_NEVER UINT64_MAX    /* rl_next_wakeup: nothing will become ready by waiting */
#define RL_ROUTE_MAX 256       /* route key incl. method and NUL */
#define RL_MAJOR_MAX 96
#define RL_BUCKET_MAX 72       /* longest X-RateLimit-Bucket value kept + NUL; longer values are ignored */
#define RL_MAX_HOLD_MS (24ull * 3600 * 1000) /* every parsed wait is clamped to this (no overflow on garbage) */

typedef struct rl_limiter rl_limiter;

/* Error returns of rl_submit / rl_cancel / rl_transport_error. */
enum { RL_OK = 0, RL_ERR_INVALID = -1, RL_ERR_EXISTS = -2, RL_ERR_NOMEM = -3, RL_ERR_UNKNOWN = -4 };

/* rl_submit flags. */
enum {
    RL_F_INTERACTION = 1u << 0, /* exempt from the global limit (also detected from the path) */
    RL_F_HEAD = 1u << 1,        /* go to the head of its lane: a delayed idempotent retry */
};

typedef struct rl_config {
    uint32_t global_per_second;     /* proactive global limit per window; 0 = none. Default 50 */
    uint32_t global_window_ms;      /* sliding window the count applies to. Default 1000 */
    uint32_t invalid_soft;          /* 401/403/429 in 10 min at which non-interaction sends slow down. 5000 */
    uint32_t invalid_hard;          /* ... at which nothing at all is sent until the window drains. 8000 */
    uint32_t invalid_slow_interval_ms; /* spacing between non-interaction sends past the soft mark. 250 */
    uint64_t max_wait_ms;           /* a request that would wait longer than this for a limit fails locally;
                                       0 = no cap. Default 60000 */
    uint64_t cloudflare_pause_ms;   /* pause after an HTML 429 (Cloudflare ban), at least. Default 300000 */
    uint32_t unlimited_in_flight;   /* in flight per major on a route without bucket headers. Default 4 */
    uint64_t bucket_idle_ms;        /* an idle bucket (nothing queued or in flight, reset passed) is freed
                                       after this. It holds nothing a new one would not learn from its
                                       first answer (one request at a time either way), and every
                                       interaction has buckets of its own. Default 10000 */
    uint64_t route_idle_ms;         /* a route's learned hash is forgotten after this long unused. 24 h */
    uint32_t reset_margin_ms;       /* added to every bucket reset and to the global window: our clock is
                                       ms-truncated and requests travel, so waiting exactly Reset-After (or
                                       exactly the window) can land just early. 25 */
    /* Allocator (tests inject failures); NULL = malloc/free. */
    void *(*alloc)(void *alloc_ud, size_t size);
    void (*dealloc)(void *alloc_ud, void *ptr);
    void *alloc_ud;
} rl_config;

void rl_config_defaults(rl_config *cfg);
/* cfg NULL = defaults. Returns NULL when out of memory. */
rl_limiter *rl_create(const rl_config *cfg);
void rl_destroy(rl_limiter *rl);

/* Tells the limiter the wall clock (Unix ms) that goes with monotonic now_ms. Optional: it enables the
 * message-age sub-routes of message DELETE and the X-RateLimit-Reset fallback when Reset-After is missing. */
void rl_set_wall_clock(rl_limiter *rl, uint64_t now_ms, uint64_t unix_ms);

/* ---- routes ---- */

typedef struct rl_route {
    char route[RL_ROUTE_MAX];   /* "DELETE /channels/{channel_id}/messages/{message_id}" */
    char major[RL_MAJOR_MAX];   /* "channel_id=123"; "" when the route has no major */
    bool token_route;           /* /interactions/{id}/{token}/… or /webhooks/{id}/{token}/…: authenticated by
                                   the token in the path and exempt from the global limit */
} rl_route;

/* Derives the route key and major from a concrete path (query string ignored, "/api/vN" prefix stripped).
 * unix_ms: the wall clock, or 0; with it, DELETE of a message gets discord.py's sub-routes
 * " [sub-10-seconds]" and " [older-than-two-weeks]" (by snowflake age). Returns false for a path that does
 * not start with '/' or whose key would not fit. */
bool rl_route_key(const char *method, const char *path, uint64_t unix_ms, rl_route *out);

/* ---- requests ---- */

/* Queues a request at the tail of its lane (RL_F_HEAD: at the head). request_id != 0, unique among live
 * requests. deadline_ms: monotonic ms after which the request is useless (an interaction token's end), or 0.
 * After a 401 on a bot-token route, requests (except token routes) are accepted and come straight back out
 * of rl_next_ready as RL_FAIL. */
int rl_submit(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, const char *method, const char *path,
              uint32_t flags, uint64_t deadline_ms);

typedef enum { RL_SEND = 1, RL_FAIL } rl_action;

typedef enum {
    RL_FAIL_NONE = 0,
    RL_FAIL_TOKEN_INVALID,  /* a 401 taught us the bot token is bad */
    RL_FAIL_WAIT_TOO_LONG,  /* the wait would pass the deadline or max_wait_ms (wait_ms says how long) */
    RL_FAIL_DEADLINE,       /* the deadline passed while it was queued (wait_ms: time spent queued) */
} rl_fail_reason;

typedef enum {
    RL_WAIT_BUCKET = 0,     /* the bucket's own limit or a 429 on it */
    RL_WAIT_GLOBAL,         /* a global 429 pause or the proactive global limit */
    RL_WAIT_CLOUDFLARE,     /* an HTML 429: the IP is banned for a while */
    RL_WAIT_INVALID_GUARD,  /* too many 401/403/429 in 10 minutes */
    RL_WAIT_QUEUE,          /* behind earlier requests (a deadline that passed while queued) */
} rl_wait_cause;

typedef struct rl_failure {
    rl_fail_reason reason;
    uint64_t wait_ms;
    rl_wait_cause cause;
} rl_failure;

typedef struct rl_ticket {
    uint64_t request_id;
    rl_action action;
    rl_failure failure;     /* RL_FAIL only */
} rl_ticket;

/* Hands out the next request that may be sent now (RL_SEND: it is in flight from here on) or must be
 * failed (RL_FAIL: forgotten). Call until it returns false. Also frees idle buckets, a few per call. */
bool rl_next_ready(rl_limiter *rl, uint64_t now_ms, rl_ticket *out);
/* ms until rl_next_ready may have something (0: now), or RL_NEVER (only responses can change anything).
 * Never 0 right after a drained rl_next_ready at the same now_ms, so a uv timer on it cannot spin. */
uint64_t rl_next_wakeup(rl_limiter *rl, uint64_t now_ms);

/* ---- responses ---- */

typedef enum {
    RL_SCOPE_NONE = 0,      /* header absent / not a 429 */
    RL_SCOPE_USER,
    RL_SCOPE_GLOBAL,
    RL_SCOPE_SHARED,
    RL_SCOPE_UNKNOWN,       /* header with another value, or a 429 without one */
    RL_SCOPE_CLOUDFLARE,    /* a 429 with a non-JSON body: an IP ban, not Discord's API */
    RL_SCOPE_COUNT
} rl_scope;

typedef enum { RL_BODY_NONE = 0, RL_BODY_JSON, RL_BODY_OTHER } rl_body_kind;

enum {
    RL_HAVE_LIMIT = 1u << 0, RL_HAVE_REMAINING = 1u << 1, RL_HAVE_RESET = 1u << 2, RL_HAVE_RESET_AFTER = 1u << 3,
    RL_HAVE_BUCKET = 1u << 4, RL_HAVE_RETRY_AFTER = 1u << 5, RL_HAVE_BODY_RETRY_AFTER = 1u << 6,
};

/* A response as the limiter needs it. Fill with rl_response_init + rl_parse_header (+ rl_parse_body), or
 * directly. Durations are whole ms, rounded up. */
typedef struct rl_response {
    int status;
    uint32_t have;              /* RL_HAVE_*: which fields below were present and well-formed */
    int64_t limit, remaining;
    uint64_t reset_unix_ms;     /* X-RateLimit-Reset (epoch seconds with decimals) */
    uint64_t reset_after_ms;    /* X-RateLimit-Reset-After */
    uint64_t retry_after_ms;    /* Retry-After header (seconds) */
    char bucket[RL_BUCKET_MAX]; /* X-RateLimit-Bucket */
    bool global;                /* X-RateLimit-Global */
    rl_scope scope;             /* X-RateLimit-Scope */
    bool via;                   /* a Via header was present (recorded; not used to detect Cloudflare) */
    bool html;                  /* Content-Type: text/html */
    rl_body_kind body;          /* set by rl_parse_body */
    uint64_t body_retry_after_ms; /* the 429 body's retry_after (float seconds) */
    bool body_global;           /* the 429 body's "global": true */
} rl_response;

void rl_response_init(rl_response *r, int status);
/* Fills r from one raw header; the name is matched case-insensitively and the value trimmed. Unknown
 * headers and malformed values (bad numbers, over-long bucket ids) are ignored: returns false then. */
bool rl_parse_header(rl_response *r, const char *name, const char *value);
/* Reads a 429 body: JSON ({"retry_after": 1.5, "global": false}) through the bounded json_scan reader, or
 * anything else (Cloudflare's HTML). Never reads past len. */
void rl_parse_body(rl_response *r, const char *body, size_t len);

typedef enum {
    RL_DONE = 0,            /* deliver the response to its caller */
    RL_REQUEUE,             /* a 429: it is back at the head of its lane and will come out of rl_next_ready */
    RL_FAILED_LOCALLY,      /* a 429 whose wait is pointless (deadline, max_wait, bad token): fail it */
    RL_UNKNOWN_REQUEST,     /* no such request in flight */
} rl_outcome;

typedef struct rl_result {
    rl_outcome outcome;
    rl_scope scope;          /* a 429's classification, RL_SCOPE_NONE otherwise */
    bool sublimit;           /* a 429 while the bucket still had remaining > 0 */
    uint64_t retry_after_ms; /* a 429: how long it (and its bucket, or everything) waits */
    bool token_invalidated;  /* this 401 marked the bot token invalid (log it once) */
    rl_failure failure;      /* RL_FAILED_LOCALLY */
} rl_result;

/* Reports the response to an in-flight request (any status). detail may be NULL. A 5xx is DONE: to retry an
 * idempotent request after it, submit it again with RL_F_HEAD (never a POST). */
rl_outcome rl_complete(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, const rl_response *response,
                       rl_result *detail);
/* A request that ended without a response (timeout, connection error): its slot is freed at once.
 * retry: put it back at the head of its lane (only for idempotent requests: the caller decides; POSTs are
 * never retried after a timeout), else forget it. */
int rl_transport_error(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, bool retry);
/* Forgets a request in any state; an in-flight one frees its bucket slot at once. */
int rl_cancel(rl_limiter *rl, uint64_t request_id, uint64_t now_ms);

/* Clears the "token invalid" latch (a new token was configured). */
void rl_reset_token(rl_limiter *rl);
bool rl_token_invalid(const rl_limiter *rl);
/* Frees every idle bucket and route that is due. rl_next_ready does a few per call; call this from a slow
 * timer (say once a minute) to give memory back while the bot is quiet. */
void rl_gc(rl_limiter *rl, uint64_t now_ms);

/* "would wait 12.5 s for the rate limit (global pause)" etc. Returns the length snprintf would. */
int rl_describe_failure(const rl_failure *failure, char *buf, size_t cap);
const char *rl_scope_name(rl_scope scope);

/* ---- observability ---- */

typedef struct rl_stats {
    uint64_t queued, in_flight, failing;    /* now */
    uint64_t submitted, sent, completed, requeues, cancelled, transport_errors;
    uint64_t failed_locally;                /* total, = the three below */
    uint64_t failed_token, failed_wait, failed_deadline;
    uint64_t responses_429[RL_SCOPE_COUNT]; /* indexed by rl_scope (USER..CLOUDFLARE) */
    uint64_t sublimit_429;
    uint64_t invalid_window;                /* 401/403/non-shared 429 in the last 10 min */
    int guard_level;                        /* 0 normal, 1 slowed (soft), 2 holding (hard) */
    bool token_invalid;
    uint64_t global_pause_ms, cloudflare_pause_ms; /* left of the current pauses */
    uint64_t cloudflare_bans;
    uint64_t buckets, lanes, routes;
    uint64_t memory_bytes;                  /* everything the limiter holds */
} rl_stats;

void rl_get_stats(rl_limiter *rl, uint64_t now_ms, rl_stats *out);

/* What the limiter knows about the bucket a request to method+path would use (tests, /debug). */
typedef struct rl_bucket_info {
    char hash[RL_BUCKET_MAX];   /* learned bucket hash; "" while the route is provisional or unlimited */
    bool unlimited;             /* the route answered without bucket headers */
    int64_t limit, remaining;   /* -1 unknown */
    uint64_t reset_in_ms;       /* 0: no reset pending */
    uint64_t hold_ms;           /* how long the bucket holds everything (429 or remaining 0) */
    uint64_t queued, in_flight;
    uint32_t lanes;             /* routes merged into this bucket (for this major) */
} rl_bucket_info;

/* false if no bucket exists yet for it. */
bool rl_bucket_lookup(rl_limiter *rl, const char *method, const char *path, uint64_t now_ms, rl_bucket_info *out);

#endif
