/* Bugs the fuzzers (tests/fuzz, tools/fuzz.sh) found, each reduced to the input that showed it.
 * docs/hardening.md lists them. */
#include <stdlib.h>

#include "check.h"
#include "gateway_session.h"
#include "tz.h"

/* ---- gateway: READY/RESUMED out of turn (fuzz_gateway: "ready with no heartbeat timer") ---- */

typedef struct shell {
    int connects, sends, dispatches;
    char last_sent[GWS_MAX_PAYLOAD + 1];
    char last_dispatch[64];
    bool armed[GWS_TIMER_COUNT];
} shell;

static void s_connect(void *ud, const char *url) { (void)url; ((shell *)ud)->connects++; }
static void s_send(void *ud, const char *text, size_t len)
{
    shell *s = ud;
    s->sends++;
    snprintf(s->last_sent, sizeof s->last_sent, "%.*s", (int)len, text);
}
static void s_close(void *ud, int code) { (void)ud; (void)code; }
static void s_set_timer(void *ud, gws_timer t, uint64_t ms) { (void)ms; ((shell *)ud)->armed[t] = true; }
static void s_cancel_timer(void *ud, gws_timer t) { ((shell *)ud)->armed[t] = false; }
static void s_dispatch(void *ud, const char *name, int64_t seq, const char *d, size_t n)
{
    (void)seq;
    (void)d;
    (void)n;
    shell *s = ud;
    s->dispatches++;
    snprintf(s->last_dispatch, sizeof s->last_dispatch, "%s", name);
}
static void s_fatal(void *ud, int status, const char *message) { (void)ud; (void)status; (void)message; }
static double s_random(void *ud) { (void)ud; return 0.5; }

static const gws_ops shell_ops = { s_connect, s_send, s_close, s_set_timer, s_cancel_timer, s_dispatch, s_fatal,
                                   NULL, NULL, s_random };

#define HELLO "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}"
#define READY "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"s1\",\"resume_gateway_url\":\"wss://r.test\"}}"
#define RESUMED "{\"op\":0,\"s\":null,\"t\":\"RESUMED\",\"d\":{}}"

static void text(gws *g, const char *payload) { gws_on_text(g, 0, payload, strlen(payload)); }

/* A READY (or RESUMED) before HELLO made the connection "ready" without any heartbeat: no zombie check
 * would ever run, and the real HELLO was then ignored as a second one. */
static void test_gateway_ready_before_hello_is_ignored(void)
{
    shell s = { 0 };
    gws g;
    CHECK_INT(gws_init(&g, &shell_ops, &s, "tok.en", 1, 0, 1), 0);
    CHECK_INT(gws_set_gateway_url(&g, "wss://gateway.test"), 0);
    gws_start(&g, 0);
    gws_on_open(&g, 0);
    text(&g, READY);
    CHECK_INT(g.state, GWS_HELLO);
    CHECK_INT(s.dispatches, 0);
    CHECK_INT(s.sends, 0);
    text(&g, RESUMED);
    CHECK_INT(g.state, GWS_HELLO);
    text(&g, HELLO); /* the real HELLO still counts */
    CHECK_INT(g.state, GWS_IDENTIFYING);
    CHECK(s.armed[GWS_TIMER_HEARTBEAT]);
    CHECK(strstr(s.last_sent, "\"op\":2") != NULL);
    text(&g, READY);
    CHECK_INT(g.state, GWS_READY);
    CHECK_STR(s.last_dispatch, "READY");
    CHECK(s.armed[GWS_TIMER_HEARTBEAT]);
    CHECK_INT(s.dispatches, 1);
    gws_free(&g);
}

/* ---- tz: a rule whose DST end falls after the next year's start (fuzz_tz: "reported as skipped") ---- */

/* "EST5EDT,0/1,J365/27": DST from Jan 1 01:00 EST to Dec 31 27:00 EDT, i.e. past the next DST start. The
 * changes around New Year 2025 are: EDT from 2024-01-01 06:00 UTC, EST from 2024-01-01 07:00 UTC (the 2023
 * end), EDT from 2025-01-01 06:00 UTC, EST from 07:00 UTC. The lookup looked only one year back from the
 * local date, so in the first local hours of 2025 it missed the 2023 end and said EDT, and the wall time
 * of 05:00 UTC converted back as "skipped". */
static void test_tz_rule_end_after_next_start(void)
{
    char err[256];
    tz_zone *z = tz_from_posix("EST5EDT,0/1,J365/27", err, sizeof err);
    CHECK(z != NULL);
    if (z == NULL) return;
    const int64_t new_year = 1735689600; /* 2025-01-01 00:00 UTC */
    CHECK_INT(tz_offset_at(z, new_year + 4 * 3600 + 3599, NULL), -5 * 3600);
    CHECK_INT(tz_offset_at(z, new_year + 5 * 3600, NULL), -5 * 3600); /* was -4 h */
    CHECK_INT(tz_offset_at(z, new_year + 6 * 3600 - 1, NULL), -5 * 3600);
    CHECK_INT(tz_offset_at(z, new_year + 6 * 3600, NULL), -4 * 3600);
    CHECK_INT(tz_offset_at(z, new_year + 7 * 3600 - 1, NULL), -4 * 3600);
    CHECK_INT(tz_offset_at(z, new_year + 7 * 3600, NULL), -5 * 3600);
    /* Every instant of those hours reads as a wall time that converts back to it. */
    for (int64_t t = new_year + 3 * 3600; t <= new_year + 8 * 3600; t += 900) {
        civil_time c;
        tz_utc_to_local(z, t, &c, NULL);
        tz_local_kind kind;
        int64_t later;
        int64_t u = tz_local_to_utc(z, &c, &kind, &later);
        CHECK(kind != TZ_LOCAL_GAP);
        CHECK(u == t || later == t);
    }
    tz_free(z);
}

int main(void)
{
    RUN_TEST(test_gateway_ready_before_hello_is_ignored);
    RUN_TEST(test_tz_rule_end_after_next_start);
    return CHECK_DONE();
}
