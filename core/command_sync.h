/* Keeps Discord's registered application commands equal to the loaded scripts, with one bulk overwrite
 * (PUT) and only when the definitions' fingerprint differs from the last one Discord accepted (kept in the
 * state store), so restarts and reloads don't spend Discord's 200-creates-a-day budget. */
#ifndef PEON_COMMAND_SYNC_H
#define PEON_COMMAND_SYNC_H

#include <stdbool.h>

#include "discord_rest.h"
#include "store.h"

typedef struct command_sync command_sync;

typedef enum { SYNC_UNCHANGED, SYNC_UPDATED, SYNC_FAILED } sync_outcome;

/* message: what happened, for logs and for the admin who ran /reload. */
typedef void (*sync_done_fn)(sync_outcome outcome, const char *message, void *user);

/* guild_id NULL: global commands. */
command_sync *command_sync_create(discord_rest *rest, store *state, const char *guild_id);
void command_sync_destroy(command_sync *sync);
/* True when commands go to one guild (DISCORD_GUILD_ID): Discord refuses global-only fields there. */
bool command_sync_guild_scoped(const command_sync *sync);
/* From READY; without it the first sync asks GET /applications/@me. */
void command_sync_set_application(command_sync *sync, const char *application_id);
/* `json` and `hash` are copied. Only one sync runs at a time: a later call while one is in flight is
 * remembered and runs after it, with the newest definitions. */
void command_sync_run(command_sync *sync, const char *json, const char *hash, sync_done_fn done, void *user);

#endif
