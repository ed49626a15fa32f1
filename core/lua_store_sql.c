/* host.sql(statement, ...): one SQL statement on the state store with bound parameters, for the script
 * modules that keep schedules, grants, boards and the audit log. SQLite on local disk answers in
 * microseconds, so this runs synchronously; each statement is its own transaction unless the prelude's
 * store.transaction wraps several. Parameters are bound, never pasted into the text. */
#include <lauxlib.h>
#include <sqlite3.h>
#include <string.h>

#include "lua_host_internal.h"
#include "store.h"

#define MAX_ROWS 10000

static int fail(lua_State *L, sqlite3_stmt *stmt, const char *message)
{
    if (stmt != NULL) sqlite3_finalize(stmt);
    lua_pushnil(L);
    lua_pushstring(L, message);
    return 2;
}

/* Returns 0, or -1 with a message pushed (the caller finalizes the statement before raising it). */
static int bind_arguments(lua_State *L, sqlite3_stmt *stmt, int first, int last)
{
    int expected = sqlite3_bind_parameter_count(stmt);
    if (last - first + 1 != expected) {
        lua_pushfstring(L, "store.sql: the statement takes %d values, got %d", expected, last - first + 1);
        return -1;
    }
    for (int i = first; i <= last; i++) {
        int slot = i - first + 1;
        switch (lua_type(L, i)) {
        case LUA_TNIL: sqlite3_bind_null(stmt, slot); break;
        case LUA_TBOOLEAN: sqlite3_bind_int(stmt, slot, lua_toboolean(L, i)); break;
        case LUA_TNUMBER:
            if (lua_isinteger(L, i)) sqlite3_bind_int64(stmt, slot, (sqlite3_int64)lua_tointeger(L, i));
            else sqlite3_bind_double(stmt, slot, lua_tonumber(L, i));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *text = lua_tolstring(L, i, &len);
            sqlite3_bind_text(stmt, slot, text, (int)len, SQLITE_TRANSIENT);
            break;
        }
        default:
            lua_pushfstring(L, "store.sql: value %d is a %s (use strings, numbers, booleans or nil)", slot,
                            luaL_typename(L, i));
            return -1;
        }
    }
    return 0;
}

static void push_column(lua_State *L, sqlite3_stmt *stmt, int column)
{
    switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER: lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(stmt, column)); break;
    case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(stmt, column)); break;
    case SQLITE_NULL: lua_pushnil(L); break;
    default:
        lua_pushlstring(L, (const char *)sqlite3_column_text(stmt, column), (size_t)sqlite3_column_bytes(stmt, column));
    }
}

/* -> { {col = value, ...}, ... } for statements that return rows, else { changes =, last_id = };
 *    nil, message on an SQLite error (a constraint, a busy database...). */
int lua_store_sql(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    if (host->state == NULL) return luaL_error(L, "store.sql: the store is not available in this host");
    size_t len;
    const char *sql = luaL_checklstring(L, 1, &len);
    sqlite3 *db = store_db(host->state);
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, sql, (int)len, &stmt, &tail) != SQLITE_OK) return fail(L, stmt, sqlite3_errmsg(db));
    if (stmt == NULL) return luaL_error(L, "store.sql: no statement given");
    while (tail != NULL && *tail != '\0' && strchr(" \t\r\n;", *tail) != NULL) tail++;
    if (tail != NULL && *tail != '\0') {
        sqlite3_finalize(stmt);
        return luaL_error(L, "store.sql: one statement per call");
    }
    if (bind_arguments(L, stmt, 2, lua_gettop(L)) != 0) {
        sqlite3_finalize(stmt);
        return lua_error(L);
    }
    int columns = sqlite3_column_count(stmt);
    lua_newtable(L);
    int rows = 0, rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (++rows > MAX_ROWS) return fail(L, stmt, "store.sql: more than 10000 rows; add a LIMIT");
        lua_createtable(L, 0, columns);
        for (int c = 0; c < columns; c++) {
            push_column(L, stmt, c);
            lua_setfield(L, -2, sqlite3_column_name(stmt, c));
        }
        lua_rawseti(L, -2, rows);
    }
    if (rc != SQLITE_DONE) return fail(L, stmt, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    if (columns == 0) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, sqlite3_changes(db));
        lua_setfield(L, -2, "changes");
        lua_pushinteger(L, (lua_Integer)sqlite3_last_insert_rowid(db));
        lua_setfield(L, -2, "last_id");
    }
    return 1;
}
