/* PEON_WATCH=1: reloads the scripts when a file under the scripts directory changes. Changes are
 * debounced (an editor's save is several events) and a failed reload leaves the old scripts live. */
#ifndef PEON_SCRIPT_WATCH_H
#define PEON_SCRIPT_WATCH_H

#include <uv.h>

#include "lua_host.h"

typedef struct script_watch script_watch;

script_watch *script_watch_start(uv_loop_t *loop, const char *scripts_dir, lua_host *host, char *err, size_t errlen);
void script_watch_stop(script_watch *watch);

#endif
