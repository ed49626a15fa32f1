/* libFuzzer target: schedule rules (schedule_rule.c): parse, canonical text, description, next().
 *
 * Input: byte 0 picks the zone (bit 0x80: raw 64-bit clock values instead of ones in 1970-2100), bytes 1-8
 * `now`, bytes 9-16 how far before `now` the anchor lies (every rules count from it), the rest is the rule.
 *
 * Invariants checked, beyond ASan/UBSan:
 *  - an error has a known code, a name and a message; an accepted rule has a known kind and a canonical
 *    text that parses again (same now, anchor and zone) to the very same rule;
 *  - next(after) is -1 or strictly after `after`, never before 1970; following next() from its own result
 *    goes strictly forward;
 *  - every: results are anchor + k * interval, the first after `after`, and the interval is 5 min-31 days;
 *    once: the instant itself while it is ahead, then -1;
 *  - calendar rules in UTC: the result matches the rule's minute, hour, day and month (Vixie day matching),
 *    no matching minute between `after` and the result is skipped (checked minute by minute over up to two
 *    days), and two runs are at least 5 minutes apart; in other zones a daily or weekly rule runs at its
 *    wall time unless DST skipped it. */
#include "fuzz_util.h"
#include "fuzz_zones.h"
#include "schedule_rule.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_zones_load();
    return 0;
}

static bool same_rule(const schedule_rule *a, const schedule_rule *b)
{
    return a->kind == b->kind && a->minutes == b->minutes && a->hours == b->hours && a->mdays == b->mdays &&
           a->months == b->months && a->wdays == b->wdays && a->dom_star == b->dom_star &&
           a->dow_star == b->dow_star && a->hour == b->hour && a->minute == b->minute &&
           a->interval == b->interval && a->anchor == b->anchor && a->at == b->at && strcmp(a->text, b->text) == 0;
}

static bool is_calendar(const schedule_rule *r)
{
    return r->kind == SCHEDULE_DAILY || r->kind == SCHEDULE_WEEKLY || r->kind == SCHEDULE_CRON;
}

/* Whether the UTC minute starting at t (a multiple of 60) is a run of a calendar rule. */
static bool utc_matches(const schedule_rule *r, int64_t t)
{
    int64_t days = t / 86400 - (t % 86400 < 0), secs = t - days * 86400;
    civil_time c;
    civil_from_days(days, &c);
    int hour = (int)(secs / 3600), minute = (int)(secs / 60 % 60);
    if (!(r->minutes >> minute & 1) || !(r->hours >> hour & 1) || !(r->months >> c.month & 1)) return false;
    bool dom = r->mdays >> c.day & 1, dow = r->wdays >> civil_weekday(days) & 1;
    return r->dom_star || r->dow_star ? dom && dow : dom || dow;
}

static void check_next(const schedule_rule *r, const tz_zone *zone, bool utc, int64_t after)
{
    int64_t n = schedule_rule_next(r, zone, after);
    if (after < -1) after = -1; /* nothing before 1970 is returned: next(-5) is next(-1) */
    FUZZ_CHECK(n == -1 || (n > after && n >= 0), "next(%lld) = %lld", (long long)after, (long long)n);
    if (n == -1) {
        if (r->kind == SCHEDULE_EVERY && after >= 0 && after < 4102444800ll)
            FUZZ_CHECK(false, "an every rule ran out at %lld", (long long)after);
        if (r->kind == SCHEDULE_ONCE && after >= 0) FUZZ_CHECK(r->at <= after, "once %lld missed", (long long)r->at);
        return;
    }
    switch (r->kind) {
    case SCHEDULE_EVERY:
        FUZZ_CHECK(r->interval >= SCHEDULE_MIN_INTERVAL && r->interval <= SCHEDULE_MAX_INTERVAL, "interval %lld",
                   (long long)r->interval);
        FUZZ_CHECK((n - r->anchor) % r->interval == 0 && n > r->anchor, "every: %lld is off the grid", (long long)n);
        FUZZ_CHECK(n - r->interval <= after || n - r->interval <= r->anchor, "every: skipped a run before %lld",
                   (long long)n);
        break;
    case SCHEDULE_ONCE:
        FUZZ_CHECK(n == r->at, "once: %lld instead of %lld", (long long)n, (long long)r->at);
        break;
    default:
        FUZZ_CHECK(is_calendar(r), "kind %d", (int)r->kind);
        if (utc) {
            FUZZ_CHECK(n % 60 == 0 && utc_matches(r, n), "%s: %lld is no run", r->text, (long long)n);
            int64_t first = (after < 0 ? -1 : after) / 60 * 60 + 60; /* the first whole minute after `after` */
            if (n - first <= 2 * 86400)
                for (int64_t t = first; t < n; t += 60)
                    FUZZ_CHECK(!utc_matches(r, t), "%s: next(%lld) skipped the run at %lld", r->text,
                               (long long)after, (long long)t);
        } else if (r->kind != SCHEDULE_CRON) {
            /* A daily or weekly run shows its wall time, or later when a DST gap swallowed it. */
            int64_t local = fuzz_local_seconds(zone, n);
            int64_t of_day = (local % 86400 + 86400) % 86400, want = r->hour * 3600 + r->minute * 60;
            int64_t late = (of_day - want + 86400) % 86400;
            FUZZ_CHECK(late < 3 * 3600, "%s runs at local %lld s of the day", r->text, (long long)of_day);
        }
        break;
    }
    int64_t n2 = schedule_rule_next(r, zone, n);
    FUZZ_CHECK(n2 == -1 || n2 > n, "next(next) went back");
    if (utc && is_calendar(r) && n2 != -1)
        FUZZ_CHECK(n2 - n >= SCHEDULE_MIN_INTERVAL, "%s: runs %lld and %lld are closer than 5 minutes", r->text,
                   (long long)n, (long long)n2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint8_t pick = fz_u8(&in);
    uint64_t raw_now = fz_u64(&in), raw_back = fz_u64(&in);
    int zone_index = (pick & 0x7f) % FUZZ_ZONE_COUNT;
    const tz_zone *zone = fuzz_zones[zone_index];
    bool utc = zone_index == 0;
    int64_t now, anchor;
    if (pick & 0x80) {
        now = (int64_t)raw_now;
        anchor = (int64_t)raw_back;
    } else {
        now = (int64_t)(raw_now % 4102444800ull);
        anchor = now - (int64_t)(raw_back % (400ull * 86400));
    }
    const char *text = (const char *)in.p;
    size_t len = in.left;

    schedule_rule r;
    char err[1024];
    schedule_error e = schedule_rule_parse(text, len, now, anchor, zone, &r, err, sizeof err);
    FUZZ_CHECK(e >= SCHEDULE_OK && e <= SCHEDULE_ERR_PAST, "error %d", (int)e);
    FUZZ_CHECK(strcmp(schedule_error_name(e), "unknown") != 0 && schedule_error_name(e)[0] != '\0', "error name");
    FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "message not NUL-terminated");
    if (e != SCHEDULE_OK) {
        FUZZ_CHECK(err[0] != '\0', "an error without a message");
        return 0;
    }
    FUZZ_CHECK(r.kind >= SCHEDULE_DAILY && r.kind <= SCHEDULE_ONCE, "kind %d", (int)r.kind);
    FUZZ_CHECK(memchr(r.text, '\0', sizeof r.text) != NULL && r.text[0] != '\0', "canonical text");
    char formatted[SCHEDULE_TEXT_MAX];
    schedule_rule_format(&r, formatted, sizeof formatted);
    FUZZ_CHECK(strcmp(formatted, r.text) == 0, "format differs from the text");
    char described[512];
    schedule_rule_describe(&r, zone, described, sizeof described);
    FUZZ_CHECK(memchr(described, '\0', sizeof described) != NULL && described[0] != '\0', "description");

    /* The canonical text means the same rule. A once has a canonical text only in years 1970-9999 (beyond,
     * the year has five digits: reachable only with the bot's clock in 9999). */
    if (r.kind != SCHEDULE_ONCE || (r.at >= 0 && r.at <= 253402300799ll)) {
        schedule_rule again;
        schedule_error e2 = schedule_rule_parse(r.text, strlen(r.text), now, anchor, zone, &again, err, sizeof err);
        FUZZ_CHECK(e2 == SCHEDULE_OK, "canonical \"%s\" of \"%.*s\" refused: %s", r.text, (int)len, text, err);
        FUZZ_CHECK(same_rule(&r, &again), "canonical \"%s\" of \"%.*s\" parses to another rule (\"%s\")", r.text,
                   (int)len, text, again.text);
    }

    check_next(&r, zone, utc, now);
    check_next(&r, zone, utc, anchor);
    check_next(&r, zone, utc, now + (int64_t)(raw_back % (40ull * 86400)));
    check_next(&r, zone, utc, -5);
    return 0;
}
