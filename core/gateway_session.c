#include "gateway_session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

#define GATEWAY_QUERY "v=10&encoding=json&compress=zlib-stream"
#define SEND_LIMIT 120
#define SEND_WINDOW_MS 60000u
#define MAX_FAILED_RESUMES 3
#define BACKOFF_CAP_MS 60000u

static const char *const state_names[] = { "idle", "waiting", "connecting", "hello", "identifying", "resuming",
                                           "ready", "closing", "stopped" };

const char *gws_state_name(gws_state state) { return state_names[state]; }

uint64_t gws_backoff_ms(int attempt, double random01)
{
    if (attempt <= 1) return (uint64_t)(random01 * 1000.0); /* the first retry comes quickly, but spread */
    double base = 1000.0 * pow(2.0, attempt - 1);
    if (base > BACKOFF_CAP_MS) base = BACKOFF_CAP_MS;
    return (uint64_t)(base * (0.5 + random01 / 2.0));
}

void gws_init(gws *g, const gws_ops *ops, void *ud, const char *token, int intents, int shard_id, int shard_count)
{
    memset(g, 0, sizeof *g);
    g->ops = *ops;
    g->ud = ud;
    snprintf(g->token, sizeof g->token, "%s", token);
    g->intents = intents;
    g->shard_id = shard_id;
    g->shard_count = shard_count;
    g->state = GWS_IDLE;
}

void gws_free(gws *g)
{
    while (g->queue_count > 0) {
        free(g->queue[g->queue_head]);
        g->queue_head = (g->queue_head + 1) % GWS_SEND_QUEUE_MAX;
        g->queue_count--;
    }
    memset(g->token, 0, sizeof g->token);
}

void gws_set_gateway_url(gws *g, const char *url)
{
    snprintf(g->gateway_url, sizeof g->gateway_url, "%s", url);
}

static void drop_session(gws *g)
{
    g->have_session = false;
    g->seq = 0;
    g->session_id[0] = '\0';
    g->resume_url[0] = '\0';
    g->failed_resumes = 0;
}

/* ---- sending within 120 payloads per 60 s ---- */

static void prune_sends(gws *g, uint64_t now)
{
    while (g->send_count > 0) {
        size_t oldest = (g->send_head + SEND_LIMIT - g->send_count) % SEND_LIMIT;
        if (now - g->send_times[oldest] < SEND_WINDOW_MS) break;
        g->send_count--;
    }
}

/* Room always stays for the heartbeats one window needs, plus two. */
static size_t send_allowance(const gws *g)
{
    uint32_t interval = g->heartbeat_interval ? g->heartbeat_interval : 41250;
    size_t reserve = SEND_WINDOW_MS / interval + 3;
    return SEND_LIMIT - reserve;
}

static void record_send(gws *g, uint64_t now)
{
    g->send_times[g->send_head] = now;
    g->send_head = (g->send_head + 1) % SEND_LIMIT;
    if (g->send_count < SEND_LIMIT) g->send_count++;
}

static void raw_send(gws *g, uint64_t now, const char *text, size_t len)
{
    record_send(g, now);
    g->ops.send(g->ud, text, len);
}

static void arm_queue_timer(gws *g, uint64_t now)
{
    size_t oldest = (g->send_head + SEND_LIMIT - g->send_count) % SEND_LIMIT;
    uint64_t free_at = g->send_times[oldest] + SEND_WINDOW_MS;
    g->ops.set_timer(g->ud, GWS_TIMER_SEND_QUEUE, free_at > now ? free_at - now : 0);
}

static void flush_queue(gws *g, uint64_t now)
{
    prune_sends(g, now);
    while (g->queue_count > 0 && g->send_count < send_allowance(g)) {
        char *text = g->queue[g->queue_head];
        size_t len = g->queue_len[g->queue_head];
        g->queue_head = (g->queue_head + 1) % GWS_SEND_QUEUE_MAX;
        g->queue_count--;
        if (g->state == GWS_READY) raw_send(g, now, text, len);
        free(text);
    }
    if (g->queue_count > 0) arm_queue_timer(g, now);
}

int gws_send(gws *g, uint64_t now, const char *text, size_t len)
{
    if (len > 4096) return -1; /* Discord closes the socket for bigger payloads (4002) */
    prune_sends(g, now);
    if (g->queue_count == 0 && g->state == GWS_READY && g->send_count < send_allowance(g)) {
        raw_send(g, now, text, len);
        return 0;
    }
    if (g->queue_count == GWS_SEND_QUEUE_MAX) return -1;
    char *copy = malloc(len + 1);
    if (copy == NULL) return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    size_t slot = (g->queue_head + g->queue_count) % GWS_SEND_QUEUE_MAX;
    g->queue[slot] = copy;
    g->queue_len[slot] = len;
    g->queue_count++;
    g->stats.sends_queued++;
    arm_queue_timer(g, now);
    return 0;
}

/* ---- connecting ---- */

static void connect_to(gws *g, const char *base, bool resume_url)
{
    char url[600];
    size_t len = strlen(base);
    const char *slash = len > 0 && base[len - 1] == '/' ? "" : "/";
    snprintf(url, sizeof url, "%s%s?%s", base, slash, GATEWAY_QUERY);
    g->on_resume_url = resume_url;
    g->opened = false;
    g->state = GWS_CONNECTING;
    g->stats.connects++;
    g->ops.connect(g->ud, url);
}

static void begin_connect(gws *g, uint64_t now)
{
    (void)now;
    if (g->have_session) {
        bool use_resume_url = g->resume_url[0] != '\0' && g->failed_resumes == 0;
        connect_to(g, use_resume_url ? g->resume_url : g->gateway_url, use_resume_url);
        return;
    }
    const char *reason = NULL;
    uint64_t wait = g->ops.identify_wait(g->ud, &reason);
    if (wait > 0) {
        g->state = GWS_WAITING;
        log_info("gateway", "shard %d: waiting %.1f s before identifying (%s)", g->shard_id, (double)wait / 1000.0,
                 reason ? reason : "identify limit");
        g->ops.set_timer(g->ud, GWS_TIMER_RECONNECT, wait);
        return;
    }
    connect_to(g, g->gateway_url, false);
}

static void schedule_reconnect(gws *g, uint64_t delay_ms)
{
    g->state = GWS_WAITING;
    g->stats.reconnects++;
    g->ops.set_timer(g->ud, GWS_TIMER_RECONNECT, delay_ms);
}

void gws_start(gws *g, uint64_t now_ms)
{
    g->shutting_down = false;
    begin_connect(g, now_ms);
}

void gws_on_open(gws *g, uint64_t now_ms)
{
    (void)now_ms;
    g->opened = true;
    g->state = GWS_HELLO;
}

/* ---- payloads ---- */

static void send_heartbeat(gws *g, uint64_t now)
{
    char text[64];
    int len = g->seq > 0 ? snprintf(text, sizeof text, "{\"op\":1,\"d\":%lld}", (long long)g->seq)
                         : snprintf(text, sizeof text, "{\"op\":1,\"d\":null}");
    g->ack_pending = true;
    g->heartbeat_sent_ms = now;
    g->stats.heartbeats++;
    raw_send(g, now, text, (size_t)len);
}

/* Tokens are base64url with dots; escaping anyway keeps a hand-edited value from breaking the JSON. */
static size_t json_escape(char *out, size_t cap, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 7 < cap; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\') {
            out[n++] = '\\';
            out[n++] = (char)ch;
        } else if (ch < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
        } else {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    return n;
}

static void send_identify(gws *g, uint64_t now)
{
    char token[600], text[1200];
    json_escape(token, sizeof token, g->token);
    int len = snprintf(text, sizeof text,
                       "{\"op\":2,\"d\":{\"token\":\"%s\",\"intents\":%d,\"properties\":{\"os\":\"linux\","
                       "\"browser\":\"peon-bot\",\"device\":\"peon-bot\"},\"shard\":[%d,%d],\"large_threshold\":250}}",
                       token, g->intents, g->shard_id, g->shard_count);
    memset(token, 0, sizeof token);
    g->state = GWS_IDENTIFYING;
    g->stats.identifies++;
    g->ops.identified(g->ud);
    raw_send(g, now, text, (size_t)len);
    memset(text, 0, sizeof text);
}

static void send_resume(gws *g, uint64_t now)
{
    char token[600], session[256], text[1200];
    json_escape(token, sizeof token, g->token);
    json_escape(session, sizeof session, g->session_id);
    int len = snprintf(text, sizeof text, "{\"op\":6,\"d\":{\"token\":\"%s\",\"session_id\":\"%s\",\"seq\":%lld}}",
                       token, session, (long long)g->seq);
    memset(token, 0, sizeof token);
    g->state = GWS_RESUMING;
    g->stats.resumes++;
    raw_send(g, now, text, (size_t)len);
    memset(text, 0, sizeof text);
}

static void on_hello(gws *g, uint64_t now, const json_span *d)
{
    json_span interval;
    int64_t ms = 0;
    if (!json_get_in(d, "heartbeat_interval", &interval) || !json_int(&interval, &ms) || ms < 1000 ||
        ms > 600000) {
        log_warn("gateway", "shard %d: HELLO without a usable heartbeat_interval; reconnecting", g->shard_id);
        g->ops.close(g->ud, 4000);
        return;
    }
    g->heartbeat_interval = (uint32_t)ms;
    g->ack_pending = false;
    /* The first heartbeat waits interval * jitter so that many clients reconnecting at once spread out. */
    g->ops.set_timer(g->ud, GWS_TIMER_HEARTBEAT, (uint64_t)((double)ms * g->ops.random(g->ud)));
    if (g->have_session) send_resume(g, now);
    else send_identify(g, now);
}

static void copy_string(const json_span *object, const char *key, char *out, size_t cap)
{
    json_span value;
    if (!json_get_in(object, key, &value) || !json_string(&value, out, cap)) out[0] = '\0';
}

static void on_ready(gws *g, uint64_t now, const json_span *d)
{
    copy_string(d, "session_id", g->session_id, sizeof g->session_id);
    copy_string(d, "resume_gateway_url", g->resume_url, sizeof g->resume_url);
    json_span application, user;
    if (json_get_in(d, "application", &application)) copy_string(&application, "id", g->application_id,
                                                                    sizeof g->application_id);
    if (json_get_in(d, "user", &user)) copy_string(&user, "id", g->user_id, sizeof g->user_id);
    g->have_session = g->session_id[0] != '\0';
    g->state = GWS_READY;
    g->failed_resumes = 0;
    g->backoff_attempt = 0;
    g->ready_since_ms = now;
    flush_queue(g, now);
}

static void on_dispatch(gws *g, uint64_t now, const char *text, size_t len, const json_span *d)
{
    json_span t, s;
    int64_t seq = 0;
    if (json_get(text, len, "s", &s) && json_int(&s, &seq) && seq > g->seq) g->seq = seq;
    char name[64] = "";
    if (json_get(text, len, "t", &t)) json_string(&t, name, sizeof name);
    if (strcmp(name, "READY") == 0) {
        on_ready(g, now, d);
    } else if (strcmp(name, "RESUMED") == 0) {
        g->state = GWS_READY;
        g->failed_resumes = 0;
        g->backoff_attempt = 0;
        g->ready_since_ms = now;
        flush_queue(g, now);
    }
    g->stats.dispatches++;
    g->ops.dispatch(g->ud, name, seq, d->start, d->len);
}

/* Asks for a reconnect: closing with a code other than 1000/1001 keeps the session resumable. */
static void close_for_resume(gws *g)
{
    g->state = GWS_CLOSING;
    g->ops.close(g->ud, 4000);
}

void gws_on_text(gws *g, uint64_t now_ms, const char *text, size_t len)
{
    json_span op_span, d;
    int64_t op = -1;
    if (!json_get(text, len, "op", &op_span) || !json_int(&op_span, &op)) {
        log_warn("gateway", "shard %d: ignoring a frame that is not a gateway payload (%zu bytes)", g->shard_id, len);
        return;
    }
    if (!json_get(text, len, "d", &d)) d = (json_span){ "null", 4, JSON_NULL };
    switch (op) {
    case 0:
        on_dispatch(g, now_ms, text, len, &d);
        break;
    case 1:
        send_heartbeat(g, now_ms);
        break;
    case 7:
        log_info("gateway", "shard %d: Discord asked for a reconnect (op 7); resuming", g->shard_id);
        close_for_resume(g);
        break;
    case 9:
        g->stats.invalid_sessions++;
        if (d.type == JSON_TRUE) {
            log_info("gateway", "shard %d: session invalidated but resumable (op 9); resuming", g->shard_id);
        } else {
            log_warn("gateway", "shard %d: session invalidated (op 9); identifying again after a short wait",
                     g->shard_id);
            drop_session(g);
            g->backoff_attempt = -1; /* marks "wait 1-5 s" for the next reconnect */
        }
        close_for_resume(g);
        break;
    case 10:
        on_hello(g, now_ms, &d);
        break;
    case 11:
        if (g->ack_pending) {
            double rtt = (double)(now_ms - g->heartbeat_sent_ms);
            g->stats.last_rtt_ms = rtt;
            g->stats.avg_rtt_ms = g->stats.acks == 0 ? rtt : g->stats.avg_rtt_ms * 0.8 + rtt * 0.2;
        }
        g->ack_pending = false;
        g->stats.acks++;
        break;
    default:
        break;
    }
}

static const char *privileged_names(int intents)
{
    if (intents & GWS_INTENT_MESSAGE_CONTENT) return "MESSAGE CONTENT INTENT (needed by ENABLE_LEGACY_COMMANDS=1)";
    if (intents & (1 << 1)) return "SERVER MEMBERS INTENT";
    if (intents & (1 << 8)) return "PRESENCE INTENT";
    return "the privileged intents this bot requests";
}

/* Close codes after which reconnecting cannot help; returns true when the process should stop. */
static bool fatal_close(gws *g, int code)
{
    char message[400];
    switch (code) {
    case 4004:
        g->ops.fatal(g->ud, 3, "Discord rejected the bot token (close 4004). Reset it in the Developer Portal "
                               "(your application > Bot > Reset Token) and update DISCORD_TOKEN.");
        return true;
    case 4013:
        snprintf(message, sizeof message, "Discord rejected the gateway intents %d (close 4013: invalid intents).",
                 g->intents);
        g->ops.fatal(g->ud, 3, message);
        return true;
    case 4014:
        snprintf(message, sizeof message, "Discord refused a privileged intent (close 4014). Enable %s in the "
                 "Developer Portal: your application > Bot > Privileged Gateway Intents.", privileged_names(g->intents));
        g->ops.fatal(g->ud, 3, message);
        return true;
    case 4010:
        g->ops.fatal(g->ud, 1, "Discord refused the shard (close 4010: invalid shard); check PEON_SHARDS.");
        return true;
    case 4011:
        g->ops.fatal(g->ud, 1, "Discord requires sharding for this bot (close 4011); set PEON_SHARDS=auto or a "
                               "larger shard count.");
        return true;
    case 4012:
        g->ops.fatal(g->ud, 1, "Discord refused the gateway API version (close 4012).");
        return true;
    default:
        return false;
    }
}

void gws_on_close(gws *g, uint64_t now_ms, int code, const char *reason)
{
    g->ops.cancel_timer(g->ud, GWS_TIMER_HEARTBEAT);
    g->ack_pending = false;
    if (g->shutting_down) {
        g->state = GWS_STOPPED;
        return;
    }
    if (fatal_close(g, code)) {
        g->state = GWS_STOPPED;
        return;
    }
    bool was_resuming = g->state == GWS_RESUMING || (g->have_session && g->state != GWS_READY &&
                                                     g->state != GWS_CLOSING);
    if (code == 4007 || code == 4009 || code == 4003) {
        log_info("gateway", "shard %d: session ended by Discord (close %d); identifying again", g->shard_id, code);
        drop_session(g);
    } else if (g->have_session && was_resuming) {
        /* A resume that failed: fall back to the main URL, and to a new session after a few. */
        g->failed_resumes++;
        if (g->failed_resumes >= MAX_FAILED_RESUMES) {
            log_warn("gateway", "shard %d: %d resumes failed in a row; identifying again", g->shard_id,
                     g->failed_resumes);
            drop_session(g);
        }
    }
    if (code != 0 && code != 4000)
        log_info("gateway", "shard %d: connection closed (%d%s%s); reconnecting", g->shard_id, code,
                 reason && *reason ? ": " : "", reason ? reason : "");
    else if (code == 0 && g->state != GWS_CLOSING)
        log_info("gateway", "shard %d: connection lost; reconnecting", g->shard_id);
    uint64_t delay;
    if (g->backoff_attempt < 0) {
        delay = 1000 + (uint64_t)(g->ops.random(g->ud) * 4000.0); /* op 9 false: 1-5 s, then identify */
        g->backoff_attempt = 0;
    } else {
        delay = gws_backoff_ms(++g->backoff_attempt, g->ops.random(g->ud));
    }
    (void)now_ms;
    schedule_reconnect(g, delay);
}

void gws_on_corrupt(gws *g, uint64_t now_ms)
{
    (void)now_ms;
    log_warn("gateway", "shard %d: unreadable data from Discord; reconnecting to resume", g->shard_id);
    close_for_resume(g);
}

void gws_on_timer(gws *g, uint64_t now_ms, gws_timer timer)
{
    switch (timer) {
    case GWS_TIMER_HEARTBEAT:
        if (g->state < GWS_HELLO || g->state > GWS_READY) return;
        if (g->ack_pending) {
            /* No ACK for the last heartbeat: the link is a zombie. Close without ending the session. */
            g->stats.zombies++;
            log_warn("gateway", "shard %d: no heartbeat ACK within %u ms; reconnecting to resume", g->shard_id,
                     g->heartbeat_interval);
            close_for_resume(g);
            return;
        }
        send_heartbeat(g, now_ms);
        g->ops.set_timer(g->ud, GWS_TIMER_HEARTBEAT, g->heartbeat_interval);
        break;
    case GWS_TIMER_RECONNECT:
        if (g->state == GWS_WAITING && !g->shutting_down) begin_connect(g, now_ms);
        break;
    case GWS_TIMER_SEND_QUEUE:
        flush_queue(g, now_ms);
        break;
    default:
        break;
    }
}

void gws_shutdown(gws *g, uint64_t now_ms)
{
    (void)now_ms;
    g->shutting_down = true;
    for (int t = 0; t < GWS_TIMER_COUNT; t++) g->ops.cancel_timer(g->ud, (gws_timer)t);
    if (g->state >= GWS_CONNECTING && g->state <= GWS_READY) {
        g->state = GWS_CLOSING;
        g->ops.close(g->ud, 1000);
    } else if (g->state != GWS_CLOSING) {
        g->state = GWS_STOPPED;
    }
}
