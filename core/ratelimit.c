/* The rate limiter's API: requests in, tickets out, and what each response teaches (bucket hashes,
 * limits, 429s of every scope, bad tokens). See ratelimit.h for the model. The state machine it drives is
 * in ratelimit_sched.c, parsing in ratelimit_parse.c, containers in ratelimit_util.c. */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit_internal.h"

#define GC_STEP 32                  /* idle buckets/routes freed per rl_next_ready call */
#define DEFAULT_RETRY_MS 1000u      /* a 429 that says nothing about how long */
#define GLOBAL_PER_SECOND_MAX 100000u

/* ---- learning from responses ---- */

/* A provisional bucket's knowledge (mostly a 429 hold) carries over to the real bucket it turned into. */
static void bucket_inherit(bucket *to, const bucket *from)
{
    if (!to->informed && from->informed) {
        to->limit = from->limit;
        to->remaining = from->remaining;
        to->reset_at = from->reset_at;
        to->informed = true;
    }
    to->retry_at = max_u64(to->retry_at, from->retry_at);
}

/* The route's bucket hash is (now) `hash`: move all its lanes, queued and in-flight counts included, to
 * the hash's bucket for their major. Lanes of other routes with that hash are already there: merged. */
static void route_learn_hash(rl_limiter *rl, route_ent *rt, const char *hash, uint64_t now)
{
    if (rt->state == ROUTE_HASHED && strcmp(rt->hash, hash) == 0) return;
    snprintf(rt->hash, sizeof rt->hash, "%s", hash);
    rt->state = ROUTE_HASHED;
    for (rl_list *p = rt->lanes.next; p != &rt->lanes; p = p->next) {
        lane *l = rl_container_of(p, lane, route_link);
        bucket *target = rl_bucket_for(rl, rt, l->major, now);
        if (target == NULL || target == l->bucket) continue; /* out of memory: it stays where it was */
        bucket *old = l->bucket;
        if (old->provisional) bucket_inherit(target, old);
        rl_lane_detach(l);
        rl_lane_attach(target, l);
        rl_bucket_schedule(rl, old, now);
        rl_bucket_schedule(rl, target, now);
    }
}

static void apply_bucket_headers(const rl_limiter *rl, bucket *b, const rl_response *r, uint64_t now)
{
    if (r->have & RL_HAVE_LIMIT) b->limit = r->limit, b->informed = true;
    if (r->have & RL_HAVE_REMAINING) b->remaining = r->remaining, b->informed = true;
    if (r->have & RL_HAVE_RESET_AFTER) {
        b->reset_at = now + (r->reset_after_ms < RL_MAX_HOLD_MS ? r->reset_after_ms : RL_MAX_HOLD_MS) +
                      rl->cfg.reset_margin_ms;
    } else if ((r->have & RL_HAVE_RESET) && rl->wall_known) {
        uint64_t wall = rl_wall_now(rl, now);
        uint64_t left = r->reset_unix_ms > wall ? r->reset_unix_ms - wall : 0;
        b->reset_at = now + (left < RL_MAX_HOLD_MS ? left : RL_MAX_HOLD_MS) + rl->cfg.reset_margin_ms;
    }
}

static rl_scope classify_429(const rl_response *r)
{
    if (r->body == RL_BODY_OTHER || (r->html && r->body != RL_BODY_JSON)) return RL_SCOPE_CLOUDFLARE;
    if (r->scope == RL_SCOPE_GLOBAL || r->global || r->body_global) return RL_SCOPE_GLOBAL;
    if (r->scope == RL_SCOPE_SHARED || r->scope == RL_SCOPE_USER) return r->scope;
    return RL_SCOPE_UNKNOWN;
}

static uint64_t retry_ms_of(const rl_response *r)
{
    uint64_t ms = DEFAULT_RETRY_MS;
    if (r->have & RL_HAVE_BODY_RETRY_AFTER) ms = r->body_retry_after_ms;     /* precise float seconds */
    else if (r->have & RL_HAVE_RETRY_AFTER) ms = r->retry_after_ms;
    else if (r->have & RL_HAVE_RESET_AFTER) ms = r->reset_after_ms;
    return ms < RL_MAX_HOLD_MS ? ms : RL_MAX_HOLD_MS;
}

/* After a 401 on a bot-token route nothing authenticated by that token can succeed. Token routes
 * (interactions, webhook tokens) carry no bot token and keep working. */
static void latch_token_invalid(rl_limiter *rl)
{
    rl->token_invalid = true;
    for (size_t i = 0; i < rl->buckets.cap; i++)
        for (rl_hnode *n = rl->buckets.slots[i]; n; n = n->next) {
            bucket *b = (bucket *)(void *)n;
            if (b->queued == 0) continue;
            for (rl_list *p = b->lanes.next; p != &b->lanes; p = p->next) {
                lane *l = rl_container_of(p, lane, bucket_link);
                rl_list *q = l->queue.next;
                while (q != &l->queue) {
                    request *req = rl_container_of(q, request, link);
                    q = q->next;
                    if (!req->token_route) rl_request_fail(rl, req, RL_FAIL_TOKEN_INVALID, 0, RL_WAIT_BUCKET);
                }
            }
        }
}

/* ---- public API ---- */

void rl_config_defaults(rl_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->global_per_second = 50;
    cfg->global_window_ms = 1000;
    cfg->invalid_soft = 5000;
    cfg->invalid_hard = 8000;
    cfg->invalid_slow_interval_ms = 250;
    cfg->max_wait_ms = 60000;
    cfg->cloudflare_pause_ms = 300000;
    cfg->unlimited_in_flight = 4;
    cfg->bucket_idle_ms = 10000;
    cfg->route_idle_ms = 24ull * 3600 * 1000;
    cfg->reset_margin_ms = 25;
}

static void *default_alloc(void *ud, size_t size)
{
    (void)ud;
    return malloc(size);
}

static void default_dealloc(void *ud, void *ptr)
{
    (void)ud;
    free(ptr);
}

rl_limiter *rl_create(const rl_config *cfg)
{
    rl_config c;
    if (cfg) c = *cfg;
    else rl_config_defaults(&c);
    if (c.alloc == NULL || c.dealloc == NULL) c.alloc = default_alloc, c.dealloc = default_dealloc;
    if (c.global_per_second > GLOBAL_PER_SECOND_MAX) c.global_per_second = GLOBAL_PER_SECOND_MAX;
    if (c.global_window_ms == 0) c.global_window_ms = 1000;
    if (c.unlimited_in_flight == 0) c.unlimited_in_flight = 1;
    if (c.invalid_hard && c.invalid_soft > c.invalid_hard) c.invalid_soft = c.invalid_hard;

    rl_limiter *rl = c.alloc(c.alloc_ud, sizeof *rl);
    if (rl == NULL) return NULL;
    memset(rl, 0, sizeof *rl);
    rl->cfg = c;
    rl->mem = (rl_mem){ c.alloc, c.dealloc, c.alloc_ud, sizeof *rl };
    rl_list_init(&rl->ready);
    rl_list_init(&rl->ready_exempt);
    rl_list_init(&rl->failing);
    rl_list_init(&rl->idle_buckets);
    rl_list_init(&rl->idle_routes);
    rl->tail_seq = UINT64_MAX / 2;
    rl->head_seq = UINT64_MAX / 2 - 1;
    bool ok = rl_table_init(&rl->requests, &rl->mem) == 0 && rl_table_init(&rl->routes, &rl->mem) == 0 &&
              rl_table_init(&rl->lanes, &rl->mem) == 0 && rl_table_init(&rl->buckets, &rl->mem) == 0;
    if (ok && c.global_per_second) {
        rl->global_sends = rl_mem_alloc(&rl->mem, c.global_per_second * sizeof *rl->global_sends);
        ok = rl->global_sends != NULL;
    }
    if (!ok) {
        rl_destroy(rl);
        return NULL;
    }
    return rl;
}

static void free_table_entries(rl_limiter *rl, rl_table *t)
{
    for (size_t i = 0; t->slots && i < t->cap; i++) {
        rl_hnode *n = t->slots[i];
        while (n) {
            rl_hnode *next = n->next;
            rl_mem_free(&rl->mem, n);
            n = next;
        }
    }
    rl_table_free(t, &rl->mem);
}

void rl_destroy(rl_limiter *rl)
{
    if (rl == NULL) return;
    free_table_entries(rl, &rl->requests);
    free_table_entries(rl, &rl->lanes);
    free_table_entries(rl, &rl->buckets);
    free_table_entries(rl, &rl->routes);
    rl_heap_free(&rl->waits, &rl->mem);
    rl_heap_free(&rl->deadlines, &rl->mem);
    rl_mem_free(&rl->mem, rl->global_sends);
    rl->cfg.dealloc(rl->cfg.alloc_ud, rl);
}

void rl_set_wall_clock(rl_limiter *rl, uint64_t now_ms, uint64_t unix_ms)
{
    rl->wall_offset = (int64_t)unix_ms - (int64_t)now_ms;
    rl->wall_known = true;
}

int rl_submit(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, const char *method, const char *path,
              uint32_t flags, uint64_t deadline_ms)
{
    if (rl == NULL || request_id == 0) return RL_ERR_INVALID;
    if (rl_request_find(rl, request_id)) return RL_ERR_EXISTS;
    rl_route key;
    if (!rl_route_key(method, path, rl_wall_now(rl, now_ms), &key)) return RL_ERR_INVALID;
    if (deadline_ms && rl_heap_reserve(&rl->deadlines, &rl->mem, rl->deadline_requests + 1) != 0)
        return RL_ERR_NOMEM;
    request *req = rl_mem_alloc(&rl->mem, sizeof *req);
    if (req == NULL) return RL_ERR_NOMEM;
    memset(req, 0, sizeof *req);
    req->node.hash = rl_hash_u64(request_id);
    req->id = request_id;
    req->seq = (flags & RL_F_HEAD) ? rl->head_seq-- : rl->tail_seq++;
    req->deadline.index = SIZE_MAX;
    req->deadline_ms = deadline_ms;
    req->queued_since = now_ms;
    req->token_route = key.token_route;
    req->exempt = key.token_route || (flags & RL_F_INTERACTION);
    rl_list_init(&req->link);

    lane *l = NULL;
    if (!rl->token_invalid || req->token_route) {
        route_ent *rt = rl_route_get(rl, key.route, now_ms);
        l = rt ? rl_lane_get(rl, rt, key.major, now_ms) : NULL;
        if (l == NULL) {
            rl_mem_free(&rl->mem, req);
            return RL_ERR_NOMEM;
        }
    }
    rl_table_insert(&rl->requests, &rl->mem, &req->node);
    if (deadline_ms) rl->deadline_requests++;
    rl->counters.submitted++;
    if (l == NULL) {
        rl_request_fail(rl, req, RL_FAIL_TOKEN_INVALID, 0, RL_WAIT_BUCKET);
        return RL_OK;
    }
    rl_lane_enqueue(rl, l, req);
    rl_bucket_schedule(rl, l->bucket, now_ms);
    return RL_OK;
}

/* Deadlines that passed, holds that ended, a little garbage collection. */
static void advance(rl_limiter *rl, uint64_t now)
{
    rl_gc_step(rl, now, GC_STEP);
    rl_heap_node *top;
    while ((top = rl_heap_top(&rl->deadlines)) != NULL && top->key <= now) {
        request *req = rl_container_of(top, request, deadline);
        bucket *b = req->lane->bucket;
        rl_request_fail(rl, req, RL_FAIL_DEADLINE, now - req->queued_since, RL_WAIT_QUEUE);
        rl_bucket_schedule(rl, b, now);
    }
    for (size_t budget = rl->waits.len; budget > 0; budget--) {
        top = rl_heap_top(&rl->waits);
        if (top == NULL || top->key > now) break;
        rl_bucket_schedule(rl, rl_container_of(top, bucket, wake), now);
    }
}

static bool pop_failure(rl_limiter *rl, rl_ticket *out)
{
    request *req = rl_container_of(rl->failing.next, request, link);
    rl_list_remove(&req->link);
    rl->failing_count--;
    *out = (rl_ticket){ req->id, RL_FAIL, req->failure };
    rl_count_failure(rl, req->failure.reason);
    rl_request_free(rl, req);
    return true;
}

/* Sends the bucket's next request if it really may go now; else puts the bucket where it belongs. */
static bool send_from(rl_limiter *rl, bucket *b, bool exempt_list, uint64_t now, rl_ticket *out)
{
    uint64_t at;
    lane *l = rl_bucket_pick(b, now, &at);
    if (l == NULL || at > now || b->in_flight >= rl_bucket_capacity(rl, b) || first_request(l)->exempt != exempt_list) {
        rl_bucket_schedule(rl, b, now);
        return false;
    }
    request *req = first_request(l);
    rl_lane_unqueue(rl, req);
    req->state = REQ_IN_FLIGHT;
    l->in_flight++;
    b->in_flight++;
    rl->in_flight++;
    if (b->remaining > 0) b->remaining--; /* until the response tells the truth */
    if (!req->exempt) {
        rl_window_record(rl, now);
        rl->last_normal_send = now;
        rl->any_normal_send = true;
    }
    rl->counters.sent++;
    rl_bucket_schedule(rl, b, now);
    *out = (rl_ticket){ req->id, RL_SEND, { RL_FAIL_NONE, 0, RL_WAIT_BUCKET } };
    return true;
}

bool rl_next_ready(rl_limiter *rl, uint64_t now_ms, rl_ticket *out)
{
    advance(rl, now_ms);
    /* Each pass sends, fails, or moves one bucket to where it belongs; the bound is a safety net. */
    for (size_t pass = 0; pass <= rl->buckets.count + 1; pass++) {
        if (!rl_list_empty(&rl->failing)) return pop_failure(rl, out);
        if (rl_all_block_until(rl, now_ms, NULL) > now_ms) return false;
        bucket *b;
        bool exempt = !rl_list_empty(&rl->ready_exempt);
        if (exempt) b = rl_container_of(rl->ready_exempt.next, bucket, ready_link);
        else if (!rl_list_empty(&rl->ready) && rl_normal_gate(rl, now_ms, NULL) <= now_ms)
            b = rl_container_of(rl->ready.next, bucket, ready_link);
        else return false;
        if (send_from(rl, b, exempt, now_ms, out)) return true;
    }
    return false;
}

uint64_t rl_next_wakeup(rl_limiter *rl, uint64_t now_ms)
{
    advance(rl, now_ms);
    if (!rl_list_empty(&rl->failing)) return 0;
    uint64_t at = UINT64_MAX;
    rl_heap_node *top = rl_heap_top(&rl->deadlines);
    if (top && top->key < at) at = top->key;
    top = rl_heap_top(&rl->waits);
    if (top && top->key < at) at = top->key;
    if (!rl_list_empty(&rl->ready_exempt)) {
        uint64_t gate = max_u64(now_ms, rl_all_block_until(rl, now_ms, NULL));
        if (gate < at) at = gate;
    }
    if (!rl_list_empty(&rl->ready)) {
        uint64_t gate = max_u64(now_ms, rl_normal_gate(rl, now_ms, NULL));
        if (gate < at) at = gate;
    }
    if (at == UINT64_MAX) return RL_NEVER;
    return at > now_ms ? at - now_ms : 0;
}

rl_outcome rl_complete(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, const rl_response *response,
                       rl_result *detail)
{
    rl_result unused;
    if (detail == NULL) detail = &unused;
    memset(detail, 0, sizeof *detail);
    request *req = rl_request_find(rl, request_id);
    if (req == NULL || req->state != REQ_IN_FLIGHT || response == NULL) return detail->outcome = RL_UNKNOWN_REQUEST;
    lane *l = req->lane;
    route_ent *rt = l->route;
    bucket *old = l->bucket;
    l->in_flight--;
    old->in_flight--;
    rl->in_flight--;
    rl->counters.completed++;

    int status = response->status;
    bool is_429 = status == 429;
    rl_scope scope = is_429 ? classify_429(response) : RL_SCOPE_NONE;
    if ((response->have & RL_HAVE_BUCKET) && scope != RL_SCOPE_CLOUDFLARE && scope != RL_SCOPE_GLOBAL)
        route_learn_hash(rl, rt, response->bucket, now_ms);
    else if (!(response->have & RL_HAVE_BUCKET) && !is_429 && status >= 200 && status < 500 &&
             rt->state == ROUTE_UNKNOWN)
        rt->state = ROUTE_UNLIMITED; /* answered without any bucket: not limited per route */
    else if (!(response->have & RL_HAVE_BUCKET) && is_429 && rt->state == ROUTE_UNLIMITED)
        rt->state = ROUTE_SERIAL;    /* it is limited after all: serial from now on */
    bucket *b = l->bucket;
    if (scope != RL_SCOPE_GLOBAL && scope != RL_SCOPE_CLOUDFLARE) apply_bucket_headers(rl, b, response, now_ms);

    bool global_event = false;
    if (status == 401 || status == 403 || (is_429 && scope != RL_SCOPE_SHARED)) {
        rl_guard_add(rl, now_ms);
        global_event = rl_guard_hard_until(rl, now_ms) > now_ms;
    }
    detail->outcome = RL_DONE;
    if (is_429) {
        uint64_t retry = retry_ms_of(response), until = now_ms + retry;
        rl->counters.responses_429[scope]++;
        if (scope == RL_SCOPE_CLOUDFLARE) {
            retry = max_u64(retry, rl->cfg.cloudflare_pause_ms);
            until = now_ms + retry;
            rl->cloudflare_until = max_u64(rl->cloudflare_until, until);
            rl->counters.cloudflare_bans++;
            global_event = true;
        } else if (scope == RL_SCOPE_GLOBAL) {
            rl->global_until = max_u64(rl->global_until, until);
            l->hold_until = max_u64(l->hold_until, until); /* an exempt request still waits for itself */
            global_event = true;
        } else if ((response->have & RL_HAVE_REMAINING) && response->remaining > 0) {
            /* A sub-limit: this route is limited but its bucket is not. Hold the lane only. */
            detail->sublimit = true;
            rl->counters.sublimit_429++;
            l->hold_until = max_u64(l->hold_until, until);
        } else {
            b->retry_at = max_u64(b->retry_at, until);
        }
        detail->scope = scope;
        detail->retry_after_ms = retry;
        rl_wait_cause cause;
        uint64_t ready_at = rl_request_ready_at(rl, req, now_ms, &cause);
        if (rl->token_invalid && !req->token_route) {
            detail->outcome = RL_FAILED_LOCALLY;
            detail->failure = (rl_failure){ RL_FAIL_TOKEN_INVALID, 0, RL_WAIT_BUCKET };
        } else if (rl_waits_too_long(rl, req, now_ms, ready_at)) {
            detail->outcome = RL_FAILED_LOCALLY;
            detail->failure = (rl_failure){ RL_FAIL_WAIT_TOO_LONG, ready_at - now_ms, cause };
        } else {
            rl_lane_enqueue(rl, l, req); /* keeps its seq: back at the head of its lane */
            rl->counters.requeues++;
            detail->outcome = RL_REQUEUE;
        }
    }
    if (status == 401 && !req->token_route && !rl->token_invalid) {
        latch_token_invalid(rl);
        detail->token_invalidated = true;
        global_event = true;
    }
    if (detail->outcome == RL_FAILED_LOCALLY) rl_count_failure(rl, detail->failure.reason);
    if (detail->outcome != RL_REQUEUE) rl_request_free(rl, req);
    if (global_event) {
        rl_reschedule_all(rl, now_ms);
    } else {
        rl_bucket_schedule(rl, b, now_ms);
        if (old != b) rl_bucket_schedule(rl, old, now_ms);
    }
    if (b->queued == 0) rl_bucket_schedule(rl, b, now_ms); /* rl_reschedule_all skips empty buckets: mark idle */
    if (old != b && old->queued == 0) rl_bucket_schedule(rl, old, now_ms);
    return detail->outcome;
}

int rl_transport_error(rl_limiter *rl, uint64_t request_id, uint64_t now_ms, bool retry)
{
    request *req = rl_request_find(rl, request_id);
    if (req == NULL || req->state != REQ_IN_FLIGHT) return RL_ERR_UNKNOWN;
    lane *l = req->lane;
    bucket *b = l->bucket;
    l->in_flight--;
    b->in_flight--;
    rl->in_flight--;
    rl->counters.transport_errors++;
    if (!retry) rl_request_free(rl, req);
    else if (rl->token_invalid && !req->token_route) rl_request_fail(rl, req, RL_FAIL_TOKEN_INVALID, 0, RL_WAIT_BUCKET);
    else rl_lane_enqueue(rl, l, req);
    rl_bucket_schedule(rl, b, now_ms);
    return RL_OK;
}

int rl_cancel(rl_limiter *rl, uint64_t request_id, uint64_t now_ms)
{
    request *req = rl_request_find(rl, request_id);
    if (req == NULL) return RL_ERR_UNKNOWN;
    bucket *b = req->lane ? req->lane->bucket : NULL;
    if (req->state == REQ_QUEUED) {
        rl_lane_unqueue(rl, req);
    } else if (req->state == REQ_IN_FLIGHT) {
        req->lane->in_flight--;
        b->in_flight--;
        rl->in_flight--;
    } else {
        rl_list_remove(&req->link);
        rl->failing_count--;
    }
    rl->counters.cancelled++;
    rl_request_free(rl, req);
    if (b) rl_bucket_schedule(rl, b, now_ms);
    return RL_OK;
}

void rl_reset_token(rl_limiter *rl) { rl->token_invalid = false; }
bool rl_token_invalid(const rl_limiter *rl) { return rl->token_invalid; }

void rl_gc(rl_limiter *rl, uint64_t now_ms)
{
    size_t before;
    do {
        before = rl->buckets.count + rl->routes.count;
        rl_gc_step(rl, now_ms, before + 1); /* bounded: held buckets are rotated, not freed */
    } while (rl->buckets.count + rl->routes.count < before); /* freeing buckets can idle routes */
}

void rl_get_stats(rl_limiter *rl, uint64_t now_ms, rl_stats *out)
{
    *out = rl->counters;
    out->queued = rl->queued;
    out->in_flight = rl->in_flight;
    out->failing = rl->failing_count;
    out->invalid_window = rl_guard_count(rl, now_ms);
    out->guard_level = rl_guard_hard_until(rl, now_ms) > now_ms ? 2
                     : rl->cfg.invalid_soft && out->invalid_window >= rl->cfg.invalid_soft ? 1 : 0;
    out->token_invalid = rl->token_invalid;
    out->global_pause_ms = rl->global_until > now_ms ? rl->global_until - now_ms : 0;
    out->cloudflare_pause_ms = rl->cloudflare_until > now_ms ? rl->cloudflare_until - now_ms : 0;
    out->buckets = rl->buckets.count;
    out->lanes = rl->lanes.count;
    out->routes = rl->routes.count;
    out->memory_bytes = rl->mem.bytes;
}

bool rl_bucket_lookup(rl_limiter *rl, const char *method, const char *path, uint64_t now_ms, rl_bucket_info *out)
{
    memset(out, 0, sizeof *out);
    rl_route key;
    if (!rl_route_key(method, path, rl_wall_now(rl, now_ms), &key)) return false;
    route_ent *rt = (route_ent *)(void *)rl_table_find(&rl->routes, rl_hash_str(key.route), rl_route_eq, key.route);
    if (rt == NULL) return false;
    char buf[RL_KEY_MAX];
    bool hashed = rt->state == ROUTE_HASHED;
    if (rl_compose_key(buf, hashed ? '#' : '~', hashed ? rt->hash : rt->key, key.major) == 0) return false;
    bucket *b = (bucket *)(void *)rl_table_find(&rl->buckets, rl_hash_str(buf), rl_bucket_eq, buf);
    if (b == NULL) return false;
    uint64_t hold = rl_bucket_hold(b, now_ms);
    snprintf(out->hash, sizeof out->hash, "%s", b->hash);
    out->unlimited = rt->state == ROUTE_UNLIMITED;
    out->limit = b->limit;
    out->remaining = b->remaining;
    out->reset_in_ms = b->reset_at > now_ms ? b->reset_at - now_ms : 0;
    out->hold_ms = hold > now_ms ? hold - now_ms : 0;
    out->queued = b->queued;
    out->in_flight = b->in_flight;
    out->lanes = b->lane_count;
    return true;
}
