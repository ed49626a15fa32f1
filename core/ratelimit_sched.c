/* The rate limiter's state machine proper: the invalid-request guard, the global gates, bucket and lane
 * holds, which bucket may send next (ready lists and a wait heap), and the store of routes, lanes and
 * buckets with its garbage collection. ratelimit.c drives it. */
#include <stdio.h>
#include <string.h>

#include "ratelimit_internal.h"

#define GUARD_SLOT_MS 5000u

/* ---- small helpers ---- */

size_t rl_compose_key(char *out, char kind, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 3 > RL_KEY_MAX) return 0;
    out[0] = kind;
    memcpy(out + 1, a, la);
    out[1 + la] = '\n';
    memcpy(out + 2 + la, b, lb + 1);
    return la + lb + 2;
}

int rl_route_eq(const rl_hnode *n, const void *key)
{
    return strcmp(((const route_ent *)(const void *)n)->key, key) == 0;
}

static int lane_eq(const rl_hnode *n, const void *key)
{
    return strcmp(((const lane *)(const void *)n)->key, key) == 0;
}

int rl_bucket_eq(const rl_hnode *n, const void *key)
{
    return strcmp(((const bucket *)(const void *)n)->key, key) == 0;
}

static int request_eq(const rl_hnode *n, const void *key)
{
    return ((const request *)(const void *)n)->id == *(const uint64_t *)key;
}

request *rl_request_find(const rl_limiter *rl, uint64_t id)
{
    return (request *)(void *)rl_table_find(&rl->requests, rl_hash_u64(id), request_eq, &id);
}

uint64_t rl_wall_now(const rl_limiter *rl, uint64_t now)
{
    if (!rl->wall_known) return 0;
    int64_t wall = (int64_t)now + rl->wall_offset;
    return wall > 0 ? (uint64_t)wall : 0;
}

/* ---- invalid-request guard: 401/403/429 over a sliding 10 minutes, in 5 s slots ---- */

void rl_guard_add(rl_limiter *rl, uint64_t now)
{
    uint64_t index = now / GUARD_SLOT_MS;
    guard_slot *slot = &rl->guard[index % GUARD_SLOTS];
    if (slot->index != index) {
        slot->index = index;
        slot->count = 0;
    }
    slot->count++;
}

static bool guard_slot_live(const guard_slot *slot, uint64_t index)
{
    return slot->count > 0 && slot->index <= index && slot->index + GUARD_SLOTS > index;
}

uint64_t rl_guard_count(const rl_limiter *rl, uint64_t now)
{
    uint64_t index = now / GUARD_SLOT_MS, sum = 0;
    for (size_t i = 0; i < GUARD_SLOTS; i++)
        if (guard_slot_live(&rl->guard[i], index)) sum += rl->guard[i].count;
    return sum;
}

/* When the count falls below the hard mark again (0: it is below now). Whole slots leave the window. */
uint64_t rl_guard_hard_until(const rl_limiter *rl, uint64_t now)
{
    if (rl->cfg.invalid_hard == 0) return 0;
    uint64_t count = rl_guard_count(rl, now);
    if (count < rl->cfg.invalid_hard) return 0;
    uint64_t index = now / GUARD_SLOT_MS;
    uint64_t oldest = index + 1 >= GUARD_SLOTS ? index + 1 - GUARD_SLOTS : 0;
    for (uint64_t k = oldest; k <= index; k++) {
        const guard_slot *slot = &rl->guard[k % GUARD_SLOTS];
        if (slot->index != k || slot->count == 0) continue;
        count -= slot->count;
        if (count < rl->cfg.invalid_hard) return (k + GUARD_SLOTS) * GUARD_SLOT_MS;
    }
    return (index + GUARD_SLOTS) * GUARD_SLOT_MS;
}

/* ---- what holds whom ---- */

/* Holds everything, interactions included: a Cloudflare ban is per IP, and the hard guard exists to avoid
 * one. */
uint64_t rl_all_block_until(const rl_limiter *rl, uint64_t now, rl_wait_cause *cause)
{
    uint64_t until = 0, guard = rl_guard_hard_until(rl, now);
    rl_wait_cause why = RL_WAIT_CLOUDFLARE;
    if (rl->cloudflare_until > now) until = rl->cloudflare_until;
    if (guard > until) until = guard, why = RL_WAIT_INVALID_GUARD;
    if (cause && until > now) *cause = why;
    return until > now ? until : 0;
}

/* Holds predicted for a request of this class, without the proactive window (which is short). */
static uint64_t class_block_until(const rl_limiter *rl, uint64_t now, bool exempt, rl_wait_cause *cause)
{
    uint64_t until = rl_all_block_until(rl, now, cause);
    if (!exempt && rl->global_until > now && rl->global_until > until) {
        until = rl->global_until;
        if (cause) *cause = RL_WAIT_GLOBAL;
    }
    return until;
}

static uint64_t window_free_at(const rl_limiter *rl)
{
    uint32_t n = rl->cfg.global_per_second;
    if (n == 0 || rl->global_count < n) return 0;
    /* The oldest of the last n, plus the margin: requests reach Discord with some jitter, and one that
     * arrives a hair early is counted in the previous second. */
    return rl->global_sends[rl->global_next] + rl->cfg.global_window_ms + rl->cfg.reset_margin_ms;
}

void rl_window_record(rl_limiter *rl, uint64_t now)
{
    uint32_t n = rl->cfg.global_per_second;
    if (n == 0) return;
    rl->global_sends[rl->global_next] = now;
    rl->global_next = (rl->global_next + 1) % n;
    if (rl->global_count < n) rl->global_count++;
}

/* When the next non-exempt request may go, given everything global. */
uint64_t rl_normal_gate(const rl_limiter *rl, uint64_t now, rl_wait_cause *cause)
{
    uint64_t until = class_block_until(rl, now, false, cause);
    uint64_t window = window_free_at(rl);
    if (window > until) {
        until = window;
        if (cause) *cause = RL_WAIT_GLOBAL;
    }
    if (rl->cfg.invalid_soft && rl->any_normal_send && rl_guard_count(rl, now) >= rl->cfg.invalid_soft) {
        uint64_t spaced = rl->last_normal_send + rl->cfg.invalid_slow_interval_ms;
        if (spaced > until) {
            until = spaced;
            if (cause) *cause = RL_WAIT_INVALID_GUARD;
        }
    }
    return until;
}

/* The bucket's own hold (a 429, or remaining 0 until reset). Refills remaining once reset passed. */
uint64_t rl_bucket_hold(bucket *b, uint64_t now)
{
    if (b->reset_at != 0 && b->reset_at <= now) {
        b->remaining = b->limit;
        b->reset_at = 0;
    }
    uint64_t until = b->retry_at > now ? b->retry_at : 0;
    if (b->remaining == 0 && b->reset_at > until) until = b->reset_at;
    return until;
}

static uint64_t lane_ready_at(const lane *l, uint64_t hold, uint64_t now)
{
    uint64_t at = max_u64(hold, l->hold_until);
    return at > now ? at : 0;
}

uint32_t rl_bucket_capacity(const rl_limiter *rl, const bucket *b)
{
    if (!b->provisional || b->lane_count != 1) return 1;
    const lane *only = rl_container_of(b->lanes.next, lane, bucket_link);
    return only->route->state == ROUTE_UNLIMITED ? rl->cfg.unlimited_in_flight : 1;
}

bool rl_waits_too_long(const rl_limiter *rl, const request *req, uint64_t now, uint64_t until)
{
    if (until <= now) return false;
    if (req->deadline_ms && until > req->deadline_ms) return true;
    return rl->cfg.max_wait_ms && until - now > rl->cfg.max_wait_ms;
}

/* When this request could go at the earliest, and why it waits. */
uint64_t rl_request_ready_at(rl_limiter *rl, const request *req, uint64_t now, rl_wait_cause *cause)
{
    lane *l = req->lane;
    *cause = RL_WAIT_BUCKET;
    uint64_t at = lane_ready_at(l, rl_bucket_hold(l->bucket, now), now);
    rl_wait_cause global_cause = RL_WAIT_GLOBAL;
    uint64_t global = class_block_until(rl, now, req->exempt, &global_cause);
    if (global > at) at = global, *cause = global_cause;
    return at;
}

/* ---- requests in lanes ---- */

void rl_lane_enqueue(rl_limiter *rl, lane *l, request *req)
{
    rl_list *pos = &l->queue;   /* append unless it is older than the tail (a requeue or a RL_F_HEAD) */
    if (!rl_list_empty(&l->queue) && rl_container_of(l->queue.prev, request, link)->seq > req->seq) {
        pos = l->queue.next;
        while (pos != &l->queue && rl_container_of(pos, request, link)->seq < req->seq) pos = pos->next;
    }
    rl_list_insert_before(pos, &req->link);
    l->queued++;
    l->bucket->queued++;
    rl->queued++;
    req->lane = l;
    req->state = REQ_QUEUED;
    if (req->deadline_ms) {
        req->deadline.key = req->deadline_ms;
        (void)rl_heap_push(&rl->deadlines, &rl->mem, &req->deadline); /* room reserved at submit */
    }
}

void rl_lane_unqueue(rl_limiter *rl, request *req)
{
    lane *l = req->lane;
    rl_list_remove(&req->link);
    l->queued--;
    l->bucket->queued--;
    rl->queued--;
    if (rl_heap_contains(&req->deadline)) rl_heap_remove(&rl->deadlines, &req->deadline);
}

void rl_request_fail(rl_limiter *rl, request *req, rl_fail_reason reason, uint64_t wait_ms, rl_wait_cause cause)
{
    if (req->state == REQ_QUEUED) rl_lane_unqueue(rl, req);
    req->lane = NULL;
    req->state = REQ_FAILING;
    req->failure = (rl_failure){ reason, wait_ms, cause };
    rl_list_append(&rl->failing, &req->link);
    rl->failing_count++;
}

void rl_request_free(rl_limiter *rl, request *req)
{
    rl_table_remove(&rl->requests, &rl->mem, &req->node);
    if (req->deadline_ms) rl->deadline_requests--;
    rl_mem_free(&rl->mem, req);
}

void rl_count_failure(rl_limiter *rl, rl_fail_reason reason)
{
    rl->counters.failed_locally++;
    if (reason == RL_FAIL_TOKEN_INVALID) rl->counters.failed_token++;
    else if (reason == RL_FAIL_WAIT_TOO_LONG) rl->counters.failed_wait++;
    else rl->counters.failed_deadline++;
}

/* ---- buckets: idle tracking and scheduling ---- */

static void bucket_set_idle(rl_limiter *rl, bucket *b, uint64_t now)
{
    if (b->idle) return;
    b->idle = true;
    b->idle_since = now;
    rl_list_append(&rl->idle_buckets, &b->idle_link);
}

static void bucket_clear_idle(bucket *b)
{
    if (!b->idle) return;
    b->idle = false;
    rl_list_remove(&b->idle_link);
}

static void route_set_idle(rl_limiter *rl, route_ent *rt, uint64_t now)
{
    if (rt->idle) return;
    rt->idle = true;
    rt->idle_since = now;
    rl_list_append(&rl->idle_routes, &rt->idle_link);
}

static void route_clear_idle(route_ent *rt)
{
    if (!rt->idle) return;
    rt->idle = false;
    rl_list_remove(&rt->idle_link);
}

static void sched_detach(rl_limiter *rl, bucket *b)
{
    if (b->sched == SCHED_WAITING) rl_heap_remove(&rl->waits, &b->wake);
    else if (b->sched == SCHED_READY || b->sched == SCHED_READY_EXEMPT) rl_list_remove(&b->ready_link);
    b->sched = SCHED_NONE;
}

/* The lane whose head goes next: among lanes that may send earliest, the one whose head was submitted
 * first (that is how merged routes interleave). *at: when (0 = now). NULL if nothing is queued. */
lane *rl_bucket_pick(bucket *b, uint64_t now, uint64_t *at)
{
    uint64_t hold = rl_bucket_hold(b, now), earliest = UINT64_MAX;
    for (rl_list *p = b->lanes.next; p != &b->lanes; p = p->next) {
        lane *l = rl_container_of(p, lane, bucket_link);
        if (l->queued) earliest = earliest < lane_ready_at(l, hold, now) ? earliest : lane_ready_at(l, hold, now);
    }
    lane *best = NULL;
    for (rl_list *p = b->lanes.next; p != &b->lanes && earliest != UINT64_MAX; p = p->next) {
        lane *l = rl_container_of(p, lane, bucket_link);
        if (!l->queued || lane_ready_at(l, hold, now) > earliest) continue;
        if (best == NULL || first_request(l)->seq < first_request(best)->seq) best = l;
    }
    *at = earliest;
    return best;
}

/* Fails lane heads that would wait past their deadline or max_wait_ms. true if any was failed. */
static bool fail_hopeless_heads(rl_limiter *rl, bucket *b, uint64_t now)
{
    bool failed = false;
    for (rl_list *p = b->lanes.next; p != &b->lanes; p = p->next) {
        lane *l = rl_container_of(p, lane, bucket_link);
        if (!l->queued) continue;
        request *head = first_request(l);
        rl_wait_cause cause;
        uint64_t at = rl_request_ready_at(rl, head, now, &cause);
        if (rl_waits_too_long(rl, head, now, at)) {
            rl_request_fail(rl, head, RL_FAIL_WAIT_TOO_LONG, at - now, cause);
            failed = true;
        }
    }
    return failed;
}

/* Puts the bucket where it belongs: idle, busy (nowhere), the wait heap, or a ready list. Called after
 * anything about the bucket changed. */
void rl_bucket_schedule(rl_limiter *rl, bucket *b, uint64_t now)
{
    sched_detach(rl, b);
    for (;;) {
        if (b->queued == 0) {
            if (b->in_flight == 0) bucket_set_idle(rl, b, now);
            else bucket_clear_idle(b);
            return;
        }
        bucket_clear_idle(b);
        if (b->in_flight >= rl_bucket_capacity(rl, b)) return; /* its completion reschedules it */
        if (!fail_hopeless_heads(rl, b, now)) break;        /* each pass removes a request: bounded */
    }
    uint64_t at;
    lane *next = rl_bucket_pick(b, now, &at);
    if (at > now) {
        b->wake.key = at;
        (void)rl_heap_push(&rl->waits, &rl->mem, &b->wake); /* room reserved per bucket */
        b->sched = SCHED_WAITING;
        return;
    }
    bool exempt = first_request(next)->exempt;
    b->sched = exempt ? SCHED_READY_EXEMPT : SCHED_READY;
    rl_list_append(exempt ? &rl->ready_exempt : &rl->ready, &b->ready_link);
}

/* After a global event (global 429, Cloudflare, hard guard, bad token) every queued head's wait changed. */
void rl_reschedule_all(rl_limiter *rl, uint64_t now)
{
    for (size_t i = 0; i < rl->buckets.cap; i++)
        for (rl_hnode *n = rl->buckets.slots[i]; n; n = n->next) {
            bucket *b = (bucket *)(void *)n;
            if (b->queued) rl_bucket_schedule(rl, b, now);
        }
}

/* ---- creating and freeing routes, buckets, lanes ---- */

static void *alloc_keyed(rl_limiter *rl, size_t size, const char *key)
{
    size_t len = strlen(key);
    char *obj = rl_mem_alloc(&rl->mem, size + len + 1);
    if (obj == NULL) return NULL;
    memset(obj, 0, size);
    memcpy(obj + size, key, len + 1);
    return obj;
}

route_ent *rl_route_get(rl_limiter *rl, const char *key, uint64_t now)
{
    uint64_t hash = rl_hash_str(key);
    route_ent *rt = (route_ent *)(void *)rl_table_find(&rl->routes, hash, rl_route_eq, key);
    if (rt) return rt;
    rt = alloc_keyed(rl, sizeof *rt, key);
    if (rt == NULL) return NULL;
    rt->node.hash = hash;
    rl_list_init(&rt->lanes);
    rl_list_init(&rt->idle_link);
    rt->state = ROUTE_UNKNOWN;
    rl_table_insert(&rl->routes, &rl->mem, &rt->node);
    route_set_idle(rl, rt, now); /* until a lane uses it, so a failed submit leaves nothing behind */
    return rt;
}

static bucket *bucket_get(rl_limiter *rl, const char *key, const char *hash, const char *major, uint64_t now)
{
    uint64_t h = rl_hash_str(key);
    bucket *b = (bucket *)(void *)rl_table_find(&rl->buckets, h, rl_bucket_eq, key);
    if (b) return b;
    if (rl_heap_reserve(&rl->waits, &rl->mem, rl->buckets.count + 1) != 0) return NULL;
    b = alloc_keyed(rl, sizeof *b, key);
    if (b == NULL) return NULL;
    b->node.hash = h;
    rl_list_init(&b->lanes);
    rl_list_init(&b->ready_link);
    rl_list_init(&b->idle_link);
    b->wake.index = SIZE_MAX;
    b->limit = b->remaining = -1;
    b->provisional = hash[0] == '\0';
    snprintf(b->hash, sizeof b->hash, "%s", hash);
    b->major = b->key + strlen(key) - strlen(major);
    rl_table_insert(&rl->buckets, &rl->mem, &b->node);
    bucket_set_idle(rl, b, now);
    return b;
}

/* The bucket a route's requests for this major go to now. */
bucket *rl_bucket_for(rl_limiter *rl, const route_ent *rt, const char *major, uint64_t now)
{
    char key[RL_KEY_MAX];
    bool hashed = rt->state == ROUTE_HASHED;
    if (rl_compose_key(key, hashed ? '#' : '~', hashed ? rt->hash : rt->key, major) == 0) return NULL;
    return bucket_get(rl, key, hashed ? rt->hash : "", major, now);
}

void rl_lane_attach(bucket *b, lane *l)
{
    l->bucket = b;
    rl_list_append(&b->lanes, &l->bucket_link);
    b->lane_count++;
    b->queued += l->queued;
    b->in_flight += l->in_flight;
}

void rl_lane_detach(lane *l)
{
    bucket *b = l->bucket;
    rl_list_remove(&l->bucket_link);
    b->lane_count--;
    b->queued -= l->queued;
    b->in_flight -= l->in_flight;
    l->bucket = NULL;
}

lane *rl_lane_get(rl_limiter *rl, route_ent *rt, const char *major, uint64_t now)
{
    char key[RL_KEY_MAX];
    if (rl_compose_key(key, ' ', rt->key, major) == 0) return NULL;
    const char *lane_key = key + 1;
    uint64_t hash = rl_hash_str(lane_key);
    lane *l = (lane *)(void *)rl_table_find(&rl->lanes, hash, lane_eq, lane_key);
    if (l) return l;
    bucket *b = rl_bucket_for(rl, rt, major, now);
    if (b == NULL) return NULL;
    l = alloc_keyed(rl, sizeof *l, lane_key);
    if (l == NULL) return NULL; /* the new bucket stays idle and is collected */
    l->node.hash = hash;
    l->route = rt;
    l->major = l->key + strlen(rt->key) + 1;
    rl_list_init(&l->queue);
    rl_list_append(&rt->lanes, &l->route_link);
    rt->lane_count++;
    route_clear_idle(rt);
    rl_lane_attach(b, l);
    rl_table_insert(&rl->lanes, &rl->mem, &l->node);
    return l;
}

static void bucket_free(rl_limiter *rl, bucket *b, uint64_t now)
{
    sched_detach(rl, b);
    bucket_clear_idle(b);
    while (!rl_list_empty(&b->lanes)) {
        lane *l = rl_container_of(b->lanes.next, lane, bucket_link);
        rl_list_remove(&l->bucket_link);
        rl_list_remove(&l->route_link);
        if (--l->route->lane_count == 0) route_set_idle(rl, l->route, now);
        rl_table_remove(&rl->lanes, &rl->mem, &l->node);
        rl_mem_free(&rl->mem, l);
    }
    rl_table_remove(&rl->buckets, &rl->mem, &b->node);
    rl_mem_free(&rl->mem, b);
}

void rl_gc_step(rl_limiter *rl, uint64_t now, size_t budget)
{
    for (size_t n = 0; n < budget && !rl_list_empty(&rl->idle_buckets); n++) {
        bucket *b = rl_container_of(rl->idle_buckets.next, bucket, idle_link);
        if (now < b->idle_since || now - b->idle_since < rl->cfg.bucket_idle_ms) break; /* in idle order */
        if (rl_bucket_hold(b, now) > now) {
            /* Forgetting a pending reset would invite a 429: look again later. */
            rl_list_remove(&b->idle_link);
            b->idle_since = now;
            rl_list_append(&rl->idle_buckets, &b->idle_link);
            continue;
        }
        bucket_free(rl, b, now);
    }
    for (size_t n = 0; n < budget && !rl_list_empty(&rl->idle_routes); n++) {
        route_ent *rt = rl_container_of(rl->idle_routes.next, route_ent, idle_link);
        if (now < rt->idle_since || now - rt->idle_since < rl->cfg.route_idle_ms) break;
        route_clear_idle(rt);
        rl_table_remove(&rl->routes, &rl->mem, &rt->node);
        rl_mem_free(&rl->mem, rt);
    }
    rl_heap_shrink(&rl->waits, &rl->mem, rl->buckets.count);
    rl_heap_shrink(&rl->deadlines, &rl->mem, rl->deadline_requests);
}
