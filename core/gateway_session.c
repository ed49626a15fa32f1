#include "gateway_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

#define GATEWAY_QUERY "v=10&encoding=json&compress=zlib-stream"
#define LIBRARY_NAME "peon-bot"
#if defined(__linux__)
#define OS_NAME "linux"
#else
#define OS_NAME "unix"
#endif
#define DEFAULT_LARGE_THRESHOLD 250
#define MIN_HEARTBEAT_MS 1000
#define MAX_HEARTBEAT_MS 600000
#define MAX_BACKOFF_ATTEMPT 30
#define INVALID_SESSION_MIN_MS 1000
#define INVALID_SESSION_SPREAD_MS 4000

#if defined(__GNUC__)
#define GWS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GWS_PRINTF(a, b)
#endif

static const char *const state_names[] = { "idle", "waiting", "connecting", "hello", "identifying", "resuming",
                                           "ready", "closing", "stopped" };

const char *gws_state_name(gws_state state)
{
    return (unsigned)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "?";
}

const char *gws_wait_reason(const gws *g) { return g->state == GWS_WAITING ? g->wait_reason : ""; }

static void note(gws *g, gws_note_level level, const char *fmt, ...) GWS_PRINTF(3, 4);

static void note(gws *g, gws_note_level level, const char *fmt, ...)
{
    if (g->note == NULL) return;
    char message[512];
    int n = snprintf(message, sizeof message, "shard %d: ", g->shard_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message + n, sizeof message - (size_t)n, fmt, ap);
    va_end(ap);
    g->note(g->ud, level, message);
}

/* Overwrites secrets in a way the compiler cannot drop as a dead store. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

/* ---- randomness (injected, or a seeded splitmix64 so tests and replays are deterministic) ---- */

void gws_set_seed(gws *g, uint64_t seed) { g->rng = seed; }

static double random01(gws *g)
{
    if (g->ops.random != NULL) {
        double r = g->ops.random(g->ud);
        if (!(r >= 0.0)) return 0.0; /* also catches NaN */
        return r < 1.0 ? r : 0.999999;
    }
    uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t gws_backoff_ms(int attempt, double jitter)
{
    if (!(jitter >= 0.0) || jitter >= 1.0) jitter = 0.0;
    if (attempt <= 1) return (uint64_t)(jitter * GWS_BACKOFF_BASE_MS); /* the first retry is quick, but spread */
    int doublings = attempt - 1 > 16 ? 16 : attempt - 1;
    uint64_t base = (uint64_t)GWS_BACKOFF_BASE_MS << doublings;
    if (base > GWS_BACKOFF_CAP_MS) base = GWS_BACKOFF_CAP_MS;
    return (uint64_t)((double)base * (0.5 + jitter / 2.0));
}

/* ---- timers: the session remembers what it armed, so stale or early expiries are harmless ---- */

static void arm(gws *g, gws_timer t, uint64_t now, uint64_t after_ms)
{
    g->timer_armed[t] = true;
    g->timer_due_ms[t] = now + after_ms;
    g->ops.set_timer(g->ud, t, after_ms);
}

static void disarm(gws *g, gws_timer t)
{
    if (!g->timer_armed[t]) return;
    g->timer_armed[t] = false;
    g->ops.cancel_timer(g->ud, t);
}

static void disarm_all(gws *g)
{
    for (int t = 0; t < GWS_TIMER_COUNT; t++) disarm(g, (gws_timer)t);
}

/* ---- setup ---- */

int gws_init(gws *g, const gws_ops *ops, void *ud, const char *token, int intents, int shard_id, int shard_count)
{
    memset(g, 0, sizeof *g);
    g->ops = *ops;
    g->ud = ud;
    g->intents = intents;
    g->shard_id = shard_id;
    g->shard_count = shard_count;
    g->large_threshold = DEFAULT_LARGE_THRESHOLD;
    g->state = GWS_IDLE;
    size_t token_len = token ? strlen(token) : 0;
    if (token_len == 0 || token_len >= sizeof g->token || shard_count < 1 || shard_id < 0 || shard_id >= shard_count)
        return -1;
    memcpy(g->token, token, token_len + 1);
    return 0;
}

static void clear_queue(gws *g)
{
    while (g->queue_count > 0) {
        free(g->queue[g->queue_head]);
        g->queue[g->queue_head] = NULL;
        g->queue_head = (g->queue_head + 1) % GWS_SEND_QUEUE_MAX;
        g->queue_count--;
    }
    g->queue_head = 0;
}

static void give_back_ticket(gws *g)
{
    if (!g->identify_ticket) return;
    g->identify_ticket = false;
    if (g->gate) gws_gate_release(g->gate);
}

void gws_free(gws *g)
{
    clear_queue(g);
    give_back_ticket(g);
    wipe(g->token, sizeof g->token);
}

static bool is_ws_url(const char *url)
{
    return strncmp(url, "wss://", 6) == 0 || strncmp(url, "ws://", 5) == 0;
}

int gws_set_gateway_url(gws *g, const char *url)
{
    if (url == NULL || !is_ws_url(url) || strlen(url) >= sizeof g->gateway_url) return -1;
    snprintf(g->gateway_url, sizeof g->gateway_url, "%s", url);
    return 0;
}

void gws_set_note_handler(gws *g, gws_note_fn fn) { g->note = fn; }

void gws_set_identify_gate(gws *g, gws_identify_gate *gate) { g->gate = gate; }

static void drop_session(gws *g)
{
    g->have_session = false;
    g->seq = 0;
    g->has_seq = false;
    g->session_id[0] = '\0';
    g->resume_url[0] = '\0';
    g->resume_url_failed = false;
    g->failed_resumes = 0;
}

/* ---- payloads, built with JSON escaping and a hard 4096-byte bound ---- */

typedef struct payload {
    char text[GWS_MAX_PAYLOAD + 1];
    size_t len;
    bool overflow;
} payload;

static void put_raw(payload *p, const char *fmt, ...) GWS_PRINTF(2, 3);

static void put_raw(payload *p, const char *fmt, ...)
{
    if (p->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof p->text - p->len) p->overflow = true;
    else p->len += (size_t)n;
}

static void put_string(payload *p, const char *s)
{
    put_raw(p, "\"");
    for (; *s && !p->overflow; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') put_raw(p, "\\%c", ch);
        else if (ch < 0x20) put_raw(p, "\\u%04x", ch);
        else put_raw(p, "%c", ch);
    }
    put_raw(p, "\"");
}

/* The presence object of op 3 and IDENTIFY: a custom status (type 4) whose `state` is the text. */
static void put_presence(payload *p, const char *text)
{
    put_raw(p, "{\"since\":null,\"activities\":[");
    if (text[0] != '\0') {
        put_raw(p, "{\"name\":\"Custom Status\",\"type\":4,\"state\":");
        put_string(p, text);
        put_raw(p, "}");
    }
    put_raw(p, "],\"status\":\"online\",\"afk\":false}");
}

static void build_identify(const gws *g, payload *p)
{
    put_raw(p, "{\"op\":2,\"d\":{\"token\":");
    put_string(p, g->token);
    put_raw(p, ",\"intents\":%d,\"properties\":{\"os\":\"" OS_NAME "\",\"browser\":\"" LIBRARY_NAME "\","
            "\"device\":\"" LIBRARY_NAME "\"},\"shard\":[%d,%d],\"large_threshold\":%d",
            g->intents, g->shard_id, g->shard_count, g->large_threshold);
    if (g->has_presence) {
        put_raw(p, ",\"presence\":");
        put_presence(p, g->presence_text);
    }
    put_raw(p, "}}");
}

static void build_resume(const gws *g, payload *p)
{
    put_raw(p, "{\"op\":6,\"d\":{\"token\":");
    put_string(p, g->token);
    put_raw(p, ",\"session_id\":");
    put_string(p, g->session_id);
    if (g->has_seq) put_raw(p, ",\"seq\":%lld}}", (long long)g->seq);
    else put_raw(p, ",\"seq\":null}}");
}

/* ---- the outgoing limit: 120 payloads per 60 s per connection, with room kept for heartbeats ---- */

size_t gws_send_allowance(uint32_t heartbeat_interval_ms)
{
    uint32_t interval = heartbeat_interval_ms >= MIN_HEARTBEAT_MS ? heartbeat_interval_ms : MIN_HEARTBEAT_MS;
    /* The heartbeats one window can hold, one more for the jittered first or a server-requested one, and
     * room for an IDENTIFY/RESUME and a spare. */
    size_t reserve = (GWS_SEND_WINDOW_MS + interval - 1) / interval + 1 + 2;
    return GWS_SEND_LIMIT - reserve;
}

static void prune_sends(gws *g, uint64_t now)
{
    while (g->send_count > 0) {
        size_t oldest = (g->send_head + GWS_SEND_LIMIT - g->send_count) % GWS_SEND_LIMIT;
        if (now - g->send_times[oldest] < GWS_SEND_WINDOW_MS) break;
        g->send_count--;
    }
}

static void raw_send(gws *g, uint64_t now, const char *text, size_t len)
{
    g->send_times[g->send_head] = now;
    g->send_head = (g->send_head + 1) % GWS_SEND_LIMIT;
    if (g->send_count < GWS_SEND_LIMIT) g->send_count++;
    g->stats.sends++;
    g->ops.send(g->ud, text, len);
}

static bool room_for_send(gws *g, uint64_t now)
{
    prune_sends(g, now);
    return g->send_count < gws_send_allowance(g->heartbeat_interval);
}

/* When the window frees a slot: the oldest send in it reaches the age of 60 s (now if nothing was sent). */
static uint64_t window_slot_free_at(const gws *g, uint64_t now)
{
    size_t oldest = (g->send_head + GWS_SEND_LIMIT - g->send_count) % GWS_SEND_LIMIT;
    return g->send_count > 0 ? g->send_times[oldest] + GWS_SEND_WINDOW_MS : now;
}

static void arm_queue_timer(gws *g, uint64_t now)
{
    uint64_t free_at = window_slot_free_at(g, now);
    arm(g, GWS_TIMER_SEND_QUEUE, now, free_at > now ? free_at - now : 1);
}

static void flush_queue(gws *g, uint64_t now)
{
    if (g->state != GWS_READY) return; /* kept for the next ready connection */
    while (g->queue_count > 0 && room_for_send(g, now)) {
        char *text = g->queue[g->queue_head];
        size_t len = g->queue_len[g->queue_head];
        g->queue[g->queue_head] = NULL;
        g->queue_head = (g->queue_head + 1) % GWS_SEND_QUEUE_MAX;
        g->queue_count--;
        raw_send(g, now, text, len);
        free(text);
    }
    if (g->queue_count > 0) arm_queue_timer(g, now);
}

int gws_send(gws *g, uint64_t now_ms, const char *text, size_t len)
{
    if (g->shutting_down || g->state == GWS_STOPPED || len == 0 || len > GWS_MAX_PAYLOAD || !json_valid(text, len))
        return -1;
    if (g->queue_count == 0 && g->state == GWS_READY && room_for_send(g, now_ms)) {
        raw_send(g, now_ms, text, len);
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
    if (g->state == GWS_READY) arm_queue_timer(g, now_ms);
    return 1;
}

/* ---- presence ---- */

size_t gws_presence_json(const char *text, char *out, size_t cap)
{
    payload p = { .len = 0 };
    put_presence(&p, text ? text : "");
    if (p.overflow || p.len + 1 > cap) return 0;
    memcpy(out, p.text, p.len + 1);
    return p.len;
}

/* At most GWS_PRESENCE_TEXT_MAX bytes, never ending inside a UTF-8 sequence. */
static void copy_presence_text(char *out, const char *text)
{
    size_t len = strlen(text);
    if (len > GWS_PRESENCE_TEXT_MAX) {
        len = GWS_PRESENCE_TEXT_MAX;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) len--;
    }
    memcpy(out, text, len);
    out[len] = '\0';
}

/* Sends the pending presence now if allowed, otherwise arms GWS_TIMER_PRESENCE for when it may be. */
static void flush_presence(gws *g, uint64_t now)
{
    if (!g->presence_pending || g->state != GWS_READY) return; /* READY/RESUMED calls again */
    uint64_t due = now;
    if (g->presence_sent && now - g->presence_sent_ms < GWS_PRESENCE_MIN_INTERVAL_MS)
        due = g->presence_sent_ms + GWS_PRESENCE_MIN_INTERVAL_MS;
    if (due == now && (g->queue_count > 0 || !room_for_send(g, now))) {
        uint64_t free_at = window_slot_free_at(g, now); /* queued payloads go first */
        due = free_at > now ? free_at : now + 1;
    }
    if (due > now) {
        arm(g, GWS_TIMER_PRESENCE, now, due - now);
        return;
    }
    payload p = { .len = 0 };
    put_raw(&p, "{\"op\":3,\"d\":");
    put_presence(&p, g->presence_text);
    put_raw(&p, "}");
    g->presence_pending = false;
    if (p.overflow) return; /* cannot happen: the text is at most GWS_PRESENCE_TEXT_MAX bytes */
    g->presence_sent = true;
    g->presence_sent_ms = now;
    raw_send(g, now, p.text, p.len);
}

int gws_set_presence(gws *g, uint64_t now_ms, const char *text)
{
    if (text == NULL) return -1;
    char cut[GWS_PRESENCE_TEXT_MAX + 1];
    copy_presence_text(cut, text);
    if (g->has_presence && strcmp(cut, g->presence_text) == 0) return 1;
    memcpy(g->presence_text, cut, sizeof cut);
    g->has_presence = true;
    /* Not ready: the next IDENTIFY carries it, or op 3 follows RESUMED. */
    g->presence_pending = true;
    flush_presence(g, now_ms);
    return 0;
}

/* ---- connecting ---- */

/* base + the query, keeping base's path; "wss://host" becomes "wss://host/?...". */
static void build_url(char *out, size_t cap, const char *base)
{
    size_t len = strcspn(base, "?#");
    const char *host = strstr(base, "://");
    bool has_path = host != NULL && host + 3 <= base + len && memchr(host + 3, '/', len - (size_t)(host + 3 - base)) != NULL;
    snprintf(out, cap, "%.*s%s?" GATEWAY_QUERY, (int)len, base, has_path ? "" : "/");
}

static void connect_to(gws *g, uint64_t now, const char *base, bool resume_url)
{
    char url[sizeof g->gateway_url + 64];
    build_url(url, sizeof url, base);
    g->on_resume_url = resume_url;
    g->opened = false;
    g->reached_ready = false;
    g->resume_sent = false;
    g->closing_for = GWS_CLOSE_NONE;
    g->heartbeat_interval = 0;
    g->ack_pending = false;
    g->send_count = 0; /* the send limit is per connection */
    g->wait_reason[0] = '\0';
    g->state = GWS_CONNECTING;
    g->stats.connects++;
    note(g, GWS_NOTE_DEBUG, "connecting to %s%s", url, resume_url ? " (resume_gateway_url)" : "");
    (void)now;
    g->ops.connect(g->ud, url); /* last: the shell may act on it at once */
}

/* ms to wait before this shard may connect to IDENTIFY; 0 means go (and a gate ticket is held). */
static uint64_t identify_wait(gws *g, uint64_t now)
{
    g->wait_reason[0] = '\0';
    if (g->identify_ticket) return 0;
    if (g->gate != NULL) {
        uint64_t wait = gws_gate_acquire(g->gate, g->shard_id, now, g->wait_reason, sizeof g->wait_reason);
        if (wait == 0) g->identify_ticket = true;
        return wait;
    }
    if (g->ops.identify_wait == NULL) return 0;
    const char *reason = NULL;
    uint64_t wait = g->ops.identify_wait(g->ud, &reason);
    snprintf(g->wait_reason, sizeof g->wait_reason, "%s", reason ? reason : "identify limit");
    return wait;
}

static void begin_connect(gws *g, uint64_t now)
{
    if (g->have_session) {
        bool use_resume_url = g->resume_url[0] != '\0' && !g->resume_url_failed;
        connect_to(g, now, use_resume_url ? g->resume_url : g->gateway_url, use_resume_url);
        return;
    }
    uint64_t wait = identify_wait(g, now);
    if (wait > 0) {
        g->state = GWS_WAITING;
        note(g, GWS_NOTE_INFO, "waiting %.1f s before identifying (%s)", (double)wait / 1000.0, g->wait_reason);
        arm(g, GWS_TIMER_RECONNECT, now, wait);
        return;
    }
    connect_to(g, now, g->gateway_url, false);
}

void gws_start(gws *g, uint64_t now_ms)
{
    if (g->state != GWS_IDLE && g->state != GWS_STOPPED) return;
    if (g->gateway_url[0] == '\0') {
        g->state = GWS_STOPPED;
        g->ops.fatal(g->ud, 1, "internal error: the gateway session was started without a gateway URL");
        return;
    }
    g->shutting_down = false;
    g->backoff_attempt = 0;
    begin_connect(g, now_ms);
}

void gws_on_open(gws *g, uint64_t now_ms)
{
    if (g->state != GWS_CONNECTING) return;
    g->opened = true;
    g->state = GWS_HELLO;
    arm(g, GWS_TIMER_HELLO, now_ms, GWS_HELLO_TIMEOUT_MS);
}

/* Asks the shell to close; what follows is decided when the close is reported. Any code but 1000/1001
 * keeps the session resumable. */
static void close_for(gws *g, gws_close_intent intent)
{
    g->closing_for = intent;
    g->state = GWS_CLOSING;
    disarm(g, GWS_TIMER_HEARTBEAT);
    disarm(g, GWS_TIMER_HELLO);
    g->ops.close(g->ud, intent == GWS_CLOSE_SHUTDOWN ? 1000 : 4000);
}

/* ---- heartbeats ---- */

static void send_heartbeat(gws *g, uint64_t now)
{
    payload p = { .len = 0 };
    if (g->has_seq) put_raw(&p, "{\"op\":1,\"d\":%lld}", (long long)g->seq);
    else put_raw(&p, "{\"op\":1,\"d\":null}");
    if (!g->ack_pending) {
        g->ack_pending = true;
        g->ack_pending_since_ms = now;
    }
    g->stats.heartbeats++;
    raw_send(g, now, p.text, p.len);
}

static void on_heartbeat_ack(gws *g, uint64_t now)
{
    g->stats.acks++;
    if (!g->ack_pending) return;
    g->ack_pending = false;
    /* ACKs carry no id: with two heartbeats out, the time since the older one is an upper bound. */
    double rtt = (double)(now - g->ack_pending_since_ms);
    g->stats.last_rtt_ms = rtt;
    g->stats.avg_rtt_ms = g->stats.avg_rtt_ms == 0.0 ? rtt : g->stats.avg_rtt_ms * 0.875 + rtt * 0.125;
}

static void on_heartbeat_due(gws *g, uint64_t now)
{
    if (g->state != GWS_IDENTIFYING && g->state != GWS_RESUMING && g->state != GWS_READY) return;
    /* A heartbeat the server asked for (op 1) just before this tick gets half an interval for its ACK. */
    if (g->ack_pending && now - g->ack_pending_since_ms >= g->heartbeat_interval / 2) {
        g->stats.zombies++;
        note(g, GWS_NOTE_WARN, "no heartbeat ACK within %u ms: the connection is a zombie; closing (4000) to resume",
             (unsigned)(now - g->ack_pending_since_ms));
        close_for(g, GWS_CLOSE_ZOMBIE);
        return;
    }
    send_heartbeat(g, now);
    arm(g, GWS_TIMER_HEARTBEAT, now, g->heartbeat_interval);
}

/* ---- identify / resume ---- */

static void send_session_payload(gws *g, uint64_t now, payload *p)
{
    if (p->overflow) {
        /* Cannot happen with the token limit of gws_init; refuse rather than send a cut payload. */
        g->state = GWS_STOPPED;
        disarm_all(g);
        g->ops.fatal(g->ud, 1, "internal error: the IDENTIFY/RESUME payload would exceed 4096 bytes");
        return;
    }
    raw_send(g, now, p->text, p->len);
    wipe(p->text, sizeof p->text);
}

static void send_identify(gws *g, uint64_t now)
{
    payload p = { .len = 0 };
    build_identify(g, &p);
    g->state = GWS_IDENTIFYING;
    g->stats.identifies++;
    if (g->gate != NULL) {
        gws_gate_spend(g->gate, g->shard_id, now);
        g->identify_ticket = false;
    } else if (g->ops.identified != NULL) {
        g->ops.identified(g->ud);
    }
    note(g, GWS_NOTE_DEBUG, "identifying as shard [%d, %d] with intents %d", g->shard_id, g->shard_count, g->intents);
    g->presence_pending = false; /* the IDENTIFY carries it */
    send_session_payload(g, now, &p);
}

static void send_resume(gws *g, uint64_t now)
{
    payload p = { .len = 0 };
    build_resume(g, &p);
    g->state = GWS_RESUMING;
    g->resume_sent = true;
    g->stats.resumes++;
    note(g, GWS_NOTE_DEBUG, "resuming session at sequence %lld", (long long)g->seq);
    send_session_payload(g, now, &p);
}

static void on_hello(gws *g, uint64_t now, const json_span *d)
{
    if (g->state != GWS_HELLO) {
        note(g, GWS_NOTE_DEBUG, "ignoring a second HELLO");
        return;
    }
    disarm(g, GWS_TIMER_HELLO);
    json_span interval;
    int64_t ms = 0;
    if (!json_get_in(d, "heartbeat_interval", &interval) || !json_int(&interval, &ms) || ms < MIN_HEARTBEAT_MS ||
        ms > MAX_HEARTBEAT_MS) {
        note(g, GWS_NOTE_WARN, "HELLO without a usable heartbeat_interval; reconnecting");
        close_for(g, GWS_CLOSE_BROKEN);
        return;
    }
    g->heartbeat_interval = (uint32_t)ms;
    g->ack_pending = false;
    /* The first heartbeat waits interval * jitter, so clients reconnecting together spread out. */
    arm(g, GWS_TIMER_HEARTBEAT, now, (uint64_t)((double)ms * random01(g)));
    if (g->have_session) send_resume(g, now);
    else send_identify(g, now);
}

/* ---- dispatches ---- */

static void copy_string_field(const json_span *object, const char *key, char *out, size_t cap)
{
    json_span value;
    if (!json_get_in(object, key, &value) || !json_string(&value, out, cap)) out[0] = '\0';
}

static void became_ready(gws *g, uint64_t now)
{
    g->state = GWS_READY;
    g->reached_ready = true;
    g->ready_since_ms = now;
    g->failed_resumes = 0;
    flush_queue(g, now);
    flush_presence(g, now);
}

static void on_ready(gws *g, uint64_t now, const json_span *d)
{
    copy_string_field(d, "session_id", g->session_id, sizeof g->session_id);
    copy_string_field(d, "resume_gateway_url", g->resume_url, sizeof g->resume_url);
    if (!is_ws_url(g->resume_url)) g->resume_url[0] = '\0'; /* then resumes go through the main URL */
    json_span object;
    if (json_get_in(d, "application", &object))
        copy_string_field(&object, "id", g->application_id, sizeof g->application_id);
    if (json_get_in(d, "user", &object)) copy_string_field(&object, "id", g->user_id, sizeof g->user_id);
    g->have_session = g->session_id[0] != '\0';
    g->resume_url_failed = false;
    if (!g->have_session) note(g, GWS_NOTE_WARN, "READY without a session_id: this session cannot be resumed");
    note(g, GWS_NOTE_DEBUG, "READY: session established");
    became_ready(g, now);
}

typedef struct envelope {
    int64_t op, s;
    bool has_op, has_s;
    json_span t, d;
} envelope;

/* Reads op, s, t and d in one pass; false when the payload is malformed or has no integer op. */
static bool read_envelope(const json_span *object, envelope *e)
{
    memset(e, 0, sizeof *e);
    e->d = (json_span){ "null", 4, JSON_NULL };
    e->t = e->d;
    json_iter it;
    json_span key, value;
    json_iter_begin(&it, object);
    while (json_iter_next(&it, &key, &value)) {
        if (json_key_is(&key, "op")) e->has_op = json_int(&value, &e->op);
        else if (json_key_is(&key, "s")) e->has_s = json_int(&value, &e->s);
        else if (json_key_is(&key, "t")) e->t = value;
        else if (json_key_is(&key, "d")) e->d = value;
    }
    return !it.failed && e->has_op;
}

static void on_dispatch(gws *g, uint64_t now, const envelope *e)
{
    if (e->has_s) {
        g->seq = e->s;
        g->has_seq = true;
    }
    char name[64];
    if (!json_string(&e->t, name, sizeof name) || name[0] == '\0') {
        g->stats.frames_ignored++;
        note(g, GWS_NOTE_DEBUG, "ignoring a dispatch without a usable event name");
        return;
    }
    /* READY and RESUMED answer an IDENTIFY or RESUME, which go out after HELLO. Before it they would mark the
     * connection ready with no heartbeat running, and nothing would ever notice it going dead. */
    if (g->state == GWS_HELLO && (strcmp(name, "READY") == 0 || strcmp(name, "RESUMED") == 0)) {
        g->stats.frames_ignored++;
        note(g, GWS_NOTE_WARN, "ignoring %s before HELLO", name);
        return;
    }
    if (strcmp(name, "READY") == 0) {
        on_ready(g, now, &e->d);
    } else if (strcmp(name, "RESUMED") == 0) {
        note(g, GWS_NOTE_DEBUG, "RESUMED at sequence %lld", (long long)g->seq);
        became_ready(g, now);
    }
    g->stats.dispatches++;
    if (g->ops.dispatch != NULL) g->ops.dispatch(g->ud, name, e->has_s ? e->s : 0, e->d.start, e->d.len);
}

static void on_invalid_session(gws *g, const envelope *e)
{
    g->stats.invalid_sessions++;
    if (e->d.type == JSON_TRUE && g->have_session) {
        note(g, GWS_NOTE_INFO, "session invalidated but resumable (op 9); reconnecting to resume");
        close_for(g, GWS_CLOSE_REQUESTED);
        return;
    }
    note(g, GWS_NOTE_WARN, "session invalidated (op 9); identifying again after a short wait");
    drop_session(g);
    close_for(g, GWS_CLOSE_INVALID);
}

static void on_payload(gws *g, uint64_t now, const json_span *object)
{
    envelope e;
    if (!read_envelope(object, &e)) {
        g->stats.frames_ignored++;
        note(g, GWS_NOTE_DEBUG, "ignoring a frame that is not a gateway payload");
        return;
    }
    switch (e.op) {
    case 0:
        on_dispatch(g, now, &e);
        break;
    case 1:
        send_heartbeat(g, now); /* the server wants one now; the regular schedule stays */
        break;
    case 7:
        note(g, GWS_NOTE_INFO, "Discord asked for a reconnect (op 7); reconnecting to resume");
        close_for(g, GWS_CLOSE_REQUESTED);
        break;
    case 9:
        on_invalid_session(g, &e);
        break;
    case 10:
        on_hello(g, now, &e.d);
        break;
    case 11:
        on_heartbeat_ack(g, now);
        break;
    default:
        g->stats.frames_ignored++;
        note(g, GWS_NOTE_DEBUG, "ignoring op %lld", (long long)e.op);
        break;
    }
}

static bool connection_is_live(const gws *g)
{
    return g->state == GWS_HELLO || g->state == GWS_IDENTIFYING || g->state == GWS_RESUMING ||
           g->state == GWS_READY;
}

static bool only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return false;
    return true;
}

void gws_on_text(gws *g, uint64_t now_ms, const char *text, size_t len)
{
    /* Frames after we decided to close are dropped unseen; their events come again with the resume. */
    if (text == NULL) return;
    size_t offset = 0;
    while (offset < len && connection_is_live(g)) {
        json_span value;
        size_t used;
        if (!json_value(text + offset, len - offset, &value, &used)) {
            if (!only_space(text + offset, len - offset)) {
                g->stats.frames_ignored++;
                note(g, GWS_NOTE_DEBUG, "ignoring %zu bytes that are not JSON", len - offset);
            }
            return;
        }
        offset += used;
        if (value.type == JSON_OBJECT) on_payload(g, now_ms, &value);
        else g->stats.frames_ignored++;
    }
}

/* ---- closes ---- */

static void privileged_intent_names(int intents, char *out, size_t cap)
{
    out[0] = '\0';
    if (intents & GWS_INTENT_MESSAGE_CONTENT)
        snprintf(out + strlen(out), cap - strlen(out), "MESSAGE CONTENT INTENT (needed by ENABLE_LEGACY_COMMANDS=1)");
    if (intents & GWS_INTENT_GUILD_MEMBERS)
        snprintf(out + strlen(out), cap - strlen(out), "%sSERVER MEMBERS INTENT", out[0] ? " and " : "");
    if (intents & GWS_INTENT_GUILD_PRESENCES)
        snprintf(out + strlen(out), cap - strlen(out), "%sPRESENCE INTENT", out[0] ? " and " : "");
    if (out[0] == '\0') snprintf(out, cap, "the privileged intents the bot asks for (none are requested: check the "
                                           "application's settings)");
}

/* Close codes after which reconnecting cannot help: stops the session and tells the shell. */
static bool stop_on_fatal_code(gws *g, int code)
{
    char message[600], names[200];
    int status = 1;
    switch (code) {
    case 4004:
        status = 3;
        snprintf(message, sizeof message, "Discord rejected the bot token (close 4004). Reset it in the Developer "
                 "Portal (your application > Bot > Reset Token) and set DISCORD_TOKEN to the new one.");
        break;
    case 4013:
        status = 3;
        snprintf(message, sizeof message, "Discord rejected the gateway intents %d (close 4013: invalid intents); "
                 "this build asks for an intent Discord does not know.", g->intents);
        break;
    case 4014:
        status = 3;
        privileged_intent_names(g->intents, names, sizeof names);
        snprintf(message, sizeof message, "Discord refused a privileged gateway intent (close 4014). Enable %s in "
                 "the Developer Portal: your application > Bot > Privileged Gateway Intents.", names);
        break;
    case 4010:
        snprintf(message, sizeof message, "Discord refused shard [%d, %d] (close 4010: invalid shard). Check "
                 "PEON_SHARDS: ids run 0 to COUNT-1 and COUNT must be what Discord expects.", g->shard_id,
                 g->shard_count);
        break;
    case 4011:
        snprintf(message, sizeof message, "Discord requires more shards for this bot (close 4011: sharding required). "
                 "Set PEON_SHARDS=auto, or a larger COUNT, and restart.");
        break;
    case 4012:
        snprintf(message, sizeof message, "Discord refused gateway API version 10 (close 4012: invalid API version); "
                 "this build is too old.");
        break;
    default:
        return false;
    }
    g->state = GWS_STOPPED;
    disarm_all(g);
    clear_queue(g);
    g->ops.fatal(g->ud, status, message); /* last: the shell may start shutting down from here */
    return true;
}

static bool close_is_routine(int code)
{
    return code == 0 || code == 1000 || code == 1001 || code == 1006 || code == 4000;
}

static bool ends_session(int code) { return code == 4003 || code == 4007 || code == 4009; }

static const char *close_meaning(int code)
{
    switch (code) {
    case 0: return "connection lost without a close frame";
    case 1000: return "closed normally by the server";
    case 1001: return "server going away";
    case 1006: return "abnormal closure";
    case 4000: return "unknown error";
    case 4001: return "unknown opcode: looks like a peon-bot bug";
    case 4002: return "decode error: looks like a peon-bot bug";
    case 4003: return "not authenticated";
    case 4005: return "already authenticated: looks like a peon-bot bug";
    case 4007: return "invalid sequence on resume";
    case 4008: return "rate limited: looks like a peon-bot bug";
    case 4009: return "session timed out";
    default: return "closed";
    }
}

/* The delay before the next connect; counts failures for the backoff. */
static uint64_t next_delay(gws *g, gws_close_intent intent)
{
    if (intent == GWS_CLOSE_REQUESTED && g->reached_ready) return 0; /* Discord asked: go at once */
    if (g->backoff_attempt < MAX_BACKOFF_ATTEMPT) g->backoff_attempt++;
    uint64_t delay = gws_backoff_ms(g->backoff_attempt, random01(g));
    if (intent == GWS_CLOSE_INVALID) {
        /* Wait a random 1-5 s before identifying again; longer if it keeps happening. */
        uint64_t wait = INVALID_SESSION_MIN_MS + (uint64_t)(random01(g) * INVALID_SESSION_SPREAD_MS);
        if (delay < wait) delay = wait;
    }
    return delay;
}

void gws_on_close(gws *g, uint64_t now_ms, int code, const char *reason)
{
    if (g->state < GWS_CONNECTING || g->state > GWS_CLOSING) return; /* no connection to close */
    gws_close_intent intent = g->closing_for;
    g->closing_for = GWS_CLOSE_NONE;
    disarm(g, GWS_TIMER_HEARTBEAT);
    disarm(g, GWS_TIMER_HELLO);
    disarm(g, GWS_TIMER_SEND_QUEUE);
    disarm(g, GWS_TIMER_PRESENCE);
    g->ack_pending = false;
    give_back_ticket(g); /* the IDENTIFY it was for never went out */
    if (g->reached_ready && now_ms - g->ready_since_ms >= GWS_STABLE_MS) g->backoff_attempt = 0;
    if (g->shutting_down || intent == GWS_CLOSE_SHUTDOWN) {
        g->state = GWS_STOPPED;
        note(g, GWS_NOTE_INFO, "gateway connection closed (%d)", code);
        return;
    }
    if (stop_on_fatal_code(g, code)) return;

    if (intent == GWS_CLOSE_NONE)
        note(g, close_is_routine(code) ? GWS_NOTE_INFO : GWS_NOTE_WARN, "gateway closed (%d, %s%s%s)", code,
             close_meaning(code), reason && *reason ? ": " : "", reason ? reason : "");
    if (g->on_resume_url && !g->resume_sent && g->have_session) {
        g->resume_url_failed = true;
        note(g, GWS_NOTE_INFO, "resume_gateway_url unreachable; resuming through the main gateway URL");
    }
    if (ends_session(code) && intent != GWS_CLOSE_INVALID) {
        note(g, GWS_NOTE_INFO, "session ended by Discord (close %d); identifying again", code);
        drop_session(g);
    } else if (g->resume_sent && !g->reached_ready && g->have_session) {
        /* The RESUME went out but no RESUMED came back (whoever closed, whatever op 9 said). */
        g->failed_resumes++;
        g->stats.failed_resumes++;
        if (g->failed_resumes >= GWS_MAX_FAILED_RESUMES) {
            note(g, GWS_NOTE_WARN, "%d resumes failed in a row; identifying a new session", g->failed_resumes);
            drop_session(g);
        }
    }
    uint64_t delay = next_delay(g, intent);
    g->state = GWS_WAITING;
    g->stats.reconnects++;
    note(g, GWS_NOTE_INFO, "reconnecting in %.1f s to %s", (double)delay / 1000.0,
         g->have_session ? "resume" : "identify");
    arm(g, GWS_TIMER_RECONNECT, now_ms, delay);
}

void gws_on_corrupt(gws *g, uint64_t now_ms)
{
    (void)now_ms;
    if (!connection_is_live(g)) return;
    note(g, GWS_NOTE_WARN, "unreadable data from Discord; closing (4000) to resume on a new connection");
    close_for(g, GWS_CLOSE_BROKEN);
}

void gws_on_timer(gws *g, uint64_t now_ms, gws_timer timer)
{
    if ((unsigned)timer >= GWS_TIMER_COUNT || !g->timer_armed[timer]) return; /* cancelled meanwhile */
    if (now_ms < g->timer_due_ms[timer]) {
        g->ops.set_timer(g->ud, timer, g->timer_due_ms[timer] - now_ms); /* early: wait for the rest */
        return;
    }
    g->timer_armed[timer] = false;
    switch (timer) {
    case GWS_TIMER_HEARTBEAT:
        on_heartbeat_due(g, now_ms);
        break;
    case GWS_TIMER_RECONNECT:
        if (g->state == GWS_WAITING && !g->shutting_down) begin_connect(g, now_ms);
        break;
    case GWS_TIMER_SEND_QUEUE:
        flush_queue(g, now_ms);
        break;
    case GWS_TIMER_PRESENCE:
        flush_presence(g, now_ms);
        break;
    case GWS_TIMER_HELLO:
        if (g->state == GWS_HELLO) {
            note(g, GWS_NOTE_WARN, "no HELLO within %u s of connecting; reconnecting", GWS_HELLO_TIMEOUT_MS / 1000);
            close_for(g, GWS_CLOSE_BROKEN);
        }
        break;
    default:
        break;
    }
}

void gws_shutdown(gws *g, uint64_t now_ms)
{
    (void)now_ms;
    g->shutting_down = true;
    disarm_all(g);
    clear_queue(g);
    if (g->state >= GWS_CONNECTING && g->state <= GWS_CLOSING) {
        close_for(g, GWS_CLOSE_SHUTDOWN);
        return;
    }
    give_back_ticket(g);
    g->state = GWS_STOPPED;
}
