/* host.stats(): the core's counters for /debug, as plain Lua tables. Read-only snapshots, no secrets. */
#include <lauxlib.h>

#include "discord_rest.h"
#include "gateway.h"
#include "lua_host_internal.h"
#include "ratelimit.h"

static void set_int(lua_State *L, const char *name, uint64_t value)
{
    lua_pushinteger(L, (lua_Integer)value);
    lua_setfield(L, -2, name);
}

static void set_num(lua_State *L, const char *name, double value)
{
    lua_pushnumber(L, value);
    lua_setfield(L, -2, name);
}

/* { requests, answered, transport_errors, avg_latency_ms, queued, in_flight, failed_locally,
 *   responses_429 = { user=, global=, shared=, unknown=, cloudflare= }, global_pause_ms, buckets, ... } */
static void push_rest(lua_State *L, discord_rest *rest)
{
    discord_rest_stats s;
    discord_rest_get_stats(rest, &s);
    lua_createtable(L, 0, 16);
    set_int(L, "requests", s.requests);
    set_int(L, "answered", s.answered);
    set_int(L, "transport_errors", s.transport_errors);
    set_num(L, "avg_latency_ms", s.answered ? s.total_latency_ms / (double)s.answered : 0.0);
    set_int(L, "queued", s.limits.queued);
    set_int(L, "in_flight", s.limits.in_flight);
    set_int(L, "requeues", s.limits.requeues);
    set_int(L, "failed_locally", s.limits.failed_locally);
    set_int(L, "global_pause_ms", s.limits.global_pause_ms);
    set_int(L, "cloudflare_bans", s.limits.cloudflare_bans);
    set_int(L, "buckets", s.limits.buckets);
    set_int(L, "guard_level", (uint64_t)s.limits.guard_level);
    lua_pushboolean(L, s.limits.token_invalid);
    lua_setfield(L, -2, "token_invalid");
    uint64_t total_429 = s.limits.sublimit_429;
    lua_createtable(L, 0, RL_SCOPE_COUNT);
    for (int scope = RL_SCOPE_USER; scope < RL_SCOPE_COUNT; scope++) {
        set_int(L, rl_scope_name((rl_scope)scope), s.limits.responses_429[scope]);
        total_429 += s.limits.responses_429[scope];
    }
    lua_setfield(L, -2, "responses_429");
    set_int(L, "total_429", total_429);
}

static void push_lua(lua_State *L, const lua_host *host)
{
    lua_host_stats s;
    lua_host_get_stats(host, &s);
    lua_createtable(L, 0, 10);
    set_int(L, "tasks_started", s.tasks_started);
    set_int(L, "tasks_ok", s.tasks_ok);
    set_int(L, "tasks_failed", s.tasks_failed);
    set_int(L, "tasks_killed", s.tasks_killed);
    set_int(L, "live_tasks", s.live_tasks);
    set_int(L, "interactions", s.interactions);
    set_int(L, "guard_defers", s.guard_defers);
    set_int(L, "events", s.events);
    set_int(L, "memory_bytes", lua_host_memory_in_use(host));
}

/* { shards, ready_shards, last_rtt_ms, avg_rtt_ms, connects, identifies, resumes, reconnects, zombies } */
static void push_gateway(lua_State *L, const gateway *gw)
{
    gateway_stats s;
    gateway_get_stats(gw, &s);
    lua_createtable(L, 0, 9);
    set_int(L, "shards", (uint64_t)s.shards);
    set_int(L, "ready_shards", (uint64_t)s.ready_shards);
    set_num(L, "last_rtt_ms", s.total.last_rtt_ms);
    set_num(L, "avg_rtt_ms", s.total.avg_rtt_ms);
    set_int(L, "connects", s.total.connects);
    set_int(L, "identifies", s.total.identifies);
    set_int(L, "resumes", s.total.resumes);
    set_int(L, "reconnects", s.total.reconnects);
    set_int(L, "zombies", s.total.zombies);
}

int lua_stats_push(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    lua_createtable(L, 0, 3);
    if (host->rest != NULL) {
        push_rest(L, host->rest);
        lua_setfield(L, -2, "rest");
    }
    if (host->gateway != NULL) {
        push_gateway(L, host->gateway);
        lua_setfield(L, -2, "gateway");
    }
    push_lua(L, host);
    lua_setfield(L, -2, "lua");
    return 1;
}
