/* The orchestrator registry in the state store: name → (url, API key), in registration order. Each write
 * is one statement, so SQLite makes it atomic; keys stay in the 0600 database and nowhere else. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static char *column_copy(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return strdup(text ? (const char *)text : "");
}

int store_orc_list(store *st, store_orc **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    static const char sql[] = "SELECT name, url, api_key, source, created_at FROM orchestrators "
                              "ORDER BY created_at, rowid";
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (stmt == NULL) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == cap) {
            size_t grown = cap ? cap * 2 : 4;
            store_orc *bigger = realloc(*out, grown * sizeof *bigger);
            if (bigger == NULL) break;
            *out = bigger;
            cap = grown;
        }
        store_orc *o = &(*out)[(*count)++];
        o->name = column_copy(stmt, 0);
        o->url = column_copy(stmt, 1);
        o->api_key = column_copy(stmt, 2);
        o->source = column_copy(stmt, 3);
        o->created_at = sqlite3_column_int64(stmt, 4);
    }
    store_stmt_done(st, stmt);
    if (rc != SQLITE_DONE) {
        store_orc_list_free(*out, *count);
        *out = NULL;
        *count = 0;
        return -1;
    }
    return 0;
}

void store_orc_list_free(store_orc *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].name);
        free(list[i].url);
        free(list[i].api_key);
        free(list[i].source);
    }
    free(list);
}

int store_orc_put(store *st, const char *name, const char *url, const char *api_key, const char *source,
                  char *err, size_t errlen)
{
    sqlite3_stmt *stmt;
    /* An update keeps created_at, so the registration order (and "first orchestrator") does not move. */
    const char *sql = "INSERT INTO orchestrators (name, url, api_key, source) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (name) DO UPDATE SET url = excluded.url, api_key = excluded.api_key, "
                      "source = excluded.source";
    if (sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "store: %s", sqlite3_errmsg(store_db(st)));
        return -1;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, api_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, source, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "store: %s", sqlite3_errmsg(store_db(st)));
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_orc_delete(store *st, const char *name)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(store_db(st), "DELETE FROM orchestrators WHERE name = ?1", -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return -1;
    return sqlite3_changes(store_db(st)) > 0 ? 1 : 0;
}
