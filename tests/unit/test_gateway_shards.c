/* PEON_SHARDS parsing, the /gateway/bot answer, and identify pacing by session_start_limit and
 * max_concurrency buckets. */
#include "check.h"
#include "gateway_shards.h"

static void test_parse_valid_specs(void)
{
    gws_shard_range r;
    char err[200] = "";
    CHECK_INT(gws_shards_parse("auto", &r, err, sizeof err), 0);
    CHECK(r.automatic);
    CHECK_INT(gws_shards_parse("0/1", &r, err, sizeof err), 0);
    CHECK(!r.automatic && r.first == 0 && r.last == 0 && r.count == 1);
    CHECK_INT(gws_shards_parse("3/8", &r, err, sizeof err), 0);
    CHECK(r.first == 3 && r.last == 3 && r.count == 8);
    CHECK_INT(gws_shards_parse("0-3/8", &r, err, sizeof err), 0);
    CHECK(r.first == 0 && r.last == 3 && r.count == 8);
    CHECK_INT(gws_shards_parse("7-7/8", &r, err, sizeof err), 0);
    CHECK(r.first == 7 && r.last == 7);
    CHECK_INT(gws_shards_parse("0-999999/1000000", &r, err, sizeof err), 0);
}

static void test_parse_rejects_bad_specs(void)
{
    struct { const char *text, *mentions; } bad[] = {
        { "", "empty" }, { NULL, "empty" }, { "Auto", "not auto" }, { "auto ", "not auto" }, { "3", "not auto" },
        { "/2", "not auto" }, { "1/", "not auto" }, { "-1/2", "not auto" }, { "1-/4", "not auto" },
        { "a/b", "not auto" }, { "1/2/3", "not auto" }, { " 1/2", "not auto" }, { "1/2x", "not auto" },
        { "+1/2", "not auto" }, { "0x1/2", "not auto" }, { "1.0/2", "not auto" }, { "0/0", "between 1 and" },
        { "2/2", "does not exist" }, { "0-4/4", "ids run 0-3" }, { "3-1/4", "comes after" },
        { "0/1000001", "between 1 and" }, { "99999999/1", "not auto" }, { "0/99999999999999999999", "not auto" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gws_shard_range r;
        char err[200] = "";
        CHECK_INT(gws_shards_parse(bad[i].text, &r, err, sizeof err), -1);
        CHECK(strstr(err, "PEON_SHARDS") != NULL);
        if (strstr(err, bad[i].mentions) == NULL) {
            fprintf(stderr, "  \"%s\" -> %s\n", bad[i].text ? bad[i].text : "(null)", err);
            CHECK(0);
        }
    }
    /* A long spec is quoted only in part; a small buffer is never overrun. */
    char longspec[300];
    memset(longspec, '9', sizeof longspec - 1);
    longspec[sizeof longspec - 1] = '\0';
    gws_shard_range r;
    char small[16];
    CHECK_INT(gws_shards_parse(longspec, &r, small, sizeof small), -1);
    CHECK(strlen(small) == sizeof small - 1);
}

static void test_resolve(void)
{
    gws_shard_range r;
    char err[200];
    gws_shards_parse("auto", &r, err, sizeof err);
    CHECK_INT(gws_shards_resolve(&r, 4, 64, err, sizeof err), 0);
    CHECK(!r.automatic && r.first == 0 && r.last == 3 && r.count == 4);
    gws_shards_parse("auto", &r, err, sizeof err);
    CHECK_INT(gws_shards_resolve(&r, 0, 64, err, sizeof err), -1);
    gws_shards_parse("auto", &r, err, sizeof err);
    CHECK_INT(gws_shards_resolve(&r, 100, 64, err, sizeof err), -1);
    CHECK(strstr(err, "FIRST-LAST/100") != NULL);
    gws_shards_parse("2-5/16", &r, err, sizeof err);
    CHECK_INT(gws_shards_resolve(&r, 1, 64, err, sizeof err), 0); /* explicit ranges stay as given */
    CHECK(r.first == 2 && r.last == 5 && r.count == 16);
}

static void test_gateway_bot_answer(void)
{
    gws_gateway_bot bot;
    char err[200];
    const char *full = "{\"url\":\"wss://gateway.discord.gg\",\"shards\":9,\"session_start_limit\":{\"total\":1000,"
                       "\"remaining\":999,\"reset_after\":14400000,\"max_concurrency\":16}}";
    CHECK_INT(gws_parse_gateway_bot(full, strlen(full), &bot, err, sizeof err), 0);
    CHECK_STR(bot.url, "wss://gateway.discord.gg");
    CHECK_INT(bot.shards, 9);
    CHECK_INT(bot.limit.total, 1000);
    CHECK_INT(bot.limit.remaining, 999);
    CHECK_INT(bot.limit.reset_after_ms, 14400000);
    CHECK_INT(bot.limit.max_concurrency, 16);

    const char *plain = "{\"url\":\"ws://127.0.0.1:8080/\"}";
    CHECK_INT(gws_parse_gateway_bot(plain, strlen(plain), &bot, err, sizeof err), 0);
    CHECK_INT(bot.shards, 1);
    CHECK_INT(bot.limit.remaining, 1000);
    CHECK_INT(bot.limit.max_concurrency, 1);

    const char *odd = "{\"url\":\"wss://g\",\"session_start_limit\":{\"total\":1,\"remaining\":-5,\"reset_after\":-1,"
                      "\"max_concurrency\":0}}";
    CHECK_INT(gws_parse_gateway_bot(odd, strlen(odd), &bot, err, sizeof err), 0);
    CHECK_INT(bot.limit.remaining, 0);
    CHECK_INT(bot.limit.reset_after_ms, 0);
    CHECK_INT(bot.limit.max_concurrency, 1);

    const char *bad[] = { "", "[]", "{\"url\":1}", "{\"url\":\"https://x\"}", "{\"shards\":1}",
                          "{\"url\":\"wss://g\",\"shards\":0}", "{\"url\":\"wss://g\",\"shards\":\"2\"}",
                          "{\"url\":\"wss://g\",\"session_start_limit\":{\"remaining\":1.5}}",
                          "{\"url\":\"wss://g\",\"session_start_limit\":[]}", "{\"url\":\"wss://g\"",
                          "{\"url\":\"wss://g\"} trailing" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_INT(gws_parse_gateway_bot(bad[i], strlen(bad[i]), &bot, err, sizeof err), -1);
        CHECK(err[0] != '\0');
    }
}

static void test_bucket_keys_and_planned_offsets(void)
{
    CHECK_INT(gws_shard_key(0, 16), 0);
    CHECK_INT(gws_shard_key(17, 16), 1);
    CHECK_INT(gws_shard_key(5, 1), 0);
    /* max_concurrency 1: one shard per 5 s. */
    for (int id = 0; id < 4; id++) CHECK_INT(gws_shard_start_offset_ms(id, 0, 1), (uint64_t)id * 5000);
    /* max_concurrency 16: shards 0-15 together, 16-31 five seconds later. */
    CHECK_INT(gws_shard_start_offset_ms(15, 0, 16), 0);
    CHECK_INT(gws_shard_start_offset_ms(16, 0, 16), 5000);
    CHECK_INT(gws_shard_start_offset_ms(33, 0, 16), 10000);
    /* A process that starts at shard 3 with max_concurrency 4: 3,4,5,6 together, 7 after 3. */
    CHECK_INT(gws_shard_start_offset_ms(6, 3, 4), 0);
    CHECK_INT(gws_shard_start_offset_ms(7, 3, 4), 5000);
}

/* Runs shards first..last through the gate as a shell would (each retries when told to wait) and records
 * when each one identified. */
static void simulate(gws_identify_gate *gate, int first, int last, uint64_t *identified_at)
{
    uint64_t next_try[64];
    bool done[64] = { false };
    int count = last - first + 1;
    for (int i = 0; i < count; i++) next_try[i] = 0;
    for (int rounds = 0; rounds < 10000; rounds++) {
        int left = 0;
        uint64_t now = UINT64_MAX;
        for (int i = 0; i < count; i++)
            if (!done[i] && next_try[i] < now) now = next_try[i];
        for (int i = 0; i < count; i++) {
            if (done[i] || next_try[i] != now) continue;
            char reason[160];
            uint64_t wait = gws_gate_acquire(gate, first + i, now, reason, sizeof reason);
            if (wait == 0) {
                gws_gate_spend(gate, first + i, now + 300); /* the IDENTIFY goes out after the handshake */
                identified_at[i] = now + 300;
                done[i] = true;
            } else {
                CHECK(reason[0] != '\0');
                next_try[i] = now + wait;
            }
        }
        for (int i = 0; i < count; i++) left += !done[i];
        if (left == 0) return;
    }
    CHECK(0); /* did not finish */
}

static void test_gate_max_concurrency_buckets(void)
{
    gws_identify_gate gate;
    gws_start_limit limit = { 1000, 1000, 0, 4 };
    gws_gate_init(&gate, &limit, 0);
    uint64_t at[12];
    simulate(&gate, 0, 11, at);
    /* Keys 0-3: shards 0-3 together, then 4-7, then 8-11; a round follows 5 s after the previous one's
     * IDENTIFYs went out, and not much later. */
    for (int i = 0; i < 12; i++) CHECK_INT(at[i], at[i / 4 * 4]);
    for (int round = 1; round < 3; round++) {
        uint64_t gap = at[round * 4] - at[(round - 1) * 4];
        CHECK(gap >= 5000 && gap <= 6000);
    }
    CHECK_INT(at[0], 300);
    /* No key ever identified twice within 5 s. */
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            if (i != j && i % 4 == j % 4) CHECK(at[i] >= at[j] + 5000 || at[j] >= at[i] + 5000);
    CHECK_INT(gate.remaining, 988);
    CHECK_INT(gate.reserved, 0);

    gws_start_limit serial = { 1000, 1000, 0, 1 };
    gws_gate_init(&gate, &serial, 0);
    simulate(&gate, 0, 3, at);
    for (int i = 1; i < 4; i++) CHECK(at[i] >= at[i - 1] + 5000);
}

static void test_gate_session_start_budget(void)
{
    gws_identify_gate gate;
    char reason[160];
    gws_start_limit limit = { 1000, 2, 60000, 16 };
    gws_gate_init(&gate, &limit, 0);
    CHECK_INT(gws_gate_acquire(&gate, 0, 0, reason, sizeof reason), 0);
    CHECK_INT(gws_gate_acquire(&gate, 1, 0, reason, sizeof reason), 0);
    /* Both starts are held by tickets: a third shard asks again shortly. */
    CHECK_INT(gws_gate_acquire(&gate, 2, 0, reason, sizeof reason), GWS_IDENTIFY_SPACING_MS);
    CHECK(strstr(reason, "other shards") != NULL);
    gws_gate_release(&gate); /* shard 1's connection failed */
    CHECK_INT(gws_gate_acquire(&gate, 2, 10, reason, sizeof reason), 0);
    gws_gate_spend(&gate, 0, 100);
    gws_gate_spend(&gate, 2, 100);
    CHECK_INT(gate.remaining, 0);
    /* Used up: wait for the window to reset, with a reason for the log. */
    uint64_t wait = gws_gate_acquire(&gate, 3, 1000, reason, sizeof reason);
    CHECK_INT(wait, 59000);
    CHECK(strstr(reason, "session start limit used up") != NULL);
    CHECK(strstr(reason, "59.0 s") != NULL);
    CHECK_INT(gws_gate_acquire(&gate, 3, 60000, reason, sizeof reason), 0);
    CHECK_INT(gate.remaining, 1000);
    /* The refilled window is assumed to last a day, until fresh numbers arrive. */
    CHECK_INT(gate.reset_at_ms, 60000 + (uint64_t)GWS_START_WINDOW_MS);
    gws_start_limit fresh = { 1000, 500, 1000, 16 };
    gws_gate_update(&gate, &fresh, 70000);
    CHECK_INT(gate.remaining, 500);
    CHECK_INT(gate.reserved, 1);
}

static void test_gate_concurrency_change_is_safe(void)
{
    gws_identify_gate gate;
    char reason[160];
    gws_start_limit limit = { 1000, 1000, 0, 2 };
    gws_gate_init(&gate, &limit, 0);
    CHECK_INT(gws_gate_acquire(&gate, 0, 0, reason, sizeof reason), 0);
    gws_gate_spend(&gate, 0, 0);
    gws_start_limit more = { 1000, 999, 0, 3 };
    gws_gate_update(&gate, &more, 1000);
    /* Shard 3 has a new key, but the old key's 5 s still hold for everyone. */
    CHECK_INT(gws_gate_acquire(&gate, 3, 1000, reason, sizeof reason), 4000);
    CHECK_INT(gws_gate_acquire(&gate, 3, 5000, reason, sizeof reason), 0);
}

int main(void)
{
    RUN_TEST(test_parse_valid_specs);
    RUN_TEST(test_parse_rejects_bad_specs);
    RUN_TEST(test_resolve);
    RUN_TEST(test_gateway_bot_answer);
    RUN_TEST(test_bucket_keys_and_planned_offsets);
    RUN_TEST(test_gate_max_concurrency_buckets);
    RUN_TEST(test_gate_session_start_budget);
    RUN_TEST(test_gate_concurrency_change_is_safe);
    return CHECK_DONE();
}
