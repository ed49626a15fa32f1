/* The id table against a plain array model, through growth and deletions inside probe runs. */
#include <stdlib.h>

#include "check.h"
#include "id_table.h"

static void test_put_get_take(void)
{
    id_table t = { 0 };
    int values[3];
    CHECK_INT(id_table_put(&t, 1, &values[0]), 0);
    CHECK_INT(id_table_put(&t, 2, &values[1]), 0);
    CHECK_INT(id_table_put(&t, 1, &values[2]), -1); /* duplicate */
    CHECK_INT(id_table_put(&t, 0, &values[2]), -1); /* 0 is reserved */
    CHECK(id_table_get(&t, 1) == &values[0]);
    CHECK(id_table_get(&t, 3) == NULL);
    CHECK(id_table_take(&t, 1) == &values[0]);
    CHECK(id_table_take(&t, 1) == NULL);
    CHECK(id_table_get(&t, 2) == &values[1]);
    CHECK_INT(t.count, 1);
    id_table_free(&t);
    CHECK(id_table_get(&t, 2) == NULL);
}

static void count_entry(uint64_t id, void *value, void *ud)
{
    (void)id;
    (void)value;
    (*(size_t *)ud)++;
}

/* Random puts and takes, checked against a model after every step. */
static void test_against_model(void)
{
    enum { N = 5000 };
    static char present[N];
    id_table t = { 0 };
    srand(7);
    for (int step = 0; step < 100000; step++) {
        uint64_t id = 1 + (uint64_t)(rand() % (N - 1));
        if (rand() % 3 == 0) {
            void *got = id_table_take(&t, id);
            CHECK(got == (present[id] ? (void *)(uintptr_t)id : NULL));
            present[id] = 0;
        } else {
            int rc = id_table_put(&t, id, (void *)(uintptr_t)id);
            CHECK_INT(rc, present[id] ? -1 : 0);
            present[id] = 1;
        }
    }
    size_t expected = 0, seen = 0;
    for (uint64_t id = 1; id < N; id++) {
        expected += present[id];
        CHECK(id_table_get(&t, id) == (present[id] ? (void *)(uintptr_t)id : NULL));
    }
    id_table_each(&t, count_entry, &seen);
    CHECK_INT(t.count, expected);
    CHECK_INT(seen, expected);
    id_table_free(&t);
}

int main(void)
{
    RUN_TEST(test_put_get_take);
    RUN_TEST(test_against_model);
    return CHECK_DONE();
}
