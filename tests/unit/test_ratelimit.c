/* The REST rate limiter driven with a fake clock: route keys, buckets, the global limit, 429s of every
 * scope, the invalid-request guard, bad tokens, cancellation, hash discovery and merging, deadlines,
 * garbage collection, hostile headers, allocation failures, and a randomized run against invariants. */
#include <stdlib.h>

#include "check.h"
#include "ratelimit.h"

#define T0 100000ull            /* fake monotonic clock start: not 0, so "0 = unset" bugs show */
#define NO_RESET UINT64_MAX
#define DRAIN_MAX 512

/* ---- helpers ---- */

typedef struct drained {
    size_t sent_n, failed_n;
    uint64_t sent[DRAIN_MAX], failed[DRAIN_MAX];
    rl_failure failures[DRAIN_MAX];
} drained;

static void drain(rl_limiter *rl, uint64_t now, drained *d)
{
    memset(d, 0, sizeof *d);
    rl_ticket t;
    for (int guard = 0; guard < 100000 && rl_next_ready(rl, now, &t); guard++) {
        if (t.action == RL_SEND) {
            if (d->sent_n < DRAIN_MAX) d->sent[d->sent_n] = t.request_id;
            d->sent_n++;
        } else {
            if (d->failed_n < DRAIN_MAX) d->failed[d->failed_n] = t.request_id, d->failures[d->failed_n] = t.failure;
            d->failed_n++;
        }
    }
}

/* Exact times are easier to read without the clock-slack margin; test_reset_margin covers it. */
static rl_limiter *make(const rl_config *cfg)
{
    rl_config exact;
    if (cfg) exact = *cfg;
    else rl_config_defaults(&exact);
    exact.reset_margin_ms = 0;
    rl_limiter *rl = rl_create(&exact);
    CHECK(rl != NULL);
    return rl;
}

static void submit(rl_limiter *rl, uint64_t id, uint64_t now, const char *method, const char *path)
{
    CHECK_INT(rl_submit(rl, id, now, method, path, 0, 0), RL_OK);
}

static rl_response ok_response(const char *bucket, int64_t limit, int64_t remaining, uint64_t reset_after_ms)
{
    rl_response r;
    rl_response_init(&r, 200);
    if (bucket) {
        snprintf(r.bucket, sizeof r.bucket, "%s", bucket);
        r.have |= RL_HAVE_BUCKET;
    }
    if (limit >= 0) r.limit = limit, r.have |= RL_HAVE_LIMIT;
    if (remaining >= 0) r.remaining = remaining, r.have |= RL_HAVE_REMAINING;
    if (reset_after_ms != NO_RESET) r.reset_after_ms = reset_after_ms, r.have |= RL_HAVE_RESET_AFTER;
    return r;
}

/* A 429 as Discord sends it, through the real header and body parsers. */
static rl_response response_429(const char *scope, const char *retry_after, const char *bucket, const char *remaining)
{
    rl_response r;
    rl_response_init(&r, 429);
    if (scope) CHECK(rl_parse_header(&r, "X-RateLimit-Scope", scope));
    if (scope && strcmp(scope, "global") == 0) CHECK(rl_parse_header(&r, "X-RateLimit-Global", "true"));
    if (bucket) CHECK(rl_parse_header(&r, "X-RateLimit-Bucket", bucket));
    if (remaining) CHECK(rl_parse_header(&r, "X-RateLimit-Remaining", remaining));
    rl_parse_header(&r, "Via", "1.1 google");
    rl_parse_header(&r, "Content-Type", "application/json");
    char body[200];
    snprintf(body, sizeof body, "{\"message\": \"You are being rate limited.\", \"retry_after\": %s, \"global\": %s}",
             retry_after, scope && strcmp(scope, "global") == 0 ? "true" : "false");
    rl_parse_body(&r, body, strlen(body));
    return r;
}

static rl_outcome complete(rl_limiter *rl, uint64_t id, uint64_t now, rl_response r)
{
    return rl_complete(rl, id, now, &r, NULL);
}

static rl_stats stats_of(rl_limiter *rl, uint64_t now)
{
    rl_stats s;
    rl_get_stats(rl, now, &s);
    return s;
}

/* ---- route keys ---- */

static void check_key(const char *method, const char *path, const char *route, const char *major, bool token)
{
    rl_route k;
    CHECK(rl_route_key(method, path, 0, &k));
    CHECK_STR(k.route, route);
    if (major) CHECK_STR(k.major, major);
    CHECK_INT(k.token_route, token);
}

static void test_route_keys(void)
{
    check_key("POST", "/channels/123/messages", "POST /channels/{channel_id}/messages", "channel_id=123", false);
    check_key("PATCH", "/channels/123/messages/456", "PATCH /channels/{channel_id}/messages/{message_id}",
              "channel_id=123", false);
    check_key("post", "/channels/1/messages", "POST /channels/{channel_id}/messages", "channel_id=1", false);
    check_key("GET", "/channels/1/messages?limit=50&before=9", "GET /channels/{channel_id}/messages", "channel_id=1",
              false);
    check_key("GET", "/api/v10/channels/1/pins", "GET /channels/{channel_id}/pins", "channel_id=1", false);
    check_key("GET", "//channels//1/messages/", "GET /channels/{channel_id}/messages", "channel_id=1", false);
    check_key("PUT", "/channels/1/pins/22", "PUT /channels/{channel_id}/pins/{message_id}", "channel_id=1", false);
    check_key("PUT", "/channels/1/permissions/5", "PUT /channels/{channel_id}/permissions/{overwrite_id}", NULL,
              false);
    check_key("GET", "/channels/1", "GET /channels/{channel_id}", "channel_id=1", false);
    /* reactions: the emoji is never an id and never its own route */
    check_key("PUT", "/channels/1/messages/2/reactions/%F0%9F%91%8D/@me",
              "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "channel_id=1", false);
    check_key("PUT", "/channels/1/messages/2/reactions/party:8812/@me",
              "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "channel_id=1", false);
    check_key("DELETE", "/channels/1/messages/2/reactions/thumbsup/42",
              "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", NULL, false);
    check_key("GET", "/channels/1/messages/2/reactions/thumbsup",
              "GET /channels/{channel_id}/messages/{message_id}/reactions/{emoji}", NULL, false);
    check_key("DELETE", "/channels/1/messages/2/reactions",
              "DELETE /channels/{channel_id}/messages/{message_id}/reactions", NULL, false);
    /* guilds */
    check_key("GET", "/guilds/55/members/66", "GET /guilds/{guild_id}/members/{user_id}", "guild_id=55", false);
    check_key("PUT", "/guilds/55/members/66/roles/77", "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
              "guild_id=55", false);
    check_key("PATCH", "/guilds/55/members/@me", "PATCH /guilds/{guild_id}/members/@me", "guild_id=55", false);
    check_key("GET", "/guilds/55/scheduled-events/9", "GET /guilds/{guild_id}/scheduled-events/{event_id}", NULL,
              false);
    check_key("PUT", "/guilds/55/bans/12", "PUT /guilds/{guild_id}/bans/{user_id}", NULL, false);
    /* webhooks: id alone (bot auth) or id + token (token auth, global-exempt) */
    check_key("GET", "/webhooks/9", "GET /webhooks/{webhook_id}", "webhook_id=9", false);
    check_key("POST", "/webhooks/9/tok-EN_abc", "POST /webhooks/{webhook_id}/{webhook_token}", NULL, true);
    check_key("PATCH", "/webhooks/9/tok/messages/@original",
              "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original", NULL, true);
    check_key("DELETE", "/webhooks/9/tok/messages/777",
              "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", NULL, true);
    check_key("POST", "/interactions/111/aW50ZXJhY3Rpb24/callback",
              "POST /interactions/{interaction_id}/{interaction_token}/callback", NULL, true);
    /* no top-level resource: the major is empty (a nested guild id is not top-level) */
    check_key("PUT", "/applications/1/guilds/2/commands",
              "PUT /applications/{application_id}/guilds/{guild_id}/commands", "", false);
    check_key("GET", "/users/@me", "GET /users/@me", "", false);
    check_key("GET", "/gateway/bot", "GET /gateway/bot", "", false);
    check_key("GET", "/", "GET /", "", false);
    /* codes and odd segments are parameters, so the route table cannot grow with them */
    check_key("GET", "/invites/AbCdEf", "GET /invites/{invite_code}", "", false);
    check_key("GET", "/invites/lowercase", "GET /invites/{invite_code}", "", false);
    check_key("GET", "/guilds/templates/xyz", "GET /guilds/templates/{template_code}", "", false);
    check_key("GET", "/things/Mixed_Case", "GET /things/{param}", "", false);
    check_key("GET", "/things/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "GET /things/{param}", "", false);

    /* tokens: hashed into the major, never stored; different tokens are different majors */
    rl_route a, b, c;
    CHECK(rl_route_key("POST", "/webhooks/9/secret-token-one", 0, &a));
    CHECK(rl_route_key("POST", "/webhooks/9/secret-token-two", 0, &b));
    CHECK(rl_route_key("PATCH", "/webhooks/9/secret-token-one/messages/@original", 0, &c));
    CHECK(strstr(a.major, "secret") == NULL);
    CHECK(strncmp(a.major, "webhook_id=9+token#", 19) == 0);
    CHECK(strcmp(a.major, b.major) != 0);
    CHECK_STR(a.major, c.major);
    CHECK(rl_route_key("POST", "/interactions/111/tokA/callback", 0, &a));
    CHECK(rl_route_key("POST", "/interactions/111/tokB/callback", 0, &b));
    CHECK(strncmp(a.major, "interaction_id=111+token#", 25) == 0);
    CHECK(strcmp(a.major, b.major) != 0);
    /* minor ids do not split routes, major ids do not change the route */
    CHECK(rl_route_key("PATCH", "/channels/1/messages/2", 0, &a));
    CHECK(rl_route_key("PATCH", "/channels/3/messages/4", 0, &b));
    CHECK_STR(a.route, b.route);
    CHECK(strcmp(a.major, b.major) != 0);

    /* rejected */
    CHECK(!rl_route_key("GET", "channels/1", 0, &a));
    CHECK(!rl_route_key("GET", NULL, 0, &a));
    CHECK(!rl_route_key(NULL, "/x", 0, &a));
    CHECK(!rl_route_key("", "/x", 0, &a));
    CHECK(!rl_route_key("PO ST", "/x", 0, &a));
    CHECK(!rl_route_key("GETGETGETGETGETGET", "/x", 0, &a));
    char deep[400] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "/a");
    CHECK(!rl_route_key("GET", deep, 0, &a));       /* too many segments */
    char wide[2000] = "";
    for (int i = 0; i < 30; i++) strcat(wide, "/abcdefghijklmnopqrstuvwxyzabcde");
    CHECK(!rl_route_key("GET", wide, 0, &a));       /* the key would not fit */
}

static void test_message_delete_subroutes(void)
{
    const uint64_t created = 1700000000000ull; /* a message's creation time, Unix ms */
    char path[80];
    snprintf(path, sizeof path, "/channels/1/messages/%" PRIu64, (uint64_t)((created - 1420070400000ull) << 22));
    rl_route k;
    CHECK(rl_route_key("DELETE", path, created + 5000, &k));
    CHECK_STR(k.route, "DELETE /channels/{channel_id}/messages/{message_id} [sub-10-seconds]");
    CHECK(rl_route_key("DELETE", path, created + 3600 * 1000, &k));
    CHECK_STR(k.route, "DELETE /channels/{channel_id}/messages/{message_id}");
    CHECK(rl_route_key("DELETE", path, created + 15ull * 24 * 3600 * 1000, &k));
    CHECK_STR(k.route, "DELETE /channels/{channel_id}/messages/{message_id} [older-than-two-weeks]");
    CHECK(rl_route_key("DELETE", path, 0, &k));   /* no wall clock: no sub-route */
    CHECK_STR(k.route, "DELETE /channels/{channel_id}/messages/{message_id}");
    CHECK(rl_route_key("GET", path, created + 15ull * 24 * 3600 * 1000, &k));
    CHECK_STR(k.route, "GET /channels/{channel_id}/messages/{message_id}");
    CHECK(rl_route_key("DELETE", "/channels/1/messages/99999999999999999999999", created, &k)); /* not an id */
    CHECK_STR(k.route, "DELETE /channels/{channel_id}/messages/{param}");

    /* submit uses the wall clock it was given: old and new deletes are separate provisional routes */
    rl_limiter *rl = make(NULL);
    rl_set_wall_clock(rl, T0, created + 15ull * 24 * 3600 * 1000);
    submit(rl, 1, T0, "DELETE", path);
    char fresh[80];
    uint64_t fresh_ms = created + 15ull * 24 * 3600 * 1000 - 60000; /* a minute old at the wall clock */
    snprintf(fresh, sizeof fresh, "/channels/1/messages/%" PRIu64, (uint64_t)((fresh_ms - 1420070400000ull) << 22));
    submit(rl, 2, T0, "DELETE", fresh);
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2); /* different routes, both unknown: both may go */
    rl_destroy(rl);
}

/* ---- queues and buckets ---- */

static void test_fifo_under_many_submissions(void)
{
    rl_limiter *rl = make(NULL);
    uint64_t now = T0;
    for (uint64_t id = 1; id <= 300; id++) submit(rl, id, now, "POST", "/channels/7/messages");
    /* interleave another channel: it must not disturb channel 7's order */
    for (uint64_t id = 1001; id <= 1100; id++) submit(rl, id, now, "POST", "/channels/8/messages");
    CHECK_INT(stats_of(rl, now).queued, 400);
    uint64_t next7 = 1, next8 = 1001;
    for (int round = 0; round < 400 && (next7 <= 300 || next8 <= 1100); round++) {
        drained d;
        drain(rl, now, &d);
        CHECK(d.sent_n >= 1 && d.sent_n <= 2);
        for (size_t i = 0; i < d.sent_n; i++) {
            if (d.sent[i] < 1000) CHECK_INT(d.sent[i], next7++);
            else CHECK_INT(d.sent[i], next8++);
            CHECK_INT(complete(rl, d.sent[i], now, ok_response("abc", 1000000, 999999, 1000)), RL_DONE);
        }
        now += 50; /* two per round: stays under 50/s */
    }
    CHECK_INT(next7, 301);
    CHECK_INT(next8, 1101);
    rl_stats s = stats_of(rl, now);
    CHECK_INT(s.sent, 400);
    CHECK_INT(s.completed, 400);
    CHECK_INT(s.queued, 0);
    CHECK_INT(s.in_flight, 0);
    rl_destroy(rl);
}

static void test_one_in_flight_per_bucket(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 3; id++) submit(rl, id, T0, "POST", "/channels/1/messages");
    submit(rl, 10, T0, "POST", "/channels/2/messages");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2); /* one per channel */
    CHECK_INT(d.sent[0], 1);
    CHECK_INT(d.sent[1], 10);
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0), RL_NEVER); /* only a response can help */
    CHECK_INT(stats_of(rl, T0).in_flight, 2);
    /* even with plenty remaining, the second waits for the first's answer */
    CHECK_INT(complete(rl, 1, T0 + 50, ok_response("h", 5, 4, 5000)), RL_DONE);
    CHECK_INT(rl_next_wakeup(rl, T0 + 50), 0);
    drain(rl, T0 + 50, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 2);
    CHECK_INT(rl_complete(rl, 1, T0 + 60, &(rl_response){ .status = 200 }, NULL), RL_UNKNOWN_REQUEST);
    CHECK_INT(rl_complete(rl, 3, T0 + 60, &(rl_response){ .status = 200 }, NULL), RL_UNKNOWN_REQUEST); /* queued */
    CHECK_INT(rl_submit(rl, 2, T0, "GET", "/x", 0, 0), RL_ERR_EXISTS);
    CHECK_INT(rl_submit(rl, 0, T0, "GET", "/x", 0, 0), RL_ERR_INVALID);
    CHECK_INT(rl_submit(rl, 99, T0, "GET", "nope", 0, 0), RL_ERR_INVALID);
    rl_destroy(rl);
}

static void test_reset_margin(void)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    CHECK_INT(cfg.reset_margin_ms, 25);
    rl_limiter *rl = rl_create(&cfg);
    submit(rl, 1, T0, "PATCH", "/channels/1");
    submit(rl, 2, T0, "PATCH", "/channels/1");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(complete(rl, 1, T0 + 100, ok_response("chan", 2, 0, 2500)), RL_DONE);
    CHECK_INT(rl_next_wakeup(rl, T0 + 100), 2525); /* never exactly at Discord's reset: a hair after */
    drain(rl, T0 + 2600, &d);
    CHECK_INT(d.sent_n, 0);
    drain(rl, T0 + 2625, &d);
    CHECK_INT(d.sent_n, 1);
    rl_destroy(rl);
}

static void test_remaining_zero_holds_until_reset(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "PATCH", "/channels/1");
    submit(rl, 2, T0, "PATCH", "/channels/1");
    submit(rl, 3, T0, "PATCH", "/channels/1");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(complete(rl, 1, T0 + 100, ok_response("chan", 2, 0, 2500)), RL_DONE);
    drain(rl, T0 + 100, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 100), 2500);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "PATCH", "/channels/1", T0 + 100, &info));
    CHECK_STR(info.hash, "chan");
    CHECK_INT(info.limit, 2);
    CHECK_INT(info.remaining, 0);
    CHECK_INT(info.hold_ms, 2500);
    CHECK_INT(info.queued, 2);
    drain(rl, T0 + 2599, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 2599), 1);
    drain(rl, T0 + 2600, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 2);
    CHECK(rl_bucket_lookup(rl, "PATCH", "/channels/1", T0 + 2600, &info));
    CHECK_INT(info.remaining, 1); /* refilled to the limit at reset, minus the one just sent */
    CHECK_INT(info.reset_in_ms, 0);
    /* remaining 1 then our own count: after the refill we send, and a response with remaining 1 lets the
     * next one go at once */
    CHECK_INT(complete(rl, 2, T0 + 2700, ok_response("chan", 2, 1, 1900)), RL_DONE);
    drain(rl, T0 + 2700, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    /* another channel on the same bucket hash is not held by channel 1's counter */
    submit(rl, 4, T0 + 2700, "PATCH", "/channels/2");
    drain(rl, T0 + 2700, &d);
    CHECK_INT(d.sent_n, 1);
    rl_destroy(rl);
}

static void test_reset_epoch_fallback(void)
{
    rl_limiter *rl = make(NULL);
    rl_set_wall_clock(rl, T0, 1700000000000ull);
    submit(rl, 1, T0, "GET", "/channels/1/messages");
    submit(rl, 2, T0, "GET", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    rl_response r;
    rl_response_init(&r, 200);
    CHECK(rl_parse_header(&r, "x-ratelimit-bucket", "b1"));
    CHECK(rl_parse_header(&r, "x-ratelimit-remaining", "0"));
    CHECK(rl_parse_header(&r, "x-ratelimit-reset", "1700000003.250")); /* 3.25 s after the wall clock */
    CHECK_INT(rl_complete(rl, 1, T0, &r, NULL), RL_DONE);
    CHECK_INT(rl_next_wakeup(rl, T0), 3250);
    /* Reset-After wins over Reset when both are present */
    drain(rl, T0 + 3250, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK(rl_parse_header(&r, "x-ratelimit-reset-after", "0.5"));
    submit(rl, 3, T0 + 3250, "GET", "/channels/1/messages");
    CHECK_INT(rl_complete(rl, 2, T0 + 3250, &r, NULL), RL_DONE);
    CHECK_INT(rl_next_wakeup(rl, T0 + 3250), 500);
    rl_destroy(rl);
}

/* ---- the global limit ---- */

static void test_global_limit_proactive(void)
{
    rl_limiter *rl = make(NULL);
    char path[64];
    for (uint64_t id = 1; id <= 60; id++) {
        snprintf(path, sizeof path, "/channels/%" PRIu64 "/messages", id);
        submit(rl, id, T0, "POST", path);
    }
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 50);
    CHECK_INT(d.sent[49], 50);
    CHECK_INT(rl_next_wakeup(rl, T0), 1000);
    /* interaction callbacks and webhook-token routes are exempt, even now */
    submit(rl, 100, T0, "POST", "/interactions/5/tok/callback");
    submit(rl, 101, T0, "PATCH", "/webhooks/6/tok/messages/@original");
    CHECK_INT(rl_submit(rl, 102, T0, "POST", "/channels/999/messages", RL_F_INTERACTION, 0), RL_OK);
    drain(rl, T0 + 10, &d);
    CHECK_INT(d.sent_n, 3);
    drain(rl, T0 + 999, &d);
    CHECK_INT(d.sent_n, 0);
    drain(rl, T0 + 1000, &d);
    CHECK_INT(d.sent_n, 10); /* the 51st..60th */
    CHECK_INT(d.sent[0], 51);
    rl_destroy(rl);

    /* the window slides: 3 at t, 2 at t+400 with a limit of 5; at t+1000 only 3 are free again */
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.global_per_second = 5;
    rl = make(&cfg);
    for (uint64_t id = 1; id <= 12; id++) {
        snprintf(path, sizeof path, "/guilds/%" PRIu64 "/roles", id);
        submit(rl, id, T0, "GET", path);
    }
    rl_ticket t;
    for (int i = 0; i < 3; i++) CHECK(rl_next_ready(rl, T0, &t));
    for (int i = 0; i < 2; i++) CHECK(rl_next_ready(rl, T0 + 400, &t));
    CHECK(!rl_next_ready(rl, T0 + 400, &t));
    CHECK_INT(rl_next_wakeup(rl, T0 + 400), 600);
    drain(rl, T0 + 1000, &d);
    CHECK_INT(d.sent_n, 3);
    CHECK_INT(rl_next_wakeup(rl, T0 + 1000), 400);
    drain(rl, T0 + 1400, &d);
    CHECK_INT(d.sent_n, 2);
    rl_destroy(rl);

    /* 0 turns the proactive limit off */
    cfg.global_per_second = 0;
    rl = make(&cfg);
    for (uint64_t id = 1; id <= 200; id++) {
        snprintf(path, sizeof path, "/guilds/%" PRIu64 "/roles", id);
        submit(rl, id, T0, "GET", path);
    }
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 200);
    rl_destroy(rl);
}

/* ---- 429s ---- */

static void test_429_user_requeues_at_head(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 3; id++) submit(rl, id, T0, "POST", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent[0], 1);
    rl_result res;
    rl_response r = response_429("user", "1.5", "msgs", "0");
    CHECK_INT(rl_complete(rl, 1, T0 + 20, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_USER);
    CHECK_INT(res.retry_after_ms, 1500);
    CHECK(!res.sublimit);
    drain(rl, T0 + 20, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 20), 1500);
    drain(rl, T0 + 1520, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 1); /* the same request, before 2 and 3 */
    /* 429s never drop a request, however many */
    for (int i = 0; i < 10; i++) {
        r = response_429("user", "0.01", "msgs", "0");
        CHECK_INT(complete(rl, 1, T0 + 2000 + (uint64_t)i * 100, r), RL_REQUEUE);
        drain(rl, T0 + 2000 + (uint64_t)i * 100 + 10, &d);
        CHECK_INT(d.sent_n, 1);
        CHECK_INT(d.sent[0], 1);
    }
    CHECK_INT(complete(rl, 1, T0 + 4000, ok_response("msgs", 5, 4, 1000)), RL_DONE);
    drain(rl, T0 + 4000, &d);
    CHECK_INT(d.sent[0], 2);
    rl_stats s = stats_of(rl, T0 + 4000);
    CHECK_INT(s.responses_429[RL_SCOPE_USER], 11);
    CHECK_INT(s.requeues, 11);
    CHECK_INT(s.invalid_window, 11);
    CHECK_INT(s.sent, 13);
    rl_destroy(rl);
}

static void test_429_retry_after_sources(void)
{
    /* body retry_after (float) > Retry-After header > Reset-After > 1 s default */
    rl_limiter *rl = make(NULL);
    rl_response r;
    rl_result res;
    drained d;
    uint64_t now = T0;
    struct { const char *header, *reset_after, *body; uint64_t want; } cases[] = {
        { "3", "2", "{\"retry_after\": 0.25}", 250 },
        { "3", "2", "{}", 3000 },
        { NULL, "2.125", "{}", 2125 },
        { NULL, NULL, "", 1000 },
        { "999999999999", NULL, "", RL_MAX_HOLD_MS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        submit(rl, 1, now, "GET", "/channels/1/messages");
        drain(rl, now, &d);
        CHECK_INT(d.sent_n, 1);
        rl_response_init(&r, 429);
        rl_parse_header(&r, "x-ratelimit-scope", "user");
        if (cases[i].header) rl_parse_header(&r, "retry-after", cases[i].header);
        if (cases[i].reset_after) rl_parse_header(&r, "x-ratelimit-reset-after", cases[i].reset_after);
        rl_parse_body(&r, cases[i].body, strlen(cases[i].body));
        rl_complete(rl, 1, now, &r, &res);
        CHECK_INT(res.retry_after_ms, cases[i].want);
        rl_cancel(rl, 1, now);
        now += RL_MAX_HOLD_MS + 1;
    }
    rl_destroy(rl);
}

static void test_429_global_pauses_all_but_interactions(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "POST", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    rl_result res;
    rl_response r = response_429("global", "2", NULL, NULL);
    CHECK_INT(rl_complete(rl, 1, T0, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_GLOBAL);
    CHECK_INT(stats_of(rl, T0).global_pause_ms, 2000);
    submit(rl, 2, T0 + 10, "POST", "/channels/2/messages");   /* another bucket entirely */
    submit(rl, 3, T0 + 10, "POST", "/interactions/9/tok/callback");
    drain(rl, T0 + 10, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    CHECK_INT(rl_next_wakeup(rl, T0 + 10), 1990);
    drain(rl, T0 + 1999, &d);
    CHECK_INT(d.sent_n, 0);
    drain(rl, T0 + 2000, &d);
    CHECK_INT(d.sent_n, 2);
    CHECK_INT(stats_of(rl, T0 + 2000).responses_429[RL_SCOPE_GLOBAL], 1);
    rl_destroy(rl);

    /* the X-RateLimit-Global header alone, or "global": true in the body alone, also mean global */
    rl = make(NULL);
    submit(rl, 1, T0, "GET", "/guilds/1/roles");
    drain(rl, T0, &d);
    rl_response_init(&r, 429);
    rl_parse_header(&r, "X-RateLimit-Global", "true");
    rl_parse_body(&r, "{\"retry_after\": 1}", 18);
    rl_complete(rl, 1, T0, &r, &res);
    CHECK_INT(res.scope, RL_SCOPE_GLOBAL);
    submit(rl, 2, T0, "GET", "/guilds/2/roles");
    drain(rl, T0, &d);
    drain(rl, T0 + 1000, &d);
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"retry_after\": 1, \"global\": true}", 34);
    CHECK_INT(rl_complete(rl, 1, T0 + 1000, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_GLOBAL);
    rl_destroy(rl);
}

static void test_429_global_on_interaction_waits_for_itself(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "POST", "/interactions/9/tok/callback");
    drained d;
    drain(rl, T0, &d);
    rl_response r = response_429("global", "1", NULL, NULL);
    CHECK_INT(complete(rl, 1, T0, r), RL_REQUEUE);
    drain(rl, T0 + 999, &d);
    CHECK_INT(d.sent_n, 0);   /* exempt from the pause, but not from its own retry_after */
    drain(rl, T0 + 1000, &d);
    CHECK_INT(d.sent_n, 1);
    rl_destroy(rl);
}

static void test_429_shared_not_invalid(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "POST", "/channels/1/messages");
    submit(rl, 2, T0, "POST", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    rl_result res;
    rl_response r = response_429("shared", "4", "msgs", "0");
    CHECK_INT(rl_complete(rl, 1, T0, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_SHARED);
    rl_stats s = stats_of(rl, T0);
    CHECK_INT(s.invalid_window, 0);
    CHECK_INT(s.responses_429[RL_SCOPE_SHARED], 1);
    CHECK_INT(rl_next_wakeup(rl, T0), 4000); /* but the bucket waits */
    /* a 403 counts, an unknown scope counts */
    drain(rl, T0 + 4000, &d);
    CHECK_INT(d.sent[0], 1);
    rl_response_init(&r, 403);
    CHECK_INT(rl_complete(rl, 1, T0 + 4000, &r, NULL), RL_DONE);
    drain(rl, T0 + 4000, &d);
    r = response_429("mystery", "0", "msgs", "0");
    CHECK_INT(rl_complete(rl, 2, T0 + 4000, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_UNKNOWN);
    s = stats_of(rl, T0 + 4000);
    CHECK_INT(s.invalid_window, 2);
    CHECK_INT(s.responses_429[RL_SCOPE_UNKNOWN], 1);
    /* the window is 10 minutes */
    CHECK_INT(stats_of(rl, T0 + 4000 + 590000).invalid_window, 2);
    CHECK_INT(stats_of(rl, T0 + 4000 + 610000).invalid_window, 0);
    rl_destroy(rl);
}

static void test_sublimit_holds_only_its_route(void)
{
    rl_limiter *rl = make(NULL);
    /* two routes that share a bucket on channel 1 */
    submit(rl, 1, T0, "PATCH", "/channels/1");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(complete(rl, 1, T0, ok_response("shared-hash", 10, 9, 5000)), RL_DONE);
    submit(rl, 2, T0, "PUT", "/channels/1/permissions/5");
    drain(rl, T0, &d);
    CHECK_INT(complete(rl, 2, T0, ok_response("shared-hash", 10, 8, 5000)), RL_DONE);
    submit(rl, 3, T0, "PATCH", "/channels/1");
    submit(rl, 4, T0, "PATCH", "/channels/1");
    submit(rl, 5, T0, "PUT", "/channels/1/permissions/6");
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    rl_result res;
    rl_response r = response_429("user", "30", "shared-hash", "7"); /* remaining > 0: a sub-limit */
    CHECK_INT(rl_complete(rl, 3, T0 + 10, &r, &res), RL_REQUEUE);
    CHECK(res.sublimit);
    CHECK_INT(stats_of(rl, T0).sublimit_429, 1);
    drain(rl, T0 + 10, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 5); /* the other route keeps flowing */
    CHECK_INT(complete(rl, 5, T0 + 20, ok_response("shared-hash", 10, 6, 5000)), RL_DONE);
    drain(rl, T0 + 20, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 20), 29990);
    drain(rl, T0 + 30010, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    rl_destroy(rl);
}

static void test_cloudflare_html_429(void)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.cloudflare_pause_ms = 120000;
    cfg.max_wait_ms = 0;
    rl_limiter *rl = make(&cfg);
    submit(rl, 1, T0, "GET", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    rl_response r;
    rl_response_init(&r, 429);
    rl_parse_header(&r, "Content-Type", "text/html; charset=UTF-8");
    rl_parse_header(&r, "Retry-After", "10");
    const char *html = "<html><head><title>Error 1015</title></head><body>rate limited</body></html>";
    rl_parse_body(&r, html, strlen(html));
    CHECK_INT(r.body, RL_BODY_OTHER);
    rl_result res;
    CHECK_INT(rl_complete(rl, 1, T0, &r, &res), RL_REQUEUE);
    CHECK_INT(res.scope, RL_SCOPE_CLOUDFLARE);
    CHECK_INT(res.retry_after_ms, 120000);
    rl_stats s = stats_of(rl, T0);
    CHECK_INT(s.cloudflare_bans, 1);
    CHECK_INT(s.responses_429[RL_SCOPE_CLOUDFLARE], 1);
    CHECK_INT(s.cloudflare_pause_ms, 120000);
    /* an IP ban: interactions wait too */
    submit(rl, 2, T0 + 1, "POST", "/interactions/1/t/callback");
    submit(rl, 3, T0 + 1, "GET", "/guilds/1");
    drain(rl, T0 + 1, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 1), 119999);
    drain(rl, T0 + 120000, &d);
    CHECK_INT(d.sent_n, 3);
    rl_destroy(rl);

    /* HTML without a content type, with the default caps: queued requests fail fast, naming the ban */
    rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/messages");
    submit(rl, 2, T0, "GET", "/channels/1/messages");
    submit(rl, 3, T0, "GET", "/channels/2/messages");
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2);
    rl_response_init(&r, 429);
    rl_parse_body(&r, "  <!DOCTYPE html>", 17);
    rl_complete(rl, 1, T0, &r, &res);
    CHECK_INT(res.outcome, RL_FAILED_LOCALLY);
    CHECK_INT(res.failure.reason, RL_FAIL_WAIT_TOO_LONG);
    CHECK_INT(res.failure.cause, RL_WAIT_CLOUDFLARE);
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 2);
    CHECK_INT(d.failures[0].cause, RL_WAIT_CLOUDFLARE);
    char text[120];
    rl_describe_failure(&d.failures[0], text, sizeof text);
    CHECK_STR(text, "would wait 300.0 s for the rate limit (Cloudflare ban)");
    rl_destroy(rl);
}

/* ---- bad tokens ---- */

static void test_401_fails_everything_after(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "GET", "/users/@me");
    submit(rl, 2, T0, "POST", "/channels/1/messages");
    submit(rl, 3, T0, "POST", "/channels/1/messages");
    submit(rl, 4, T0, "POST", "/channels/2/messages");
    submit(rl, 8, T0, "POST", "/webhooks/5/tok");
    submit(rl, 9, T0, "POST", "/webhooks/5/tok"); /* queued behind 8 when the 401 arrives */
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 4); /* 8 (exempt first), 1, 2, 4 */
    rl_response r;
    rl_response_init(&r, 401);
    rl_result res;
    CHECK_INT(rl_complete(rl, 1, T0 + 5, &r, &res), RL_DONE); /* the 401 itself is delivered */
    CHECK(res.token_invalidated);
    CHECK(rl_token_invalid(rl));
    drain(rl, T0 + 5, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 3);
    CHECK_INT(d.failures[0].reason, RL_FAIL_TOKEN_INVALID);
    CHECK_INT(complete(rl, 8, T0 + 5, ok_response("wh", 5, 4, 1000)), RL_DONE);
    drain(rl, T0 + 5, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 9);
    /* later submissions fail at once; token routes (no bot token) still work */
    submit(rl, 5, T0 + 6, "GET", "/guilds/9");
    submit(rl, 6, T0 + 6, "POST", "/interactions/1/tok/callback");
    drain(rl, T0 + 6, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 5);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 6);
    /* an in-flight request that comes back 429 is not requeued */
    r = response_429("user", "1", "b", "0");
    CHECK_INT(rl_complete(rl, 2, T0 + 7, &r, &res), RL_FAILED_LOCALLY);
    CHECK_INT(res.failure.reason, RL_FAIL_TOKEN_INVALID);
    /* a second 401 does not re-announce */
    rl_response_init(&r, 401);
    CHECK_INT(rl_complete(rl, 4, T0 + 8, &r, &res), RL_DONE);
    CHECK(!res.token_invalidated);
    rl_stats s = stats_of(rl, T0 + 8);
    CHECK_INT(s.failed_token, 3);
    CHECK_INT(s.failed_locally, 3);
    CHECK(s.token_invalid);
    char text[100];
    rl_failure f = { RL_FAIL_TOKEN_INVALID, 0, RL_WAIT_BUCKET };
    rl_describe_failure(&f, text, sizeof text);
    CHECK(strstr(text, "401") != NULL);
    /* a new token */
    rl_reset_token(rl);
    submit(rl, 7, T0 + 9, "GET", "/guilds/9");
    drain(rl, T0 + 9, &d);
    CHECK_INT(d.sent_n, 1);
    rl_destroy(rl);

    /* a 401 on a token route means a bad webhook/interaction token, not a bad bot token */
    rl = make(NULL);
    submit(rl, 1, T0, "POST", "/webhooks/1/tok");
    drain(rl, T0, &d);
    rl_response_init(&r, 401);
    CHECK_INT(rl_complete(rl, 1, T0, &r, &res), RL_DONE);
    CHECK(!res.token_invalidated);
    CHECK(!rl_token_invalid(rl));
    rl_destroy(rl);
}

/* ---- cancel, transport errors, retries ---- */

static void test_cancel_frees_slot_at_once(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 4; id++) submit(rl, id, T0, "POST", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent[0], 1);
    CHECK_INT(rl_cancel(rl, 2, T0), RL_OK);  /* queued: just removed */
    CHECK_INT(rl_cancel(rl, 1, T0), RL_OK);  /* in flight: frees the bucket now, not after a timeout */
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    CHECK_INT(rl_complete(rl, 1, T0, &(rl_response){ .status = 200 }, NULL), RL_UNKNOWN_REQUEST);
    CHECK_INT(rl_cancel(rl, 1, T0), RL_ERR_UNKNOWN);
    CHECK_INT(rl_cancel(rl, 12345, T0), RL_ERR_UNKNOWN);
    /* cancelling a request that is about to be reported as failed */
    rl_response r;
    rl_response_init(&r, 401);
    complete(rl, 3, T0, r);
    CHECK_INT(stats_of(rl, T0).failing, 1);
    CHECK_INT(rl_cancel(rl, 4, T0), RL_OK);
    drain(rl, T0, &d);
    CHECK_INT(d.failed_n, 0);
    rl_stats s = stats_of(rl, T0);
    CHECK_INT(s.cancelled, 3);
    CHECK_INT(s.queued + s.in_flight + s.failing, 0);
    /* ids can be reused once forgotten */
    rl_reset_token(rl);
    submit(rl, 1, T0, "POST", "/channels/1/messages");
    rl_destroy(rl);
}

static void test_transport_errors_and_head_retries(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 3; id++) submit(rl, id, T0, "GET", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent[0], 1);
    CHECK_INT(rl_transport_error(rl, 1, T0 + 100, true), RL_OK); /* idempotent: retried first */
    drain(rl, T0 + 100, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 1);
    CHECK_INT(rl_transport_error(rl, 1, T0 + 200, false), RL_OK); /* a POST after a timeout: dropped */
    drain(rl, T0 + 200, &d);
    CHECK_INT(d.sent[0], 2);
    CHECK_INT(rl_transport_error(rl, 1, T0, false), RL_ERR_UNKNOWN);
    CHECK_INT(rl_transport_error(rl, 3, T0, false), RL_ERR_UNKNOWN); /* queued, not in flight */
    /* the caller's own backoff, then a resubmission at the head */
    CHECK_INT(rl_transport_error(rl, 2, T0 + 300, false), RL_OK);
    CHECK_INT(rl_submit(rl, 2, T0 + 900, "GET", "/channels/1/messages", RL_F_HEAD, 0), RL_OK);
    submit(rl, 4, T0 + 900, "GET", "/channels/1/messages");
    drain(rl, T0 + 900, &d);
    CHECK_INT(d.sent[0], 2);
    CHECK_INT(stats_of(rl, T0).transport_errors, 3);
    rl_destroy(rl);
}

static void test_timed_out_request_counts_against_remaining(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/messages");
    submit(rl, 2, T0, "GET", "/channels/1/messages");
    submit(rl, 3, T0, "GET", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(complete(rl, 1, T0, ok_response("m", 5, 1, 3000)), RL_DONE);
    drain(rl, T0, &d);
    CHECK_INT(d.sent[0], 2);   /* spends the last one */
    /* no answer: Discord may well have counted it, so the bucket is treated as empty until its reset */
    CHECK_INT(rl_transport_error(rl, 2, T0 + 100, false), RL_OK);
    drain(rl, T0 + 100, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK_INT(rl_next_wakeup(rl, T0 + 100), 2900);
    drain(rl, T0 + 3000, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    rl_destroy(rl);
}

/* ---- hash discovery, migration and merging ---- */

static void test_provisional_to_real_bucket(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 5; id++) submit(rl, id, T0, "POST", "/channels/1/messages");
    submit(rl, 10, T0, "POST", "/channels/2/messages");
    submit(rl, 11, T0, "POST", "/channels/2/messages");
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "POST", "/channels/1/messages", T0, &info));
    CHECK_STR(info.hash, "");  /* provisional */
    CHECK_INT(info.queued, 5);
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2);
    /* the first answer teaches the hash: both channels' queues move, order kept */
    CHECK_INT(complete(rl, 1, T0 + 10, ok_response("MSG", 5, 0, 1000)), RL_DONE);
    CHECK(rl_bucket_lookup(rl, "POST", "/channels/1/messages", T0 + 10, &info));
    CHECK_STR(info.hash, "MSG");
    CHECK_INT(info.queued, 4);
    CHECK_INT(info.hold_ms, 1000);
    CHECK(rl_bucket_lookup(rl, "POST", "/channels/2/messages", T0 + 10, &info));
    CHECK_STR(info.hash, "MSG");
    CHECK_INT(info.in_flight, 1);  /* channel 2's request in flight moved with its lane */
    CHECK_INT(info.queued, 1);
    drain(rl, T0 + 10, &d);
    CHECK_INT(d.sent_n, 0);      /* channel 1 held (remaining 0), channel 2 busy */
    CHECK_INT(complete(rl, 10, T0 + 20, ok_response("MSG", 5, 4, 1000)), RL_DONE);
    drain(rl, T0 + 20, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 11);
    for (uint64_t want = 2; want <= 5; want++) {
        drain(rl, T0 + 1010 + want, &d);
        CHECK_INT(d.sent_n, 1);
        CHECK_INT(d.sent[0], want);
        complete(rl, want, T0 + 1010 + want, ok_response("MSG", 5, 3, 1000));
    }
    /* the provisional buckets are empty now and get collected; new requests go straight to MSG */
    rl_gc(rl, T0 + 200000);
    CHECK_INT(stats_of(rl, T0 + 200000).buckets, 1); /* only MSG|2, which still has 11 in flight... */
    CHECK_INT(complete(rl, 11, T0 + 200000, ok_response("MSG", 5, 4, 1000)), RL_DONE);
    rl_gc(rl, T0 + 400000);
    CHECK_INT(stats_of(rl, T0 + 400000).buckets, 0);  /* ...then nothing */
    submit(rl, 20, T0 + 400000, "POST", "/channels/3/messages");
    CHECK(rl_bucket_lookup(rl, "POST", "/channels/3/messages", T0 + 400000, &info));
    CHECK_STR(info.hash, "MSG"); /* the route remembers its hash */
    rl_destroy(rl);
}

static void test_provisional_429_hold_carries_over(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/pins");
    submit(rl, 2, T0, "GET", "/channels/1/pins");
    drained d;
    drain(rl, T0, &d);
    /* a 429 without a bucket header holds the provisional bucket */
    rl_response r = response_429("user", "5", NULL, "0");
    CHECK_INT(complete(rl, 1, T0, r), RL_REQUEUE);
    /* another channel teaches the hash before the hold ends; channel 1 must still wait */
    submit(rl, 3, T0, "GET", "/channels/9/pins");
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(complete(rl, 3, T0 + 100, ok_response("PINS", 5, 4, 1000)), RL_DONE);
    drain(rl, T0 + 100, &d);
    CHECK_INT(d.sent_n, 0);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "GET", "/channels/1/pins", T0 + 100, &info));
    CHECK_STR(info.hash, "PINS");
    CHECK_INT(info.hold_ms, 4900);
    drain(rl, T0 + 5000, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 1);
    rl_destroy(rl);
}

static void test_routes_sharing_a_hash_merge(void)
{
    rl_limiter *rl = make(NULL);
    /* A = POST messages, B = PATCH a message: unknown, so each is its own provisional bucket */
    submit(rl, 1, T0, "POST", "/channels/1/messages");        /* A1 */
    submit(rl, 2, T0, "PATCH", "/channels/1/messages/50");    /* B1 */
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2);
    submit(rl, 3, T0, "POST", "/channels/1/messages");        /* A2 */
    submit(rl, 4, T0, "PATCH", "/channels/1/messages/51");    /* B2 */
    submit(rl, 5, T0, "POST", "/channels/1/messages");        /* A3 */
    submit(rl, 6, T0, "PATCH", "/channels/1/messages/52");    /* B3 */
    CHECK_INT(complete(rl, 1, T0 + 10, ok_response("SAME", 5, 4, 1000)), RL_DONE);
    /* A's lane is in SAME|1 now; B is still provisional with B1 in flight: A2 may go */
    drain(rl, T0 + 10, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    CHECK_INT(complete(rl, 2, T0 + 20, ok_response("SAME", 5, 3, 1000)), RL_DONE);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "PATCH", "/channels/1/messages/7", T0 + 20, &info));
    CHECK_STR(info.hash, "SAME");
    CHECK_INT(info.lanes, 2);
    CHECK_INT(info.in_flight, 1);   /* A2 */
    CHECK_INT(info.queued, 3);
    drain(rl, T0 + 20, &d);
    CHECK_INT(d.sent_n, 0);         /* one in flight for the merged bucket */
    /* from here on: submission order across both routes, one at a time */
    uint64_t want[] = { 4, 5, 6 };
    uint64_t inflight = 3;
    for (size_t i = 0; i < 3; i++) {
        complete(rl, inflight, T0 + 30 + i, ok_response("SAME", 5, 3, 1000));
        drain(rl, T0 + 30 + i, &d);
        CHECK_INT(d.sent_n, 1);
        CHECK_INT(d.sent[0], want[i]);
        inflight = d.sent[0];
    }
    rl_destroy(rl);

    /* merging while a request is in flight on the provisional side: the count moves with the lane */
    rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/pins");             /* route P, learns PX */
    drain(rl, T0, &d);
    complete(rl, 1, T0, ok_response("PX", 5, 4, 1000));
    submit(rl, 2, T0, "PUT", "/channels/1/pins/9");           /* route Q, unknown */
    drain(rl, T0, &d);
    CHECK_INT(d.sent[0], 2);                                  /* Q in flight, provisional */
    submit(rl, 3, T0, "GET", "/channels/1/pins");             /* P queued in PX|1, sendable */
    submit(rl, 4, T0, "PUT", "/channels/2/pins/9");           /* Q on channel 2 teaches PX */
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 2);                                   /* 3 and 4 */
    CHECK_INT(complete(rl, 3, T0 + 5, ok_response("PX", 5, 4, 1000)), RL_DONE);
    submit(rl, 5, T0 + 5, "GET", "/channels/1/pins");
    CHECK_INT(complete(rl, 4, T0 + 6, ok_response("PX", 5, 4, 1000)), RL_DONE);
    /* Q's lane on channel 1 (with request 2 in flight) is now in PX|1: request 5 must wait for it */
    drain(rl, T0 + 6, &d);
    CHECK_INT(d.sent_n, 0);
    CHECK(rl_bucket_lookup(rl, "GET", "/channels/1/pins", T0 + 6, &info));
    CHECK_INT(info.in_flight, 1);
    CHECK_INT(info.lanes, 2);
    complete(rl, 2, T0 + 7, ok_response("PX", 5, 4, 1000));
    drain(rl, T0 + 7, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 5);
    rl_destroy(rl);
}

static void test_hash_change_moves_route(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/pins");
    submit(rl, 2, T0, "PUT", "/channels/1/pins/3");
    drained d;
    drain(rl, T0, &d);
    complete(rl, 1, T0, ok_response("H1", 5, 4, 1000));
    complete(rl, 2, T0, ok_response("H1", 5, 4, 1000));
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "GET", "/channels/1/pins", T0, &info));
    CHECK_INT(info.lanes, 2);
    submit(rl, 3, T0, "GET", "/channels/1/pins");
    drain(rl, T0, &d);
    complete(rl, 3, T0, ok_response("H2", 5, 0, 9000)); /* Discord moved the route */
    CHECK(rl_bucket_lookup(rl, "GET", "/channels/1/pins", T0, &info));
    CHECK_STR(info.hash, "H2");
    CHECK_INT(info.lanes, 1);
    CHECK(rl_bucket_lookup(rl, "PUT", "/channels/1/pins/3", T0, &info));
    CHECK_STR(info.hash, "H1");
    CHECK_INT(info.lanes, 1);
    /* H2 is held, H1 is not */
    submit(rl, 4, T0, "GET", "/channels/1/pins");
    submit(rl, 5, T0, "PUT", "/channels/1/pins/3");
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 5);
    rl_destroy(rl);
}

static void test_unlimited_route(void)
{
    rl_limiter *rl = make(NULL);
    for (uint64_t id = 1; id <= 8; id++) submit(rl, id, T0, "GET", "/guilds/1/audit-logs");
    drained d;
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1); /* unknown: one until we know */
    rl_response none;
    rl_response_init(&none, 200);
    CHECK_INT(rl_complete(rl, 1, T0, &none, NULL), RL_DONE);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "GET", "/guilds/1/audit-logs", T0, &info));
    CHECK(info.unlimited);
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 4); /* unlimited_in_flight */
    CHECK_INT(d.sent[0], 2);
    CHECK_INT(d.sent[3], 5);
    /* a 429 after all: serial again, and the request goes back to the head */
    rl_response r = response_429("user", "1", NULL, NULL);
    CHECK_INT(complete(rl, 3, T0 + 10, r), RL_REQUEUE);
    CHECK(rl_bucket_lookup(rl, "GET", "/guilds/1/audit-logs", T0, &info));
    CHECK(!info.unlimited);
    for (uint64_t id = 2; id <= 5; id++)
        if (id != 3) rl_complete(rl, id, T0 + 20, &none, NULL);
    drain(rl, T0 + 1010, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    /* a 5xx without headers teaches nothing */
    rl_response bad;
    rl_response_init(&bad, 502);
    CHECK_INT(rl_complete(rl, 3, T0 + 1020, &bad, NULL), RL_DONE);
    CHECK(rl_bucket_lookup(rl, "GET", "/guilds/1/audit-logs", T0, &info));
    CHECK(!info.unlimited);
    rl_destroy(rl);
}

/* ---- waiting caps ---- */

static void test_deadline_and_max_wait(void)
{
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "PATCH", "/channels/1");
    drained d;
    drain(rl, T0, &d);
    complete(rl, 1, T0, ok_response("name", 2, 0, 30000)); /* channel rename: 30 s to wait */
    /* an interaction follow-up with 10 s of token life left fails now, not in 10 s */
    CHECK_INT(rl_submit(rl, 2, T0, "PATCH", "/channels/1", 0, T0 + 10000), RL_OK);
    /* a deadline far enough away waits */
    CHECK_INT(rl_submit(rl, 3, T0, "PATCH", "/channels/1", 0, T0 + 40000), RL_OK);
    drain(rl, T0, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 2);
    CHECK_INT(d.failures[0].reason, RL_FAIL_WAIT_TOO_LONG);
    CHECK_INT(d.failures[0].wait_ms, 30000);
    CHECK_INT(d.failures[0].cause, RL_WAIT_BUCKET);
    char text[100];
    rl_describe_failure(&d.failures[0], text, sizeof text);
    CHECK_STR(text, "would wait 30.0 s for the rate limit (bucket limit)");
    drain(rl, T0 + 30000, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(d.sent[0], 3);
    /* max_wait_ms (60 s by default) applies without a deadline */
    complete(rl, 3, T0 + 30000, ok_response("name", 2, 0, 90000));
    submit(rl, 4, T0 + 30000, "PATCH", "/channels/1");
    drain(rl, T0 + 30000, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failures[0].wait_ms, 90000);
    CHECK_INT(stats_of(rl, T0).failed_wait, 2);
    rl_destroy(rl);

    /* a deadline that passes while queued behind others */
    rl = make(NULL);
    submit(rl, 1, T0, "POST", "/channels/1/messages");
    CHECK_INT(rl_submit(rl, 2, T0, "POST", "/channels/1/messages", 0, T0 + 5000), RL_OK);
    submit(rl, 3, T0, "POST", "/channels/1/messages");
    drain(rl, T0, &d);
    CHECK_INT(d.sent_n, 1);
    CHECK_INT(rl_next_wakeup(rl, T0 + 1000), 4000);
    drain(rl, T0 + 5000, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 2);
    CHECK_INT(d.failures[0].reason, RL_FAIL_DEADLINE);
    CHECK_INT(d.failures[0].wait_ms, 5000);
    complete(rl, 1, T0 + 5001, ok_response("m", 5, 4, 1000));
    drain(rl, T0 + 5001, &d);
    CHECK_INT(d.sent[0], 3);
    /* a 429 whose retry passes the deadline fails locally instead of requeueing */
    CHECK_INT(rl_submit(rl, 4, T0 + 5001, "POST", "/channels/1/messages", 0, T0 + 7000), RL_OK);
    complete(rl, 3, T0 + 5002, ok_response("m", 5, 4, 1000));
    drain(rl, T0 + 5002, &d);
    CHECK_INT(d.sent[0], 4);
    rl_result res;
    rl_response r = response_429("user", "3", "m", "0");
    CHECK_INT(rl_complete(rl, 4, T0 + 5003, &r, &res), RL_FAILED_LOCALLY);
    CHECK_INT(res.failure.reason, RL_FAIL_WAIT_TOO_LONG);
    CHECK_INT(res.failure.wait_ms, 3000);
    /* an already-expired deadline fails right away */
    CHECK_INT(rl_submit(rl, 5, T0 + 9000, "GET", "/guilds/1", 0, T0 + 8000), RL_OK);
    drain(rl, T0 + 9000, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failures[0].reason, RL_FAIL_DEADLINE);
    rl_destroy(rl);

    /* a global pause longer than a queued request's deadline */
    rl = make(NULL);
    submit(rl, 1, T0, "GET", "/guilds/1");
    CHECK_INT(rl_submit(rl, 2, T0, "GET", "/guilds/2", 0, T0 + 1000), RL_OK);
    CHECK_INT(rl_submit(rl, 3, T0, "POST", "/interactions/1/t/callback", 0, T0 + 1000), RL_OK);
    rl_ticket t;
    CHECK(rl_next_ready(rl, T0, &t));
    CHECK_INT(t.request_id, 3); /* interactions first */
    CHECK(rl_next_ready(rl, T0, &t));
    CHECK_INT(t.request_id, 1);
    r = response_429("global", "5", NULL, NULL);
    complete(rl, 1, T0, r);
    drain(rl, T0, &d);
    CHECK_INT(d.failed_n, 1);
    CHECK_INT(d.failed[0], 2);
    CHECK_INT(d.failures[0].cause, RL_WAIT_GLOBAL);
    rl_destroy(rl);
}

/* ---- the invalid-request guard ---- */

static void test_invalid_request_guard(void)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.invalid_soft = 10;
    cfg.invalid_hard = 20;
    cfg.invalid_slow_interval_ms = 250;
    cfg.max_wait_ms = 0;
    rl_limiter *rl = make(&cfg);
    char path[64];
    uint64_t id = 1, now = T0;
    rl_response forbidden;
    rl_response_init(&forbidden, 403);
    drained d;
    for (; id <= 10; id++) {
        snprintf(path, sizeof path, "/guilds/%" PRIu64 "/members/1", id);
        submit(rl, id, now, "GET", path);
        drain(rl, now, &d);
        CHECK_INT(d.sent_n, 1);
        CHECK_INT(rl_complete(rl, id, now, &forbidden, NULL), RL_DONE);
    }
    CHECK_INT(stats_of(rl, now).guard_level, 1);
    /* soft: non-interaction sends are spaced out; interactions are not */
    for (uint64_t k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "/channels/%" PRIu64 "/messages", 100 + k);
        submit(rl, 100 + k, now, "POST", path);
    }
    submit(rl, 200, now, "POST", "/interactions/1/t/callback");
    submit(rl, 201, now, "POST", "/interactions/2/t/callback");
    drain(rl, now, &d);
    CHECK_INT(d.sent_n, 2);   /* both interactions, no channel message: 250 ms since the last send */
    CHECK_INT(rl_next_wakeup(rl, now), 250);
    drain(rl, now + 250, &d);
    CHECK_INT(d.sent_n, 1);
    drain(rl, now + 499, &d);
    CHECK_INT(d.sent_n, 0);
    drain(rl, now + 500, &d);
    CHECK_INT(d.sent_n, 1);
    now += 500;
    /* hard: nothing at all */
    for (; id <= 20; id++) {
        snprintf(path, sizeof path, "/guilds/%" PRIu64 "/members/1", id);
        submit(rl, id, now, "GET", path);
    }
    for (uint64_t k = 11; k <= 20; k++) {
        now += 250;
        drain(rl, now, &d);
        CHECK_INT(d.sent_n, 1);
        rl_complete(rl, d.sent[0], now, &forbidden, NULL);
    }
    rl_stats s = stats_of(rl, now);
    CHECK_INT(s.invalid_window, 20);
    CHECK_INT(s.guard_level, 2);
    submit(rl, 300, now, "POST", "/interactions/3/t/callback");
    drain(rl, now, &d);
    CHECK_INT(d.sent_n, 0);
    /* until the oldest 5-second slot leaves the 10-minute window */
    uint64_t wake = rl_next_wakeup(rl, now);
    CHECK(wake > 590000 && wake <= 600000);
    drain(rl, now + wake - 1, &d);
    CHECK_INT(d.sent_n, 0);
    drain(rl, now + wake, &d);
    CHECK(d.sent_n >= 1);
    rl_destroy(rl);
}

/* ---- memory ---- */

static void test_gc_memory_flat_over_many_channels(void)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.bucket_idle_ms = 2000;
    cfg.route_idle_ms = 600000;
    rl_limiter *rl = make(&cfg);
    uint64_t baseline = stats_of(rl, T0).memory_bytes;
    uint64_t now = T0, next_id = 1, done = 0, peak_early = 0, peak_late = 0;
    uint64_t inflight[64];
    size_t inflight_n = 0;
    char path[64];
    /* 100k requests over 20k channels, paced by the global limit the way the HTTP layer would drive it */
    while (done < 100000) {
        while (next_id <= 100000 && next_id - done <= 200) {
            snprintf(path, sizeof path, "/channels/%" PRIu64 "/messages", 1 + (next_id * 7919) % 20000);
            CHECK_INT(rl_submit(rl, next_id, now, "POST", path, 0, 0), RL_OK);
            next_id++;
        }
        rl_ticket t;
        while (inflight_n < 64 && rl_next_ready(rl, now, &t)) {
            CHECK_INT(t.action, RL_SEND);
            inflight[inflight_n++] = t.request_id;
        }
        for (size_t i = 0; i < inflight_n; i++) {
            CHECK_INT(complete(rl, inflight[i], now, ok_response("MSGS", 5, 4, 5000)), RL_DONE);
            done++;
        }
        inflight_n = 0;
        uint64_t mem = stats_of(rl, now).memory_bytes;
        if (done < 20000 && mem > peak_early) peak_early = mem;
        if (done >= 50000 && mem > peak_late) peak_late = mem;
        uint64_t wake = rl_next_wakeup(rl, now);
        now += wake == RL_NEVER || wake == 0 ? 1 : wake;
    }
    rl_stats s = stats_of(rl, now);
    CHECK_INT(s.sent, 100000);
    CHECK_INT(s.queued, 0);
    CHECK(s.buckets < 500); /* ~100 channels are touched per idle period */
    CHECK(peak_late <= peak_early + peak_early / 4);
    rl_gc(rl, now + 3000);
    s = stats_of(rl, now + 3000);
    CHECK_INT(s.buckets, 0);
    CHECK_INT(s.lanes, 0);
    CHECK_INT(s.routes, 1);
    rl_gc(rl, now + 3000 + 600000);
    s = stats_of(rl, now + 3000 + 600000);
    CHECK_INT(s.routes, 0);
    CHECK(s.memory_bytes <= baseline + 4096);
    rl_destroy(rl);
}

static void test_gc_waits_for_pending_reset(void)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.bucket_idle_ms = 1000;
    rl_limiter *rl = make(&cfg);
    submit(rl, 1, T0, "PATCH", "/channels/1");
    drained d;
    drain(rl, T0, &d);
    complete(rl, 1, T0, ok_response("ren", 2, 0, 50000));
    rl_gc(rl, T0 + 5000);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "PATCH", "/channels/1", T0 + 5000, &info)); /* forgetting it would invite a 429 */
    CHECK_INT(info.hold_ms, 45000);
    rl_gc(rl, T0 + 49999);
    CHECK(rl_bucket_lookup(rl, "PATCH", "/channels/1", T0 + 49999, &info));
    CHECK_INT(info.hold_ms, 1);
    rl_gc(rl, T0 + 52000);
    CHECK(!rl_bucket_lookup(rl, "PATCH", "/channels/1", T0 + 52000, &info));
    rl_destroy(rl);
}

/* ---- hostile input ---- */

static void test_garbage_headers(void)
{
    rl_response r;
    rl_response_init(&r, 200);
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", "abc"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", "-1"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", "1e3"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", ""));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", "99999999999999999999"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", "5 5"));
    CHECK_INT(r.have, 0);
    CHECK(rl_parse_header(&r, "X-RATELIMIT-REMAINING", " 5 \r\n"));
    CHECK_INT(r.remaining, 5);
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "1.5.2"));
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "nan"));
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "inf"));
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "-3"));
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "0x10"));
    CHECK(!rl_parse_header(&r, "x-ratelimit-reset-after", "1e"));
    CHECK(!(r.have & RL_HAVE_RESET_AFTER));
    CHECK(rl_parse_header(&r, "x-ratelimit-reset-after", "0.0001"));
    CHECK_INT(r.reset_after_ms, 1); /* rounded up: never early */
    CHECK(rl_parse_header(&r, "x-ratelimit-reset-after", "1e999999"));
    CHECK(r.reset_after_ms > RL_MAX_HOLD_MS); /* saturated, clamped when used */
    CHECK(!rl_parse_header(&r, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));
    CHECK(!(r.have & RL_HAVE_RETRY_AFTER));
    char long_bucket[200];
    memset(long_bucket, 'a', sizeof long_bucket - 1);
    long_bucket[sizeof long_bucket - 1] = '\0';
    CHECK(!rl_parse_header(&r, "X-RateLimit-Bucket", long_bucket));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Bucket", "has space"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Bucket", "\x01\x02"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Bucket", ""));
    CHECK(!(r.have & RL_HAVE_BUCKET));
    CHECK(rl_parse_header(&r, "x-ratelimit-bucket", "  d721dea6054f6322373d361f98e5c38b  "));
    CHECK_STR(r.bucket, "d721dea6054f6322373d361f98e5c38b");
    CHECK(rl_parse_header(&r, "X-RateLimit-Scope", "USER"));
    CHECK_INT(r.scope, RL_SCOPE_USER);
    CHECK(rl_parse_header(&r, "X-RateLimit-Scope", "weird"));
    CHECK_INT(r.scope, RL_SCOPE_UNKNOWN);
    CHECK(rl_parse_header(&r, "X-RateLimit-Global", "false"));
    CHECK(!r.global);
    CHECK(!rl_parse_header(&r, "X-Something", "1"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limi", "1"));
    CHECK(!rl_parse_header(&r, NULL, "1"));
    CHECK(!rl_parse_header(&r, "X-RateLimit-Limit", NULL));

    static const struct { const char *text; bool ok; uint64_t ms; } seconds[] = {
        { "1", true, 1000 }, { "0.25", true, 250 }, { "1470173023.123", true, 1470173023123ull }, { "0", true, 0 },
        { ".5", true, 500 }, { "5.", true, 5000 }, { "1e3", true, 1000000 }, { "1E-3", true, 1 },
        { "64.57", true, 64570 }, { "1e-05", true, 1 }, { "0.0000", true, 0 }, { "0.0010001", true, 2 },
        { "", false, 0 }, { ".", false, 0 }, { "+1", false, 0 }, { "e5", false, 0 }, { "--1", false, 0 },
        { "1e+", false, 0 }, { "1 2", false, 0 }, { "\t2.5 ", true, 2500 },
    };
    for (size_t i = 0; i < sizeof seconds / sizeof seconds[0]; i++) {
        rl_response_init(&r, 200);
        CHECK_INT(rl_parse_header(&r, "retry-after", seconds[i].text), seconds[i].ok);
        CHECK_INT((r.have & RL_HAVE_RETRY_AFTER) != 0, seconds[i].ok);
        if (seconds[i].ok) CHECK_INT(r.retry_after_ms, seconds[i].ms);
    }

    /* bodies: JSON through the bounded scanner, everything else is "other" */
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"retry_after\": 64.57, \"global\": true, \"code\": 0}", 49);
    CHECK_INT(r.body, RL_BODY_JSON);
    CHECK(r.have & RL_HAVE_BODY_RETRY_AFTER);
    CHECK_INT(r.body_retry_after_ms, 64570);
    CHECK(r.body_global);
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"retry_after\": 12", 18); /* truncated: nothing taken from it */
    CHECK_INT(r.body, RL_BODY_JSON);
    CHECK(!(r.have & RL_HAVE_BODY_RETRY_AFTER));
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"retry_after\": \"soon\", \"global\": \"yes\"}", 40);
    CHECK(!(r.have & RL_HAVE_BODY_RETRY_AFTER));
    CHECK(!r.body_global);
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"retry_after\": -1}", 19);
    CHECK(!(r.have & RL_HAVE_BODY_RETRY_AFTER));
    rl_response_init(&r, 429);
    rl_parse_body(&r, "{\"nested\": {\"retry_after\": 5}}", 30);
    CHECK(!(r.have & RL_HAVE_BODY_RETRY_AFTER)); /* only the top level counts */
    rl_response_init(&r, 429);
    rl_parse_body(&r, " \n ", 3);
    CHECK_INT(r.body, RL_BODY_NONE);
    rl_parse_body(&r, NULL, 10);
    CHECK_INT(r.body, RL_BODY_NONE);
    rl_parse_body(&r, "error code: 1015", 16);
    CHECK_INT(r.body, RL_BODY_OTHER);

    /* every prefix of a real body, in an exact-size buffer (sanitizers catch any overread) */
    const char *full = "{\"message\": \"You are being rate limited.\", \"retry_after\": 0.339, \"global\": false}";
    size_t full_len = strlen(full);
    for (size_t n = 0; n <= full_len; n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, full, n);
        rl_response_init(&r, 429);
        rl_parse_body(&r, copy, n);
        CHECK(n == full_len ? (r.have & RL_HAVE_BODY_RETRY_AFTER) != 0 : (r.have & RL_HAVE_BODY_RETRY_AFTER) == 0);
        free(copy);
    }
    /* random bytes as header values and bodies: no crash, no UB */
    uint32_t seed = 12345;
    for (int i = 0; i < 3000; i++) {
        char value[24];
        size_t n = 0;
        for (; n < sizeof value - 1; n++) {
            seed = seed * 1103515245u + 12345u;
            value[n] = "0123456789.eE+- \t,x\"{}:"[(seed >> 16) % 23];
            if ((seed >> 8) % 9 == 0) break;
        }
        value[n] = '\0';
        rl_response_init(&r, 429);
        rl_parse_header(&r, "x-ratelimit-reset-after", value);
        rl_parse_header(&r, "x-ratelimit-limit", value);
        rl_parse_header(&r, "retry-after", value);
        rl_parse_body(&r, value, n);
        CHECK(r.limit >= -1);
    }
    /* absurd values are clamped when applied */
    rl_limiter *rl = make(NULL);
    submit(rl, 1, T0, "GET", "/channels/1/messages");
    drained d;
    drain(rl, T0, &d);
    rl_response_init(&r, 200);
    rl_parse_header(&r, "x-ratelimit-bucket", "b");
    rl_parse_header(&r, "x-ratelimit-remaining", "0");
    rl_parse_header(&r, "x-ratelimit-reset-after", "99999999999999999999999999");
    CHECK_INT(rl_complete(rl, 1, T0, &r, NULL), RL_DONE);
    rl_bucket_info info;
    CHECK(rl_bucket_lookup(rl, "GET", "/channels/1/messages", T0, &info));
    CHECK_INT(info.reset_in_ms, RL_MAX_HOLD_MS);
    rl_destroy(rl);
}

static void test_describe_and_names(void)
{
    char text[100];
    rl_failure f = { RL_FAIL_DEADLINE, 12345, RL_WAIT_QUEUE };
    rl_describe_failure(&f, text, sizeof text);
    CHECK_STR(text, "deadline passed after 12.3 s waiting for the rate limit");
    f = (rl_failure){ RL_FAIL_WAIT_TOO_LONG, 61000, RL_WAIT_GLOBAL };
    rl_describe_failure(&f, text, sizeof text);
    CHECK_STR(text, "would wait 61.0 s for the rate limit (global limit)");
    f = (rl_failure){ RL_FAIL_WAIT_TOO_LONG, 500, RL_WAIT_INVALID_GUARD };
    rl_describe_failure(&f, text, 12); /* truncates safely */
    CHECK_INT(strlen(text), 11);
    CHECK_STR(rl_scope_name(RL_SCOPE_SHARED), "shared");
    CHECK_STR(rl_scope_name(RL_SCOPE_CLOUDFLARE), "cloudflare");
    CHECK_STR(rl_scope_name((rl_scope)99), "?");
}

/* ---- allocation failures ---- */

typedef struct counting_alloc {
    long fail_after;    /* allocations left before they start failing; <0 = never */
    long live;
} counting_alloc;

static void *failing_alloc(void *ud, size_t size)
{
    counting_alloc *a = ud;
    if (a->fail_after == 0) return NULL;
    if (a->fail_after > 0) a->fail_after--;
    void *p = malloc(size);
    if (p) a->live++;
    return p;
}

static void failing_free(void *ud, void *ptr)
{
    counting_alloc *a = ud;
    if (ptr) a->live--;
    free(ptr);
}

static void oom_scenario(counting_alloc *a)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.alloc = failing_alloc;
    cfg.dealloc = failing_free;
    cfg.alloc_ud = a;
    cfg.bucket_idle_ms = 10;
    rl_limiter *rl = rl_create(&cfg);
    if (rl == NULL) return;
    char path[64];
    uint64_t now = T0;
    for (uint64_t id = 1; id <= 40; id++) {
        snprintf(path, sizeof path, "/channels/%" PRIu64 "/messages", id % 7);
        int rc = rl_submit(rl, id, now, "POST", path, 0, id % 3 ? now + 100000 : 0);
        CHECK(rc == RL_OK || rc == RL_ERR_NOMEM);
    }
    for (int round = 0; round < 30; round++) {
        rl_ticket t;
        while (rl_next_ready(rl, now, &t)) {
            if (t.action != RL_SEND) continue;
            if (t.request_id % 5 == 0) {
                rl_response r = response_429("user", "0.05", "B", "0");
                rl_complete(rl, t.request_id, now, &r, NULL);
            } else if (t.request_id % 7 == 0) {
                rl_cancel(rl, t.request_id, now);
            } else {
                complete(rl, t.request_id, now, ok_response(t.request_id % 2 ? "B" : "C", 5, 3, 100));
            }
        }
        now += 200;
    }
    rl_gc(rl, now + 100000);
    rl_destroy(rl);
}

static void test_allocation_failures(void)
{
    for (long n = 0; n < 400; n++) {
        counting_alloc a = { n, 0 };
        oom_scenario(&a);
        CHECK_INT(a.live, 0); /* nothing leaked, whatever failed */
    }
    counting_alloc a = { -1, 0 };
    oom_scenario(&a);
    CHECK_INT(a.live, 0);
}

/* ---- randomized run against the invariants ---- */

#define FZ_REQS 4000
#define FZ_TEMPLATES 5

typedef enum { FZ_UNUSED, FZ_QUEUED, FZ_FLIGHT, FZ_DONE } fz_state;

typedef struct fz_req {
    fz_state state;
    int tmpl, major;
    uint64_t sent_at;
} fz_req;

typedef struct fuzz {
    rl_limiter *rl;
    uint64_t now, rng;
    fz_req reqs[FZ_REQS + 1];
    bool learned[FZ_TEMPLATES];
    uint64_t normal_sends[4096];
    size_t normal_n;
    uint64_t terminal;
} fuzz;

static const char *const fz_hash[FZ_TEMPLATES] = { "A", "A", "B", NULL, "I" };

static uint32_t fz_rand(fuzz *f, uint32_t n)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (uint32_t)(f->rng % n);
}

static void fz_path(int tmpl, int major, char *out, size_t cap)
{
    switch (tmpl) {
    case 0: snprintf(out, cap, "/channels/%d/messages", major); break;
    case 1: snprintf(out, cap, "/channels/%d/messages/%d", major, 77 + major); break;
    case 2: snprintf(out, cap, "/channels/%d/pins", major); break;
    case 3: snprintf(out, cap, "/guilds/%d/audit-logs", major); break;
    default: snprintf(out, cap, "/interactions/%d/token%d/callback", major, major); break;
    }
}

/* Checks made at the moment a request is handed out. */
static void fz_on_send(fuzz *f, uint64_t id)
{
    fz_req *x = &f->reqs[id];
    CHECK_INT(x->state, FZ_QUEUED);
    /* FIFO per lane: nothing submitted earlier on the same route and major is still waiting */
    for (uint64_t j = 1; j < id; j++)
        if (f->reqs[j].tmpl == x->tmpl && f->reqs[j].major == x->major && f->reqs[j].state == FZ_QUEUED) {
            CHECK(!"an earlier request of the lane is still queued");
            break;
        }
    /* one in flight per learned bucket (hash + major), at most unlimited_in_flight on the unlimited route */
    int same = 0;
    for (uint64_t j = 1; j <= FZ_REQS; j++) {
        const fz_req *y = &f->reqs[j];
        if (j == id || y->state != FZ_FLIGHT || y->major != x->major) continue;
        if (x->tmpl == 3 && y->tmpl == 3) same++;
        else if (x->tmpl != 3 && y->tmpl != 3 && f->learned[x->tmpl] && f->learned[y->tmpl] &&
                 strcmp(fz_hash[x->tmpl], fz_hash[y->tmpl]) == 0)
            same++;
    }
    CHECK(x->tmpl == 3 ? same < 4 : same == 0);
    /* the proactive global limit: at most 5 non-exempt sends in any 1000 ms */
    if (x->tmpl != 4) {
        size_t in_window = 0;
        for (size_t k = 0; k < f->normal_n; k++)
            if (f->normal_sends[k] + 1000 > f->now) in_window++;
        CHECK(in_window < 5);
        f->normal_sends[f->normal_n++ % 4096] = f->now;
        if (f->normal_n >= 4096) f->normal_n = 0;
    }
    x->state = FZ_FLIGHT;
    x->sent_at = f->now;
}

static void fz_respond(fuzz *f, uint64_t id)
{
    fz_req *x = &f->reqs[id];
    const char *hash = fz_hash[x->tmpl];
    uint32_t roll = fz_rand(f, 100);
    rl_response r;
    rl_result res;
    char retry[32];
    snprintf(retry, sizeof retry, "%u.%03u", fz_rand(f, 2), fz_rand(f, 1000));
    if (roll < 62) {
        r = ok_response(hash, hash ? 5 : -1, hash ? (int64_t)fz_rand(f, 5) : -1, hash ? fz_rand(f, 2000) : NO_RESET);
        if (hash) f->learned[x->tmpl] = true;
    } else if (roll < 72) {
        r = response_429("user", retry, hash, hash ? "0" : NULL);
        if (hash) f->learned[x->tmpl] = true;
    } else if (roll < 76) {
        r = response_429("shared", retry, NULL, NULL);
    } else if (roll < 79) {
        r = response_429("global", retry, NULL, NULL);
    } else if (roll < 82) {
        r = response_429("user", retry, hash, hash ? "2" : NULL);
        if (hash) f->learned[x->tmpl] = true;
    } else if (roll < 83) {
        rl_response_init(&r, 429);
        rl_parse_body(&r, "<html>", 6);
    } else if (roll < 90) {
        bool retry_it = fz_rand(f, 2);
        CHECK_INT(rl_transport_error(f->rl, id, f->now, retry_it), RL_OK);
        x->state = retry_it ? FZ_QUEUED : FZ_DONE;
        f->terminal += !retry_it;
        return;
    } else if (roll < 94) {
        CHECK_INT(rl_cancel(f->rl, id, f->now), RL_OK);
        x->state = FZ_DONE;
        f->terminal++;
        return;
    } else {
        rl_response_init(&r, fz_rand(f, 2) ? 500 : 404);
    }
    rl_outcome out = rl_complete(f->rl, id, f->now, &r, &res);
    if (out == RL_REQUEUE) {
        CHECK_INT(r.status, 429);
        x->state = FZ_QUEUED;
    } else {
        CHECK(out == RL_DONE || out == RL_FAILED_LOCALLY);
        if (out == RL_FAILED_LOCALLY) CHECK_INT(r.status, 429);
        x->state = FZ_DONE;
        f->terminal++;
    }
}

static void fz_step(fuzz *f, uint64_t *next_id, bool submitting)
{
    if (submitting) {
        for (uint32_t k = fz_rand(f, 4); k > 0 && *next_id <= FZ_REQS; k--) {
            uint64_t id = (*next_id)++;
            fz_req *x = &f->reqs[id];
            x->tmpl = (int)fz_rand(f, FZ_TEMPLATES);
            x->major = 1 + (int)fz_rand(f, 3);
            char path[80];
            fz_path(x->tmpl, x->major, path, sizeof path);
            uint64_t deadline = fz_rand(f, 10) < 3 ? f->now + fz_rand(f, 8000) : 0;
            CHECK_INT(rl_submit(f->rl, id, f->now, "POST", path, 0, deadline), RL_OK);
            x->state = FZ_QUEUED;
        }
        if (fz_rand(f, 20) == 0) { /* cancel a random queued request */
            uint64_t id = 1 + fz_rand(f, (uint32_t)(*next_id - 1 ? *next_id - 1 : 1));
            if (id < *next_id && f->reqs[id].state == FZ_QUEUED) {
                CHECK_INT(rl_cancel(f->rl, id, f->now), RL_OK);
                f->reqs[id].state = FZ_DONE;
                f->terminal++;
            }
        }
    }
    rl_ticket t;
    while (rl_next_ready(f->rl, f->now, &t)) {
        CHECK(t.request_id >= 1 && t.request_id <= FZ_REQS);
        if (t.action == RL_SEND) {
            fz_on_send(f, t.request_id);
        } else {
            CHECK_INT(f->reqs[t.request_id].state, FZ_QUEUED);
            CHECK(t.failure.reason != RL_FAIL_NONE && t.failure.reason != RL_FAIL_TOKEN_INVALID);
            f->reqs[t.request_id].state = FZ_DONE;
            f->terminal++;
        }
    }
    uint64_t wake = rl_next_wakeup(f->rl, f->now);
    CHECK(wake != 0); /* drained at this instant: a zero wakeup would spin the loop */
    /* answer some of what is in flight, in random order */
    for (uint64_t id = 1; id < *next_id; id++)
        if (f->reqs[id].state == FZ_FLIGHT && fz_rand(f, 3) == 0) fz_respond(f, id);
    rl_stats s = stats_of(f->rl, f->now);
    uint64_t queued = 0, flight = 0;
    for (uint64_t id = 1; id < *next_id; id++) {
        queued += f->reqs[id].state == FZ_QUEUED;
        flight += f->reqs[id].state == FZ_FLIGHT;
    }
    CHECK_INT(s.queued + s.failing, queued);
    CHECK_INT(s.in_flight, flight);
    wake = rl_next_wakeup(f->rl, f->now);
    uint64_t step = 1 + fz_rand(f, 400);
    f->now += wake != RL_NEVER && wake < step ? (wake ? wake : 1) : step;
}

static void run_fuzz(uint64_t seed)
{
    static fuzz f; /* large: keep it off the stack */
    memset(&f, 0, sizeof f);
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.global_per_second = 5;
    cfg.cloudflare_pause_ms = 3000;
    cfg.bucket_idle_ms = 500;
    f.rl = make(&cfg);
    f.rng = seed;
    f.now = T0;
    uint64_t baseline = stats_of(f.rl, f.now).memory_bytes;
    uint64_t next_id = 1;
    for (int step = 0; step < 20000 && next_id <= FZ_REQS; step++) fz_step(&f, &next_id, true);
    /* stop submitting: everything must reach an end */
    for (int step = 0; step < 200000 && f.terminal < next_id - 1; step++) fz_step(&f, &next_id, false);
    CHECK_INT(f.terminal, next_id - 1);
    rl_stats s = stats_of(f.rl, f.now);
    CHECK_INT(s.queued + s.in_flight + s.failing, 0);
    CHECK(s.responses_429[RL_SCOPE_USER] > 0 && s.responses_429[RL_SCOPE_GLOBAL] > 0);
    CHECK(s.sublimit_429 > 0 && s.failed_deadline + s.failed_wait > 0);
    rl_gc(f.rl, f.now + 2 * 24 * 3600 * 1000ull);   /* buckets; their routes go idle now... */
    rl_gc(f.rl, f.now + 4 * 24 * 3600 * 1000ull);   /* ...and are forgotten a day later */
    s = stats_of(f.rl, f.now + 4 * 24 * 3600 * 1000ull);
    CHECK_INT(s.buckets + s.lanes + s.routes, 0);
    CHECK(s.memory_bytes <= baseline + 4096);
    rl_destroy(f.rl);
}

static void test_randomized_invariants(void)
{
    run_fuzz(0x9e3779b97f4a7c15ull);
    run_fuzz(42);
    run_fuzz(0xdeadbeefcafef00dull);
}

int main(void)
{
    RUN_TEST(test_route_keys);
    RUN_TEST(test_message_delete_subroutes);
    RUN_TEST(test_fifo_under_many_submissions);
    RUN_TEST(test_one_in_flight_per_bucket);
    RUN_TEST(test_remaining_zero_holds_until_reset);
    RUN_TEST(test_reset_margin);
    RUN_TEST(test_reset_epoch_fallback);
    RUN_TEST(test_global_limit_proactive);
    RUN_TEST(test_429_user_requeues_at_head);
    RUN_TEST(test_429_retry_after_sources);
    RUN_TEST(test_429_global_pauses_all_but_interactions);
    RUN_TEST(test_429_global_on_interaction_waits_for_itself);
    RUN_TEST(test_429_shared_not_invalid);
    RUN_TEST(test_sublimit_holds_only_its_route);
    RUN_TEST(test_cloudflare_html_429);
    RUN_TEST(test_401_fails_everything_after);
    RUN_TEST(test_cancel_frees_slot_at_once);
    RUN_TEST(test_transport_errors_and_head_retries);
    RUN_TEST(test_timed_out_request_counts_against_remaining);
    RUN_TEST(test_provisional_to_real_bucket);
    RUN_TEST(test_provisional_429_hold_carries_over);
    RUN_TEST(test_routes_sharing_a_hash_merge);
    RUN_TEST(test_hash_change_moves_route);
    RUN_TEST(test_unlimited_route);
    RUN_TEST(test_deadline_and_max_wait);
    RUN_TEST(test_invalid_request_guard);
    RUN_TEST(test_gc_memory_flat_over_many_channels);
    RUN_TEST(test_gc_waits_for_pending_reset);
    RUN_TEST(test_garbage_headers);
    RUN_TEST(test_describe_and_names);
    RUN_TEST(test_allocation_failures);
    RUN_TEST(test_randomized_invariants);
    return CHECK_DONE();
}
