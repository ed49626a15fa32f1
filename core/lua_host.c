#include "lua_host.h"

#include <dirent.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "command_sync.h"
#include "log.h"
#include "lua_host_internal.h"
#include "lua_commands.h"
#include "lua_dispatch.h"
#include "lua_json.h"
#include "lua_cache.h"
#include "lua_prelude.h"

int luaopen_cjson(lua_State *L); /* from the statically linked lua-cjson */

#define DEFAULT_MEMORY_LIMIT ((size_t)64 * 1024 * 1024)
#define DEFAULT_INSTRUCTION_BUDGET 200000000ull
#define MAX_SCRIPTS 512
#define CORE_MODULES_KEY "peon.core"

/* Counting allocator: a script that allocates without bound gets a Lua memory error, not the OOM killer. */
static void *host_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    lua_host *host = ud;
    size_t old_block = ptr ? old_size : 0;
    if (new_size == 0) {
        free(ptr);
        host->memory_used -= old_block;
        return NULL;
    }
    if (new_size > old_block && host->memory_used - old_block + new_size > host->memory_limit) return NULL;
    void *grown = realloc(ptr, new_size);
    if (grown != NULL) host->memory_used = host->memory_used - old_block + new_size;
    return grown;
}

static int host_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    log_error("lua", "unprotected error, aborting: %s", msg ? msg : "(not a string)");
    return 0;
}

/* load() for text only: a binary chunk can crash the VM, so the mode argument is always "t". */
static int text_only_load(lua_State *L)
{
    int nargs = lua_gettop(L);
    if (nargs > 4) lua_settop(L, nargs = 4);
    if (nargs < 3) lua_settop(L, 3);
    lua_pushstring(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs < 3 ? 3 : nargs, LUA_MULTRET);
    return lua_gettop(L);
}

/* Only what a command script needs: no io, no os.execute/getenv/remove, no debug, no raw file loading. */
static void open_curated_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base },       { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 },  { LUA_COLIBNAME, luaopen_coroutine },
        { LUA_OSLIBNAME, luaopen_os },
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    static const char *const unsafe_globals[] = { "dofile", "loadfile", "collectgarbage" };
    for (size_t i = 0; i < sizeof unsafe_globals / sizeof unsafe_globals[0]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, unsafe_globals[i]);
    }
    /* os keeps only clock/date/time/difftime. */
    lua_getglobal(L, "os");
    static const char *const unsafe_os[] = { "execute", "exit", "getenv", "remove", "rename", "tmpname",
                                             "setlocale" };
    for (size_t i = 0; i < sizeof unsafe_os / sizeof unsafe_os[0]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, unsafe_os[i]);
    }
    lua_pop(L, 1);
    /* string.dump produces the binary chunks load() refuses; nothing legitimate needs it here. */
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_getglobal(L, "load");
    lua_pushcclosure(L, text_only_load, 1);
    lua_setglobal(L, "load");
    /* A locked metatable on the globals: no script can hook every global lookup of every other script. */
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

/* require(name): "cjson" is built in; anything else is scripts/lib/<name>.lua, cached per generation. */
static int host_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_host *host = lua_touserdata(L, lua_upvalueindex(1));
    if (strcmp(name, "cjson") == 0) {
        luaL_requiref(L, "cjson", luaopen_cjson, 0);
        return 1;
    }
    if (strncmp(name, "core.", 5) == 0) {
        lua_getfield(L, LUA_REGISTRYINDEX, CORE_MODULES_KEY);
        if (!lua_istable(L, -1) || lua_getfield(L, -1, name + 5) == LUA_TNIL)
            return luaL_error(L, "require: no core module '%s'", name);
        return 1;
    }
    for (const char *p = name; *p; p++)
        if (!(*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return luaL_error(L, "require: bad module name '%s' (use lower-case letters, digits, '_' and '.')",
                              name);
    lua_getfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
    lua_getfield(L, -1, "modules");
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    char path[PATH_MAX];
    char relative[256];
    snprintf(relative, sizeof relative, "%s", name);
    for (char *p = relative; *p; p++)
        if (*p == '.') *p = '/';
    if (snprintf(path, sizeof path, "%s/lib/%s.lua", host->scripts_dir, relative) >= (int)sizeof path)
        return luaL_error(L, "require: path too long for '%s'", name);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists *.lua in dir, sorted so load order (and error reports) are the same on every machine. */
static int list_scripts(const char *dir, char ***out, size_t *count, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    *out = NULL;
    *count = 0;
    if (d == NULL) {
        snprintf(err, errlen, "cannot open scripts directory %s (set PEON_SCRIPTS_DIR)", dir);
        return -1;
    }
    char **names = calloc(MAX_SCRIPTS, sizeof *names);
    if (names == NULL) {
        closedir(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        size_t len = strlen(entry->d_name);
        if (len < 5 || entry->d_name[0] == '.' || strcmp(entry->d_name + len - 4, ".lua") != 0) continue;
        if (*count == MAX_SCRIPTS) {
            snprintf(err, errlen, "more than %d scripts in %s", MAX_SCRIPTS, dir);
            break;
        }
        if ((names[*count] = strdup(entry->d_name)) == NULL) break;
        (*count)++;
    }
    closedir(d);
    qsort(names, *count, sizeof *names, compare_names);
    *out = names;
    return 0;
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

/* Runs scripts/<dir>/<file> (protected) and leaves the table it returns on the stack, its full path in
 * path[PATH_MAX]; on any error leaves nothing and says why, `shape` telling what the table should be. */
static int run_script_file(lua_host *host, const char *dir, const char *file, const char *shape, char *path,
                           char *err, size_t errlen)
{
    lua_State *L = host->L;
    if (snprintf(path, PATH_MAX, "%s/%s/%s", host->scripts_dir, dir, file) >= PATH_MAX) {
        snprintf(err, errlen, "script path too long: %s", file);
        return -1;
    }
    if (luaL_loadfilex(L, path, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error object is not a string");
        lua_pop(L, 1);
        return -1;
    }
    if (!lua_istable(L, -1)) {
        snprintf(err, errlen, "%s: %s", path, shape);
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* Runs one command script (protected) and checks the table it returns. Leaves nothing on the stack. */
static int load_command(lua_host *host, const char *file, int commands_index, char *err, size_t errlen)
{
    lua_State *L = host->L;
    char path[PATH_MAX];
    if (run_script_file(host, "commands", file, "the script must return a table describing its command", path,
                        err, errlen) != 0)
        return -1;
    lua_getfield(L, -1, "name");
    const char *name = lua_tostring(L, -1);
    if (name == NULL || name[0] == '\0') {
        snprintf(err, errlen, "%s: the returned table needs a 'name' string", path);
        lua_pop(L, 2);
        return -1;
    }
    lua_getfield(L, commands_index, name);
    if (!lua_isnil(L, -1)) {
        snprintf(err, errlen, "%s: a command named '%s' is already defined by another script", path, name);
        lua_pop(L, 3);
        return -1;
    }
    lua_pop(L, 1);
    lua_pushstring(L, path);
    lua_setfield(L, -3, "source");
    lua_pushvalue(L, -2);
    lua_setfield(L, commands_index, name);
    lua_pop(L, 2);
    return 0;
}

/* The line of `path` where `hint` first appears, quoted if possible: validation errors point there. */
static int find_hint_line(const char *path, const char *hint)
{
    FILE *f = fopen(path, "r");
    if (f == NULL || hint == NULL || hint[0] == '\0') {
        if (f) fclose(f);
        return 1;
    }
    char quoted[2][160], line[1024];
    snprintf(quoted[0], sizeof quoted[0], "\"%s\"", hint);
    snprintf(quoted[1], sizeof quoted[1], "'%s'", hint);
    int number = 0, bare_match = 0, found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        number++;
        if (strstr(line, quoted[0]) || strstr(line, quoted[1])) {
            found = number;
            break;
        }
        if (!bare_match && strstr(line, hint)) bare_match = number;
    }
    fclose(f);
    return found ? found : bare_match ? bare_match : 1;
}

/* Runs the compiled-in validator over the generation's commands; on success keeps the Discord JSON and
 * its fingerprint for the sync step, on failure writes "file:line: message" lines into err. */
static int build_command_json(lua_host *host, int commands_index, char *err, size_t errlen)
{
    lua_State *L = host->L;
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, CORE_MODULES_KEY);
    lua_getfield(L, -1, "commands");
    lua_getfield(L, -1, "build");
    lua_newtable(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, commands_index) != 0) {
        lua_createtable(L, 0, 2);
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "def");
        lua_getfield(L, -2, "source");
        lua_setfield(L, -2, "file");
        lua_rawseti(L, -4, ++n);
        lua_pop(L, 1);
    }
    lua_pushboolean(L, command_sync_guild_scoped(host->sync));
    if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
        snprintf(err, errlen, "command validator failed: %s", lua_tostring(L, -1));
        lua_settop(L, top);
        return -1;
    }
    if (lua_isnil(L, -2)) {
        size_t used = 0;
        err[0] = '\0';
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
            lua_getfield(L, -1, "file");
            lua_getfield(L, -2, "hint");
            lua_getfield(L, -3, "message");
            const char *file = lua_tostring(L, -3), *hint = lua_tostring(L, -2), *message = lua_tostring(L, -1);
            int written = snprintf(err + used, errlen - used, "%s%s:%d: %s", used ? "\n" : "", file ? file : "?",
                                   find_hint_line(file, hint), message ? message : "invalid");
            if (written > 0) used += (size_t)written < errlen - used ? (size_t)written : errlen - used - 1;
            lua_pop(L, 4);
        }
        lua_settop(L, top);
        return -1;
    }
    size_t json_len;
    const char *json = lua_tolstring(L, -2, &json_len), *hash = lua_tostring(L, -1);
    char *copy = malloc(json_len + 1);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        lua_settop(L, top);
        return -1;
    }
    memcpy(copy, json, json_len + 1);
    free(host->commands_json);
    host->commands_json = copy;
    snprintf(host->commands_hash, sizeof host->commands_hash, "%s", hash);
    lua_settop(L, top);
    return 0;
}

/* Runs one scripts/ui view: it returns { name = (file name by default), actions = { name = function } }. */
static int load_view(lua_host *host, const char *file, int views_index, char *err, size_t errlen)
{
    lua_State *L = host->L;
    char path[PATH_MAX];
    if (run_script_file(host, "ui", file, "a view script must return a table { actions = { ... } }", path,
                        err, errlen) != 0)
        return -1;
    char name[128];
    lua_getfield(L, -1, "name");
    if (lua_isstring(L, -1)) {
        snprintf(name, sizeof name, "%s", lua_tostring(L, -1));
    } else {
        snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    }
    lua_pop(L, 1);
    /* custom_ids are "view:action:args": a ':' in a view name would make it unreachable. */
    if (name[0] == '\0' || strchr(name, ':') != NULL) {
        snprintf(err, errlen, "%s: view name '%s' must be non-empty and contain no ':'", path, name);
        lua_pop(L, 1);
        return -1;
    }
    if (lua_getfield(L, -1, "actions") != LUA_TTABLE) {
        snprintf(err, errlen, "%s: a view needs an 'actions' table of functions", path);
        lua_pop(L, 2);
        return -1;
    }
    lua_pop(L, 1);
    lua_getfield(L, views_index, name);
    if (!lua_isnil(L, -1)) {
        snprintf(err, errlen, "%s: a view named '%s' is already defined by another script", path, name);
        lua_pop(L, 2);
        return -1;
    }
    lua_pop(L, 1);
    lua_setfield(L, views_index, name);
    return 0;
}

/* Loads every scripts/ui view into the generation table at gen_index (a missing ui/ directory is fine). */
static int load_views(lua_host *host, int gen_index, char *err, size_t errlen)
{
    lua_State *L = host->L;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/ui", host->scripts_dir) >= (int)sizeof dir) return 0;
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, gen_index, "views");
    int views_index = lua_gettop(L);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        char **names;
        size_t count;
        if (list_scripts(dir, &names, &count, err, errlen) != 0) {
            lua_pop(L, 1);
            return -1;
        }
        for (size_t i = 0; i < count && rc == 0; i++) rc = load_view(host, names[i], views_index, err, errlen);
        free_names(names, count);
    }
    lua_pop(L, 1);
    return rc;
}

static int index_events(lua_host *host, int gen_index, char *err, size_t errlen)
{
    lua_State *L = host->L;
    if (lua_push_entry(host, "core.dispatch", "index_events", err, errlen) != 0) return -1;
    lua_pushvalue(L, gen_index);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "indexing event handlers: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int lua_host_load(lua_host *host, char *err, size_t errlen)
{
    lua_State *L = host->L;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/commands", host->scripts_dir) >= (int)sizeof dir) {
        snprintf(err, errlen, "PEON_SCRIPTS_DIR is too long");
        return -1;
    }
    char **names;
    size_t count;
    if (list_scripts(dir, &names, &count, err, errlen) != 0) return -1;

    /* The new generation is built beside the live one; it replaces it only if every script loaded. */
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
    int previous = lua_gettop(L);
    lua_createtable(L, 0, 2);
    lua_newtable(L);
    lua_setfield(L, -2, "modules");
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "commands");
    int commands_index = lua_gettop(L);
    lua_pushvalue(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, GENERATION_KEY); /* require() caches into the generation being built */

    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) rc = load_command(host, names[i], commands_index, err, errlen);
    free_names(names, count);

    if (rc == 0) rc = load_views(host, commands_index - 1, err, errlen);
    if (rc == 0) rc = index_events(host, commands_index - 1, err, errlen);
    if (rc == 0) rc = build_command_json(host, commands_index, err, errlen);
    if (rc != 0) {
        lua_pushvalue(L, previous);
        lua_setfield(L, LUA_REGISTRYINDEX, GENERATION_KEY);
        lua_settop(L, top);
        return -1;
    }
    host->command_count = count;
    lua_settop(L, top);
    /* The first load collects its compile garbage at once, so the start-up figure of memory in use is the
     * scripts' own. A reload leaves the retired generation to the incremental collector, which frees it as
     * the bot runs (and at once if an allocation would pass the cap): a full collection here was about half
     * of a /reload's time (10 of ~21 ms, bench/README.md), all of it spent while the admin waits. */
    if (!host->loaded_once) lua_gc(L, LUA_GCCOLLECT);
    else lua_bindings_end_retired_sleeps(host);
    host->loaded_once = true;
    /* Scripts start their background work (cache refreshes, pollers) from `events.LOAD`, once per
     * generation; the previous generation's loops were just woken, see they are retired (peon.every) and
     * end. */
    lua_host_event(host, "LOAD", 0, "{}", 2);
    return (int)count;
}

/* Runs the compiled-in prelude with the host primitives and publishes what it returns: the async API
 * (sleep, http, discord, log, store) and the yield-safe coroutine library become globals. */
static int run_prelude(lua_host *host, char *err, size_t errlen)
{
    lua_State *L = host->L;
    if (luaL_loadbufferx(L, (const char *)lua_prelude, lua_prelude_len, "=prelude", "t") != LUA_OK) {
        snprintf(err, errlen, "prelude: %s", lua_tostring(L, -1));
        return -1;
    }
    lua_bindings_push_host_table(host);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
        snprintf(err, errlen, "prelude: %s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "did not return a table");
        lua_pop(L, 1);
        return -1;
    }
    static const char *const globals[] = { "coroutine", "sleep", "http", "log", "store", "peon", "discord" };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        lua_getfield(L, -1, globals[i]);
        lua_setglobal(L, globals[i]);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "peon.api");
    return 0;
}

/* The compiled-in modules: require("core.<name>") finds them; each chunk gets the host primitives and the
 * prelude's API as its arguments. */
static int load_core_modules(lua_host *host, char *err, size_t errlen)
{
    static const struct { const char *name; const unsigned char *code; unsigned long len; } modules[] = {
        { "json", lua_json, lua_json_len }, /* first: the others require it */
        { "cache", lua_cache, lua_cache_len },
        { "commands", lua_commands, lua_commands_len },
        { "dispatch", lua_dispatch, lua_dispatch_len },
    };
    lua_State *L = host->L;
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, CORE_MODULES_KEY); /* published first so modules can require each other */
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        char chunk_name[64];
        snprintf(chunk_name, sizeof chunk_name, "=core/%s.lua", modules[i].name);
        if (luaL_loadbufferx(L, (const char *)modules[i].code, modules[i].len, chunk_name, "t") != LUA_OK) {
            snprintf(err, errlen, "core module %s: %s", modules[i].name, lua_tostring(L, -1));
            lua_pop(L, 2);
            return -1;
        }
        lua_getfield(L, LUA_REGISTRYINDEX, HOST_API_KEY);
        lua_getfield(L, LUA_REGISTRYINDEX, "peon.api");
        if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
            snprintf(err, errlen, "core module %s: %s", modules[i].name, lua_tostring(L, -1));
            lua_pop(L, 2);
            return -1;
        }
        lua_setfield(L, -2, modules[i].name);
    }
    lua_pop(L, 1);
    return 0;
}

lua_host *lua_host_create(const lua_host_options *opts, char *err, size_t errlen)
{
    lua_host *host = calloc(1, sizeof *host);
    if (host == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    host->memory_limit = opts->memory_limit ? opts->memory_limit : DEFAULT_MEMORY_LIMIT;
    host->instruction_budget = opts->instruction_budget ? opts->instruction_budget : DEFAULT_INSTRUCTION_BUDGET;
    host->loop = opts->loop;
    host->http = opts->http;
    host->state = opts->state;
    host->rest = opts->rest;
    host->sync = opts->sync;
    host->config = opts->config;
    if (snprintf(host->scripts_dir, sizeof host->scripts_dir, "%s", opts->scripts_dir) >=
        (int)sizeof host->scripts_dir) {
        snprintf(err, errlen, "PEON_SCRIPTS_DIR is too long");
        free(host);
        return NULL;
    }
    struct stat st;
    if (stat(host->scripts_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "scripts directory %s not found: run from the repository root or set PEON_SCRIPTS_DIR",
                 host->scripts_dir);
        free(host);
        return NULL;
    }
    host->L = lua_newstate(host_alloc, host);
    if (host->L == NULL) {
        snprintf(err, errlen, "cannot create the Lua state");
        free(host);
        return NULL;
    }
    lua_atpanic(host->L, host_panic);
    open_curated_libs(host->L);
    lua_pushlightuserdata(host->L, host);
    lua_pushcclosure(host->L, host_require, 1);
    lua_setglobal(host->L, "require");
    if (run_prelude(host, err, errlen) != 0) {
        lua_close(host->L);
        free(host);
        return NULL;
    }
    if (load_core_modules(host, err, errlen) != 0) {
        lua_close(host->L);
        free(host);
        return NULL;
    }
    if (host->loop != NULL) lua_tasks_init(host);
    /* An empty generation, shaped like a loaded one, so require() works even before the first load. */
    lua_createtable(host->L, 0, 3);
    static const char *const parts[] = { "modules", "commands", "views" };
    for (size_t i = 0; i < 3; i++) {
        lua_newtable(host->L);
        lua_setfield(host->L, -2, parts[i]);
    }
    lua_setfield(host->L, LUA_REGISTRYINDEX, GENERATION_KEY);
    return host;
}

static void free_host(uv_handle_t *handle) { free(handle->data); }

void lua_host_destroy(lua_host *host)
{
    if (host == NULL) return;
    lua_tasks_shutdown(host);
    lua_close(host->L);
    free(host->commands_json);
    if (host->timer_ready) uv_close((uv_handle_t *)&host->resume_timer, free_host);
    else free(host);
}

size_t lua_host_command_count(const lua_host *host) { return host->command_count; }
size_t lua_host_memory_in_use(const lua_host *host) { return host->memory_used; }

static void log_sync_result(sync_outcome outcome, const char *message, void *user)
{
    (void)outcome;
    (void)message;
    (void)user; /* command_sync logs the outcome itself */
}

int lua_host_reload(lua_host *host, const char *why, char *err, size_t errlen)
{
    uint64_t started = uv_hrtime();
    int count = lua_host_load(host, err, errlen);
    double ms = (double)(uv_hrtime() - started) / 1e6;
    if (count < 0) {
        log_error("lua", "reload (%s) failed, the previous scripts stay live: %s", why, err);
        return -1;
    }
    log_info("lua", "reloaded %d commands in %.1f ms (%s)", count, ms, why);
    if (host->sync != NULL) command_sync_run(host->sync, host->commands_json, host->commands_hash, log_sync_result, NULL);
    return count;
}

const char *lua_host_commands_json(const lua_host *host, const char **hash)
{
    if (hash) *hash = host->commands_hash;
    return host->commands_json;
}

void lua_host_get_stats(const lua_host *host, lua_host_stats *out)
{
    *out = host->stats;
}

void lua_host_set_gateway(lua_host *host, struct gateway *gw)
{
    if (host != NULL) host->gateway = gw;
}
