#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define STMT_CACHE_SIZE 16

struct store {
    sqlite3 *db;
    char path[PATH_MAX];
    /* The hot statements stay prepared: parsing the SQL again was about 5 % of the bot's CPU in a profile
     * of /server info (three registry reads each). Keyed by the SQL literal's address. */
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } stmts[STMT_CACHE_SIZE];
};

/* Each entry upgrades the schema by one version, inside one transaction. Append only: never edit a
 * released step, add a new one. */
static const char *const migrations[] = {
    /* 1: the basics every later feature builds on. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now')), PRIMARY KEY (ns, key));"
    "CREATE TABLE orchestrators (name TEXT PRIMARY KEY, url TEXT NOT NULL, api_key TEXT NOT NULL,"
    "  source TEXT NOT NULL DEFAULT 'user', created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));",
    /* 2: what the bot remembers for communities: schedules, role grants, status boards, notification
     * targets and the audit log. Times are epoch seconds; servers are "game.name@orchestrator". */
    "CREATE TABLE schedules (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id TEXT NOT NULL,"
    "  server TEXT NOT NULL, action TEXT NOT NULL, rule TEXT NOT NULL, zone TEXT NOT NULL,"
    "  anchor INTEGER NOT NULL, next_run INTEGER, last_run INTEGER, last_result TEXT,"
    "  warn_minutes TEXT NOT NULL DEFAULT '', warn_text TEXT, warned_for INTEGER,"
    "  channel_id TEXT, created_by TEXT NOT NULL, paused INTEGER NOT NULL DEFAULT 0,"
    "  skip_next INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));"
    "CREATE INDEX schedules_due ON schedules (next_run);"
    "CREATE TABLE role_grants (guild_id TEXT NOT NULL, role_id TEXT NOT NULL, capability TEXT NOT NULL,"
    "  granted_by TEXT, granted_at INTEGER NOT NULL DEFAULT (strftime('%s','now')),"
    "  PRIMARY KEY (guild_id, role_id, capability));"
    "CREATE TABLE boards (guild_id TEXT NOT NULL, channel_id TEXT NOT NULL, message_id TEXT,"
    "  fingerprint TEXT, created_by TEXT, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')),"
    "  PRIMARY KEY (guild_id, channel_id));"
    "CREATE TABLE notify_targets (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id TEXT NOT NULL,"
    "  channel_id TEXT, webhook_url TEXT, mention_role TEXT, events TEXT NOT NULL DEFAULT 'all',"
    "  created_by TEXT, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL DEFAULT (strftime('%s','now')), guild_id TEXT, user_id TEXT, action TEXT NOT NULL,"
    "  server TEXT, result TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX audit_server ON audit (server, id);"
    "CREATE INDEX audit_user ON audit (user_id, id);",
};
#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* mkdir -p with mode 0700 for every directory we create; existing ones are left as they are. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "PEON_DATA_DIR is too long");
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
                return -1;
            }
            *p = saved;
            if (saved == '\0') break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "PEON_DATA_DIR %s is not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "PEON_DATA_DIR %s is not writable by this user", dir);
        return -1;
    }
    return 0;
}

/* Creating the file ourselves first means it is 0600 from its first byte, whatever the umask is. */
static int create_private_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0600) != 0) log_warn("store", "cannot set mode 0600 on %s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

static int exec_sql(store *st, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_schema_version(store *st)
{
    sqlite3_stmt *stmt;
    int version = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
    }
    return version;
}

static int migrate(store *st, char *err, size_t errlen)
{
    int version = store_schema_version(st);
    if (version < 0) {
        snprintf(err, errlen, "%s: cannot read the schema version: %s", st->path, sqlite3_errmsg(st->db));
        return -1;
    }
    if (version > MIGRATION_COUNT) {
        snprintf(err, errlen,
                 "%s has schema version %d but this peon-bot knows only up to %d: it was written by a newer "
                 "release; upgrade peon-bot or restore a backup", st->path, version, MIGRATION_COUNT);
        return -1;
    }
    for (int v = version; v < MIGRATION_COUNT; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        if (exec_sql(st, "BEGIN IMMEDIATE;", err, errlen) != 0) return -1;
        if (exec_sql(st, migrations[v], err, errlen) != 0 || exec_sql(st, bump, err, errlen) != 0) {
            sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL); /* the migration's error is the one to report */
            return -1;
        }
        if (exec_sql(st, "COMMIT;", err, errlen) != 0) return -1;
        log_info("store", "schema migrated to version %d", v + 1);
    }
    return 0;
}

store *store_open(const char *data_dir, char *err, size_t errlen)
{
    if (make_dirs(data_dir, err, errlen) != 0) return NULL;
    store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (snprintf(st->path, sizeof st->path, "%s/peon.db", data_dir) >= (int)sizeof st->path) {
        snprintf(err, errlen, "PEON_DATA_DIR is too long");
        free(st);
        return NULL;
    }
    if (create_private_file(st->path, err, errlen) != 0) {
        free(st);
        return NULL;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(st->path, &st->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", st->path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, 2000);
    /* WAL: readers never block the writer; synchronous=FULL: a write acknowledged to a user survives
     * power loss, not only a process kill. */
    if (exec_sql(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err,
                 errlen) != 0 ||
        migrate(st, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

void store_close(store *st)
{
    if (st == NULL) return;
    for (int i = 0; i < STMT_CACHE_SIZE; i++) sqlite3_finalize(st->stmts[i].stmt);
    if (st->db != NULL) {
        /* Folds the WAL back into the main file so a copied peon.db is complete on its own. */
        sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_close_v2(st->db);
    }
    free(st);
}

sqlite3_stmt *store_stmt(store *st, const char *sql)
{
    int free_slot = -1;
    for (int i = 0; i < STMT_CACHE_SIZE; i++) {
        if (st->stmts[i].sql == sql) return st->stmts[i].stmt;
        if (st->stmts[i].sql == NULL && free_slot < 0) free_slot = i;
    }
    sqlite3_stmt *stmt;
    unsigned flags = free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0;
    if (sqlite3_prepare_v3(st->db, sql, -1, flags, &stmt, NULL) != SQLITE_OK) return NULL;
    if (free_slot >= 0) {
        st->stmts[free_slot].sql = sql;
        st->stmts[free_slot].stmt = stmt;
    }
    return stmt;
}

void store_stmt_done(store *st, sqlite3_stmt *stmt)
{
    if (stmt == NULL) return;
    for (int i = 0; i < STMT_CACHE_SIZE; i++)
        if (st->stmts[i].stmt == stmt) {
            /* Reset ends the statement's read of the database; unbinding drops the copied values. */
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            return;
        }
    sqlite3_finalize(stmt);
}

const char *store_path(const store *st) { return st->path; }
sqlite3 *store_db(store *st) { return st->db; }

int store_kv_set(store *st, const char *ns, const char *key, const char *value, char *err, size_t errlen)
{
    static const char sql[] = "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
                              "updated_at = strftime('%s','now')";
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (stmt == NULL) {
        snprintf(err, errlen, "store: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    sqlite3_bind_text(stmt, 1, ns, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "store: %s", sqlite3_errmsg(st->db));
    store_stmt_done(st, stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

char *store_kv_get(store *st, const char *ns, const char *key)
{
    static const char sql[] = "SELECT value FROM kv WHERE ns = ?1 AND key = ?2";
    sqlite3_stmt *stmt = store_stmt(st, sql);
    char *value = NULL;
    if (stmt == NULL) return NULL;
    sqlite3_bind_text(stmt, 1, ns, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        value = strdup(text ? (const char *)text : "");
    }
    store_stmt_done(st, stmt);
    return value;
}

int store_kv_delete(store *st, const char *ns, const char *key)
{
    static const char sql[] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2";
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (stmt == NULL) return -1;
    sqlite3_bind_text(stmt, 1, ns, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    store_stmt_done(st, stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}
