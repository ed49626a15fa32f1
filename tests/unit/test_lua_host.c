/* The Lua host loader on real script files: generations, errors with file:line, sandbox, memory cap. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "lua_host.h"

static char root[128];

static void write_file(const char *relative, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *relative)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    unlink(path);
}

static lua_host *new_host(size_t memory_limit)
{
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = root, .memory_limit = memory_limit };
    lua_host *host = lua_host_create(&opts, err, sizeof err);
    CHECK(host != NULL);
    return host;
}

static void test_loads_commands_and_libs(void)
{
    write_file("lib/greeting.lua", "return { text = 'hi' }\n");
    write_file("commands/a.lua", "local g = require('greeting')\nreturn { name = 'a', description = g.text }\n");
    write_file("commands/b.lua", "local cjson = require('cjson')\n"
                                 "assert(cjson.encode({1}) == '[1]')\n"
                                 "return { name = 'b', description = 'b' }\n");
    write_file("commands/notes.txt", "not a script\n");
    lua_host *host = new_host(0);
    char err[512] = "";
    CHECK_INT(lua_host_load(host, err, sizeof err), 2);
    CHECK_INT(lua_host_command_count(host), 2);
    lua_host_destroy(host);
    remove_file("commands/notes.txt");
}

static void test_broken_script_keeps_previous_generation(void)
{
    lua_host *host = new_host(0);
    char err[512] = "";
    CHECK_INT(lua_host_load(host, err, sizeof err), 2);
    write_file("commands/c.lua", "return {\n  name = 'c',\n  description = ,\n}\n");
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    CHECK(strstr(err, "c.lua:3:") != NULL);
    CHECK_INT(lua_host_command_count(host), 2);

    write_file("commands/c.lua", "error('exploded at load')\n");
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    CHECK(strstr(err, "c.lua:1: exploded at load") != NULL);

    write_file("commands/c.lua", "return { name = 'a', description = 'dup' }\n");
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    CHECK(strstr(err, "already defined") != NULL);

    write_file("commands/c.lua", "return 42\n");
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    CHECK(strstr(err, "must return a table") != NULL);

    remove_file("commands/c.lua");
    CHECK_INT(lua_host_load(host, err, sizeof err), 2);
    lua_host_destroy(host);
}

static void test_sandbox_hides_dangerous_functions(void)
{
    write_file("commands/probe.lua",
               "assert(io == nil, 'io visible')\n"
               "assert(os.execute == nil and os.getenv == nil and os.remove == nil, 'os visible')\n"
               "assert(dofile == nil and loadfile == nil, 'file loading visible')\n"
               "assert(debug == nil, 'debug visible')\n"
               "assert(type(os.time()) == 'number')\n"
               "assert(not pcall(require, '../../etc/passwd'))\n"
               "assert(string.dump == nil, 'string.dump visible')\n"
               "assert(not pcall(setmetatable, _G, {}), 'the globals metatable can be replaced')\n"
               "local f, why = load('\\27Lua binary', 'chunk', 'b')\n"
               "assert(f == nil and tostring(why):find('binary'), 'binary chunks load')\n"
               "assert(load('return 1 + 1')() == 2, 'text chunks do not load')\n"
               "assert(load('return x', 'c', 't', { x = 5 })() == 5, 'load ignores env')\n"
               "return { name = 'probe', description = 'p' }\n");
    lua_host *host = new_host(0);
    char err[512] = "";
    int loaded = lua_host_load(host, err, sizeof err);
    if (loaded < 0) fprintf(stderr, "  %s\n", err);
    CHECK_INT(loaded, 3);
    lua_host_destroy(host);
    remove_file("commands/probe.lua");
}

static void test_memory_cap_stops_a_hungry_script(void)
{
    write_file("commands/hog.lua", "local t = {}\nfor i = 1, 1e8 do t[i] = ('x'):rep(1000) .. i end\n"
                                   "return { name = 'hog', description = 'h' }\n");
    lua_host *host = new_host(8 * 1024 * 1024);
    char err[512] = "";
    CHECK_INT(lua_host_load(host, err, sizeof err), -1);
    CHECK(strstr(err, "not enough memory") != NULL);
    CHECK(lua_host_memory_in_use(host) < 8 * 1024 * 1024);
    remove_file("commands/hog.lua");
    CHECK_INT(lua_host_load(host, err, sizeof err), 2); /* the state is still usable */
    lua_host_destroy(host);
}

static void test_missing_directory(void)
{
    char err[512] = "";
    lua_host_options opts = { .scripts_dir = "/nonexistent/peon/scripts" };
    CHECK(lua_host_create(&opts, err, sizeof err) == NULL);
    CHECK(strstr(err, "PEON_SCRIPTS_DIR") != NULL);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    snprintf(root, sizeof root, "/tmp/peon-lua-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/commands", root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/lib", root);
    mkdir(dir, 0700);
    RUN_TEST(test_loads_commands_and_libs);
    RUN_TEST(test_broken_script_keeps_previous_generation);
    RUN_TEST(test_sandbox_hides_dangerous_functions);
    RUN_TEST(test_memory_cap_stops_a_hungry_script);
    RUN_TEST(test_missing_directory);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
    return CHECK_DONE();
}
