/* libFuzzer target: the stop-timer parser (timer_parse.c) in fixed zones.
 *
 * Input: byte 0 picks the zone (and, with bit 0x80, a raw 64-bit clock instead of one in 1970-2100), bytes
 * 1-8 are `now`, the rest is what the user typed.
 *
 * Invariants checked, beyond ASan/UBSan:
 *  - the error is a known code with a name and a NUL-terminated message; a failure carries no instant;
 *  - an accepted timer is in the future and at most 365 days ahead; a relative one is exactly now + seconds;
 *  - a clock or dated timer lands on the wall time typed (in the zone), unless it fell into a DST gap
 *    (shifted), and then later by less than a day; a clock time is today unless `tomorrow`;
 *  - case and surrounding blanks do not matter; the same input always gives the same answer. */
#include "fuzz_util.h"
#include "fuzz_zones.h"
#include "timer_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_zones_load();
    return 0;
}

static bool same(const timer_result *a, const timer_result *b)
{
    return a->error == b->error && a->kind == b->kind && a->epoch == b->epoch && a->seconds == b->seconds &&
           a->tomorrow == b->tomorrow && a->shifted == b->shifted;
}

static int digit_run(const char *s, size_t from, size_t *end)
{
    int v = 0;
    size_t i = from;
    while (s[i] >= '0' && s[i] <= '9' && i - from < 4) v = v * 10 + (s[i++] - '0');
    *end = i;
    return v;
}

/* The wall time typed, from the trimmed, lower-cased text of an accepted clock or dated timer, as local
 * seconds since the epoch (24:00 is the next midnight). */
static int64_t typed_wall(const char *s, size_t len, timer_kind kind, const civil_time *today)
{
    FUZZ_CHECK(len >= 4 && (s[len - 3] == ':' || s[len - 3] == 'h'), "accepted \"%s\" has no HH:MM at the end", s);
    int minute = (s[len - 2] - '0') * 10 + (s[len - 1] - '0');
    size_t h0 = len - 3;
    while (h0 > 0 && s[h0 - 1] >= '0' && s[h0 - 1] <= '9' && len - 3 - h0 < 2) h0--;
    int hour = 0;
    for (size_t i = h0; i < len - 3; i++) hour = hour * 10 + (s[i] - '0');
    int64_t y = today->year, mo = today->month, d = today->day;
    if (kind == TIMER_DATED) {
        size_t end;
        y = digit_run(s, 0, &end);
        mo = digit_run(s, end + 1, &end);
        d = digit_run(s, end + 1, &end);
    }
    return civil_to_days(y, (int)mo, (int)d) * 86400 + hour * 3600 + minute * 60;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint8_t pick = fz_u8(&in);
    uint64_t raw = fz_u64(&in);
    const tz_zone *zone = fuzz_zones[(pick & 0x7f) % FUZZ_ZONE_COUNT];
    int64_t now = pick & 0x80 ? (int64_t)raw : (int64_t)(raw % 4102444800ull);
    const char *text = (const char *)in.p;
    size_t len = in.left;

    timer_result r;
    timer_error e = timer_parse(text, len, now, zone, &r);
    FUZZ_CHECK(e == r.error && e >= TIMER_OK && e <= TIMER_ERR_PAST, "error %d", (int)e);
    FUZZ_CHECK(strcmp(timer_error_name(e), "unknown") != 0, "error %d has no name", (int)e);
    FUZZ_CHECK(memchr(r.message, '\0', sizeof r.message) != NULL, "message not NUL-terminated");

    timer_result again;
    timer_parse(text, len, now, zone, &again);
    FUZZ_CHECK(same(&r, &again), "not deterministic");

    if (e != TIMER_OK) {
        FUZZ_CHECK(r.message[0] != '\0', "an error without a message");
        FUZZ_CHECK(r.epoch == 0 && !r.tomorrow && !r.shifted, "a failed parse carries an instant");
    } else {
        FUZZ_CHECK(r.kind >= TIMER_RELATIVE && r.kind <= TIMER_DATED, "kind %d", (int)r.kind);
        FUZZ_CHECK(r.epoch > now, "epoch %lld not after now %lld", (long long)r.epoch, (long long)now);
        FUZZ_CHECK(r.epoch - now <= TIMER_MAX_SECONDS, "%lld s ahead", (long long)(r.epoch - now));
        if (r.kind == TIMER_RELATIVE) {
            FUZZ_CHECK(r.seconds > 0 && r.epoch == now + r.seconds, "relative %lld s", (long long)r.seconds);
        } else {
            /* The trimmed, lower-cased text. */
            char s[TIMER_MAX_INPUT + 1];
            size_t a = 0, b = len;
            while (a < b && strchr(" \t\r\n", text[a]) != NULL && text[a] != '\0') a++;
            while (b > a && strchr(" \t\r\n", text[b - 1]) != NULL && text[b - 1] != '\0') b--;
            for (size_t i = a; i < b; i++) s[i - a] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
            s[b - a] = '\0';
            civil_time today;
            tz_utc_to_local(zone, now, &today, NULL);
            int64_t local = fuzz_local_seconds(zone, r.epoch);
            FUZZ_CHECK(local % 60 == 0, "\"%s\": lands on second %lld", s, (long long)(local % 60));
            int64_t wall = typed_wall(s, b - a, r.kind, &today);
            if (r.kind == TIMER_CLOCK) {
                /* Today's wall time, or tomorrow's (or the day after, in a zone that skipped a day). */
                int64_t shown = local, typed = wall;
                if (!r.shifted) {
                    int64_t day_shift = shown - typed;
                    FUZZ_CHECK(day_shift == 0 || day_shift == 86400 || day_shift == 2 * 86400,
                               "\"%s\" at %lld: %lld s from the wall time typed", s, (long long)now,
                               (long long)day_shift);
                    FUZZ_CHECK(r.tomorrow == (day_shift > 0), "\"%s\": tomorrow=%d but %lld s", s, r.tomorrow,
                               (long long)day_shift);
                }
                FUZZ_CHECK(r.epoch - now <= 3 * 86400, "\"%s\" is %lld s ahead", s, (long long)(r.epoch - now));
            } else if (!r.shifted) {
                FUZZ_CHECK(local == wall, "\"%s\": shows %lld, typed %lld", s, (long long)local, (long long)wall);
            }
            if (r.shifted && r.kind == TIMER_DATED)
                FUZZ_CHECK(local > wall && local - wall < 86400, "\"%s\": moved %lld s by a gap", s,
                           (long long)(local - wall));
        }
    }

    /* Upper case and surrounding blanks change nothing (when it still fits the length limit). */
    if (len + 2 <= TIMER_MAX_INPUT) {
        char variant[TIMER_MAX_INPUT + 3];
        variant[0] = ' ';
        for (size_t i = 0; i < len; i++)
            variant[i + 1] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
        variant[len + 1] = '\t';
        timer_result v;
        timer_parse(variant, len + 2, now, zone, &v);
        /* A NUL inside the text ends the blank-trimming differently: only compare NUL-free input. */
        if (memchr(text, '\0', len) == NULL)
            FUZZ_CHECK(same(&r, &v) || (len == 0 && v.error == TIMER_ERR_EMPTY), "case or blanks changed the answer");
    }
    return 0;
}
