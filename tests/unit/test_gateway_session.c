/* The gateway session state machine, driven by scripted frames and a fake clock. The fake shell records
 * every action; timers fire only when the test moves the clock to their due time. */
#include <stdlib.h>

#include "check.h"
#include "gateway_session.h"
#include "json_scan.h"

#define MAX_RECORDED 400

typedef struct fake {
    uint64_t now;
    char urls[16][600];
    int connects;
    char *sent[MAX_RECORDED];
    uint64_t sent_at[MAX_RECORDED];
    int sends;
    int closes[16];
    int close_count;
    bool armed[GWS_TIMER_COUNT];
    uint64_t due[GWS_TIMER_COUNT];
    uint64_t after[GWS_TIMER_COUNT];
    char dispatched[64][32];
    int64_t dispatched_seq[64];
    char last_d[256];
    int dispatches;
    int fatal_status, fatals;
    char fatal_message[600];
    char notes[8192];
    double random_value;
    bool use_builtin_random;
    bool shutdown_on_fatal;
    uint64_t legacy_wait;
    int legacy_identified;
} fake;

static fake F;
static gws G;

static void f_connect(void *ud, const char *url) { fake *f = ud; snprintf(f->urls[f->connects++ % 16], 600, "%s", url); }
static void f_send(void *ud, const char *text, size_t len)
{
    fake *f = ud;
    if (f->sends < MAX_RECORDED) {
        f->sent[f->sends] = strndup(text, len);
        f->sent_at[f->sends] = f->now;
    }
    f->sends++;
}
static void f_close(void *ud, int code) { fake *f = ud; f->closes[f->close_count++ % 16] = code; }
static void f_set_timer(void *ud, gws_timer t, uint64_t ms)
{
    fake *f = ud;
    f->armed[t] = true;
    f->due[t] = f->now + ms;
    f->after[t] = ms;
}
static void f_cancel_timer(void *ud, gws_timer t) { ((fake *)ud)->armed[t] = false; }
static void f_dispatch(void *ud, const char *name, int64_t seq, const char *d, size_t n)
{
    fake *f = ud;
    int i = f->dispatches++ % 64;
    snprintf(f->dispatched[i], 32, "%s", name);
    f->dispatched_seq[i] = seq;
    snprintf(f->last_d, sizeof f->last_d, "%.*s", (int)n, d);
}
static void f_fatal(void *ud, int status, const char *msg)
{
    fake *f = ud;
    f->fatal_status = status;
    f->fatals++;
    snprintf(f->fatal_message, sizeof f->fatal_message, "%s", msg);
    if (f->shutdown_on_fatal) gws_shutdown(&G, f->now); /* what main.c does: re-entrant */
}
static uint64_t f_identify_wait(void *ud, const char **reason)
{
    *reason = "session start limit (legacy op)";
    return ((fake *)ud)->legacy_wait;
}
static void f_identified(void *ud) { ((fake *)ud)->legacy_identified++; }
static double f_random(void *ud) { return ((fake *)ud)->random_value; }
static void f_note(void *ud, gws_note_level level, const char *message)
{
    (void)level;
    fake *f = ud;
    size_t used = strlen(f->notes);
    if (used + strlen(message) + 2 < sizeof f->notes) snprintf(f->notes + used, sizeof f->notes - used, "%s\n", message);
}

static const gws_ops ops_with_random = { f_connect, f_send, f_close, f_set_timer, f_cancel_timer, f_dispatch, f_fatal,
                                         NULL, NULL, f_random };
static const gws_ops ops_builtin_random = { f_connect, f_send, f_close, f_set_timer, f_cancel_timer, f_dispatch,
                                            f_fatal, NULL, NULL, NULL };
static const gws_ops ops_legacy_wait = { f_connect, f_send, f_close, f_set_timer, f_cancel_timer, f_dispatch,
                                         f_fatal, f_identify_wait, f_identified, f_random };

static void reset_fake(void)
{
    for (int i = 0; i < F.sends && i < MAX_RECORDED; i++) free(F.sent[i]);
    memset(&F, 0, sizeof F);
    F.random_value = 0.5;
}

static void setup_with(const gws_ops *ops, int intents)
{
    gws_free(&G);
    reset_fake();
    CHECK_INT(gws_init(&G, ops, &F, "tok.en", intents, 0, 1), 0);
    CHECK_INT(gws_set_gateway_url(&G, "wss://gateway.test"), 0);
    gws_set_note_handler(&G, f_note);
}

static void setup(int intents) { setup_with(&ops_with_random, intents); }

static void at(uint64_t now) { F.now = now; }
static void frame(const char *text) { gws_on_text(&G, F.now, text, strlen(text)); }
static void open_conn(void) { gws_on_open(&G, F.now); }
static void close_conn(int code) { gws_on_close(&G, F.now, code, ""); }

/* Moves the clock to the timer's due time and fires it. */
static void fire(gws_timer t)
{
    CHECK(F.armed[t]);
    if (F.due[t] > F.now) F.now = F.due[t];
    F.armed[t] = false;
    gws_on_timer(&G, F.now, t);
}

static const char *last_sent(void) { return F.sends > 0 && F.sends <= MAX_RECORDED ? F.sent[F.sends - 1] : ""; }
static const char *last_url(void) { return F.connects > 0 ? F.urls[(F.connects - 1) % 16] : ""; }
static int last_close(void) { return F.close_count > 0 ? F.closes[(F.close_count - 1) % 16] : -1; }

static int sent_op(const char *text)
{
    json_span v;
    int64_t op = -1;
    if (!json_get(text, strlen(text), "op", &v) || !json_int(&v, &op)) return -1;
    return (int)op;
}

#define MAIN_URL "wss://gateway.test/?v=10&encoding=json&compress=zlib-stream"
#define RESUME_URL "wss://resume.test/path?v=10&encoding=json&compress=zlib-stream"
#define HELLO "{\"op\":10,\"d\":{\"heartbeat_interval\":40000}}"
#define READY "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":10,\"session_id\":\"sess1\"," \
              "\"resume_gateway_url\":\"wss://resume.test/path\",\"application\":{\"id\":\"777\",\"flags\":0}," \
              "\"user\":{\"id\":\"888\"},\"guilds\":[]}}"
#define RESUMED "{\"op\":0,\"s\":null,\"t\":\"RESUMED\",\"d\":{}}"

/* Connects, says hello and becomes ready at the current time. */
static void bring_up(void)
{
    gws_start(&G, F.now);
    open_conn();
    frame(HELLO);
    frame(READY);
    CHECK_INT(G.state, GWS_READY);
}

/* After a close: waits out the reconnect timer, opens, and answers the RESUME. */
static void come_back_resumed(void)
{
    fire(GWS_TIMER_RECONNECT);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 6);
    frame(RESUMED);
    CHECK_INT(G.state, GWS_READY);
}

static void test_identify_then_ready(void)
{
    setup(GWS_INTENT_GUILDS | GWS_INTENT_GUILD_MESSAGES | GWS_INTENT_MESSAGE_CONTENT);
    gws_start(&G, 0);
    CHECK_STR(last_url(), MAIN_URL);
    CHECK_INT(G.state, GWS_CONNECTING);
    at(10);
    open_conn();
    CHECK(F.armed[GWS_TIMER_HELLO]);
    at(20);
    frame(HELLO);
    CHECK(!F.armed[GWS_TIMER_HELLO]);
    CHECK_INT(F.sends, 1);
    const char *identify = F.sent[0];
    CHECK(strlen(identify) <= GWS_MAX_PAYLOAD);
    CHECK(json_valid(identify, strlen(identify)));
    CHECK_INT(sent_op(identify), 2);
    json_span d, v, props, shard;
    char text[64];
    int64_t n;
    CHECK(json_get(identify, strlen(identify), "d", &d));
    CHECK(json_get_in(&d, "token", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "tok.en");
    CHECK(json_get_in(&d, "intents", &v) && json_int(&v, &n) && n == 33281);
    CHECK(json_get_in(&d, "large_threshold", &v) && json_int(&v, &n) && n == 250);
    CHECK(json_get_in(&d, "properties", &props) && json_get_in(&props, "browser", &v) && json_string(&v, text, 64));
    CHECK_STR(text, "peon-bot");
    CHECK(json_get_in(&props, "device", &v) && json_string(&v, text, 64));
    CHECK_STR(text, "peon-bot");
    CHECK(json_get_in(&props, "os", &v));
    CHECK(json_get_in(&d, "shard", &shard) && shard.len == 5 && memcmp(shard.start, "[0,1]", 5) == 0);
    CHECK(!json_get_in(&d, "compress", &v));
    CHECK_INT(G.state, GWS_IDENTIFYING);

    at(30);
    frame(READY);
    CHECK_INT(G.state, GWS_READY);
    CHECK_STR(G.session_id, "sess1");
    CHECK_STR(G.resume_url, "wss://resume.test/path");
    CHECK_STR(G.application_id, "777");
    CHECK_STR(G.user_id, "888");
    CHECK_INT(F.dispatches, 1);
    CHECK_STR(F.dispatched[0], "READY");
    CHECK_INT(F.dispatched_seq[0], 1);
    CHECK(strncmp(F.last_d, "{\"v\":10,", 8) == 0);
    frame("{\"op\":0,\"s\":2,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":\"5\"}}");
    CHECK_STR(F.dispatched[1], "GUILD_CREATE");
    CHECK_STR(F.last_d, "{\"id\":\"5\"}");
    CHECK_INT(G.seq, 2);
    CHECK_INT(G.stats.dispatches, 2);
    CHECK_INT(G.stats.identifies, 1);
    CHECK_INT(G.stats.connects, 1);
}

static void test_heartbeats_jitter_ack_and_rtt(void)
{
    setup(1);
    F.random_value = 0.25;
    gws_start(&G, 0);
    open_conn();
    frame(HELLO);
    CHECK_INT(F.after[GWS_TIMER_HEARTBEAT], 10000); /* interval * jitter */
    frame(READY);
    fire(GWS_TIMER_HEARTBEAT);
    CHECK_INT(F.now, 10000);
    CHECK_STR(last_sent(), "{\"op\":1,\"d\":1}");
    CHECK_INT(F.after[GWS_TIMER_HEARTBEAT], 40000); /* then every interval */
    at(10080);
    frame("{\"op\":11}");
    CHECK(G.stats.last_rtt_ms == 80.0);
    CHECK(G.stats.avg_rtt_ms == 80.0);
    fire(GWS_TIMER_HEARTBEAT);
    at(50000 + 160);
    frame("{\"op\":11}");
    CHECK(G.stats.last_rtt_ms == 160.0);
    CHECK(G.stats.avg_rtt_ms == 90.0); /* 7/8 * 80 + 1/8 * 160 */
    CHECK_INT(G.stats.heartbeats, 2);
    CHECK_INT(G.stats.acks, 2);

    /* Jitter stays in [0, interval) at both ends of the random range, and with the built-in generator. */
    double extremes[] = { 0.0, 0.999999 };
    for (int i = 0; i < 2; i++) {
        setup(1);
        F.random_value = extremes[i];
        gws_start(&G, 0);
        open_conn();
        frame(HELLO);
        CHECK(F.after[GWS_TIMER_HEARTBEAT] < 40000);
    }
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (int i = 0; i < 200; i++) {
        setup_with(&ops_builtin_random, 1);
        gws_set_seed(&G, (uint64_t)i);
        gws_start(&G, 0);
        open_conn();
        frame(HELLO);
        uint64_t first = F.after[GWS_TIMER_HEARTBEAT];
        CHECK(first < 40000);
        if (first < lowest) lowest = first;
        if (first > highest) highest = first;
    }
    CHECK(lowest < 4000 && highest > 36000); /* spread over the interval */
}

static void test_server_heartbeat_request(void)
{
    setup(1);
    bring_up();
    int before = F.sends;
    frame("{\"op\":1,\"d\":null}");
    CHECK_INT(F.sends, before + 1);
    CHECK_STR(last_sent(), "{\"op\":1,\"d\":1}");
    frame("{\"op\":11}");
    /* The regular tick right after an unanswered requested heartbeat is no zombie yet. */
    at(F.due[GWS_TIMER_HEARTBEAT] - 10);
    frame("{\"op\":1,\"d\":null}");
    fire(GWS_TIMER_HEARTBEAT);
    CHECK_INT(G.stats.zombies, 0);
    CHECK_INT(G.state, GWS_READY);
}

static void test_zombie_closes_4000_and_resumes_on_resume_url(void)
{
    setup(1);
    bring_up();
    fire(GWS_TIMER_HEARTBEAT); /* heartbeat sent, no ACK comes */
    fire(GWS_TIMER_HEARTBEAT);
    CHECK_INT(G.stats.zombies, 1);
    CHECK_INT(last_close(), 4000);
    CHECK_INT(G.state, GWS_CLOSING);
    CHECK(strstr(F.notes, "no heartbeat ACK") != NULL);
    frame("{\"op\":0,\"s\":5,\"t\":\"MESSAGE_CREATE\",\"d\":{}}"); /* after deciding to close: unseen */
    CHECK_INT(G.seq, 1);
    at(F.now + 5);
    close_conn(4000);
    CHECK_INT(G.state, GWS_WAITING);
    CHECK(F.armed[GWS_TIMER_RECONNECT] && F.after[GWS_TIMER_RECONNECT] < 1000);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), RESUME_URL);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 6);
    CHECK(strstr(last_sent(), "\"session_id\":\"sess1\",\"seq\":1}") != NULL);
    CHECK(strstr(last_sent(), "\"token\":\"tok.en\"") != NULL);
    frame("{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{}}"); /* replayed */
    frame(RESUMED);
    CHECK_INT(G.state, GWS_READY);
    CHECK_INT(G.seq, 2);
    CHECK_INT(G.stats.identifies, 1);
    CHECK_INT(G.stats.resumes, 1);
    CHECK_INT(G.stats.reconnects, 1);
}

static void test_op7_resumes_at_once(void)
{
    setup(1);
    bring_up();
    frame("{\"op\":7,\"d\":null}");
    CHECK_INT(last_close(), 4000);
    close_conn(1000); /* whatever the server answers, the session lives on */
    CHECK(G.have_session);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 0);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), RESUME_URL);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 6);
}

static void test_op9_not_resumable_identifies_after_1_to_5_s(void)
{
    double randoms[] = { 0.0, 0.999 };
    uint64_t lo[] = { 1000, 4990 }, hi[] = { 1000, 5000 };
    for (int i = 0; i < 2; i++) {
        setup(1);
        bring_up();
        F.random_value = randoms[i];
        frame("{\"op\":9,\"d\":false}");
        CHECK(!G.have_session);
        CHECK_INT(last_close(), 4000);
        CHECK(strstr(F.notes, "identifying again after a short wait") != NULL);
        close_conn(4000);
        CHECK(F.after[GWS_TIMER_RECONNECT] >= lo[i] && F.after[GWS_TIMER_RECONNECT] <= hi[i]);
        fire(GWS_TIMER_RECONNECT);
        CHECK_STR(last_url(), MAIN_URL);
        open_conn();
        frame(HELLO);
        CHECK_INT(sent_op(last_sent()), 2);
        CHECK_INT(G.stats.identifies, 2);
        CHECK_INT(G.stats.invalid_sessions, 1);
    }
}

static void test_op9_resumable_resumes(void)
{
    setup(1);
    bring_up();
    frame("{\"op\":9,\"d\":true}");
    CHECK(G.have_session);
    close_conn(0);
    come_back_resumed();
    CHECK_STR(F.urls[1], RESUME_URL);
    CHECK_INT(G.stats.identifies, 1);
}

static void test_fatal_close_codes(void)
{
    int codes[] = { 4004, 4013, 4014, 4010, 4011, 4012 };
    int statuses[] = { 3, 3, 3, 1, 1, 1 };
    const char *mentions[] = { "Reset Token", "4013", "MESSAGE CONTENT INTENT", "PEON_SHARDS", "PEON_SHARDS", "version" };
    for (int i = 0; i < 6; i++) {
        setup(GWS_INTENT_GUILDS | GWS_INTENT_GUILD_MESSAGES | GWS_INTENT_MESSAGE_CONTENT);
        bring_up();
        close_conn(codes[i]);
        CHECK_INT(F.fatals, 1);
        CHECK_INT(F.fatal_status, statuses[i]);
        CHECK(strstr(F.fatal_message, mentions[i]) != NULL);
        CHECK_INT(G.state, GWS_STOPPED);
        for (int t = 0; t < GWS_TIMER_COUNT; t++) CHECK(!F.armed[t]);
    }
    /* Without legacy commands no privileged intent is asked for; the message says so. */
    setup(GWS_INTENT_GUILDS);
    bring_up();
    close_conn(4014);
    CHECK(strstr(F.fatal_message, "none are requested") != NULL);
    /* The shell may start shutting down from inside fatal(). */
    setup(1);
    F.shutdown_on_fatal = true;
    bring_up();
    close_conn(4004);
    CHECK_INT(G.state, GWS_STOPPED);
    CHECK_INT(F.close_count, 0);
    CHECK(!F.armed[GWS_TIMER_RECONNECT]);
}

static void test_session_ending_codes_identify_on_main_url(void)
{
    int codes[] = { 4007, 4009, 4003 };
    for (int i = 0; i < 3; i++) {
        setup(1);
        bring_up();
        close_conn(codes[i]);
        CHECK(!G.have_session);
        CHECK_INT(F.fatals, 0);
        fire(GWS_TIMER_RECONNECT);
        CHECK_STR(last_url(), MAIN_URL);
        open_conn();
        frame(HELLO);
        CHECK_INT(sent_op(last_sent()), 2);
    }
}

static void test_resumable_codes_resume(void)
{
    int codes[] = { 4000, 4001, 4002, 4005, 4006, 4008, 1000, 1001, 1006, 1011, 0 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        setup(1);
        bring_up();
        close_conn(codes[i]);
        CHECK(G.have_session);
        CHECK_INT(F.fatals, 0);
        come_back_resumed();
        CHECK_STR(last_url(), RESUME_URL);
        CHECK_INT(G.stats.identifies, 1);
    }
}

static void test_failed_resume_connect_falls_back_to_main_url(void)
{
    setup(1);
    bring_up();
    close_conn(0);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), RESUME_URL);
    close_conn(0); /* the connect failed: never opened */
    CHECK(G.have_session);
    CHECK(G.resume_url_failed);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), MAIN_URL);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 6); /* still a resume, through the main URL */
    frame(RESUMED);
    CHECK_INT(G.stats.identifies, 1);
    /* A new READY brings a fresh resume URL to try again. */
    frame("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"s2\",\"resume_gateway_url\":\"wss://r2.test\"}}");
    close_conn(1006);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), "wss://r2.test/?v=10&encoding=json&compress=zlib-stream");
}

static void test_failed_resumes_lead_to_identify(void)
{
    setup(1);
    bring_up();
    close_conn(1006);
    for (int i = 1; i <= GWS_MAX_FAILED_RESUMES; i++) {
        fire(GWS_TIMER_RECONNECT);
        open_conn();
        frame(HELLO);
        CHECK_INT(sent_op(last_sent()), 6);
        close_conn(1006); /* the resume went nowhere */
        CHECK_INT(G.stats.failed_resumes, i);
        CHECK(G.have_session == (i < GWS_MAX_FAILED_RESUMES));
    }
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), MAIN_URL);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 2);
    CHECK(strstr(F.notes, "3 resumes failed in a row") != NULL);
}

/* Failures we detect ourselves count the same: a zombie during a resume is a failed resume, and a resume
 * URL that opens but never says HELLO is given up like one that cannot be reached. */
static void test_self_detected_failures_during_resume(void)
{
    setup(1);
    bring_up();
    close_conn(1006);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), RESUME_URL);
    open_conn();
    fire(GWS_TIMER_HELLO);
    CHECK_INT(last_close(), 4000);
    close_conn(4000);
    CHECK(G.resume_url_failed);
    CHECK_INT(G.stats.failed_resumes, 0); /* no RESUME was sent */
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), MAIN_URL);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 6);
    fire(GWS_TIMER_HEARTBEAT);
    fire(GWS_TIMER_HEARTBEAT); /* no ACK, no RESUMED */
    CHECK_INT(G.stats.zombies, 1);
    close_conn(4000);
    CHECK_INT(G.stats.failed_resumes, 1);
    CHECK(G.have_session);
}

static void test_start_limit_makes_identify_wait(void)
{
    gws_identify_gate gate;
    gws_start_limit limit = { .total = 1000, .remaining = 0, .reset_after_ms = 2500, .max_concurrency = 1 };
    gws_gate_init(&gate, &limit, 0);
    setup(1);
    gws_set_identify_gate(&G, &gate);
    gws_start(&G, 0);
    CHECK_INT(F.connects, 0);
    CHECK_INT(G.state, GWS_WAITING);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 2500);
    CHECK(strstr(gws_wait_reason(&G), "session start limit") != NULL);
    CHECK(strstr(F.notes, "waiting 2.5 s before identifying (session start limit") != NULL);
    fire(GWS_TIMER_RECONNECT);
    CHECK_INT(F.connects, 1);
    CHECK_STR(gws_wait_reason(&G), "");
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 2);
    CHECK_INT(gate.remaining, 999);
    CHECK_INT(gate.reserved, 0);
    /* A resume spends nothing. */
    frame(READY);
    close_conn(1006);
    come_back_resumed();
    CHECK_INT(gate.remaining, 999);
    gws_free(&G);
    memset(&G, 0, sizeof G);
}

static void test_gate_paces_shards_and_returns_unused_tickets(void)
{
    gws_identify_gate gate;
    gws_start_limit limit = { .total = 1000, .remaining = 1000, .reset_after_ms = 0, .max_concurrency = 1 };
    gws_gate_init(&gate, &limit, 0);
    setup(1);
    gws_set_identify_gate(&G, &gate);
    /* Another shard with the same key took the slot a moment ago. */
    char reason[160];
    CHECK_INT(gws_gate_acquire(&gate, 1, 0, reason, sizeof reason), 0);
    gws_gate_spend(&gate, 1, 0);
    at(1000);
    gws_start(&G, F.now);
    CHECK_INT(G.state, GWS_WAITING);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 4000);
    CHECK(strstr(gws_wait_reason(&G), "max_concurrency") != NULL);
    fire(GWS_TIMER_RECONNECT);
    CHECK_INT(F.connects, 1);
    CHECK_INT(gate.reserved, 1);
    close_conn(0); /* the connection failed before IDENTIFY: the ticket goes back */
    CHECK_INT(gate.reserved, 0);
    CHECK_INT(gate.remaining, 999);
    gws_free(&G);
    memset(&G, 0, sizeof G);
}

static void test_legacy_identify_wait_ops(void)
{
    setup_with(&ops_legacy_wait, 1);
    F.legacy_wait = 30000;
    gws_start(&G, 0);
    CHECK_INT(F.connects, 0);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 30000);
    CHECK(strstr(F.notes, "before identifying (session start limit (legacy op))") != NULL);
    F.legacy_wait = 0;
    fire(GWS_TIMER_RECONNECT);
    open_conn();
    frame(HELLO);
    CHECK_INT(F.legacy_identified, 1);
}

static void test_outgoing_limit_keeps_room_for_heartbeats(void)
{
    setup(1);
    bring_up(); /* IDENTIFY was send 1 of this connection */
    size_t allowance = gws_send_allowance(40000);
    CHECK_INT(allowance, 120 - (2 + 1 + 2));
    char text[64];
    int sent_now = 0, queued = 0;
    for (int i = 0; i < 130; i++) {
        snprintf(text, sizeof text, "{\"op\":3,\"d\":{\"n\":%d}}", i);
        int rc = gws_send(&G, F.now, text, strlen(text));
        sent_now += rc == 0;
        queued += rc == 1;
    }
    CHECK_INT(sent_now, (int)allowance - 1);
    CHECK_INT(queued, 130 - sent_now);
    CHECK(F.armed[GWS_TIMER_SEND_QUEUE]);
    /* The queue is bounded, and bad payloads are refused. */
    while (G.queue_count < GWS_SEND_QUEUE_MAX) gws_send(&G, F.now, "{}", 2);
    CHECK_INT(gws_send(&G, F.now, "{}", 2), -1);
    CHECK_INT(gws_send(&G, F.now, "{\"op\":", 6), -1);
    char big[GWS_MAX_PAYLOAD + 16];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    CHECK_INT(gws_send(&G, F.now, big, sizeof big), -1);
    /* Heartbeats still go out with the window full. */
    int before = F.sends;
    fire(GWS_TIMER_HEARTBEAT);
    CHECK_INT(F.sends, before + 1);
    CHECK_INT(sent_op(last_sent()), 1);
    frame("{\"op\":11}");
    /* When the window moves, the queue drains in order. */
    int first_queued_index = F.sends;
    fire(GWS_TIMER_SEND_QUEUE);
    CHECK(F.sends > first_queued_index);
    snprintf(text, sizeof text, "{\"op\":3,\"d\":{\"n\":%d}}", sent_now);
    CHECK_STR(F.sent[first_queued_index], text);
}

/* Over a long run with a client that always wants to send, no 60 s window ever holds more than 120. */
static void test_outgoing_limit_holds_in_every_window(void)
{
    setup(1);
    bring_up();
    for (int step = 0; step < 3000 && F.sends < MAX_RECORDED - 10; step++) {
        at(F.now + 250);
        for (gws_timer t = 0; t < GWS_TIMER_COUNT; t++)
            if (F.armed[t] && F.due[t] <= F.now) {
                F.armed[t] = false;
                gws_on_timer(&G, F.now, t);
            }
        if (G.ack_pending) frame("{\"op\":11}");
        gws_send(&G, F.now, "{\"op\":3,\"d\":{}}", 15);
        if (step % 97 == 0) frame("{\"op\":1}"); /* the server asks for extra heartbeats too */
    }
    int recorded = F.sends < MAX_RECORDED ? F.sends : MAX_RECORDED, worst = 0;
    for (int i = 0; i < recorded; i++) {
        int in_window = 0;
        for (int j = i; j < recorded && F.sent_at[j] < F.sent_at[i] + GWS_SEND_WINDOW_MS; j++) in_window++;
        if (in_window > worst) worst = in_window;
    }
    CHECK(worst <= GWS_SEND_LIMIT);
    CHECK(worst >= 110); /* and the budget is actually used */
    CHECK_INT(G.stats.zombies, 0);
}

static void test_queued_sends_survive_a_reconnect(void)
{
    setup(1);
    gws_start(&G, 0);
    CHECK_INT(gws_send(&G, 0, "{\"op\":3,\"d\":{\"early\":1}}", 24), 1); /* not ready yet: queued */
    open_conn();
    frame(HELLO);
    frame(READY);
    CHECK_STR(last_sent(), "{\"op\":3,\"d\":{\"early\":1}}");
    close_conn(1006);
    CHECK_INT(gws_send(&G, F.now, "{\"op\":3,\"d\":{\"away\":1}}", 23), 1);
    come_back_resumed();
    CHECK_STR(last_sent(), "{\"op\":3,\"d\":{\"away\":1}}");
}

static void test_backoff_grows_caps_and_resets_when_stable(void)
{
    CHECK(gws_backoff_ms(1, 0.999) < 1000);
    CHECK_INT(gws_backoff_ms(2, 0.0), 1000);
    CHECK_INT(gws_backoff_ms(3, 0.0), 2000);
    CHECK_INT(gws_backoff_ms(4, 0.0), 4000);
    CHECK_INT(gws_backoff_ms(20, 0.0), 30000);
    CHECK(gws_backoff_ms(20, 0.999999) <= 60000);
    CHECK_INT(gws_backoff_ms(1000000, 0.5), 45000);
    setup(1);
    bring_up();
    F.random_value = 0.0;
    uint64_t last = 0;
    for (int i = 0; i < 12; i++) {
        close_conn(1006);
        CHECK(F.after[GWS_TIMER_RECONNECT] >= last);
        last = F.after[GWS_TIMER_RECONNECT];
        fire(GWS_TIMER_RECONNECT);
    }
    CHECK_INT(last, 30000);
    /* A connection that stays ready for a while resets the backoff; a short one does not. */
    open_conn();
    frame(HELLO);
    frame(RESUMED);
    at(F.now + 1000);
    close_conn(1006);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 30000);
    come_back_resumed();
    at(F.now + GWS_STABLE_MS);
    close_conn(1006);
    CHECK_INT(F.after[GWS_TIMER_RECONNECT], 0);
}

static void test_shutdown_closes_1000_and_stays_down(void)
{
    setup(1);
    bring_up();
    gws_shutdown(&G, F.now);
    CHECK_INT(last_close(), 1000);
    CHECK_INT(G.state, GWS_CLOSING);
    CHECK_INT(gws_send(&G, F.now, "{}", 2), -1);
    close_conn(1000);
    CHECK_INT(G.state, GWS_STOPPED);
    for (int t = 0; t < GWS_TIMER_COUNT; t++) CHECK(!F.armed[t]);
    /* While waiting to reconnect there is nothing to close: stopped at once. */
    setup(1);
    bring_up();
    close_conn(1006);
    CHECK(F.armed[GWS_TIMER_RECONNECT]);
    gws_shutdown(&G, F.now);
    CHECK_INT(G.state, GWS_STOPPED);
    CHECK(!F.armed[GWS_TIMER_RECONNECT]);
    CHECK_INT(F.close_count, 0);
    /* A shutdown during a zombie close still ends in STOPPED with no reconnect. */
    setup(1);
    bring_up();
    frame("{\"op\":7}");
    gws_shutdown(&G, F.now);
    CHECK_INT(last_close(), 1000);
    close_conn(4000);
    CHECK_INT(G.state, GWS_STOPPED);
    CHECK(!F.armed[GWS_TIMER_RECONNECT]);
}

static void test_one_identify_across_resumable_faults(void)
{
    setup(1);
    bring_up();
    for (int round = 0; round < 6; round++) {
        switch (round % 6) {
        case 0: close_conn(0); break;
        case 1: frame("{\"op\":7,\"d\":null}"); close_conn(4000); break;
        case 2: close_conn(4000); break;
        case 3: close_conn(1001); break;
        case 4: fire(GWS_TIMER_HEARTBEAT); fire(GWS_TIMER_HEARTBEAT); close_conn(4000); break; /* zombie */
        case 5: gws_on_corrupt(&G, F.now); CHECK_INT(last_close(), 4000); close_conn(0); break;
        }
        come_back_resumed();
        char event[80];
        snprintf(event, sizeof event, "{\"op\":0,\"s\":%d,\"t\":\"X\",\"d\":{}}", round + 10);
        frame(event);
    }
    CHECK_INT(G.stats.identifies, 1);
    CHECK_INT(G.stats.resumes, 6);
    CHECK_INT(G.stats.zombies, 1);
    CHECK_INT(G.seq, 15);
}

static void test_hello_timeout_and_bad_hello(void)
{
    setup(1);
    gws_start(&G, 0);
    open_conn();
    fire(GWS_TIMER_HELLO);
    CHECK_INT(last_close(), 4000);
    close_conn(4000);
    CHECK_INT(G.state, GWS_WAITING);
    fire(GWS_TIMER_RECONNECT);
    open_conn();
    frame("{\"op\":10,\"d\":{\"heartbeat_interval\":5}}");
    CHECK_INT(last_close(), 4000);
    CHECK_INT(G.stats.identifies, 0);
}

static void test_odd_frames(void)
{
    setup(1);
    bring_up();
    const char *garbage[] = { "", "{", "not json", "{\"op\":\"x\"}", "[1,2]", "{\"op\":0,\"t\":5,\"d\":{}}",
                              "{\"op\":0,\"s\":3,\"t\":\"CUT\",\"d\":{\"a\":[1,2}}", "{\"op\":99}", "{\"op\":1.5}",
                              HELLO /* a second HELLO */, "{\"op\":11}{\"op\":" };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) frame(garbage[i]);
    CHECK_INT(F.fatals, 0);
    CHECK_INT(G.state, GWS_READY);
    CHECK_INT(G.seq, 1); /* the truncated dispatch taught nothing */
    CHECK_INT(F.dispatches, 1);
    CHECK_INT(G.stats.identifies, 1);
    /* Several payloads in one message are all handled, in order. */
    frame("{\"op\":0,\"s\":2,\"t\":\"A\",\"d\":{}} {\"op\":0,\"s\":3,\"t\":\"B\",\"d\":null}\n");
    CHECK_INT(F.dispatches, 3);
    CHECK_STR(F.dispatched[2], "B");
    CHECK_STR(F.last_d, "null");
    CHECK_INT(G.seq, 3);
    /* Escaped keys are the same keys. */
    frame("{\"\\u006fp\":0,\"s\":4,\"t\":\"C\",\"d\":{}}");
    CHECK_STR(F.dispatched[3], "C");
    /* Stale timers and events for no connection change nothing. */
    gws_on_timer(&G, F.now, GWS_TIMER_RECONNECT);
    gws_on_timer(&G, F.now, (gws_timer)99);
    gws_on_open(&G, F.now);
    CHECK_INT(G.state, GWS_READY);
    /* A timer that fires early is re-armed for the rest. */
    uint64_t due = F.due[GWS_TIMER_HEARTBEAT];
    int before = F.sends;
    gws_on_timer(&G, due - 100, GWS_TIMER_HEARTBEAT);
    CHECK_INT(F.sends, before);
    CHECK_INT(F.after[GWS_TIMER_HEARTBEAT], 100);
}

static void test_payload_escaping_and_limits(void)
{
    gws_free(&G);
    reset_fake();
    CHECK_INT(gws_init(&G, &ops_with_random, &F, "a\"b\\c\n", 1, 3, 4), 0);
    gws_set_gateway_url(&G, "ws://127.0.0.1:9/gw?old=1");
    gws_start(&G, 0);
    CHECK_STR(last_url(), "ws://127.0.0.1:9/gw?v=10&encoding=json&compress=zlib-stream");
    open_conn();
    frame(HELLO);
    const char *identify = last_sent();
    CHECK(json_valid(identify, strlen(identify)));
    json_span d, v;
    char token[32];
    CHECK(json_get(identify, strlen(identify), "d", &d) && json_get_in(&d, "token", &v));
    CHECK(json_string(&v, token, sizeof token));
    CHECK_STR(token, "a\"b\\c\n");
    CHECK(strstr(identify, "\"shard\":[3,4]") != NULL);

    char long_token[GWS_TOKEN_MAX + 1];
    memset(long_token, 'x', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    gws other;
    CHECK_INT(gws_init(&other, &ops_with_random, &F, long_token, 1, 0, 1), -1);
    CHECK_INT(gws_init(&other, &ops_with_random, &F, "", 1, 0, 1), -1);
    CHECK_INT(gws_init(&other, &ops_with_random, &F, "t", 1, 2, 2), -1);
    long_token[GWS_TOKEN_MAX - 1] = '\0';
    memset(long_token, '"', GWS_TOKEN_MAX - 1); /* escapes double it: still well under 4096 */
    CHECK_INT(gws_init(&other, &ops_with_random, &F, long_token, 1, 0, 1), 0);
    gws_free(&other);
    CHECK_INT(gws_set_gateway_url(&G, "https://not.a.gateway"), -1);

    /* A READY whose resume URL is not a websocket URL: resume through the main one. */
    setup(1);
    gws_start(&G, 0);
    open_conn();
    frame(HELLO);
    frame("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"s\",\"resume_gateway_url\":\"http://evil\"}}");
    close_conn(1006);
    fire(GWS_TIMER_RECONNECT);
    CHECK_STR(last_url(), MAIN_URL);
}

/* The presence: carried by IDENTIFY, sent as op 3 when ready and changed, skipped when unchanged, sent
 * after a RESUME when it changed while away, and cut at a UTF-8 boundary. */
static void test_presence(void)
{
    setup(1);
    CHECK_INT(gws_set_presence(&G, 0, "1/2 servers running"), 0); /* before any connection: kept */
    CHECK_INT(F.sends, 0);
    bring_up();
    const char *identify = F.sent[0];
    json_span d, presence, v;
    char text[256];
    CHECK_INT(sent_op(identify), 2);
    CHECK(json_get(identify, strlen(identify), "d", &d) && json_get_in(&d, "presence", &presence));
    CHECK(json_get_in(&presence, "status", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "online");
    CHECK(strstr(identify, "\"activities\":[{\"name\":\"Custom Status\",\"type\":4,\"state\":\"1/2 servers running\"}]"));
    int before = F.sends;
    CHECK_INT(gws_set_presence(&G, F.now, "1/2 servers running"), 1); /* unchanged: nothing sent */
    CHECK_INT(F.sends, before);
    CHECK_INT(gws_set_presence(&G, F.now, "2/2 \"servers\" running"), 0);
    CHECK_INT(F.sends, before + 1);
    CHECK_INT(sent_op(last_sent()), 3);
    CHECK(json_valid(last_sent(), strlen(last_sent())));
    CHECK(strstr(last_sent(), "\"state\":\"2/2 \\\"servers\\\" running\""));
    CHECK(strstr(last_sent(), "\"since\":null") && strstr(last_sent(), "\"afk\":false"));
    /* Changed while disconnected: the RESUME does not carry a presence, so op 3 follows RESUMED. */
    at(F.now + GWS_PRESENCE_MIN_INTERVAL_MS);
    close_conn(1006);
    CHECK_INT(gws_set_presence(&G, F.now, "0/2 servers running"), 0);
    come_back_resumed();
    CHECK_INT(sent_op(last_sent()), 3);
    CHECK(strstr(last_sent(), "0/2 servers running"));
    /* Unchanged across a resume: nothing extra. */
    close_conn(1006);
    come_back_resumed();
    CHECK_INT(sent_op(last_sent()), 6);
    /* A new session identifies with it and sends no separate op 3. */
    frame("{\"op\":9,\"d\":false}");
    close_conn(4000);
    fire(GWS_TIMER_RECONNECT);
    open_conn();
    frame(HELLO);
    CHECK_INT(sent_op(last_sent()), 2);
    CHECK(strstr(last_sent(), "0/2 servers running"));
    before = F.sends;
    frame(READY);
    CHECK_INT(F.sends, before);
    /* "" clears the activity; long text is cut without splitting a character. */
    at(F.now + GWS_PRESENCE_MIN_INTERVAL_MS);
    CHECK_INT(gws_set_presence(&G, F.now, ""), 0);
    CHECK(strstr(last_sent(), "\"activities\":[]"));
    char longer[300] = "";
    for (int i = 0; i < 60; i++) strcat(longer, "\xc3\xa4"); /* 120 bytes of two-byte characters */
    strcat(longer, "abcdefg\xe2\x82\xac"); /* 127 bytes, then a 3-byte euro sign crossing 128 */
    at(F.now + GWS_PRESENCE_MIN_INTERVAL_MS);
    CHECK_INT(gws_set_presence(&G, F.now, longer), 0);
    CHECK_INT((int)strlen(G.presence_text), 127);
    CHECK(json_valid(last_sent(), strlen(last_sent())));
    char object[512];
    CHECK(gws_presence_json("x", object, sizeof object) > 0);
    CHECK_STR(object, "{\"since\":null,\"activities\":[{\"name\":\"Custom Status\",\"type\":4,\"state\":\"x\"}],"
                      "\"status\":\"online\",\"afk\":false}");
    CHECK_INT(gws_presence_json("x", object, 10), 0);
}

/* A status that changes with every start and stop: one op 3 per GWS_PRESENCE_MIN_INTERVAL_MS at most, the
 * latest text wins, nothing is queued or refused, and the send budget is not touched by the changes between. */
static void test_presence_coalesces(void)
{
    setup(1);
    bring_up();
    int before = F.sends;
    CHECK_INT(gws_set_presence(&G, F.now, "1/3 servers running"), 0);
    CHECK_INT(F.sends, before + 1); /* the first goes at once */
    char text[64];
    for (int i = 0; i <= 500; i++) { /* far more than the 120-per-minute limit */
        snprintf(text, sizeof text, "%d/3 servers running", i % 3);
        at(F.now + 1);
        CHECK_INT(gws_set_presence(&G, F.now, text), 0);
    }
    CHECK_INT(F.sends, before + 1);
    CHECK_INT(G.queue_count, 0);
    CHECK(F.armed[GWS_TIMER_PRESENCE]);
    fire(GWS_TIMER_PRESENCE);
    CHECK_INT(F.sends, before + 2);
    CHECK_INT(sent_op(last_sent()), 3);
    CHECK(strstr(last_sent(), "\"state\":\"2/3 servers running\"")); /* i = 500: the latest */
    /* Unchanged since: the timer does not fire again, nothing more goes out. */
    CHECK(!F.armed[GWS_TIMER_PRESENCE]);
    /* A change pending at a disconnect is not lost: it follows RESUMED (the interval has passed). */
    at(F.now + 1);
    CHECK_INT(gws_set_presence(&G, F.now, "3/3 servers running"), 0);
    CHECK(F.armed[GWS_TIMER_PRESENCE]);
    at(F.now + GWS_PRESENCE_MIN_INTERVAL_MS);
    close_conn(1006);
    CHECK(!F.armed[GWS_TIMER_PRESENCE]);
    come_back_resumed();
    CHECK_INT(sent_op(last_sent()), 3);
    CHECK(strstr(last_sent(), "3/3 servers running"));
    /* A full send budget: the presence waits for the window, behind the queued payloads. */
    at(F.now + GWS_PRESENCE_MIN_INTERVAL_MS);
    while (G.queue_count == 0) gws_send(&G, F.now, "{\"op\":8,\"d\":{}}", 15);
    int sent_before = F.sends;
    CHECK_INT(gws_set_presence(&G, F.now, "0/3 servers running"), 0);
    CHECK_INT(F.sends, sent_before);
    CHECK(F.armed[GWS_TIMER_PRESENCE]);
}

int main(void)
{
    RUN_TEST(test_identify_then_ready);
    RUN_TEST(test_heartbeats_jitter_ack_and_rtt);
    RUN_TEST(test_server_heartbeat_request);
    RUN_TEST(test_zombie_closes_4000_and_resumes_on_resume_url);
    RUN_TEST(test_op7_resumes_at_once);
    RUN_TEST(test_op9_not_resumable_identifies_after_1_to_5_s);
    RUN_TEST(test_op9_resumable_resumes);
    RUN_TEST(test_fatal_close_codes);
    RUN_TEST(test_session_ending_codes_identify_on_main_url);
    RUN_TEST(test_resumable_codes_resume);
    RUN_TEST(test_failed_resume_connect_falls_back_to_main_url);
    RUN_TEST(test_failed_resumes_lead_to_identify);
    RUN_TEST(test_self_detected_failures_during_resume);
    RUN_TEST(test_start_limit_makes_identify_wait);
    RUN_TEST(test_gate_paces_shards_and_returns_unused_tickets);
    RUN_TEST(test_legacy_identify_wait_ops);
    RUN_TEST(test_outgoing_limit_keeps_room_for_heartbeats);
    RUN_TEST(test_outgoing_limit_holds_in_every_window);
    RUN_TEST(test_queued_sends_survive_a_reconnect);
    RUN_TEST(test_backoff_grows_caps_and_resets_when_stable);
    RUN_TEST(test_shutdown_closes_1000_and_stays_down);
    RUN_TEST(test_one_identify_across_resumable_faults);
    RUN_TEST(test_hello_timeout_and_bad_hello);
    RUN_TEST(test_odd_frames);
    RUN_TEST(test_payload_escaping_and_limits);
    RUN_TEST(test_presence);
    RUN_TEST(test_presence_coalesces);
    gws_free(&G);
    reset_fake();
    return CHECK_DONE();
}
