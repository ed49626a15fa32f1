/* The Discord gateway: fetches GET /gateway/bot, runs one session per shard of this process over
 * libwebsockets (zlib-stream), and hands dispatches on: interactions to the Lua host's interaction path,
 * every event to the Lua host's event hooks. Identifies respect session_start_limit and max_concurrency. */
#ifndef PEON_GATEWAY_H
#define PEON_GATEWAY_H

#include <stdint.h>
#include <uv.h>

#include "command_sync.h"
#include "discord_rest.h"
#include "gateway_session.h"
#include "lua_host.h"
#include "ws.h"

typedef struct gateway gateway;

typedef struct gateway_options {
    uv_loop_t *loop;
    discord_rest *rest;
    lua_host *lua;
    command_sync *sync;
    ws_context *ws;              /* owned by the caller; outlives the gateway */
    const char *token;
    int intents;
    const char *shards;          /* "auto", "ID/COUNT" or "FIRST-LAST/COUNT" (validated by config) */
    void (*on_fatal)(int exit_status, const char *message, void *user);
    void *user;
} gateway_options;

typedef struct gateway_stats {
    int shards;
    int ready_shards;
    gws_stats total;
} gateway_stats;

gateway *gateway_start(const gateway_options *opts, char *err, size_t errlen);
/* Closes every shard with 1000; `done` runs once all are closed (or the connections are gone). */
void gateway_stop(gateway *gw, void (*done)(void *user), void *user);
/* Releases everything; call after stop has completed (or to abandon), and after ws_context_destroy of the
 * context it was given (so every connection's close has been reported). Run the loop afterwards. */
void gateway_destroy(gateway *gw);
void gateway_get_stats(const gateway *gw, gateway_stats *out);
/* The bot's presence on every shard of this process: a custom status showing `text` ("" clears it). Sent
 * (gateway op 3, within each connection's send limit) only when the text changed; shards that are not
 * connected, and shards started later, carry it in their next IDENTIFY or send it once RESUMED. */
void gateway_set_presence(gateway *gw, const char *text);

#endif
