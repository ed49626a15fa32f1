/* The Lua host: one lua_State for all scripts, a memory cap, a curated environment, and the loader that
 * reads the scripts/commands directory into a generation of command definitions. */
#ifndef PEON_LUA_HOST_H
#define PEON_LUA_HOST_H

#include <stddef.h>

typedef struct lua_host lua_host;

typedef struct lua_host_options {
    const char *scripts_dir;
    size_t memory_limit;        /* bytes; 0 = the default (64 MiB) */
} lua_host_options;

lua_host *lua_host_create(const lua_host_options *opts, char *err, size_t errlen);
void lua_host_destroy(lua_host *host);

/* Compiles and runs every command script into a fresh generation and swaps it in only when all of them
 * loaded and described themselves correctly; on error the previous generation stays live and err holds
 * "file:line: message". Returns the number of commands, or -1. */
int lua_host_load(lua_host *host, char *err, size_t errlen);

size_t lua_host_command_count(const lua_host *host);
size_t lua_host_memory_in_use(const lua_host *host);

#endif
