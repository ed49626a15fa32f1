/* The SQLite state store: one database, PEON_DATA_DIR/peon.db, in WAL mode.
 * The directory is created 0700 and the database 0600: it holds orchestrator API keys. */
#ifndef PEON_STORE_H
#define PEON_STORE_H

#include <stddef.h>

typedef struct store store;

/* Opens (creating if needed) and migrates the schema to the newest version.
 * Returns NULL with a message in err on failure. */
store *store_open(const char *data_dir, char *err, size_t errlen);
void store_close(store *st);

int store_schema_version(store *st);
const char *store_path(const store *st);

/* The namespaced key-value space scripts use. get returns a malloc'd copy or NULL when absent. */
int store_kv_set(store *st, const char *ns, const char *key, const char *value, char *err, size_t errlen);
char *store_kv_get(store *st, const char *ns, const char *key);
int store_kv_delete(store *st, const char *ns, const char *key);

/* The orchestrator registry (store_orchestrators.c), in registration order. */
typedef struct store_orc {
    char *name, *url, *api_key, *source; /* source: "user" (registered from Discord) or "env" */
    long long created_at;
} store_orc;
int store_orc_list(store *st, store_orc **out, size_t *count);
void store_orc_list_free(store_orc *list, size_t count);
/* Adds, or replaces url/key/source of the entry with that name. */
int store_orc_put(store *st, const char *name, const char *url, const char *api_key, const char *source,
                  char *err, size_t errlen);
/* 1 removed, 0 no such name, -1 error. */
int store_orc_delete(store *st, const char *name);

/* The handle, for modules that own their own tables (schedules, boards...). */
struct sqlite3 *store_db(store *st);
/* A prepared statement for `sql`, kept prepared across calls: `sql` must be a string literal or another
 * string that lives as long as the store (it is cached by address). NULL if it does not prepare (the
 * error is in sqlite3_errmsg). Give it back with store_stmt_done, never finalize it. */
struct sqlite3_stmt *store_stmt(store *st, const char *sql);
/* Resets and unbinds a cached statement (finalizes one the full cache could not keep). */
void store_stmt_done(store *st, struct sqlite3_stmt *stmt);

#endif
