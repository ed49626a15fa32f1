#include "id_table.h"

#include <stdlib.h>

static size_t slot_of(uint64_t id, size_t cap)
{
    id *= 0x9E3779B97F4A7C15ull; /* spreads sequential ids over the table */
    return (size_t)(id >> 32) & (cap - 1);
}

static int grow(id_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    id_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].id == 0) continue;
        size_t j = slot_of(t->slots[i].id, cap);
        while (slots[j].id != 0) j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

int id_table_put(id_table *t, uint64_t id, void *value)
{
    if (id == 0) return -1;
    if ((t->count + 1) * 4 > t->cap * 3 && grow(t) != 0) return -1; /* load stays under 3/4 */
    size_t i = slot_of(id, t->cap);
    while (t->slots[i].id != 0) {
        if (t->slots[i].id == id) return -1;
        i = (i + 1) & (t->cap - 1);
    }
    t->slots[i] = (id_slot){ id, value };
    t->count++;
    return 0;
}

static size_t find(const id_table *t, uint64_t id)
{
    if (t->cap == 0 || id == 0) return SIZE_MAX;
    for (size_t i = slot_of(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i].id == id) return i;
        if (t->slots[i].id == 0) return SIZE_MAX;
    }
}

void *id_table_get(const id_table *t, uint64_t id)
{
    size_t i = find(t, id);
    return i == SIZE_MAX ? NULL : t->slots[i].value;
}

void *id_table_take(id_table *t, uint64_t id)
{
    size_t i = find(t, id);
    if (i == SIZE_MAX) return NULL;
    void *value = t->slots[i].value;
    /* Backward shift: later entries of the probe run move up so lookups never stop at a false hole. */
    size_t mask = t->cap - 1;
    for (size_t j = (i + 1) & mask; t->slots[j].id != 0; j = (j + 1) & mask) {
        size_t home = slot_of(t->slots[j].id, t->cap);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = (id_slot){ 0, NULL };
    t->count--;
    return value;
}

void id_table_each(const id_table *t, void (*fn)(uint64_t id, void *value, void *ud), void *ud)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].id != 0) fn(t->slots[i].id, t->slots[i].value, ud);
}

void id_table_free(id_table *t)
{
    free(t->slots);
    *t = (id_table){ 0 };
}
