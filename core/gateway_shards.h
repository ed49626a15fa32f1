/* Sharding and identify pacing for the gateway, without I/O: parses PEON_SHARDS and the GET /gateway/bot
 * answer, and gates IDENTIFYs so the process stays within session_start_limit (starts left in the window)
 * and max_concurrency (one IDENTIFY per rate_limit_key = shard_id % max_concurrency every 5 s). One gate is
 * shared by all shards of the process; each gateway session consults it before connecting to identify. */
#ifndef PEON_GATEWAY_SHARDS_H
#define PEON_GATEWAY_SHARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GWS_MAX_SHARD_COUNT 1000000
#define GWS_IDENTIFY_SPACING_MS 5000u
#define GWS_START_WINDOW_MS 86400000u /* the session start window is a day */
#define GWS_GATE_BUCKETS 64           /* rate-limit keys tracked at once (>= shards in one process) */

/* ---- PEON_SHARDS: "auto", "ID/COUNT" or "FIRST-LAST/COUNT" ---- */

typedef struct gws_shard_range {
    bool automatic;          /* "auto": take Discord's recommended count, all shards here */
    int first, last, count;  /* shards first..last of count run in this process */
} gws_shard_range;

/* Returns 0, or -1 with a message naming PEON_SHARDS and the problem in err. */
int gws_shards_parse(const char *text, gws_shard_range *out, char *err, size_t errlen);
/* Fixes an "auto" range to 0..recommended-1 of recommended; max_local > 0 refuses ranges with more shards
 * than one process runs. Returns 0 or -1 with err. */
int gws_shards_resolve(gws_shard_range *range, int recommended, int max_local, char *err, size_t errlen);

/* ---- GET /gateway/bot ---- */

typedef struct gws_start_limit {
    int64_t total;           /* starts allowed per window (normally 1000) */
    int64_t remaining;       /* starts left now */
    int64_t reset_after_ms;  /* until the window refills */
    int64_t max_concurrency; /* IDENTIFYs per 5 s, one per rate-limit key */
} gws_start_limit;

typedef struct gws_gateway_bot {
    char url[512];           /* ws:// or wss:// */
    int shards;              /* recommended shard count */
    gws_start_limit limit;
} gws_gateway_bot;

/* Reads the answer; a missing session_start_limit gets safe defaults (1000 per day, max_concurrency 1).
 * Returns 0, or -1 with err when the url is missing or unusable or a number is out of range. */
int gws_parse_gateway_bot(const char *json, size_t len, gws_gateway_bot *out, char *err, size_t errlen);

/* ---- the identify gate ---- */

typedef struct gws_gate_bucket {
    int64_t key;
    uint64_t free_at_ms;     /* the next IDENTIFY for this key may go at this time */
    bool used;
} gws_gate_bucket;

typedef struct gws_identify_gate {
    int64_t total, remaining;
    int64_t reserved;        /* tickets handed out whose IDENTIFY has not been sent yet */
    uint64_t reset_at_ms;
    int64_t max_concurrency;
    uint64_t all_busy_until_ms; /* after max_concurrency changed: no key may identify before this */
    gws_gate_bucket buckets[GWS_GATE_BUCKETS];
} gws_identify_gate;

void gws_gate_init(gws_identify_gate *gate, const gws_start_limit *limit, uint64_t now_ms);
/* Takes fresh numbers from a new /gateway/bot answer; outstanding tickets and bucket times are kept. */
void gws_gate_update(gws_identify_gate *gate, const gws_start_limit *limit, uint64_t now_ms);

/* Asks to IDENTIFY shard_id now. 0: go; a ticket is held until spend or release. Otherwise the ms to wait
 * before asking again, with the reason in reason[0..reason_len) (for the log). */
uint64_t gws_gate_acquire(gws_identify_gate *gate, int shard_id, uint64_t now_ms, char *reason, size_t reason_len);
/* The ticket's IDENTIFY was sent: one start is used up and the key's 5 s start from now. */
void gws_gate_spend(gws_identify_gate *gate, int shard_id, uint64_t now_ms);
/* The ticket is given back unused (the connection failed before IDENTIFY). */
void gws_gate_release(gws_identify_gate *gate);

/* rate_limit_key of a shard, and when it may first identify if every shard in first..last starts at time 0
 * and they go in id order (for planning and logs). */
int64_t gws_shard_key(int shard_id, int64_t max_concurrency);
uint64_t gws_shard_start_offset_ms(int shard_id, int first, int64_t max_concurrency);

#endif
