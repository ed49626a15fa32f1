/* The gateway session state machine, driven by scripted frames and a fake clock. */
#include <stdlib.h>

#include "check.h"
#include "gateway_session.h"

typedef struct fake {
    char connected[8][600];
    int connects;
    char sent[64][1300];
    int sends;
    int closes[16];
    int close_count;
    int64_t timers[GWS_TIMER_COUNT]; /* -1 = not armed */
    char dispatched[32][32];
    int dispatches;
    int fatal_status;
    char fatal_message[400];
    uint64_t identify_wait;
    int identified;
    double random_value;
} fake;

static void f_connect(void *ud, const char *url) { fake *f = ud; snprintf(f->connected[f->connects++ % 8], 600, "%s", url); }
static void f_send(void *ud, const char *t, size_t n) { fake *f = ud; snprintf(f->sent[f->sends++ % 64], 1300, "%.*s", (int)n, t); }
static void f_close(void *ud, int code) { fake *f = ud; f->closes[f->close_count++ % 16] = code; }
static void f_set_timer(void *ud, gws_timer t, uint64_t ms) { ((fake *)ud)->timers[t] = (int64_t)ms; }
static void f_cancel_timer(void *ud, gws_timer t) { ((fake *)ud)->timers[t] = -1; }
static void f_dispatch(void *ud, const char *name, int64_t seq, const char *d, size_t n)
{
    (void)seq; (void)d; (void)n;
    fake *f = ud;
    snprintf(f->dispatched[f->dispatches++ % 32], 32, "%s", name);
}
static void f_fatal(void *ud, int status, const char *msg) { fake *f = ud; f->fatal_status = status; snprintf(f->fatal_message, 400, "%s", msg); }
static uint64_t f_identify_wait(void *ud, const char **reason) { *reason = "test"; return ((fake *)ud)->identify_wait; }
static void f_identified(void *ud) { ((fake *)ud)->identified++; }
static double f_random(void *ud) { return ((fake *)ud)->random_value; }

static const gws_ops ops = { f_connect, f_send, f_close, f_set_timer, f_cancel_timer, f_dispatch, f_fatal,
                             f_identify_wait, f_identified, f_random };

static fake F;
static gws G;

static void setup(int intents)
{
    memset(&F, 0, sizeof F);
    for (int i = 0; i < GWS_TIMER_COUNT; i++) F.timers[i] = -1;
    F.random_value = 0.5;
    gws_init(&G, &ops, &F, "tok.en", intents, 0, 1);
    gws_set_gateway_url(&G, "wss://gateway.test");
}

static void frame(uint64_t now, const char *text) { gws_on_text(&G, now, text, strlen(text)); }

#define HELLO "{\"op\":10,\"d\":{\"heartbeat_interval\":40000}}"
#define READY "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"sess1\",\"resume_gateway_url\":\"wss://resume.test\"," \
              "\"application\":{\"id\":\"777\"},\"user\":{\"id\":\"888\"}}}"

/* Connects, says hello and becomes ready. */
static void bring_up(void)
{
    gws_start(&G, 0);
    gws_on_open(&G, 10);
    frame(20, HELLO);
    frame(30, READY);
}

static void test_identify_ready_and_first_heartbeat(void)
{
    setup(GWS_INTENT_GUILDS);
    gws_start(&G, 0);
    CHECK_STR(F.connected[0], "wss://gateway.test/?v=10&encoding=json&compress=zlib-stream");
    gws_on_open(&G, 10);
    F.random_value = 0.25;
    frame(20, HELLO);
    CHECK_INT(F.timers[GWS_TIMER_HEARTBEAT], 10000); /* interval * jitter */
    CHECK(strstr(F.sent[0], "\"op\":2") != NULL);
    CHECK(strstr(F.sent[0], "\"token\":\"tok.en\"") != NULL);
    CHECK(strstr(F.sent[0], "\"intents\":1") != NULL && strstr(F.sent[0], "\"shard\":[0,1]") != NULL);
    CHECK(strstr(F.sent[0], "compress") == NULL);
    CHECK_INT(F.identified, 1);
    frame(30, READY);
    CHECK_INT(G.state, GWS_READY);
    CHECK_STR(G.session_id, "sess1");
    CHECK_STR(G.resume_url, "wss://resume.test");
    CHECK_STR(G.application_id, "777");
    CHECK_STR(F.dispatched[0], "READY");
    gws_on_timer(&G, 10020, GWS_TIMER_HEARTBEAT);
    CHECK_STR(F.sent[1], "{\"op\":1,\"d\":1}");
    CHECK_INT(F.timers[GWS_TIMER_HEARTBEAT], 40000);
    frame(10070, "{\"op\":11}");
    CHECK(G.stats.last_rtt_ms == 50.0);
}

static void test_zombie_closes_4000_and_resumes_on_resume_url(void)
{
    setup(1);
    bring_up();
    gws_on_timer(&G, 1000, GWS_TIMER_HEARTBEAT); /* heartbeat sent, no ACK comes */
    gws_on_timer(&G, 41000, GWS_TIMER_HEARTBEAT);
    CHECK_INT(G.stats.zombies, 1);
    CHECK_INT(F.closes[0], 4000);
    gws_on_close(&G, 41010, 0, "");
    CHECK(F.timers[GWS_TIMER_RECONNECT] >= 0 && F.timers[GWS_TIMER_RECONNECT] < 1000);
    gws_on_timer(&G, 42000, GWS_TIMER_RECONNECT);
    CHECK_STR(F.connected[1], "wss://resume.test/?v=10&encoding=json&compress=zlib-stream");
    gws_on_open(&G, 42010);
    frame(42020, HELLO);
    CHECK(strstr(F.sent[F.sends - 1], "\"op\":6") != NULL);
    CHECK(strstr(F.sent[F.sends - 1], "\"session_id\":\"sess1\",\"seq\":1") != NULL);
    frame(42030, "{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}");
    CHECK_INT(G.state, GWS_READY);
    CHECK_INT(G.stats.identifies, 1);
    CHECK_INT(G.stats.resumes, 1);
}

static void test_op7_and_op9(void)
{
    setup(1);
    bring_up();
    frame(100, "{\"op\":7,\"d\":null}");
    CHECK_INT(F.closes[0], 4000);
    gws_on_close(&G, 110, 4000, "");
    CHECK(G.have_session);

    setup(1);
    bring_up();
    frame(100, "{\"op\":9,\"d\":true}");
    gws_on_close(&G, 110, 4000, "");
    CHECK(G.have_session);

    setup(1);
    bring_up();
    F.random_value = 0.0;
    frame(100, "{\"op\":9,\"d\":false}");
    CHECK(!G.have_session);
    gws_on_close(&G, 110, 1000, "");
    CHECK_INT(F.timers[GWS_TIMER_RECONNECT], 1000); /* waits 1-5 s */
    setup(1);
    bring_up();
    F.random_value = 0.999;
    frame(100, "{\"op\":9,\"d\":false}");
    gws_on_close(&G, 110, 1000, "");
    CHECK(F.timers[GWS_TIMER_RECONNECT] >= 4990 && F.timers[GWS_TIMER_RECONNECT] <= 5000);
    gws_on_timer(&G, 5200, GWS_TIMER_RECONNECT);
    CHECK_STR(F.connected[1], "wss://gateway.test/?v=10&encoding=json&compress=zlib-stream"); /* main URL */
    gws_on_open(&G, 5210);
    frame(5220, HELLO);
    CHECK(strstr(F.sent[F.sends - 1], "\"op\":2") != NULL);
    CHECK_INT(G.stats.identifies, 2);
}

static void test_fatal_close_codes(void)
{
    int codes[] = { 4004, 4013, 4014, 4010, 4011, 4012 };
    int statuses[] = { 3, 3, 3, 1, 1, 1 };
    for (int i = 0; i < 6; i++) {
        setup(GWS_INTENT_GUILDS | GWS_INTENT_GUILD_MESSAGES | GWS_INTENT_MESSAGE_CONTENT);
        bring_up();
        gws_on_close(&G, 100, codes[i], "");
        CHECK_INT(F.fatal_status, statuses[i]);
        CHECK_INT(G.state, GWS_STOPPED);
        CHECK_INT(F.timers[GWS_TIMER_RECONNECT], -1);
    }
    setup(GWS_INTENT_GUILDS | GWS_INTENT_MESSAGE_CONTENT);
    bring_up();
    gws_on_close(&G, 100, 4014, "");
    CHECK(strstr(F.fatal_message, "MESSAGE CONTENT") != NULL);
    setup(1);
    bring_up();
    gws_on_close(&G, 100, 4004, "");
    CHECK(strstr(F.fatal_message, "token") != NULL);
}

static void test_session_ending_codes_identify_again(void)
{
    int codes[] = { 4007, 4009, 4003 };
    for (int i = 0; i < 3; i++) {
        setup(1);
        bring_up();
        gws_on_close(&G, 100, codes[i], "");
        CHECK(!G.have_session);
        CHECK_INT(F.fatal_status, 0);
    }
    int resumable[] = { 4000, 4001, 4002, 4005, 4008, 1000, 1001, 1006, 0 };
    for (int i = 0; i < 9; i++) {
        setup(1);
        bring_up();
        gws_on_close(&G, 100, resumable[i], "");
        CHECK(G.have_session);
    }
}

static void test_failed_resume_connect_falls_back_then_identifies(void)
{
    setup(1);
    bring_up();
    gws_on_close(&G, 100, 0, "");
    gws_on_timer(&G, 200, GWS_TIMER_RECONNECT);
    CHECK(strstr(F.connected[1], "resume.test") != NULL);
    gws_on_close(&G, 300, 0, "connect failed"); /* never opened */
    gws_on_timer(&G, 2300, GWS_TIMER_RECONNECT);
    CHECK(strstr(F.connected[2], "gateway.test") != NULL); /* fell back to the main URL */
    CHECK(G.have_session);
    gws_on_close(&G, 2400, 0, "connect failed");
    gws_on_timer(&G, 6400, GWS_TIMER_RECONNECT);
    gws_on_close(&G, 6500, 0, "connect failed"); /* third failed resume */
    CHECK(!G.have_session);
    gws_on_timer(&G, 20000, GWS_TIMER_RECONNECT);
    gws_on_open(&G, 20010);
    frame(20020, HELLO);
    CHECK(strstr(F.sent[F.sends - 1], "\"op\":2") != NULL);
}

static void test_identify_waits_for_the_start_budget(void)
{
    setup(1);
    F.identify_wait = 30000;
    gws_start(&G, 0);
    CHECK_INT(F.connects, 0);
    CHECK_INT(G.state, GWS_WAITING);
    CHECK_INT(F.timers[GWS_TIMER_RECONNECT], 30000);
    F.identify_wait = 0;
    gws_on_timer(&G, 30000, GWS_TIMER_RECONNECT);
    CHECK_INT(F.connects, 1);
}

static void test_backoff_grows_and_caps(void)
{
    CHECK(gws_backoff_ms(1, 0.999) < 1000);
    CHECK_INT(gws_backoff_ms(2, 0.0), 1000);
    CHECK_INT(gws_backoff_ms(3, 0.0), 2000);
    CHECK_INT(gws_backoff_ms(20, 0.999999), 59999);
    setup(1);
    bring_up();
    F.random_value = 0.0;
    uint64_t last = 0;
    for (int i = 0; i < 12; i++) {
        gws_on_close(&G, 100, 1006, "");
        CHECK((uint64_t)F.timers[GWS_TIMER_RECONNECT] >= last);
        last = (uint64_t)F.timers[GWS_TIMER_RECONNECT];
        gws_on_timer(&G, 200, GWS_TIMER_RECONNECT);
    }
    CHECK_INT(last, 30000); /* capped at 60 s with jitter 0.5-1.0 */
}

static void test_send_budget_keeps_room_for_heartbeats(void)
{
    setup(1);
    bring_up();
    int accepted_now = 0;
    for (int i = 0; i < 130; i++) {
        int before = F.sends;
        CHECK_INT(gws_send(&G, 1000, "{\"op\":3,\"d\":{}}", 15), 0);
        accepted_now += F.sends > before;
    }
    /* 120 per minute, minus the heartbeats a minute needs plus three, minus the IDENTIFY already sent */
    CHECK_INT(accepted_now, 120 - (60000 / 40000 + 3) - 1);
    CHECK_INT(G.queue_count, 130 - accepted_now);
    for (int i = 0; i < GWS_SEND_QUEUE_MAX; i++) gws_send(&G, 1000, "{\"op\":3,\"d\":{}}", 15);
    CHECK_INT(gws_send(&G, 1000, "{\"op\":3,\"d\":{}}", 15), -1); /* the queue is bounded */
    int before = F.sends;
    gws_on_timer(&G, 1000, GWS_TIMER_HEARTBEAT); /* a heartbeat still goes out */
    CHECK_INT(F.sends, before + 1);
    gws_on_timer(&G, 61001, GWS_TIMER_SEND_QUEUE); /* the window moved: the queue drains */
    CHECK_INT(G.queue_count, 0);
}

static void test_shutdown_closes_1000_without_reconnect(void)
{
    setup(1);
    bring_up();
    gws_shutdown(&G, 100);
    CHECK_INT(F.closes[0], 1000);
    gws_on_close(&G, 110, 1000, "");
    CHECK_INT(G.state, GWS_STOPPED);
    CHECK_INT(F.timers[GWS_TIMER_RECONNECT], -1);
}

static void test_one_identify_across_resumable_faults(void)
{
    setup(1);
    bring_up();
    for (int round = 0; round < 5; round++) {
        gws_on_close(&G, 1000 + round, round % 2 ? 1006 : 4000, "");
        gws_on_timer(&G, 2000, GWS_TIMER_RECONNECT);
        gws_on_open(&G, 2010);
        frame(2020, HELLO);
        frame(2030, "{\"op\":0,\"s\":9,\"t\":\"RESUMED\",\"d\":{}}");
    }
    CHECK_INT(G.stats.identifies, 1);
    CHECK_INT(G.stats.resumes, 5);
    CHECK_INT(G.seq, 9);
}

static void test_garbage_frames_are_ignored(void)
{
    setup(1);
    bring_up();
    const char *garbage[] = { "", "{", "not json", "{\"op\":\"x\"}", "{\"op\":10,\"d\":{}}" };
    for (int i = 0; i < 5; i++) frame(100, garbage[i]);
    CHECK_INT(F.fatal_status, 0);
    CHECK(G.have_session);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    RUN_TEST(test_identify_ready_and_first_heartbeat);
    RUN_TEST(test_zombie_closes_4000_and_resumes_on_resume_url);
    RUN_TEST(test_op7_and_op9);
    RUN_TEST(test_fatal_close_codes);
    RUN_TEST(test_session_ending_codes_identify_again);
    RUN_TEST(test_failed_resume_connect_falls_back_then_identifies);
    RUN_TEST(test_identify_waits_for_the_start_budget);
    RUN_TEST(test_backoff_grows_and_caps);
    RUN_TEST(test_send_budget_keeps_room_for_heartbeats);
    RUN_TEST(test_shutdown_closes_1000_without_reconnect);
    RUN_TEST(test_one_identify_across_resumable_faults);
    RUN_TEST(test_garbage_frames_are_ignored);
    gws_free(&G);
    return CHECK_DONE();
}
