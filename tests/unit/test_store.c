/* The state store on a real SQLite file: permissions, WAL, migrations, key-value round trips. */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "store.h"

static void make_temp_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/peon-store-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static void remove_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

static void test_creates_private_dir_and_db(void)
{
    char root[128], data[256];
    make_temp_dir(root, sizeof root);
    snprintf(data, sizeof data, "%s/nested/data", root);
    umask(022);
    char err[512] = "";
    store *st = store_open(data, err, sizeof err);
    CHECK(st != NULL);
    struct stat s;
    CHECK_INT(stat(data, &s), 0);
    CHECK_INT(s.st_mode & 0777, 0700);
    CHECK_INT(stat(store_path(st), &s), 0);
    CHECK_INT(s.st_mode & 0777, 0600);
    CHECK_INT(store_schema_version(st), 2);

    sqlite3_stmt *stmt;
    CHECK_INT(sqlite3_prepare_v2(store_db(st), "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(stmt), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    store_close(st);
    remove_tree(root);
}

static void test_kv_survives_reopen(void)
{
    char root[128];
    make_temp_dir(root, sizeof root);
    char err[512] = "";
    store *st = store_open(root, err, sizeof err);
    CHECK(st != NULL);
    CHECK_INT(store_kv_set(st, "boards", "main", "{\"id\":\"1\"}", err, sizeof err), 0);
    CHECK_INT(store_kv_set(st, "boards", "main", "{\"id\":\"2\"}", err, sizeof err), 0);
    CHECK_INT(store_kv_set(st, "other", "main", "x", err, sizeof err), 0);
    store_close(st);

    st = store_open(root, err, sizeof err);
    CHECK(st != NULL);
    char *value = store_kv_get(st, "boards", "main");
    CHECK_STR(value, "{\"id\":\"2\"}");
    free(value);
    value = store_kv_get(st, "other", "main");
    CHECK_STR(value, "x");
    free(value);
    CHECK_INT(store_kv_delete(st, "boards", "main"), 0);
    CHECK(store_kv_get(st, "boards", "main") == NULL);
    CHECK_INT(store_schema_version(st), 2); /* reopening does not migrate twice */
    store_close(st);
    remove_tree(root);
}

static void test_refuses_newer_schema(void)
{
    char root[128];
    make_temp_dir(root, sizeof root);
    char err[512] = "";
    store *st = store_open(root, err, sizeof err);
    CHECK(st != NULL);
    CHECK_INT(sqlite3_exec(store_db(st), "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    store_close(st);
    st = store_open(root, err, sizeof err);
    CHECK(st == NULL);
    CHECK(strstr(err, "newer") != NULL);
    remove_tree(root);
}

static void test_unwritable_dir_is_reported(void)
{
    char err[512] = "";
    store *st = store_open("/proc/peon-cannot-exist", err, sizeof err);
    CHECK(st == NULL);
    CHECK(strstr(err, "/proc/peon-cannot-exist") != NULL);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    RUN_TEST(test_creates_private_dir_and_db);
    RUN_TEST(test_kv_survives_reopen);
    RUN_TEST(test_refuses_newer_schema);
    RUN_TEST(test_unwritable_dir_is_reported);
    return CHECK_DONE();
}
