#include "command_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define HASH_NS "core"

typedef struct job {
    char *json;
    char hash[32];
    sync_done_fn done;
    void *user;
} job;

struct command_sync {
    discord_rest *rest;
    store *state;
    char *guild_id;
    char application_id[32];
    job *running;
    job *next;         /* the newest request made while one was running; older ones are told "superseded" */
    bool destroyed;
};

static void start(command_sync *sync);

static void hash_key(const command_sync *sync, char *out, size_t cap)
{
    snprintf(out, cap, "commands_hash:%s", sync->guild_id ? sync->guild_id : "global");
}

static void free_job(job *j)
{
    if (j == NULL) return;
    free(j->json);
    free(j);
}

static void finish(command_sync *sync, sync_outcome outcome, const char *message)
{
    job *j = sync->running;
    sync->running = NULL;
    if (outcome == SYNC_FAILED) log_warn("commands", "%s", message);
    else log_info("commands", "%s", message);
    if (j->done) j->done(outcome, message, j->user);
    free_job(j);
    if (sync->destroyed) {
        if (sync->next == NULL) free(sync);
        return;
    }
    if (sync->next) {
        sync->running = sync->next;
        sync->next = NULL;
        start(sync);
    }
}

static void on_put_done(const discord_result *res, void *user)
{
    command_sync *sync = user;
    char message[512];
    if (sync->destroyed) {
        finish(sync, SYNC_FAILED, "the bot is shutting down");
        return;
    }
    if (res->error != HTTP_OK) {
        snprintf(message, sizeof message, "command sync failed: %s", res->error_message);
        finish(sync, SYNC_FAILED, message);
        return;
    }
    if (res->status != 200) {
        snprintf(message, sizeof message, "Discord refused the command definitions (%ld): %.*s", res->status,
                 (int)(res->body_len > 300 ? 300 : res->body_len), res->body);
        finish(sync, SYNC_FAILED, message);
        return;
    }
    char key[64], err[256];
    hash_key(sync, key, sizeof key);
    if (store_kv_set(sync->state, HASH_NS, key, sync->running->hash, err, sizeof err) != 0)
        log_warn("commands", "synced, but could not remember it (%s): the next start will sync again", err);
    snprintf(message, sizeof message, "application commands registered with Discord (%s)",
             sync->guild_id ? "this server only" : "global");
    finish(sync, SYNC_UPDATED, message);
}

static void send_put(command_sync *sync)
{
    char path[160];
    if (sync->guild_id)
        snprintf(path, sizeof path, "/applications/%s/guilds/%s/commands", sync->application_id, sync->guild_id);
    else
        snprintf(path, sizeof path, "/applications/%s/commands", sync->application_id);
    discord_request req = { .method = "PUT", .path = path, .json = sync->running->json,
                            .json_len = strlen(sync->running->json), .timeout_ms = 30000 };
    discord_rest_send(sync->rest, &req, on_put_done, sync);
}

/* {"id":"123",...}: the application id is the first "id" of GET /applications/@me. */
static bool read_id(const char *body, char *out, size_t cap)
{
    const char *p = strstr(body, "\"id\"");
    if (p == NULL) return false;
    p = strchr(p + 4, '"');
    if (p == NULL) return false;
    const char *end = strchr(++p, '"');
    if (end == NULL || (size_t)(end - p) >= cap || end == p) return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    for (const char *c = out; *c; c++)
        if (*c < '0' || *c > '9') return false;
    return true;
}

static void on_application(const discord_result *res, void *user)
{
    command_sync *sync = user;
    char message[512];
    if (sync->destroyed) {
        finish(sync, SYNC_FAILED, "the bot is shutting down");
        return;
    }
    if (res->error != HTTP_OK || res->status != 200 ||
        !read_id(res->body, sync->application_id, sizeof sync->application_id)) {
        snprintf(message, sizeof message, "command sync failed: cannot read the application id (%s)",
                 res->error_message ? res->error_message : "unexpected answer from /applications/@me");
        sync->application_id[0] = '\0';
        finish(sync, SYNC_FAILED, message);
        return;
    }
    send_put(sync);
}

static void start(command_sync *sync)
{
    char key[64];
    hash_key(sync, key, sizeof key);
    char *known = store_kv_get(sync->state, HASH_NS, key);
    bool same = known != NULL && strcmp(known, sync->running->hash) == 0;
    free(known);
    if (same) {
        finish(sync, SYNC_UNCHANGED, "application commands unchanged; nothing sent to Discord");
        return;
    }
    if (sync->application_id[0] == '\0') {
        discord_request req = { .method = "GET", .path = "/applications/@me" };
        discord_rest_send(sync->rest, &req, on_application, sync);
        return;
    }
    send_put(sync);
}

bool command_sync_guild_scoped(const command_sync *sync)
{
    return sync != NULL && sync->guild_id != NULL;
}

command_sync *command_sync_create(discord_rest *rest, store *state, const char *guild_id)
{
    command_sync *sync = calloc(1, sizeof *sync);
    if (sync == NULL) return NULL;
    sync->rest = rest;
    sync->state = state;
    if (guild_id != NULL && (sync->guild_id = strdup(guild_id)) == NULL) {
        free(sync);
        return NULL;
    }
    return sync;
}

void command_sync_destroy(command_sync *sync)
{
    if (sync == NULL) return;
    free(sync->guild_id);
    sync->guild_id = NULL;
    if (sync->next) {
        job *j = sync->next;
        sync->next = NULL;
        if (j->done) j->done(SYNC_FAILED, "the bot is shutting down", j->user);
        free_job(j);
    }
    /* A request in flight still calls back (the HTTP layer ends every request); free the rest then. */
    if (sync->running) sync->destroyed = true;
    else free(sync);
}

void command_sync_set_application(command_sync *sync, const char *application_id)
{
    snprintf(sync->application_id, sizeof sync->application_id, "%s", application_id ? application_id : "");
}

void command_sync_run(command_sync *sync, const char *json, const char *hash, sync_done_fn done, void *user)
{
    job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->json = strdup(json)) == NULL) {
        free(j);
        if (done) done(SYNC_FAILED, "out of memory", user);
        return;
    }
    snprintf(j->hash, sizeof j->hash, "%s", hash);
    j->done = done;
    j->user = user;
    if (sync->running == NULL) {
        sync->running = j;
        start(sync);
        return;
    }
    if (sync->next) {
        if (sync->next->done) sync->next->done(SYNC_UNCHANGED, "superseded by a newer reload", sync->next->user);
        free_job(sync->next);
    }
    sync->next = j;
}
