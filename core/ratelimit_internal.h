/* Internals of the rate limiter, shared by ratelimit.c (the API and what responses teach),
 * ratelimit_sched.c (state, scheduling, the route/lane/bucket store), ratelimit_parse.c (pure parsing) and
 * ratelimit_util.c (lists, tables, heaps, memory). Not part of the API. */
#ifndef PEON_RATELIMIT_INTERNAL_H
#define PEON_RATELIMIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"

#define rl_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Circular doubly linked list with a sentinel; an unlinked node points at itself. */
typedef struct rl_list {
    struct rl_list *prev, *next;
} rl_list;

static inline void rl_list_init(rl_list *l) { l->prev = l->next = l; }
static inline int rl_list_empty(const rl_list *l) { return l->next == l; }
static inline void rl_list_insert_before(rl_list *pos, rl_list *node)
{
    node->prev = pos->prev;
    node->next = pos;
    pos->prev->next = node;
    pos->prev = node;
}
static inline void rl_list_append(rl_list *head, rl_list *node) { rl_list_insert_before(head, node); }
static inline void rl_list_remove(rl_list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    rl_list_init(node);
}

/* Chained hash table over intrusive nodes; the owner compares keys through the callback. */
typedef struct rl_hnode {
    struct rl_hnode *next;
    uint64_t hash;
} rl_hnode;

typedef struct rl_table {
    rl_hnode **slots;
    size_t cap, count;
} rl_table;

typedef int (*rl_key_eq)(const rl_hnode *node, const void *key);

/* Min-heap of intrusive nodes with their index, so any node can be removed in O(log n). */
typedef struct rl_heap_node {
    uint64_t key;
    size_t index;       /* SIZE_MAX when not in a heap */
} rl_heap_node;

typedef struct rl_heap {
    rl_heap_node **items;
    size_t len, cap;
} rl_heap;

/* Memory: every allocation goes through these so rl_stats can report the total and tests can inject
 * failures. */
typedef struct rl_mem {
    void *(*alloc)(void *ud, size_t size);
    void (*dealloc)(void *ud, void *ptr);
    void *ud;
    uint64_t bytes;
} rl_mem;

void *rl_mem_alloc(rl_mem *mem, size_t size);
void rl_mem_free(rl_mem *mem, void *ptr);

uint64_t rl_hash_str(const char *s);
uint64_t rl_hash_u64(uint64_t v);

int rl_table_init(rl_table *t, rl_mem *mem);
void rl_table_free(rl_table *t, rl_mem *mem);
rl_hnode *rl_table_find(const rl_table *t, uint64_t hash, rl_key_eq eq, const void *key);
/* Grows the table first when needed; on allocation failure keeps the old size (chains just get longer). */
void rl_table_insert(rl_table *t, rl_mem *mem, rl_hnode *node);
void rl_table_remove(rl_table *t, rl_mem *mem, rl_hnode *node);

void rl_heap_free(rl_heap *h, rl_mem *mem);
/* Makes room for `need` nodes up front, so pushes on paths that cannot fail never do. */
int rl_heap_reserve(rl_heap *h, rl_mem *mem, size_t need);
/* Returns -1 (node not added) when the heap cannot grow. */
int rl_heap_push(rl_heap *h, rl_mem *mem, rl_heap_node *node);
void rl_heap_remove(rl_heap *h, rl_heap_node *node);
/* Gives memory back after a burst, keeping room for `need` nodes. */
void rl_heap_shrink(rl_heap *h, rl_mem *mem, size_t need);
static inline rl_heap_node *rl_heap_top(const rl_heap *h) { return h->len ? h->items[0] : NULL; }
static inline int rl_heap_contains(const rl_heap_node *node) { return node->index != SIZE_MAX; }

/* Parsers shared with the tests through the public API (ratelimit_parse.c). */
bool rl_parse_seconds_ms(const char *s, size_t len, uint64_t *ms_out);

/* ---- the limiter's state: ratelimit_sched.c keeps it consistent, ratelimit.c drives it ---- */

#define GUARD_SLOTS 120u            /* 120 slots of 5 s: Discord's 10-minute invalid-request window */
#define RL_KEY_MAX (2 + RL_ROUTE_MAX + RL_MAJOR_MAX + RL_BUCKET_MAX)

/* UNKNOWN: never answered. HASHED: has a bucket hash. UNLIMITED: answered without bucket headers.
 * SERIAL: was "unlimited" but got a 429 anyway; stays one-at-a-time until a hash shows up (a late 200
 * from before the 429 must not make it unlimited again). */
typedef enum { ROUTE_UNKNOWN, ROUTE_HASHED, ROUTE_UNLIMITED, ROUTE_SERIAL } route_state;
typedef enum { SCHED_NONE, SCHED_WAITING, SCHED_READY, SCHED_READY_EXEMPT } sched_state;
typedef enum { REQ_NEW, REQ_QUEUED, REQ_IN_FLIGHT, REQ_FAILING } req_state;

typedef struct bucket bucket;

/* "METHOD /template": what we learned about it is its bucket hash (or that it has none). */
typedef struct route_ent {
    rl_hnode node;
    rl_list lanes;
    size_t lane_count;
    rl_list idle_link;          /* in rl->idle_routes while it has no lanes */
    uint64_t idle_since;
    bool idle;
    route_state state;
    char hash[RL_BUCKET_MAX];
    char key[];
} route_ent;

/* One route's FIFO for one major parameter. Lives as long as its bucket. */
typedef struct lane {
    rl_hnode node;
    route_ent *route;
    rl_list route_link;
    bucket *bucket;
    rl_list bucket_link;
    rl_list queue;              /* requests sorted by seq */
    size_t queued;
    uint32_t in_flight;
    uint64_t hold_until;        /* sub-limit 429s and a 429's own retry_after */
    const char *major;          /* points into key */
    char key[];                 /* route key '\n' major */
} lane;

struct bucket {
    rl_hnode node;
    rl_list lanes;
    uint32_t lane_count;
    size_t queued;
    uint32_t in_flight;
    int64_t limit, remaining;   /* -1 unknown */
    uint64_t reset_at;          /* when remaining refills; 0 unknown */
    uint64_t retry_at;          /* a 429 holds the bucket until then */
    bool provisional;           /* keyed by route, not by a learned hash */
    bool informed;              /* has seen rate-limit headers */
    sched_state sched;
    rl_heap_node wake;          /* in rl->waits while SCHED_WAITING */
    rl_list ready_link;
    rl_list idle_link;
    uint64_t idle_since;
    bool idle;
    char hash[RL_BUCKET_MAX];
    const char *major;
    char key[];                 /* '#' hash '\n' major, or '~' route key '\n' major */
};

typedef struct request {
    rl_hnode node;
    uint64_t id, seq;
    lane *lane;                 /* NULL once failing */
    rl_list link;               /* lane queue or rl->failing */
    rl_heap_node deadline;      /* in rl->deadlines while queued with a deadline */
    uint64_t deadline_ms, queued_since;
    req_state state;
    bool exempt, token_route;
    rl_failure failure;
} request;

typedef struct guard_slot {
    uint64_t index;
    uint32_t count;
} guard_slot;

struct rl_limiter {
    rl_config cfg;
    rl_mem mem;
    rl_table requests, routes, lanes, buckets;
    rl_heap waits;              /* buckets held by a bucket/lane limit, by the time it ends */
    rl_heap deadlines;          /* queued requests with a deadline */
    size_t deadline_requests;   /* live requests with a deadline: the deadline heap keeps room for them */
    rl_list ready, ready_exempt, failing, idle_buckets, idle_routes;
    uint64_t tail_seq, head_seq;
    int64_t wall_offset;
    bool wall_known;
    uint64_t *global_sends;     /* ring of the last global_per_second non-exempt send times */
    size_t global_next, global_count;
    uint64_t global_until, cloudflare_until, last_normal_send;
    bool any_normal_send;
    guard_slot guard[GUARD_SLOTS];
    bool token_invalid;
    uint64_t queued, in_flight, failing_count;
    rl_stats counters;          /* the cumulative fields only */
};

static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline request *first_request(const lane *l) { return rl_container_of(l->queue.next, request, link); }

/* Keys and lookups. */
size_t rl_compose_key(char *out, char kind, const char *a, const char *b);
int rl_route_eq(const rl_hnode *n, const void *key);
int rl_bucket_eq(const rl_hnode *n, const void *key);
request *rl_request_find(const rl_limiter *rl, uint64_t id);
uint64_t rl_wall_now(const rl_limiter *rl, uint64_t now);

/* The invalid-request guard and the global gates. */
void rl_guard_add(rl_limiter *rl, uint64_t now);
uint64_t rl_guard_count(const rl_limiter *rl, uint64_t now);
uint64_t rl_guard_hard_until(const rl_limiter *rl, uint64_t now);
uint64_t rl_all_block_until(const rl_limiter *rl, uint64_t now, rl_wait_cause *cause);
uint64_t rl_normal_gate(const rl_limiter *rl, uint64_t now, rl_wait_cause *cause);
void rl_window_record(rl_limiter *rl, uint64_t now);

/* Holds and waits. */
uint64_t rl_bucket_hold(bucket *b, uint64_t now);
uint32_t rl_bucket_capacity(const rl_limiter *rl, const bucket *b);
bool rl_waits_too_long(const rl_limiter *rl, const request *req, uint64_t now, uint64_t until);
uint64_t rl_request_ready_at(rl_limiter *rl, const request *req, uint64_t now, rl_wait_cause *cause);

/* Requests. */
void rl_lane_enqueue(rl_limiter *rl, lane *l, request *req);
void rl_lane_unqueue(rl_limiter *rl, request *req);
void rl_request_fail(rl_limiter *rl, request *req, rl_fail_reason reason, uint64_t wait_ms, rl_wait_cause cause);
void rl_request_free(rl_limiter *rl, request *req);
void rl_count_failure(rl_limiter *rl, rl_fail_reason reason);

/* Scheduling: call rl_bucket_schedule after anything about a bucket changed. */
lane *rl_bucket_pick(bucket *b, uint64_t now, uint64_t *at);
void rl_bucket_schedule(rl_limiter *rl, bucket *b, uint64_t now);
void rl_reschedule_all(rl_limiter *rl, uint64_t now);

/* Routes, lanes and buckets: found or created; freed by rl_gc_step once idle. */
route_ent *rl_route_get(rl_limiter *rl, const char *key, uint64_t now);
lane *rl_lane_get(rl_limiter *rl, route_ent *rt, const char *major, uint64_t now);
bucket *rl_bucket_for(rl_limiter *rl, const route_ent *rt, const char *major, uint64_t now);
void rl_lane_attach(bucket *b, lane *l);
void rl_lane_detach(lane *l);
void rl_gc_step(rl_limiter *rl, uint64_t now, size_t budget);

#endif
