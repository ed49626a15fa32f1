#include "gateway_shards.h"

#include <stdio.h>
#include <string.h>

#include "json_scan.h"

#define SHARDS_FORMS "auto, ID/COUNT (e.g. 0/2) or FIRST-LAST/COUNT (e.g. 0-3/8)"
/* Default numbers when /gateway/bot leaves session_start_limit out: Discord's usual allowance. */
#define DEFAULT_STARTS 1000

/* ---- PEON_SHARDS ---- */

/* Reads a decimal number of at most 7 digits (so it fits an int and the range check); -1 if none. */
static long read_number(const char **p)
{
    const char *s = *p;
    long v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 7) return -1;
        v = v * 10 + (*s++ - '0');
    }
    if (digits == 0) return -1;
    *p = s;
    return v;
}

int gws_shards_parse(const char *text, gws_shard_range *out, char *err, size_t errlen)
{
    if (text == NULL || text[0] == '\0') {
        snprintf(err, errlen, "PEON_SHARDS is empty; use " SHARDS_FORMS);
        return -1;
    }
    if (strcmp(text, "auto") == 0) {
        *out = (gws_shard_range){ .automatic = true, .first = 0, .last = 0, .count = 0 };
        return 0;
    }
    const char *p = text;
    long first = read_number(&p), last = first, count = -1;
    if (first >= 0 && *p == '-') {
        p++;
        last = read_number(&p);
    }
    if (first >= 0 && last >= 0 && *p == '/') {
        p++;
        count = read_number(&p);
    }
    if (count < 0 || *p != '\0') {
        snprintf(err, errlen, "PEON_SHARDS=\"%.40s\" is not %s", text, SHARDS_FORMS);
        return -1;
    }
    if (count < 1 || count > GWS_MAX_SHARD_COUNT) {
        snprintf(err, errlen, "PEON_SHARDS=\"%.40s\": the shard count must be between 1 and %d", text,
                 GWS_MAX_SHARD_COUNT);
        return -1;
    }
    if (first > last) {
        snprintf(err, errlen, "PEON_SHARDS=\"%.40s\": the first shard (%ld) comes after the last (%ld)", text, first,
                 last);
        return -1;
    }
    if (last >= count) {
        snprintf(err, errlen, "PEON_SHARDS=\"%.40s\": shard %ld does not exist with %ld shards (ids run 0-%ld)",
                 text, last, count, count - 1);
        return -1;
    }
    *out = (gws_shard_range){ .automatic = false, .first = (int)first, .last = (int)last, .count = (int)count };
    return 0;
}

int gws_shards_resolve(gws_shard_range *range, int recommended, int max_local, char *err, size_t errlen)
{
    if (range->automatic) {
        if (recommended < 1 || recommended > GWS_MAX_SHARD_COUNT) {
            snprintf(err, errlen, "Discord recommended an unusable shard count (%d)", recommended);
            return -1;
        }
        *range = (gws_shard_range){ .automatic = false, .first = 0, .last = recommended - 1, .count = recommended };
    }
    int here = range->last - range->first + 1;
    if (max_local > 0 && here > max_local) {
        snprintf(err, errlen, "%d shards in one process is more than the %d this build runs; split them over "
                 "processes with PEON_SHARDS=FIRST-LAST/%d", here, max_local, range->count);
        return -1;
    }
    return 0;
}

/* ---- GET /gateway/bot ---- */

static bool read_int_field(const json_span *object, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_span value;
    int64_t v;
    if (!json_get_in(object, key, &value)) return true; /* absent: the default stays */
    if (!json_int(&value, &v) || v < min || v > max) return false;
    *out = v;
    return true;
}

static bool is_ws_url(const char *url)
{
    return strncmp(url, "wss://", 6) == 0 || strncmp(url, "ws://", 5) == 0;
}

int gws_parse_gateway_bot(const char *json, size_t len, gws_gateway_bot *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->shards = 1;
    out->limit = (gws_start_limit){ DEFAULT_STARTS, DEFAULT_STARTS, 0, 1 };
    json_span body, url;
    if (!json_value(json, len, &body, NULL) || body.type != JSON_OBJECT || !json_valid(json, len)) {
        snprintf(err, errlen, "the /gateway/bot answer is not a JSON object");
        return -1;
    }
    if (!json_get_in(&body, "url", &url) || !json_string(&url, out->url, sizeof out->url) || !is_ws_url(out->url)) {
        snprintf(err, errlen, "the /gateway/bot answer has no usable ws:// or wss:// url");
        return -1;
    }
    int64_t shards = 1;
    if (!read_int_field(&body, "shards", 1, GWS_MAX_SHARD_COUNT, &shards)) {
        snprintf(err, errlen, "the /gateway/bot answer has an unusable shard count");
        return -1;
    }
    out->shards = (int)shards;
    json_span limit;
    if (!json_get_in(&body, "session_start_limit", &limit)) return 0;
    gws_start_limit *l = &out->limit;
    if (limit.type != JSON_OBJECT || !read_int_field(&limit, "total", 0, INT32_MAX, &l->total) ||
        !read_int_field(&limit, "remaining", INT32_MIN, INT32_MAX, &l->remaining) ||
        !read_int_field(&limit, "reset_after", INT32_MIN, INT64_MAX / 2, &l->reset_after_ms) ||
        !read_int_field(&limit, "max_concurrency", INT32_MIN, INT32_MAX, &l->max_concurrency)) {
        snprintf(err, errlen, "the /gateway/bot answer has an unusable session_start_limit");
        return -1;
    }
    /* Odd values are read the cautious way rather than refused: Discord is the authority on its limits. */
    if (l->remaining < 0) l->remaining = 0;
    if (l->remaining > l->total) l->total = l->remaining;
    if (l->reset_after_ms < 0) l->reset_after_ms = 0;
    if (l->max_concurrency < 1) l->max_concurrency = 1;
    return 0;
}

/* ---- the identify gate ---- */

int64_t gws_shard_key(int shard_id, int64_t max_concurrency)
{
    return max_concurrency > 1 ? (int64_t)shard_id % max_concurrency : 0;
}

uint64_t gws_shard_start_offset_ms(int shard_id, int first, int64_t max_concurrency)
{
    if (max_concurrency < 1) max_concurrency = 1;
    if (shard_id <= first) return 0;
    /* The shards before it with the same key are shard_id - mc, shard_id - 2 mc, ... down to first. */
    return (uint64_t)((shard_id - first) / max_concurrency) * GWS_IDENTIFY_SPACING_MS;
}

static void take_limit(gws_identify_gate *gate, const gws_start_limit *limit, uint64_t now_ms)
{
    gate->total = limit->total > 0 ? limit->total : limit->remaining;
    gate->remaining = limit->remaining > 0 ? limit->remaining : 0;
    gate->reset_at_ms = now_ms + (limit->reset_after_ms > 0 ? (uint64_t)limit->reset_after_ms : 0);
    gate->max_concurrency = limit->max_concurrency > 0 ? limit->max_concurrency : 1;
}

void gws_gate_init(gws_identify_gate *gate, const gws_start_limit *limit, uint64_t now_ms)
{
    memset(gate, 0, sizeof *gate);
    take_limit(gate, limit, now_ms);
}

void gws_gate_update(gws_identify_gate *gate, const gws_start_limit *limit, uint64_t now_ms)
{
    int64_t old_concurrency = gate->max_concurrency;
    take_limit(gate, limit, now_ms);
    if (gate->max_concurrency == old_concurrency) return;
    /* Keys mean something else now: every key waits until the busiest old one is free, to stay safe. */
    for (int i = 0; i < GWS_GATE_BUCKETS; i++)
        if (gate->buckets[i].used && gate->buckets[i].free_at_ms > gate->all_busy_until_ms)
            gate->all_busy_until_ms = gate->buckets[i].free_at_ms;
    memset(gate->buckets, 0, sizeof gate->buckets);
}

/* The bucket for key, created in a free or expired slot; NULL when every slot is busy. */
static gws_gate_bucket *bucket_for(gws_identify_gate *gate, int64_t key, uint64_t now_ms)
{
    gws_gate_bucket *spare = NULL;
    for (int i = 0; i < GWS_GATE_BUCKETS; i++) {
        gws_gate_bucket *b = &gate->buckets[i];
        if (b->used && b->key == key) return b;
        if (spare == NULL && (!b->used || b->free_at_ms <= now_ms)) spare = b;
    }
    if (spare != NULL) *spare = (gws_gate_bucket){ key, 0, true };
    return spare;
}

static uint64_t earliest_free(const gws_identify_gate *gate)
{
    uint64_t soonest = UINT64_MAX;
    for (int i = 0; i < GWS_GATE_BUCKETS; i++)
        if (gate->buckets[i].free_at_ms < soonest) soonest = gate->buckets[i].free_at_ms;
    return soonest;
}

/* Past reset_at a fresh window begins: full budget, and (until /gateway/bot says otherwise) a day long. */
static void roll_window(gws_identify_gate *gate, uint64_t now_ms)
{
    if (now_ms < gate->reset_at_ms) return;
    gate->remaining = gate->total;
    gate->reset_at_ms = now_ms + GWS_START_WINDOW_MS;
}

uint64_t gws_gate_acquire(gws_identify_gate *gate, int shard_id, uint64_t now_ms, char *reason, size_t reason_len)
{
    roll_window(gate, now_ms);
    if (gate->remaining - gate->reserved <= 0) {
        if (gate->remaining > 0) {
            /* Starts are left but held by other shards' tickets: ask again soon. */
            snprintf(reason, reason_len, "session start limit: the last %lld start(s) are being used by other shards",
                     (long long)gate->remaining);
            return GWS_IDENTIFY_SPACING_MS;
        }
        uint64_t wait = gate->reset_at_ms > now_ms ? gate->reset_at_ms - now_ms : GWS_IDENTIFY_SPACING_MS;
        snprintf(reason, reason_len, "session start limit used up: 0 of %lld left, the window resets in %.1f s",
                 (long long)gate->total, (double)wait / 1000.0);
        return wait;
    }
    int64_t key = gws_shard_key(shard_id, gate->max_concurrency);
    if (gate->all_busy_until_ms > now_ms) {
        snprintf(reason, reason_len, "max_concurrency changed: waiting for the last identify's 5 s to pass");
        return gate->all_busy_until_ms - now_ms;
    }
    gws_gate_bucket *bucket = bucket_for(gate, key, now_ms);
    if (bucket == NULL) {
        uint64_t soonest = earliest_free(gate);
        snprintf(reason, reason_len, "max_concurrency: every identify bucket is busy");
        return soonest > now_ms ? soonest - now_ms : 1;
    }
    if (bucket->free_at_ms > now_ms) {
        snprintf(reason, reason_len, "max_concurrency %lld: rate_limit_key %lld identified less than 5 s ago",
                 (long long)gate->max_concurrency, (long long)key);
        return bucket->free_at_ms - now_ms;
    }
    /* Hold the key's slot from now, so two shards with one key never connect to identify together. */
    bucket->free_at_ms = now_ms + GWS_IDENTIFY_SPACING_MS;
    gate->reserved++;
    if (reason_len > 0) reason[0] = '\0';
    return 0;
}

void gws_gate_spend(gws_identify_gate *gate, int shard_id, uint64_t now_ms)
{
    roll_window(gate, now_ms);
    if (gate->reserved > 0) gate->reserved--;
    if (gate->remaining > 0) gate->remaining--;
    gws_gate_bucket *bucket = bucket_for(gate, gws_shard_key(shard_id, gate->max_concurrency), now_ms);
    if (bucket != NULL && bucket->free_at_ms < now_ms + GWS_IDENTIFY_SPACING_MS)
        bucket->free_at_ms = now_ms + GWS_IDENTIFY_SPACING_MS;
}

void gws_gate_release(gws_identify_gate *gate)
{
    if (gate->reserved > 0) gate->reserved--;
}
