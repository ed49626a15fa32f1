/* libFuzzer target: the gateway's zlib-stream inflater (zstream.c) and session state machine
 * (gateway_session.c) driven together, as gateway.c drives them, by a script of shell events taken from the
 * input: connection opened/closed (any close code), text frames, zlib-stream frames (compressed here with
 * Z_SYNC_FLUSH and cut into fragments at fuzzed points, or raw fuzzed bytes, or a compressed frame with a
 * flipped byte), well-formed gateway payloads built from fuzzed fields, timers firing (on time or early),
 * the clock moving, sends and presence updates from the bot, shutdown; plus /gateway/bot answers.
 *
 * Invariants checked, beyond ASan/UBSan:
 *  inflater: a compressed frame inflates to exactly the text that was compressed, or fails only when a cap
 *    is exceeded; a message is non-empty, NUL-terminated and within max_out; buffers stay within the caps;
 *    after an error every later feed fails until zs_reset.
 *  session: the shell rules of gateway_session.h hold (one connect at a time, close/send only on a live
 *    connection, no send after asking to close); every send is valid JSON of at most 4096 bytes; at most 120
 *    sends per 60 s per connection; the session's own timer bookkeeping equals what the shell was told; a
 *    waiting session has its reconnect timer armed, a session in HELLO its hello timer, an identified one its
 *    heartbeat (else it would hang forever); dispatches hand out a valid JSON "d" inside the received text;
 *    nothing connects after a fatal close or a shutdown; presence text is cut at a UTF-8 boundary. */
#include <zlib.h>

#include "fuzz_util.h"
#include "gateway_session.h"
#include "gateway_shards.h"
#include "json_scan.h"
#include "zstream.h"

#define MAX_STEPS 200
#define MAX_SENDS_TRACKED 1024

typedef struct shell {
    uint64_t now;
    gws g;
    zstream zs;
    bool zs_failed;          /* the inflater reported an error since the last reset */
    bool in_sync;            /* our deflater's history matches the inflater's */
    bool conn;               /* ops.connect was called and its close not yet reported */
    bool opened;             /* ... and it opened */
    bool close_asked;        /* ... and the session asked to close it */
    bool fatal, shutdown;
    bool shutdown_on_fatal;
    bool gated;
    bool armed[GWS_TIMER_COUNT];
    uint64_t due[GWS_TIMER_COUNT];
    uint64_t sends[MAX_SENDS_TRACKED]; /* times of this connection's sends */
    size_t send_count;
    bool presence_sent;      /* the session sent a presence update (on any connection) ... */
    uint64_t presence_sent_at; /* ... last at this time */
    const char *text;        /* the text being handed to gws_on_text (dispatch d must lie inside it) */
    size_t text_len;
} shell;

static shell S;
static z_stream deflater;
static bool deflater_ready;
static gws_identify_gate gate;
static bool trace; /* FUZZ_TRACE=1: one line per step on stderr (to check what a corpus input does) */

/* ---- the fake shell's ops: each checks the rules of gateway_session.h ---- */

static void op_connect(void *ud, const char *url)
{
    shell *s = ud;
    FUZZ_CHECK(!s->conn, "connect while the previous connection's close was not reported");
    FUZZ_CHECK(!s->fatal && !s->shutdown, "connect after a fatal close or a shutdown");
    FUZZ_CHECK(strncmp(url, "wss://", 6) == 0 || strncmp(url, "ws://", 5) == 0, "url %s", url);
    const char *query = strchr(url, '?');
    FUZZ_CHECK(query != NULL && strcmp(query, "?v=10&encoding=json&compress=zlib-stream") == 0, "url %s", url);
    s->conn = true;
    s->opened = false;
    s->close_asked = false;
    s->send_count = 0;
    /* A new connection gets a fresh inflater and (here) a fresh deflater, as gateway.c does. */
    FUZZ_CHECK(zs_reset(&s->zs) == 0, "zs_reset");
    s->zs_failed = false;
    deflateReset(&deflater);
    s->in_sync = true;
}

static void op_send(void *ud, const char *text, size_t len)
{
    shell *s = ud;
    FUZZ_CHECK(s->conn && s->opened, "send without an open connection");
    FUZZ_CHECK(!s->close_asked, "send after the session asked to close");
    FUZZ_CHECK(len > 0 && len <= GWS_MAX_PAYLOAD, "send of %zu bytes", len);
    FUZZ_CHECK(json_valid(text, len), "send of invalid JSON: %.*s", (int)len, text);
    /* Heartbeats the server asks for (op 1) are answered at once, whatever the count: a server that asks
     * more than 120 times a minute gets its 4008. The limit holds for everything the session sends itself. */
    bool requested = s->text != NULL && len >= 7 && memcmp(text, "{\"op\":1,", 7) == 0;
    if (!requested && s->send_count < MAX_SENDS_TRACKED) s->sends[s->send_count++] = s->now;
    size_t in_window = 0;
    for (size_t i = 0; i < s->send_count; i++)
        if (s->now - s->sends[i] < GWS_SEND_WINDOW_MS) in_window++;
    FUZZ_CHECK(in_window <= GWS_SEND_LIMIT, "%zu sends within 60 s on one connection", in_window);
}

static void op_close(void *ud, int code)
{
    shell *s = ud;
    FUZZ_CHECK(s->conn, "close without a connection");
    FUZZ_CHECK(code == 1000 || code == 4000, "close code %d", code);
    s->close_asked = true;
}

static void op_set_timer(void *ud, gws_timer t, uint64_t after_ms)
{
    shell *s = ud;
    FUZZ_CHECK((unsigned)t < GWS_TIMER_COUNT, "timer %d", (int)t);
    FUZZ_CHECK(s->now + after_ms >= s->now, "timer due time overflows: %llu", (unsigned long long)after_ms);
    if (!s->gated) FUZZ_CHECK(after_ms <= 600000, "timer %d armed for %llu ms", (int)t, (unsigned long long)after_ms);
    s->armed[t] = true;
    s->due[t] = s->now + after_ms;
}

static void op_cancel_timer(void *ud, gws_timer t)
{
    shell *s = ud;
    FUZZ_CHECK((unsigned)t < GWS_TIMER_COUNT, "timer %d", (int)t);
    s->armed[t] = false;
}

static void op_dispatch(void *ud, const char *name, int64_t seq, const char *d, size_t d_len)
{
    shell *s = ud;
    (void)seq;
    size_t name_len = strlen(name);
    FUZZ_CHECK(name_len > 0 && name_len < 64, "event name of %zu bytes", name_len);
    bool inside = s->text != NULL && d >= s->text && d + d_len <= s->text + s->text_len;
    bool absent = d_len == 4 && memcmp(d, "null", 4) == 0; /* a payload without "d" reads as null */
    FUZZ_CHECK(inside || absent, "d outside the frame");
    FUZZ_CHECK(json_valid(d, d_len), "d is not one JSON value: %.*s", (int)d_len, d);
}

static void op_fatal(void *ud, int status, const char *message)
{
    shell *s = ud;
    FUZZ_CHECK(status == 1 || status == 3, "fatal status %d", status);
    FUZZ_CHECK(message != NULL && message[0] != '\0', "fatal without a message");
    s->fatal = true;
    if (s->shutdown_on_fatal) { /* what main.c does, re-entrantly */
        s->shutdown = true;
        gws_shutdown(&s->g, s->now);
    }
}

static const gws_ops ops = { op_connect, op_send, op_close, op_set_timer, op_cancel_timer, op_dispatch, op_fatal,
                             NULL, NULL, NULL };

/* ---- state checks after every event ---- */

static void check_session(void)
{
    gws *g = &S.g;
    FUZZ_CHECK((unsigned)g->state <= GWS_STOPPED, "state %d", (int)g->state);
    for (int t = 0; t < GWS_TIMER_COUNT; t++)
        FUZZ_CHECK(g->timer_armed[t] == S.armed[t], "timer %d: session thinks %d, shell %d", t, g->timer_armed[t],
                   S.armed[t]);
    bool live = g->state >= GWS_CONNECTING && g->state <= GWS_CLOSING;
    if (live) FUZZ_CHECK(S.conn, "state %s without a connection", gws_state_name(g->state));
    if (g->state == GWS_WAITING) FUZZ_CHECK(S.armed[GWS_TIMER_RECONNECT], "waiting with no reconnect timer");
    if (g->state == GWS_HELLO) FUZZ_CHECK(S.armed[GWS_TIMER_HELLO], "waiting for HELLO with no timeout");
    if (g->state == GWS_IDENTIFYING || g->state == GWS_RESUMING || g->state == GWS_READY)
        FUZZ_CHECK(S.armed[GWS_TIMER_HEARTBEAT], "%s with no heartbeat timer", gws_state_name(g->state));
    if (g->state == GWS_STOPPED)
        for (int t = 0; t < GWS_TIMER_COUNT; t++) FUZZ_CHECK(!S.armed[t], "stopped with timer %d armed", t);
    FUZZ_CHECK(g->queue_count <= GWS_SEND_QUEUE_MAX, "queue %zu", g->queue_count);
    FUZZ_CHECK(strlen(g->presence_text) <= GWS_PRESENCE_TEXT_MAX, "presence text too long");
    /* The session's own presence updates (not the raw sends of step 13) keep their spacing. */
    if (g->presence_sent && (!S.presence_sent || g->presence_sent_ms != S.presence_sent_at)) {
        FUZZ_CHECK(!S.presence_sent || g->presence_sent_ms - S.presence_sent_at >= GWS_PRESENCE_MIN_INTERVAL_MS,
                   "presence updates %llu ms apart", (unsigned long long)(g->presence_sent_ms - S.presence_sent_at));
        S.presence_sent = true;
        S.presence_sent_at = g->presence_sent_ms;
    }
    /* A changed presence is never dropped: ready means it is on its way (the timer) or already sent. */
    if (g->state == GWS_READY && g->presence_pending)
        FUZZ_CHECK(S.armed[GWS_TIMER_PRESENCE], "a pending presence with no timer while ready");
}

/* ---- frames ---- */

static void deliver_text(const char *text, size_t len)
{
    if (!S.opened) return; /* the WebSocket layer only hands over frames of an open connection */
    S.text = text;
    S.text_len = len;
    gws_on_text(&S.g, S.now, text, len);
    S.text = NULL;
}

/* One message from the WebSocket layer into the inflater; returns the result and appends any text. */
static zs_result feed(const uint8_t *data, size_t len, char **got, size_t *got_len, size_t *got_cap)
{
    const char *text = NULL;
    size_t text_len = 0;
    bool was_failed = S.zs_failed;
    zs_result rc = zs_feed(&S.zs, data, len, &text, &text_len);
    FUZZ_CHECK(rc == ZS_NEED_MORE || rc == ZS_MESSAGE || rc == ZS_ERROR, "zs_feed returned %d", (int)rc);
    if (was_failed) FUZZ_CHECK(rc == ZS_ERROR, "a failed inflater accepted data again");
    /* Buffers start at 16 KiB even under smaller caps (harmless: the caps bound the contents). */
    size_t most = (S.zs.max_in > 16384 ? S.zs.max_in : 16384) + (S.zs.max_out >= 16384 ? S.zs.max_out + 1 : 16384);
    FUZZ_CHECK(zs_buffered_bytes(&S.zs) <= most, "inflater holds %zu bytes", zs_buffered_bytes(&S.zs));
    if (rc == ZS_ERROR) {
        FUZZ_CHECK(S.zs.error[0] != '\0', "an error without a message");
        S.zs_failed = true;
        if (S.opened) gws_on_corrupt(&S.g, S.now);
        return rc;
    }
    if (rc == ZS_MESSAGE) {
        FUZZ_CHECK(text != NULL && text_len > 0, "an empty message");
        FUZZ_CHECK(text_len <= S.zs.max_out, "a message of %zu bytes over max_out %zu", text_len, S.zs.max_out);
        FUZZ_CHECK(text[text_len] == '\0', "a message not NUL-terminated");
        if (got != NULL) {
            if (*got_len + text_len + 1 > *got_cap) {
                *got_cap = (*got_len + text_len + 1) * 2;
                *got = realloc(*got, *got_cap);
                if (*got == NULL) abort();
            }
            memcpy(*got + *got_len, text, text_len);
            *got_len += text_len;
        }
        deliver_text(text, text_len);
    }
    return rc;
}

/* Compresses text as Discord does (one Z_SYNC_FLUSH per payload on the connection's stream). */
static uint8_t *compress_text(const uint8_t *text, size_t len, size_t *out_len)
{
    size_t cap = deflateBound(&deflater, (uLong)len) + 64;
    uint8_t *out = malloc(cap);
    if (out == NULL) abort();
    deflater.next_in = (Bytef *)text;
    deflater.avail_in = (uInt)len;
    deflater.next_out = out;
    deflater.avail_out = (uInt)cap;
    int rc = deflate(&deflater, Z_SYNC_FLUSH);
    /* Z_BUF_ERROR: nothing to do (no input right after a flush). */
    FUZZ_CHECK((rc == Z_OK || rc == Z_BUF_ERROR) && deflater.avail_in == 0, "deflate: %d", rc);
    *out_len = cap - deflater.avail_out;
    return out;
}

/* A compressed frame cut into up to four WebSocket messages; corrupt: flip one byte (the stream is then
 * out of step with our deflater for the rest of the connection). */
static void compressed_frame(fuzz_in *in, const uint8_t *text, size_t len, bool corrupt)
{
    size_t clen;
    uint8_t *comp = compress_text(text, len, &clen);
    if (corrupt && clen > 0) {
        size_t at = fz_u16(in) % clen;
        comp[at] ^= (uint8_t)(fz_u8(in) | 1);
        S.in_sync = false;
    }
    bool check = S.in_sync && !S.zs_failed;
    size_t cuts[3], ncuts = fz_u8(in) % 4;
    for (size_t i = 0; i < ncuts; i++) cuts[i] = clen ? fz_u16(in) % (clen + 1) : 0;
    for (size_t i = 1; i < ncuts; i++) /* sort */
        for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
            size_t t = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = t;
        }
    char *got = NULL;
    size_t got_len = 0, got_cap = 0, from = 0;
    int messages_before_end = 0;
    zs_result rc = ZS_NEED_MORE;
    for (size_t i = 0; i <= ncuts && rc != ZS_ERROR; i++) {
        size_t to = i < ncuts ? cuts[i] : clen;
        rc = feed(comp + from, to - from, &got, &got_len, &got_cap);
        if (rc == ZS_MESSAGE && i < ncuts) messages_before_end++;
        from = to;
    }
    if (check) {
        size_t max_in = S.zs.max_in, max_out = S.zs.max_out;
        if (rc == ZS_ERROR) {
            /* Only a cap may stop a well-formed stream. */
            FUZZ_CHECK(clen > max_in || len > max_out || messages_before_end > 0,
                       "a valid frame of %zu bytes (%zu compressed) failed: %s", len, clen, S.zs.error);
        } else {
            FUZZ_CHECK(got_len == len && (len == 0 || memcmp(got, text, len) == 0),
                       "inflated %zu bytes, expected %zu", got_len, len);
            if (messages_before_end == 0) FUZZ_CHECK(clen <= max_in && len <= max_out, "a cap was not enforced");
        }
    }
    free(got);
    free(comp);
}

/* ---- well-formed payloads with fuzzed fields ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL) abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void putf(buf *b, const char *fmt, long long v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, v);
    put(b, tmp, (size_t)n);
}

/* A JSON string of fuzzed bytes (escaped; bytes >= 0x80 pass as they are). */
static void put_json_string(buf *b, fuzz_in *in, size_t max)
{
    size_t n;
    const uint8_t *s = fz_bytes(in, max, &n);
    puts_(b, "\"");
    for (size_t i = 0; i < n; i++) {
        char esc[8];
        if (s[i] == '"' || s[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)s[i];
            put(b, esc, 2);
        } else if (s[i] < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", s[i]);
            put(b, esc, 6);
        } else {
            put(b, (const char *)&s[i], 1);
        }
    }
    puts_(b, "\"");
}

static void put_template(buf *b, fuzz_in *in, int depth)
{
    switch (fz_u8(in) % (depth < 4 ? 10 : 9)) {
    case 0: { /* HELLO, usually with a usable interval */
        uint32_t r = fz_u32(in);
        long long interval = r & 1 ? 1000 + (long long)(r >> 1) % 599001 : (long long)(int32_t)r;
        putf(b, "{\"op\":10,\"d\":{\"heartbeat_interval\":%lld}}", interval);
        break;
    }
    case 1: /* READY */
        putf(b, "{\"op\":0,\"s\":%lld,\"t\":\"READY\",\"d\":{\"v\":10,\"session_id\":", (long long)fz_u16(in));
        put_json_string(b, in, 200);
        puts_(b, ",\"resume_gateway_url\":");
        if (fz_u8(in) & 1) puts_(b, "\"wss://resume.test/path\"");
        else put_json_string(b, in, 600);
        puts_(b, ",\"application\":{\"id\":");
        put_json_string(b, in, 40);
        puts_(b, "},\"user\":{\"id\":\"888\"},\"guilds\":[]}}");
        break;
    case 2:
        puts_(b, "{\"op\":0,\"s\":null,\"t\":\"RESUMED\",\"d\":{}}");
        break;
    case 3:
        puts_(b, "{\"op\":7,\"d\":null}");
        break;
    case 4:
        puts_(b, fz_u8(in) & 1 ? "{\"op\":9,\"d\":true}" : "{\"op\":9,\"d\":false}");
        break;
    case 5:
        puts_(b, "{\"op\":11}");
        break;
    case 6:
        puts_(b, "{\"op\":1,\"d\":null}");
        break;
    case 7: /* any dispatch */
        putf(b, "{\"op\":0,\"s\":%lld,\"t\":", (long long)(int64_t)fz_u64(in));
        put_json_string(b, in, 80);
        puts_(b, ",\"d\":{\"x\":");
        put_json_string(b, in, 200);
        puts_(b, "}}");
        break;
    case 8: /* an unknown op */
        putf(b, "{\"op\":%lld,\"d\":{}}", (long long)(int32_t)fz_u32(in));
        break;
    default: /* two payloads in one message */
        put_template(b, in, depth + 1);
        put_template(b, in, depth + 1);
        break;
    }
}

/* ---- the event script ---- */

static const int close_codes[] = { 0, 1000, 1001, 1006, 4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008,
                                   4009, 4010, 4011, 4012, 4013, 4014, 1011, 3000, 4999, -1 };

/* On time: the clock moves to the due time and the shell's one-shot timer is spent. Early: a stale or
 * early expiry (the session must ignore it or re-arm for the rest); one that is in fact due is spent. */
static void fire(gws_timer t, bool early)
{
    if (!early) {
        if (!S.armed[t]) return;
        if (S.due[t] > S.now) S.now = S.due[t];
    }
    if (S.armed[t] && S.now >= S.due[t]) S.armed[t] = false;
    gws_on_timer(&S.g, S.now, t);
}

static void gateway_bot(fuzz_in *in)
{
    size_t n;
    const uint8_t *json = fz_bytes(in, 2048, &n);
    gws_gateway_bot bot;
    char err[256];
    if (gws_parse_gateway_bot((const char *)json, n, &bot, err, sizeof err) == 0) {
        FUZZ_CHECK(strncmp(bot.url, "wss://", 6) == 0 || strncmp(bot.url, "ws://", 5) == 0, "url %s", bot.url);
        FUZZ_CHECK(bot.shards >= 1 && bot.shards <= GWS_MAX_SHARD_COUNT, "shards %d", bot.shards);
        FUZZ_CHECK(bot.limit.remaining >= 0 && bot.limit.remaining <= bot.limit.total, "remaining");
        FUZZ_CHECK(bot.limit.reset_after_ms >= 0 && bot.limit.max_concurrency >= 1, "limit");
        gws_gate_update(&gate, &bot.limit, S.now);
    } else {
        FUZZ_CHECK(err[0] != '\0', "an error without a message");
    }
}

static void step(fuzz_in *in)
{
    uint8_t op = fz_u8(in);
    switch (op % 16) {
    case 0:
        /* Starting again after a stop is allowed (the API restarts a stopped session). */
        if (S.g.state == GWS_IDLE || S.g.state == GWS_STOPPED) S.fatal = S.shutdown = false;
        gws_start(&S.g, S.now);
        break;
    case 1:
        if (S.conn && !S.opened) {
            S.opened = true;
            gws_on_open(&S.g, S.now);
        }
        break;
    case 2:
        if (S.conn) {
            uint8_t pick = fz_u8(in);
            int code = close_codes[pick % (sizeof close_codes / sizeof close_codes[0])];
            if (code < 0) code = fz_u16(in);
            S.conn = S.opened = S.close_asked = false;
            char *reason = fz_string(in, 123, NULL);
            gws_on_close(&S.g, S.now, code, reason);
            free(reason);
        }
        break;
    case 3: { /* an uncompressed text frame */
        size_t n;
        const uint8_t *text = fz_bytes(in, 8192, &n);
        char *copy = malloc(n + 1);
        if (copy == NULL) abort();
        memcpy(copy, text, n);
        copy[n] = '\0';
        deliver_text(copy, n);
        free(copy);
        break;
    }
    case 4: case 5: { /* a compressed frame of fuzzed text */
        size_t n;
        const uint8_t *text = fz_bytes(in, 16384, &n);
        compressed_frame(in, text, n, false);
        break;
    }
    case 6: { /* raw bytes into the inflater */
        size_t n;
        const uint8_t *raw = fz_bytes(in, 4096, &n);
        S.in_sync = false;
        feed(raw, n, NULL, NULL, NULL);
        break;
    }
    case 7: case 8: { /* a well-formed payload, compressed or not, sometimes corrupted */
        buf b = { 0 };
        put_template(&b, in, 0);
        uint8_t how = fz_u8(in);
        if (how % 3 == 0) deliver_text(b.p, b.len);
        else compressed_frame(in, (const uint8_t *)b.p, b.len, how % 7 == 1);
        free(b.p);
        break;
    }
    case 9: {
        uint32_t ms = fz_u32(in);
        S.now += ms & 1 ? (ms >> 1) % 120000 : ms; /* mostly short steps */
        break;
    }
    case 10: case 11:
        fire((gws_timer)(fz_u8(in) % GWS_TIMER_COUNT), false);
        break;
    case 12:
        fire((gws_timer)(fz_u8(in) % GWS_TIMER_COUNT), true);
        break;
    case 13: {
        size_t n;
        char *text = fz_string(in, 5000, &n);
        int rc = gws_send(&S.g, S.now, text, n);
        FUZZ_CHECK(rc >= -1 && rc <= 1, "gws_send returned %d", rc);
        if (rc >= 0) FUZZ_CHECK(n <= GWS_MAX_PAYLOAD && json_valid(text, n), "accepted an invalid send");
        free(text);
        break;
    }
    case 14: {
        size_t n;
        char *text = fz_string(in, 300, &n);
        int rc = gws_set_presence(&S.g, S.now, text);
        FUZZ_CHECK(rc >= -1 && rc <= 1, "gws_set_presence returned %d", rc);
        size_t kept = strlen(S.g.presence_text);
        size_t whole = strlen(text);
        FUZZ_CHECK(kept <= GWS_PRESENCE_TEXT_MAX && memcmp(S.g.presence_text, text, kept) == 0, "presence");
        if (kept < whole) {
            FUZZ_CHECK(whole > GWS_PRESENCE_TEXT_MAX, "presence cut although it fitted");
            FUZZ_CHECK(kept == 0 || ((unsigned char)text[kept] & 0xC0) != 0x80, "presence cut inside a UTF-8 sequence");
        }
        char json[1024];
        size_t len = gws_presence_json(text, json, sizeof json);
        if (len > 0) FUZZ_CHECK(json_valid(json, len), "presence JSON invalid: %s", json);
        free(text);
        break;
    }
    default:
        if (op & 0x10) {
            gateway_bot(in);
        } else {
            S.shutdown = true;
            gws_shutdown(&S.g, S.now);
        }
        break;
    }
    if (trace) fprintf(stderr, "step op %u -> %s, conn %d open %d, now %llu\n", op % 16, gws_state_name(S.g.state),
                       S.conn, S.opened, (unsigned long long)S.now);
    check_session();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    trace = getenv("FUZZ_TRACE") != NULL;
    memset(&deflater, 0, sizeof deflater);
    deflater_ready = deflateInit(&deflater, Z_DEFAULT_COMPRESSION) == Z_OK;
    if (!deflater_ready) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    memset(&S, 0, sizeof S);
    uint8_t flags = fz_u8(&in);
    uint16_t cap_in = fz_u16(&in), cap_out = fz_u16(&in);
    /* 0 = the defaults; otherwise small caps, so the limits are reached. */
    size_t max_in = flags & 1 ? (size_t)cap_in * 16 + 1 : 0, max_out = flags & 2 ? (size_t)cap_out * 64 + 1 : 0;
    FUZZ_CHECK(zs_init(&S.zs, max_in, max_out) == 0, "zs_init");
    deflateReset(&deflater);
    S.in_sync = true;
    S.now = flags & 4 ? fz_u64(&in) >> 8 : 1000;
    S.shutdown_on_fatal = flags & 8;

    char token[GWS_TOKEN_MAX] = "tok.en";
    if (flags & 16) {
        size_t n;
        const uint8_t *t = fz_bytes(&in, GWS_TOKEN_MAX - 1, &n);
        if (n > 0 && memchr(t, '\0', n) == NULL) {
            memcpy(token, t, n);
            token[n] = '\0';
        }
    }
    int intents = (int)fz_u32(&in);
    int shard_count = 1 + fz_u8(&in) % 4, shard_id = fz_u8(&in) % shard_count;
    if (gws_init(&S.g, &ops, &S, token, intents, shard_id, shard_count) != 0) {
        zs_free(&S.zs);
        return 0;
    }
    gws_set_seed(&S.g, fz_u64(&in));
    FUZZ_CHECK(gws_set_gateway_url(&S.g, flags & 32 ? "wss://gateway.test" : "ws://127.0.0.1:1/gw/") == 0, "url");
    if (flags & 64) {
        S.gated = true;
        gws_start_limit limit = { fz_u16(&in), fz_u16(&in), fz_u32(&in), 1 + fz_u8(&in) % 16 };
        if (limit.remaining > limit.total) limit.total = limit.remaining;
        gws_gate_init(&gate, &limit, S.now);
        gws_set_identify_gate(&S.g, &gate);
    }

    for (int i = 0; i < MAX_STEPS && !fz_empty(&in); i++) step(&in);

    gws_shutdown(&S.g, S.now);
    gws_free(&S.g);
    zs_free(&S.zs);
    return 0;
}
