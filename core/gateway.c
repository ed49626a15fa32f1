#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "log.h"
#include "ws.h"
#include "zstream.h"

#define MAX_SHARDS GWS_GATE_BUCKETS /* shards one process runs */
#define GATEWAY_BOT_RETRY_MS 5000u

typedef struct shard {
    gateway *gw;
    int id;
    gws session;
    ws_conn *conn;
    zstream inflater;
    uv_timer_t timers[GWS_TIMER_COUNT];
    uv_timer_t deferred_close;   /* reports a connection that could not even start, outside the FSM call */
    char deferred_reason[200];
    int open_handles;
} shard;

struct gateway {
    gateway_options opts;
    char *token;
    char *shards_spec;
    ws_context *ws;
    shard *shards[MAX_SHARDS];
    int shard_count_here, first_shard, total_shards;
    gws_identify_gate gate;      /* session_start_limit and max_concurrency, shared by the shards */
    char presence[GWS_PRESENCE_TEXT_MAX + 1]; /* the custom status every shard shows */
    bool has_presence;
    char url[512];
    uv_timer_t retry;
    int open_handles;
    bool stopping, destroyed;
    void (*stop_done)(void *user);
    void *stop_user;
};

static uint64_t now_ms(const gateway *gw) { return uv_now(gw->opts.loop); }

/* ---- ws events -> session ---- */

static void on_ws_open(ws_conn *conn, void *user)
{
    (void)conn;
    shard *s = user;
    gws_on_open(&s->session, now_ms(s->gw));
}

static void on_ws_message(ws_conn *conn, const char *data, size_t len, bool binary, void *user)
{
    (void)conn;
    shard *s = user;
    if (!binary) {
        gws_on_text(&s->session, now_ms(s->gw), data, len);
        return;
    }
    const char *text;
    size_t text_len;
    zs_result rc = zs_feed(&s->inflater, data, len, &text, &text_len);
    if (rc == ZS_MESSAGE) gws_on_text(&s->session, now_ms(s->gw), text, text_len);
    else if (rc == ZS_ERROR) gws_on_corrupt(&s->session, now_ms(s->gw));
}

static void check_stopped(gateway *gw);

static void on_ws_close(ws_conn *conn, int code, const char *reason, void *user)
{
    (void)conn;
    shard *s = user;
    s->conn = NULL;
    gws_on_close(&s->session, now_ms(s->gw), code, reason);
    check_stopped(s->gw);
}

static const ws_events shard_events = { on_ws_open, on_ws_message, on_ws_close, NULL };

/* ---- session ops ---- */

static void on_deferred_close(uv_timer_t *timer)
{
    shard *s = timer->data;
    gws_on_close(&s->session, now_ms(s->gw), WS_CLOSE_NO_FRAME, s->deferred_reason);
}

static void op_connect(void *ud, const char *url)
{
    shard *s = ud;
    if (zs_reset(&s->inflater) != 0) {
        snprintf(s->deferred_reason, sizeof s->deferred_reason, "out of memory");
        uv_timer_start(&s->deferred_close, on_deferred_close, 0, 0);
        return;
    }
    ws_events events = shard_events;
    events.user = s;
    char err[200];
    log_debug("gateway", "shard %d: connecting to %s", s->id, url);
    s->conn = ws_conn_open(s->gw->ws, url, &events, 0, err, sizeof err);
    if (s->conn == NULL) {
        snprintf(s->deferred_reason, sizeof s->deferred_reason, "%s", err);
        uv_timer_start(&s->deferred_close, on_deferred_close, 1000, 0);
    }
}

static void op_send(void *ud, const char *text, size_t len)
{
    shard *s = ud;
    if (s->conn != NULL) ws_conn_send(s->conn, text, len);
}

static void op_close(void *ud, int code)
{
    shard *s = ud;
    if (s->conn != NULL) ws_conn_close(s->conn, code);
}

static void on_session_timer(uv_timer_t *timer);

static void op_set_timer(void *ud, gws_timer which, uint64_t after_ms)
{
    shard *s = ud;
    uv_timer_start(&s->timers[which], on_session_timer, after_ms, 0);
}

static void op_cancel_timer(void *ud, gws_timer which)
{
    shard *s = ud;
    uv_timer_stop(&s->timers[which]);
}

static void on_session_timer(uv_timer_t *timer)
{
    shard *s = timer->data;
    gws_timer which = (gws_timer)(timer - s->timers);
    gws_on_timer(&s->session, now_ms(s->gw), which);
}

static void op_dispatch(void *ud, const char *name, int64_t seq, const char *d, size_t d_len)
{
    shard *s = ud;
    gateway *gw = s->gw;
    char err[256];
    if (strcmp(name, "READY") == 0) {
        log_info("gateway", "shard %d/%d ready (session established)", s->id, gw->total_shards);
        if (gw->opts.sync && s->session.application_id[0])
            command_sync_set_application(gw->opts.sync, s->session.application_id);
    } else if (strcmp(name, "RESUMED") == 0) {
        log_info("gateway", "shard %d/%d resumed at sequence %lld", s->id, gw->total_shards, (long long)seq);
    }
    if (strcmp(name, "INTERACTION_CREATE") == 0) {
        if (lua_host_interaction(gw->opts.lua, d, d_len, err, sizeof err) != 0)
            log_warn("gateway", "interaction not handled: %s", err);
        return;
    }
    lua_host_event(gw->opts.lua, name, seq, d, d_len);
}

static void op_fatal(void *ud, int status, const char *message)
{
    shard *s = ud;
    log_error("gateway", "%s", message);
    if (s->gw->opts.on_fatal) s->gw->opts.on_fatal(status, message, s->gw->opts.user);
}

static void op_note(void *ud, gws_note_level level, const char *message)
{
    (void)ud;
    static const log_level levels[] = { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
    log_write(levels[level], "gateway", "%s", message);
}

static double op_random(void *ud)
{
    (void)ud;
    return (double)rand() / ((double)RAND_MAX + 1.0);
}

static const gws_ops session_ops = { op_connect, op_send, op_close, op_set_timer, op_cancel_timer, op_dispatch,
                                     op_fatal, NULL, NULL, op_random };

/* ---- shards ---- */

static shard *new_shard(gateway *gw, int id)
{
    shard *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->gw = gw;
    s->id = id;
    if (zs_init(&s->inflater, 0, 0) != 0) {
        free(s);
        return NULL;
    }
    if (gws_init(&s->session, &session_ops, s, gw->token, gw->opts.intents, id, gw->total_shards) != 0 ||
        gws_set_gateway_url(&s->session, gw->url) != 0) {
        zs_free(&s->inflater);
        free(s);
        return NULL;
    }
    gws_set_note_handler(&s->session, op_note);
    gws_set_identify_gate(&s->session, &gw->gate);
    if (gw->has_presence) gws_set_presence(&s->session, now_ms(gw), gw->presence);
    for (int t = 0; t < GWS_TIMER_COUNT; t++) {
        uv_timer_init(gw->opts.loop, &s->timers[t]);
        s->timers[t].data = s;
    }
    uv_timer_init(gw->opts.loop, &s->deferred_close);
    s->deferred_close.data = s;
    s->open_handles = GWS_TIMER_COUNT + 1;
    gw->open_handles++; /* the gateway outlives its shards' handles */
    return s;
}

/* "auto" takes Discord's recommendation; "ID/COUNT" and "FIRST-LAST/COUNT" pick this process's part. */
static int plan_shards(gateway *gw, int recommended, char *err, size_t errlen)
{
    gws_shard_range range;
    if (gws_shards_parse(gw->shards_spec, &range, err, errlen) != 0 ||
        gws_shards_resolve(&range, recommended, MAX_SHARDS, err, errlen) != 0)
        return -1;
    gw->first_shard = range.first;
    gw->shard_count_here = range.last - range.first + 1;
    gw->total_shards = range.count;
    return 0;
}

static void start_shards(gateway *gw)
{
    for (int i = 0; i < gw->shard_count_here; i++) {
        shard *s = new_shard(gw, gw->first_shard + i);
        if (s == NULL) {
            log_error("gateway", "out of memory starting shard %d", gw->first_shard + i);
            continue;
        }
        gw->shards[i] = s;
        gws_start(&s->session, now_ms(gw));
    }
}

static void fetch_gateway_bot(gateway *gw);

static void on_retry(uv_timer_t *timer) { fetch_gateway_bot(timer->data); }

static void on_gateway_bot(const discord_result *res, void *user)
{
    gateway *gw = user;
    if (gw->stopping) {
        check_stopped(gw);
        return;
    }
    if (res->error == HTTP_OK && res->status == 401) {
        if (gw->opts.on_fatal)
            gw->opts.on_fatal(3, "Discord rejected the bot token (401 on /gateway/bot). Reset it in the Developer "
                                 "Portal (your application > Bot > Reset Token) and update DISCORD_TOKEN.",
                              gw->opts.user);
        return;
    }
    gws_gateway_bot info;
    char err[256];
    if (res->error != HTTP_OK || res->status != 200) {
        log_warn("gateway", "cannot get the gateway address (%s); retrying in %u s",
                 res->error_message ? res->error_message : "unexpected answer", GATEWAY_BOT_RETRY_MS / 1000);
        uv_timer_start(&gw->retry, on_retry, GATEWAY_BOT_RETRY_MS, 0);
        return;
    }
    if (gws_parse_gateway_bot(res->body, res->body_len, &info, err, sizeof err) != 0) {
        log_warn("gateway", "unusable GET /gateway/bot answer (%s); retrying in %u s", err,
                 GATEWAY_BOT_RETRY_MS / 1000);
        uv_timer_start(&gw->retry, on_retry, GATEWAY_BOT_RETRY_MS, 0);
        return;
    }
    if (plan_shards(gw, info.shards, err, sizeof err) != 0) {
        if (gw->opts.on_fatal) gw->opts.on_fatal(2, err, gw->opts.user);
        return;
    }
    snprintf(gw->url, sizeof gw->url, "%s", info.url);
    gws_gate_init(&gw->gate, &info.limit, now_ms(gw));
    log_info("gateway", "gateway %s: running shards %d-%d of %d here (identifies left today: %lld, %lld at a time)",
             gw->url, gw->first_shard, gw->first_shard + gw->shard_count_here - 1, gw->total_shards,
             (long long)info.limit.remaining, (long long)info.limit.max_concurrency);
    start_shards(gw);
}

static void fetch_gateway_bot(gateway *gw)
{
    discord_request req = { .method = "GET", .path = "/gateway/bot" };
    discord_rest_send(gw->opts.rest, &req, on_gateway_bot, gw);
}

gateway *gateway_start(const gateway_options *opts, char *err, size_t errlen)
{
    gateway *gw = calloc(1, sizeof *gw);
    if (gw == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    gw->opts = *opts;
    gw->token = strdup(opts->token);
    gw->shards_spec = strdup(opts->shards ? opts->shards : "auto");
    gw->ws = opts->ws;
    if (gw->token == NULL || gw->shards_spec == NULL) {
        snprintf(err, errlen, "out of memory");
        free(gw->token);
        free(gw->shards_spec);
        free(gw);
        return NULL;
    }
    uv_timer_init(opts->loop, &gw->retry);
    gw->retry.data = gw;
    gw->open_handles = 1;
    fetch_gateway_bot(gw);
    return gw;
}

static void check_stopped(gateway *gw)
{
    if (!gw->stopping || gw->stop_done == NULL) return;
    for (int i = 0; i < gw->shard_count_here; i++)
        if (gw->shards[i] && gw->shards[i]->conn != NULL) return;
    void (*done)(void *) = gw->stop_done;
    gw->stop_done = NULL;
    done(gw->stop_user);
}

void gateway_stop(gateway *gw, void (*done)(void *user), void *user)
{
    gw->stopping = true;
    gw->stop_done = done;
    gw->stop_user = user;
    uv_timer_stop(&gw->retry);
    for (int i = 0; i < gw->shard_count_here; i++)
        if (gw->shards[i]) gws_shutdown(&gw->shards[i]->session, now_ms(gw));
    check_stopped(gw);
}

static void on_handle_closed(uv_handle_t *handle)
{
    gateway *gw = handle->data;
    if (gw != NULL && --gw->open_handles == 0) free(gw);
}

static void on_shard_handle_closed(uv_handle_t *handle)
{
    shard *s = handle->data;
    if (--s->open_handles > 0) return;
    gateway *gw = s->gw;
    free(s);
    if (--gw->open_handles == 0) free(gw);
}

void gateway_destroy(gateway *gw)
{
    if (gw == NULL) return;
    gw->destroyed = true;
    /* The caller destroyed the WebSocket context first: every connection's close has been reported. */
    for (int i = 0; i < gw->shard_count_here; i++) {
        shard *s = gw->shards[i];
        if (s == NULL) continue;
        for (int t = 0; t < GWS_TIMER_COUNT; t++) uv_close((uv_handle_t *)&s->timers[t], on_shard_handle_closed);
        uv_close((uv_handle_t *)&s->deferred_close, on_shard_handle_closed);
        gws_free(&s->session);
        zs_free(&s->inflater);
    }
    memset(gw->token, 0, strlen(gw->token));
    free(gw->token);
    free(gw->shards_spec);
    uv_close((uv_handle_t *)&gw->retry, on_handle_closed);
}

void gateway_get_stats(const gateway *gw, gateway_stats *out)
{
    memset(out, 0, sizeof *out);
    out->shards = gw->shard_count_here;
    for (int i = 0; i < gw->shard_count_here; i++) {
        const shard *s = gw->shards[i];
        if (s == NULL) continue;
        const gws_stats *st = &s->session.stats;
        if (s->session.state == GWS_READY) out->ready_shards++;
        out->total.connects += st->connects;
        out->total.identifies += st->identifies;
        out->total.resumes += st->resumes;
        out->total.reconnects += st->reconnects;
        out->total.zombies += st->zombies;
        out->total.heartbeats += st->heartbeats;
        out->total.acks += st->acks;
        out->total.dispatches += st->dispatches;
        out->total.last_rtt_ms = st->last_rtt_ms;
        out->total.avg_rtt_ms = st->avg_rtt_ms;
    }
}

void gateway_set_presence(gateway *gw, const char *text)
{
    if (gw == NULL || text == NULL || gw->stopping) return;
    /* Cut as the sessions do (GWS_PRESENCE_TEXT_MAX bytes, whole UTF-8 characters), then skip a repeat. */
    size_t len = strlen(text);
    if (len > GWS_PRESENCE_TEXT_MAX) {
        len = GWS_PRESENCE_TEXT_MAX;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) len--;
    }
    if (gw->has_presence && strlen(gw->presence) == len && memcmp(gw->presence, text, len) == 0) return;
    memcpy(gw->presence, text, len);
    gw->presence[len] = '\0';
    gw->has_presence = true;
    /* Never refused for a text: each session sends it when its limits allow (coalesced, latest wins). */
    for (int i = 0; i < gw->shard_count_here; i++)
        if (gw->shards[i]) (void)gws_set_presence(&gw->shards[i]->session, now_ms(gw), gw->presence);
}
