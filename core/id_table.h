/* A map from non-zero 64-bit ids to pointers (open addressing, linear probing, backward-shift deletion).
 * Used where a layer hands out ids to another and must find its record again from a ticket. */
#ifndef PEON_ID_TABLE_H
#define PEON_ID_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct id_slot {
    uint64_t id;      /* 0 = empty */
    void *value;
} id_slot;

typedef struct id_table {
    id_slot *slots;
    size_t cap;       /* a power of two, or 0 before the first insert */
    size_t count;
} id_table;

/* Returns 0, or -1 when out of memory or the id is 0 or already present. */
int id_table_put(id_table *t, uint64_t id, void *value);
void *id_table_get(const id_table *t, uint64_t id);
/* Removes and returns the value, or NULL when absent. */
void *id_table_take(id_table *t, uint64_t id);
/* Calls fn for every entry; fn must not change the table. */
void id_table_each(const id_table *t, void (*fn)(uint64_t id, void *value, void *ud), void *ud);
void id_table_free(id_table *t);

#endif
