/* Containers for the rate limiter: counted allocations, a chained hash table that grows and shrinks, and
 * an indexed min-heap. Small on purpose; nothing here knows about Discord. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit_internal.h"

#define TABLE_MIN_CAP 16u

/* The size header keeps max_align_t alignment for what follows it. */
typedef union mem_header {
    size_t size;
    max_align_t align;
} mem_header;

void *rl_mem_alloc(rl_mem *mem, size_t size)
{
    if (size > SIZE_MAX - sizeof(mem_header)) return NULL;
    mem_header *h = mem->alloc(mem->ud, sizeof *h + size);
    if (h == NULL) return NULL;
    h->size = size;
    mem->bytes += sizeof *h + size;
    return h + 1;
}

void rl_mem_free(rl_mem *mem, void *ptr)
{
    if (ptr == NULL) return;
    mem_header *h = (mem_header *)ptr - 1;
    mem->bytes -= sizeof *h + h->size;
    mem->dealloc(mem->ud, h);
}

uint64_t rl_hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t rl_hash_u64(uint64_t v)
{
    v += 0x9e3779b97f4a7c15ull; /* splitmix64 finaliser: request ids are often sequential */
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
    return v ^ (v >> 31);
}

static rl_hnode **slots_alloc(rl_mem *mem, size_t cap)
{
    rl_hnode **slots = rl_mem_alloc(mem, cap * sizeof *slots);
    if (slots) memset(slots, 0, cap * sizeof *slots);
    return slots;
}

int rl_table_init(rl_table *t, rl_mem *mem)
{
    t->slots = slots_alloc(mem, TABLE_MIN_CAP);
    t->cap = TABLE_MIN_CAP;
    t->count = 0;
    return t->slots ? 0 : -1;
}

void rl_table_free(rl_table *t, rl_mem *mem)
{
    rl_mem_free(mem, t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

static void table_resize(rl_table *t, rl_mem *mem, size_t cap)
{
    rl_hnode **slots = slots_alloc(mem, cap);
    if (slots == NULL) return;
    for (size_t i = 0; i < t->cap; i++) {
        rl_hnode *n = t->slots[i];
        while (n) {
            rl_hnode *next = n->next;
            size_t at = (size_t)(n->hash & (cap - 1));
            n->next = slots[at];
            slots[at] = n;
            n = next;
        }
    }
    rl_mem_free(mem, t->slots);
    t->slots = slots;
    t->cap = cap;
}

rl_hnode *rl_table_find(const rl_table *t, uint64_t hash, rl_key_eq eq, const void *key)
{
    for (rl_hnode *n = t->slots[hash & (t->cap - 1)]; n; n = n->next)
        if (n->hash == hash && eq(n, key)) return n;
    return NULL;
}

void rl_table_insert(rl_table *t, rl_mem *mem, rl_hnode *node)
{
    if (t->count >= t->cap && t->cap <= SIZE_MAX / 2 / sizeof *t->slots) table_resize(t, mem, t->cap * 2);
    size_t at = (size_t)(node->hash & (t->cap - 1));
    node->next = t->slots[at];
    t->slots[at] = node;
    t->count++;
}

void rl_table_remove(rl_table *t, rl_mem *mem, rl_hnode *node)
{
    rl_hnode **link = &t->slots[node->hash & (t->cap - 1)];
    while (*link && *link != node) link = &(*link)->next;
    if (*link == NULL) return;
    *link = node->next;
    node->next = NULL;
    t->count--;
    /* Shrink so a burst over many channels does not leave a large slot array behind. */
    if (t->cap > TABLE_MIN_CAP && t->count < t->cap / 8) table_resize(t, mem, t->cap / 2);
}

void rl_heap_free(rl_heap *h, rl_mem *mem)
{
    rl_mem_free(mem, h->items);
    h->items = NULL;
    h->len = h->cap = 0;
}

static void heap_set(rl_heap *h, size_t i, rl_heap_node *node)
{
    h->items[i] = node;
    node->index = i;
}

static void sift_up(rl_heap *h, size_t i)
{
    rl_heap_node *node = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->items[parent]->key <= node->key) break;
        heap_set(h, i, h->items[parent]);
        i = parent;
    }
    heap_set(h, i, node);
}

static void sift_down(rl_heap *h, size_t i)
{
    rl_heap_node *node = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len) break;
        if (child + 1 < h->len && h->items[child + 1]->key < h->items[child]->key) child++;
        if (node->key <= h->items[child]->key) break;
        heap_set(h, i, h->items[child]);
        i = child;
    }
    heap_set(h, i, node);
}

static int heap_reserve(rl_heap *h, rl_mem *mem, size_t cap)
{
    if (cap > SIZE_MAX / sizeof *h->items) return -1;
    rl_heap_node **items = rl_mem_alloc(mem, cap * sizeof *items);
    if (items == NULL) return -1;
    if (h->len) memcpy(items, h->items, h->len * sizeof *items);
    rl_mem_free(mem, h->items);
    h->items = items;
    h->cap = cap;
    return 0;
}

int rl_heap_reserve(rl_heap *h, rl_mem *mem, size_t need)
{
    if (need <= h->cap) return 0;
    size_t cap = h->cap ? h->cap : 16;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    return heap_reserve(h, mem, cap);
}

int rl_heap_push(rl_heap *h, rl_mem *mem, rl_heap_node *node)
{
    if (h->len == h->cap && heap_reserve(h, mem, h->cap ? h->cap * 2 : 16) != 0) return -1;
    h->items[h->len] = node;
    node->index = h->len++;
    sift_up(h, node->index);
    return 0;
}

void rl_heap_remove(rl_heap *h, rl_heap_node *node)
{
    size_t i = node->index;
    if (i == SIZE_MAX || i >= h->len || h->items[i] != node) return;
    node->index = SIZE_MAX;
    h->len--;
    if (i < h->len) {
        rl_heap_node *moved = h->items[h->len];
        heap_set(h, i, moved);
        sift_up(h, i);
        sift_down(h, moved->index);
    }
}

void rl_heap_shrink(rl_heap *h, rl_mem *mem, size_t need)
{
    if (h->cap > 64 && need < h->cap / 8 && h->len <= h->cap / 2) (void)heap_reserve(h, mem, h->cap / 2);
}
