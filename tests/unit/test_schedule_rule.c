/* The schedule calculator with a fake clock, in real zones (tzdata must be installed; nothing is skipped).
 * Expected instants were computed independently (Python's zoneinfo); the DST windows are also checked
 * against a brute-force oracle that converts every matching wall minute of the window one by one. */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "schedule_rule.h"

#define BERLIN_XMAS_EVE 1735066800   /* 2024-12-24 20:00 CET, a Tuesday */

static tz_zone *must_load(const char *name)
{
    char err[256] = "";
    tz_zone *zone = tz_load(name, err, sizeof err);
    if (zone == NULL) {
        fprintf(stderr, "FATAL: cannot load %s: %s (is the tzdata package installed?)\n", name, err);
        exit(1);
    }
    return zone;
}

static schedule_rule parse_ok(const char *text, int64_t now, int64_t anchor, const tz_zone *zone)
{
    schedule_rule r;
    char err[640] = "";
    schedule_error e = schedule_rule_parse(text, strlen(text), now, anchor, zone, &r, err, sizeof err);
    if (e != SCHEDULE_OK) fprintf(stderr, "  \"%s\": %s: %s\n", text, schedule_error_name(e), err);
    CHECK_INT(e, SCHEDULE_OK);
    CHECK_STR(err, "");
    return r;
}

static bool same_rule(const schedule_rule *a, const schedule_rule *b)
{
    return a->kind == b->kind && a->minutes == b->minutes && a->hours == b->hours && a->mdays == b->mdays &&
           a->months == b->months && a->wdays == b->wdays && a->dom_star == b->dom_star &&
           a->dow_star == b->dow_star && a->hour == b->hour && a->minute == b->minute &&
           a->interval == b->interval && a->anchor == b->anchor && a->at == b->at && strcmp(a->text, b->text) == 0;
}

/* Parses, checks kind, canonical text and description, and that the canonical text parses to the same rule. */
static schedule_rule expect_rule(const char *text, int64_t now, const tz_zone *zone, schedule_kind kind,
                                 const char *canonical, const char *description)
{
    schedule_rule r = parse_ok(text, now, now, zone);
    CHECK_INT(r.kind, kind);
    char buf[SCHEDULE_TEXT_MAX], desc[160];
    schedule_rule_format(&r, buf, sizeof buf);
    CHECK_STR(buf, canonical);
    schedule_rule_describe(&r, zone, desc, sizeof desc);
    CHECK_STR(desc, description);
    schedule_rule again = parse_ok(buf, now, now, zone);
    CHECK(same_rule(&again, &r));
    return r;
}

static void expect_next(const char *text, int64_t now, const tz_zone *zone, const int64_t *want, size_t n)
{
    schedule_rule r = parse_ok(text, now, now, zone);
    int64_t t = now;
    for (size_t i = 0; i < n; i++) {
        t = schedule_rule_next(&r, zone, t);
        if (t != want[i]) fprintf(stderr, "  \"%s\" occurrence %zu\n", text, i);
        CHECK_INT(t, want[i]);
        if (t < 0) return;
    }
}

static void expect_error_len(const char *text, size_t len, int64_t now, const tz_zone *zone, schedule_error want)
{
    schedule_rule r;
    char err[640] = "";
    schedule_error e = schedule_rule_parse(text, len, now, now, zone, &r, err, sizeof err);
    if (e != want) fprintf(stderr, "  \"%.40s\": %s, expected %s\n", text ? text : "(null)", schedule_error_name(e),
                           schedule_error_name(want));
    CHECK_INT(e, want);
    /* Every refusal says what would have worked, and in which zone. */
    CHECK(strstr(err, "daily 04:00") != NULL && strstr(err, "every 6h") != NULL &&
          strstr(err, "mon,thu 18:00") != NULL && strstr(err, "2025-12-24.18:00") != NULL &&
          strstr(err, tz_name(zone)) != NULL);
}

static void expect_error(const char *text, const tz_zone *zone, schedule_error want)
{
    expect_error_len(text, strlen(text), BERLIN_XMAS_EVE, zone, want);
}

static void test_daily_and_weekly(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    expect_rule("daily 04:00", now, z, SCHEDULE_DAILY, "daily 04:00", "every day at 04:00");
    expect_rule("  Daily at 4:00 ", now, z, SCHEDULE_DAILY, "daily 04:00", "every day at 04:00");
    expect_rule("every day at 04h00", now, z, SCHEDULE_DAILY, "daily 04:00", "every day at 04:00");
    expect_rule("mon-sun 04:00", now, z, SCHEDULE_DAILY, "daily 04:00", "every day at 04:00");
    int64_t daily[] = { 1735095600, 1735182000 };
    expect_next("daily 04:00", now, z, daily, 2);

    expect_rule("weekdays 23:30", now, z, SCHEDULE_WEEKLY, "weekdays 23:30", "Mon-Fri at 23:30");
    expect_rule("mon-fri 23:30", now, z, SCHEDULE_WEEKLY, "weekdays 23:30", "Mon-Fri at 23:30");
    expect_rule("MO-FR 23:30", now, z, SCHEDULE_WEEKLY, "weekdays 23:30", "Mon-Fri at 23:30");
    expect_rule("weekends 10:00", now, z, SCHEDULE_WEEKLY, "weekends 10:00", "Sat, Sun at 10:00");
    expect_rule("sa,so 10:00", now, z, SCHEDULE_WEEKLY, "weekends 10:00", "Sat, Sun at 10:00");
    expect_rule("mon,thu 18:00", now, z, SCHEDULE_WEEKLY, "mon,thu 18:00", "Mon, Thu at 18:00");
    expect_rule("Thu, Mon at 18:00", now, z, SCHEDULE_WEEKLY, "mon,thu 18:00", "Mon, Thu at 18:00");
    expect_rule("mo,do 18:00", now, z, SCHEDULE_WEEKLY, "mon,thu 18:00", "Mon, Thu at 18:00");
    expect_rule("monday,thursday 18:00", now, z, SCHEDULE_WEEKLY, "mon,thu 18:00", "Mon, Thu at 18:00");
    expect_rule("mi 7:05", now, z, SCHEDULE_WEEKLY, "wed 07:05", "Wed at 07:05");
    expect_rule("fri-mon 08:00", now, z, SCHEDULE_WEEKLY, "mon,fri,sat,sun 08:00", "Mon, Fri-Sun at 08:00");
    expect_rule("mon-wed,fri 08:00", now, z, SCHEDULE_WEEKLY, "mon,tue,wed,fri 08:00", "Mon-Wed, Fri at 08:00");
    expect_rule("sun 0:00", now, z, SCHEDULE_WEEKLY, "sun 00:00", "Sun at 00:00");

    /* Weekday rollover: Friday 23:45 is past Friday's run, the next is Monday; Friday 20:00 still gets it. */
    int64_t fri_late[] = { 1735597800 };
    expect_next("weekdays 23:30", 1735339500, z, fri_late, 1);
    int64_t fri_evening[] = { 1735338600, 1735597800 };
    expect_next("weekdays 23:30", 1735326000, z, fri_evening, 2);
    int64_t weekends[] = { 1735376400, 1735462800, 1735981200 };
    expect_next("weekends 10:00", now, z, weekends, 3);
    int64_t mon_thu[] = { 1735232400, 1735578000 };
    expect_next("mon,thu 18:00", now, z, mon_thu, 2);
    /* Exactly at a run: strictly after means the next one. */
    schedule_rule r = parse_ok("daily 04:00", now, now, z);
    CHECK_INT(schedule_rule_next(&r, z, 1735095600), 1735182000);
    CHECK_INT(schedule_rule_next(&r, z, 1735095599), 1735095600);
    /* Year rollover: New Year's Eve 23:30 -> 1 January. */
    int64_t new_year[] = { 1735700400 };
    expect_next("daily 04:00", 1735684200, z, new_year, 1);
    tz_free(z);
}

static void test_every(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    expect_rule("every 6h", now, z, SCHEDULE_EVERY, "every 6h", "every 6 hours");
    expect_rule("every 30m", now, z, SCHEDULE_EVERY, "every 30m", "every 30 minutes");
    expect_rule("every 1d", now, z, SCHEDULE_EVERY, "every 1d", "every day");
    expect_rule("Every 1 Hour", now, z, SCHEDULE_EVERY, "every 1h", "every hour");
    expect_rule("every hour", now, z, SCHEDULE_EVERY, "every 1h", "every hour");
    expect_rule("every 90 minutes", now, z, SCHEDULE_EVERY, "every 1h30m", "every 1 hour 30 minutes");
    expect_rule("every 1h 30m", now, z, SCHEDULE_EVERY, "every 1h30m", "every 1 hour 30 minutes");
    expect_rule("every 36h", now, z, SCHEDULE_EVERY, "every 1d12h", "every 1 day 12 hours");
    expect_rule("every 5m", now, z, SCHEDULE_EVERY, "every 5m", "every 5 minutes");
    expect_rule("every 31d", now, z, SCHEDULE_EVERY, "every 31d", "every 31 days");
    expect_rule("every 2 days", now, z, SCHEDULE_EVERY, "every 2d", "every 2 days");

    /* Anchored to the creation time: the same runs whenever the bot asks (a restart does not shift them). */
    const int64_t created = now - 1000;
    schedule_rule r = parse_ok("every 6h", now, created, z);
    CHECK_INT(r.anchor, created);
    CHECK_INT(schedule_rule_next(&r, z, now), created + 6 * 3600);
    CHECK_INT(schedule_rule_next(&r, z, created + 6 * 3600), created + 12 * 3600);
    CHECK_INT(schedule_rule_next(&r, z, created + 6 * 3600 - 1), created + 6 * 3600);
    CHECK_INT(schedule_rule_next(&r, z, created - 86400), created + 6 * 3600);   /* before creation */
    CHECK_INT(schedule_rule_next(&r, z, created + 1000 * 21600 + 5), created + 1001 * 21600);
    /* Absolute durations across both DST changes: always 6 h apart, the wall clock moves instead. */
    schedule_rule spring = parse_ok("every 6h", 1711796400, 1711796400, z);   /* 2024-03-30 12:00 CET */
    int64_t t = 1711796400;
    for (int i = 1; i <= 12; i++) {
        int64_t next = schedule_rule_next(&spring, z, t);
        CHECK_INT(next - t, 6 * 3600);
        t = next;
    }
    civil_time wall;
    tz_utc_to_local(z, t, &wall, NULL);
    CHECK(wall.day == 2 && wall.hour == 13);   /* 12:00 CET + 72 h = 13:00 CEST on 2 April */
    schedule_rule fall = parse_ok("every 6h", 1729936800, 1729936800, z);
    CHECK_INT(schedule_rule_next(&fall, z, 1729936800 + 3 * 21600), 1729936800 + 4 * 21600);
    tz_utc_to_local(z, 1729936800 + 4 * 21600, &wall, NULL);
    CHECK(wall.day == 27 && wall.hour == 11);   /* 12:00 CEST + 24 h = 11:00 CET */
    tz_free(z);
}

static void test_cron(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    tz_zone *utc = must_load("UTC");
    const int64_t now = BERLIN_XMAS_EVE;
    expect_rule("0 */6 * * *", now, z, SCHEDULE_CRON, "0 */6 * * *", "cron 0 */6 * * *");
    expect_rule("cron  0  */6 * * * ", now, z, SCHEDULE_CRON, "0 */6 * * *", "cron 0 */6 * * *");
    expect_rule("0 4 * * MON-FRI", now, z, SCHEDULE_CRON, "0 4 * * mon-fri", "cron 0 4 * * mon-fri");
    expect_rule("0,30 4 1, 15 * *", now, z, SCHEDULE_CRON, "0,30 4 1,15 * *", "cron 0,30 4 1,15 * *");
    int64_t six[] = { 1735081200, 1735102800 };
    expect_next("0 */6 * * *", now, z, six, 2);

    /* Masks: lists, ranges, steps, a/step, names, 7 = Sunday. */
    schedule_rule r = parse_ok("*/15 9-17/2 1,15 jan-mar,dec 1-5/2", now, now, z);
    CHECK(r.minutes == ((1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45)));
    CHECK_INT(r.hours, (1 << 9) | (1 << 11) | (1 << 13) | (1 << 15) | (1 << 17));
    CHECK_INT(r.mdays, (1 << 1) | (1 << 15));
    CHECK_INT(r.months, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 12));
    CHECK_INT(r.wdays, (1 << 1) | (1 << 3) | (1 << 5));
    CHECK(!r.dom_star && !r.dow_star);
    r = parse_ok("5/20 0 * * 7", now, now, z);
    CHECK(r.minutes == ((1ull << 5) | (1ull << 25) | (1ull << 45)));
    CHECK_INT(r.wdays, 1);
    CHECK(r.dom_star && !r.dow_star);
    r = parse_ok("0 0 * * 0,7,sun", now, now, z);
    CHECK_INT(r.wdays, 1);
    r = parse_ok("0 0 * * 5-7", now, now, z);
    CHECK_INT(r.wdays, (1 << 5) | (1 << 6) | 1);

    /* Both day fields restricted: either matches (the 13th, and every Friday). */
    int64_t either[] = { civil_to_days(2025, 6, 6) * 86400, civil_to_days(2025, 6, 13) * 86400,
                         civil_to_days(2025, 6, 20) * 86400, civil_to_days(2025, 6, 27) * 86400,
                         civil_to_days(2025, 7, 4) * 86400, civil_to_days(2025, 7, 11) * 86400,
                         civil_to_days(2025, 7, 13) * 86400 };
    expect_next("0 0 13 * fri", civil_to_days(2025, 6, 1) * 86400, utc, either, 7);
    /* One starts with '*': both must match (Vixie cron): odd days that are Mondays. */
    int64_t both[] = { civil_to_days(2025, 6, 9) * 86400, civil_to_days(2025, 6, 23) * 86400,
                       civil_to_days(2025, 7, 7) * 86400 };
    expect_next("0 0 */2 * mon", civil_to_days(2025, 6, 1) * 86400, utc, both, 3);

    /* Leap day: from 2025 the next 29 February is 2028; from 2097 it is 2104 (2100 is not a leap year). */
    int64_t leap[] = { 1835434800, 1961665200 };
    expect_next("0 12 29 2 *", 1735686000, z, leap, 2);
    int64_t leap_far[] = { 4233729600 };
    expect_next("0 12 29 2 *", 4012934400, utc, leap_far, 1);
    /* End of month: the 31st skips the 30-day months and February. */
    int64_t eom[] = { 1738281600, 1743379200, 1748649600, 1753920000, 1756598400, 1761868800, 1767139200, 1769817600 };
    expect_next("0 0 31 * *", 1735689600, utc, eom, 8);
    /* Year rollover. */
    int64_t new_year[] = { 1735686000, civil_to_days(2026, 1, 1) * 86400 - 3600 };
    expect_next("0 0 1 jan *", 1735684200, z, new_year, 2);
    tz_free(utc);
    tz_free(z);
}

static void test_once(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    schedule_rule r = expect_rule("15m", now, z, SCHEDULE_ONCE, "once 2024-12-24T19:15:00Z",
                                  "once at 2024-12-24 20:15 CET");
    CHECK_INT(r.at, now + 900);
    CHECK_INT(schedule_rule_next(&r, z, now), now + 900);
    CHECK_INT(schedule_rule_next(&r, z, now + 899), now + 900);
    CHECK_INT(schedule_rule_next(&r, z, now + 900), -1);   /* spent */
    expect_rule("22:30", now, z, SCHEDULE_ONCE, "once 2024-12-24T21:30:00Z", "once at 2024-12-24 22:30 CET");
    expect_rule("once at 22:30", now, z, SCHEDULE_ONCE, "once 2024-12-24T21:30:00Z", "once at 2024-12-24 22:30 CET");
    expect_rule("ONCE 2024-12-24T21:30:00Z", now, z, SCHEDULE_ONCE, "once 2024-12-24T21:30:00Z",
                "once at 2024-12-24 22:30 CET");
    r = expect_rule("2025-12-24.18:00", 1748772000, z, SCHEDULE_ONCE, "once 2025-12-24T17:00:00Z",
                    "once at 2025-12-24 18:00 CET");
    CHECK_INT(schedule_rule_next(&r, z, 1748772000), 1766595600);
    tz_free(z);
}

static void test_refused(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const char *not_schedules[] = {
        "tonight", "daily", "daily at", "daily 4", "daily 4pm", "daily 04:00 05:00", "daily 04:0", "weekdays",
        "funday 18:00", "mon,xyz 18:00", "mon,,thu 18:00", "mon- 18:00", "mon 18:00 extra", "every", "every 6",
        "every 6x", "every 30m6h", "every 6h6h", "every -6h", "every 1.5h", "cron", "cron 0 0 * *",
        "0 0 * * * *", "a b c d e", "0 0 * * mon-", "0,,5 * * * *", "0, * * * *", "0 0 * * 1-", "0 0 L * *",
        "0 0 * * 5#2", "0 0 ? * *", "@daily", "0 0 * jam *", "0x1 * * * *", "once", "once at", "yesterday",
        "1 2 3", "mon,thu\t18:00", "daily 04:00\x01", "\x7f", "daily 04:00\xc2\xa0", "t\xc3\xa4glich 04:00",
    };
    for (size_t i = 0; i < sizeof not_schedules / sizeof not_schedules[0]; i++)
        expect_error(not_schedules[i], z, SCHEDULE_ERR_FORMAT);
    expect_error("", z, SCHEDULE_ERR_EMPTY);
    expect_error(" \t\r\n ", z, SCHEDULE_ERR_EMPTY);
    expect_error_len(NULL, 0, BERLIN_XMAS_EVE, z, SCHEDULE_ERR_EMPTY);
    expect_error_len("daily 04:00\0junk", 16, BERLIN_XMAS_EVE, z, SCHEDULE_ERR_FORMAT);
    /* 100 KB: refused before it is read, whatever it holds. */
    size_t big = 100 * 1024;
    char *huge = malloc(big + 1);
    CHECK(huge != NULL);
    memset(huge, ' ', big);
    memcpy(huge + big / 2, "daily 04:00", 11);
    huge[big] = '\0';
    expect_error_len(huge, big, BERLIN_XMAS_EVE, z, SCHEDULE_ERR_TOO_LONG);
    expect_error_len(huge, SCHEDULE_MAX_INPUT + 1, BERLIN_XMAS_EVE, z, SCHEDULE_ERR_TOO_LONG);
    free(huge);
    /* Shaped right, out of range. */
    const char *out_of_range[] = {
        "daily 25:00", "daily 24:00", "daily 12:60", "mon 99h99", "every 1m", "every 4m", "every 0m", "every 32d",
        "every 744h1m", "every 999999d", "61 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 0 *",
        "0 0 * 13 *", "0 0 * * 8", "5-1 * * * *", "*/0 * * * *", "*/60 * * * *", "0 0 1-40 * *",
        /* more often than every 5 minutes */
        "* * * * *", "*/2 * * * *", "0-4 * * * *", "0,4 * * * *", "58,1 * * * *", "58,1 23,0 * * *",
        "400d", "0m", "-15m", "2025-02-30.10:00",
    };
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++)
        expect_error(out_of_range[i], z, SCHEDULE_ERR_RANGE);
    /* Allowed neighbours of the above. */
    parse_ok("*/5 * * * *", BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z);
    parse_ok("58,1 5 * * *", BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z);
    parse_ok("55,0 * * * *", BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z);
    /* Never matches. */
    const char *never[] = { "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 feb *", "0 0 31 2 */2" };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) expect_error(never[i], z, SCHEDULE_ERR_NEVER);
    parse_ok("0 0 30 2 mon", BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z);   /* either day field: Mondays in February */
    /* One-shots in the past. */
    expect_error("2024-12-24.14:00", z, SCHEDULE_ERR_PAST);
    expect_error("2024-12-24.20:00", z, SCHEDULE_ERR_PAST);   /* exactly now */
    expect_error("once 2024-12-24T19:00:00Z", z, SCHEDULE_ERR_PAST);
    expect_error("once 2024-02-30T00:00:00Z", z, SCHEDULE_ERR_RANGE);
    expect_error("once 2026-12-24T19:00:00Z", z, SCHEDULE_ERR_RANGE);   /* more than 365 days */
    schedule_rule r;
    char err[640];
    CHECK_INT(schedule_rule_parse("2024-12-24.14:00", 16, BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z, &r, err, sizeof err),
              SCHEDULE_ERR_PAST);
    CHECK(strstr(err, "2024-12-24 14:00 CET is in the past.") == err);
    CHECK_INT(schedule_rule_parse("61 * * * *", 10, BERLIN_XMAS_EVE, BERLIN_XMAS_EVE, z, &r, err, sizeof err),
              SCHEDULE_ERR_RANGE);
    CHECK(strstr(err, "minute field, 61 is out of range (0-59)") != NULL);
    /* A clock no one should pass is refused rather than overflowing; a tiny or absent buffer is fine. */
    CHECK_INT(schedule_rule_parse("daily 04:00", 11, INT64_MAX, 0, z, &r, err, sizeof err), SCHEDULE_ERR_FORMAT);
    CHECK_INT(schedule_rule_parse("every 6h", 8, 0, INT64_MIN, z, &r, err, sizeof err), SCHEDULE_ERR_FORMAT);
    CHECK_INT(schedule_rule_parse("nope", 4, 0, 0, z, &r, err, 8), SCHEDULE_ERR_FORMAT);
    CHECK_INT(strlen(err), 7);
    CHECK_INT(schedule_rule_parse("nope", 4, 0, 0, z, &r, NULL, 0), SCHEDULE_ERR_FORMAT);
    CHECK_STR(schedule_error_name(SCHEDULE_ERR_NEVER), "never");
    CHECK_STR(schedule_kind_name(SCHEDULE_WEEKLY), "weekly");
    tz_free(z);
}

/* Every run in [from, to) by brute force: each matching wall minute of each local day around the window,
 * converted on its own. Returns how many were written (sorted, unique). */
static size_t oracle(const schedule_rule *r, const tz_zone *zone, int64_t from, int64_t to, int64_t *out, size_t max)
{
    size_t n = 0;
    int64_t first_day = from / 86400 - 2, last_day = to / 86400 + 2;
    for (int64_t day = first_day; day <= last_day; day++) {
        civil_time c;
        civil_from_days(day, &c);
        if (!(r->months >> c.month & 1)) continue;
        bool dom = r->mdays >> c.day & 1, dow = r->wdays >> civil_weekday(day) & 1;
        if (!(r->dom_star || r->dow_star ? dom && dow : dom || dow)) continue;
        for (int h = 0; h < 24; h++)
            for (int m = 0; m < 60; m++) {
                if (!(r->hours >> h & 1) || !(r->minutes >> m & 1)) continue;
                c.hour = h;
                c.minute = m;
                c.second = 0;
                int64_t t = tz_local_to_utc(zone, &c, NULL, NULL);
                if (t < from || t >= to) continue;
                size_t i = n;   /* insertion into the sorted set */
                while (i > 0 && out[i - 1] > t) i--;
                if (i > 0 && out[i - 1] == t) continue;
                if (n == max) return n;
                memmove(out + i + 1, out + i, (n - i) * sizeof *out);
                out[i] = t;
                n++;
            }
    }
    return n;
}

static void compare_with_oracle(const char *text, const tz_zone *zone, int64_t from, int64_t to)
{
    enum { MAX = 4096 };
    static int64_t want[MAX];
    schedule_rule r = parse_ok(text, from, from, zone);
    size_t n = oracle(&r, zone, from, to, want, MAX);
    CHECK(n < MAX);
    size_t i = 0, bad = 0;
    for (int64_t t = schedule_rule_next(&r, zone, from - 1); t >= 0 && t < to; t = schedule_rule_next(&r, zone, t)) {
        if (i >= n || want[i] != t) bad++;
        i++;
    }
    if (bad != 0 || i != n)
        fprintf(stderr, "  %s in %s: %zu runs, oracle %zu, %zu differ\n", text, tz_name(zone), i, n, bad);
    CHECK_INT(bad, 0);
    CHECK_INT(i, n);
}

/* Runs of `r` whose local date is y-m-d, found by asking next() repeatedly through the night. */
static int runs_on_day(const schedule_rule *r, const tz_zone *zone, int64_t day_start, int64_t day_end, int64_t *first)
{
    int count = 0;
    *first = -1;
    for (int64_t t = schedule_rule_next(r, zone, day_start - 86400); t >= 0 && t < day_end + 86400;
         t = schedule_rule_next(r, zone, t)) {
        if (t >= day_start && t < day_end) {
            if (count++ == 0) *first = t;
        }
    }
    return count;
}

static void test_dst(void)
{
    tz_zone *berlin = must_load("Europe/Berlin");
    tz_zone *ny = must_load("America/New_York");
    int64_t first;
    /* Spring-forward, Berlin 2024-03-31: 02:30 does not exist; it runs once, shifted by the gap to 03:30 CEST. */
    schedule_rule r = parse_ok("daily 02:30", 1711796400, 1711796400, berlin);
    CHECK_INT(schedule_rule_next(&r, berlin, 1711796400), 1711848600);
    CHECK_INT(schedule_rule_next(&r, berlin, 1711848600), 1711931400);
    CHECK_INT(runs_on_day(&r, berlin, 1711839600, 1711922400, &first), 1);
    CHECK_INT(first, 1711848600);
    r = parse_ok("30 2 * * *", 1711796400, 1711796400, berlin);
    CHECK_INT(runs_on_day(&r, berlin, 1711839600, 1711922400, &first), 1);
    CHECK_INT(first, 1711848600);
    /* 02:30 shifted to 03:30 and a 03:30 run are one run; the 23-hour day has 46 half hours. */
    r = parse_ok("*/30 * * * *", 1711796400, 1711796400, berlin);
    CHECK_INT(runs_on_day(&r, berlin, 1711839600, 1711922400, &first), 46);
    CHECK_INT(schedule_rule_next(&r, berlin, 1711845000 /* 01:30 CET */), 1711846800 /* 03:00 CEST */);
    /* Fall-back, Berlin 2024-10-27: 02:30 happens twice; it runs once, at the first (CEST). */
    r = parse_ok("daily 02:30", 1729936800, 1729936800, berlin);
    CHECK_INT(schedule_rule_next(&r, berlin, 1729936800), 1729989000);
    CHECK_INT(schedule_rule_next(&r, berlin, 1729989000), 1730079000);   /* not 1729992600, the second */
    CHECK_INT(runs_on_day(&r, berlin, 1729980000, 1730070000, &first), 1);
    CHECK_INT(first, 1729989000);
    r = parse_ok("*/30 * * * *", 1729936800, 1729936800, berlin);
    CHECK_INT(runs_on_day(&r, berlin, 1729980000, 1730070000, &first), 48);   /* 25 hours, each wall time once */
    CHECK_INT(schedule_rule_next(&r, berlin, 1729989000 /* 02:30 CEST */), 1729994400 /* 03:00 CET */);

    /* New York 2024: 02:30 on 10 March -> 03:30 EDT; 01:30 on 3 November runs once (EDT). */
    r = parse_ok("daily 02:30", 1710003600, 1710003600, ny);
    CHECK_INT(schedule_rule_next(&r, ny, 1710003600), 1710055800);
    CHECK_INT(schedule_rule_next(&r, ny, 1710055800), 1710138600);
    CHECK_INT(runs_on_day(&r, ny, 1710046800, 1710129600, &first), 1);
    r = parse_ok("daily 01:30", 1730563200, 1730563200, ny);
    CHECK_INT(schedule_rule_next(&r, ny, 1730563200), 1730611800);
    CHECK_INT(schedule_rule_next(&r, ny, 1730611800), 1730701800);
    CHECK_INT(runs_on_day(&r, ny, 1730606400, 1730696400, &first), 1);
    CHECK_INT(first, 1730611800);
    r = parse_ok("weekends 02:30", 1730563200, 1730563200, ny);   /* 02:30 is after the repeated hour: once */
    CHECK_INT(runs_on_day(&r, ny, 1730606400, 1730696400, &first), 1);

    /* A gap at 23:30 (custom rule): 23:45 on the spring day runs at 00:45 of the next day's clock, found
     * even when asked from that next day. */
    char err[256];
    tz_zone *late = tz_from_posix("XST-1XDT,M3.5.0/23:30,M10.5.0/3", err, sizeof err);
    CHECK(late != NULL);
    if (late != NULL) {
        int64_t sunday = civil_to_days(2025, 3, 30) * 86400;   /* the last Sunday of March 2025 */
        int64_t gap = sunday + 22 * 3600 + 1800;                /* 23:30 XST = 22:30 UTC */
        r = parse_ok("daily 23:45", sunday, sunday, late);
        CHECK_INT(schedule_rule_next(&r, late, gap - 1), gap + 900);
        CHECK_INT(schedule_rule_next(&r, late, gap + 600), gap + 900);   /* asked at 00:40 XDT on Monday */
        CHECK_INT(schedule_rule_next(&r, late, gap + 900), civil_to_days(2025, 3, 31) * 86400 + 21 * 3600 + 2700);
        compare_with_oracle("15,45 0,23 * * *", late, sunday - 3 * 86400, sunday + 3 * 86400);
        compare_with_oracle("*/20 * * * *", late, sunday - 86400, sunday + 2 * 86400);
        tz_free(late);
    }

    /* A 30-minute gap at 23:45 (custom rule): 23:50 on Sunday is shifted to 22:50 UTC (00:20 on Monday's
     * clock), so Monday's 00:17 (22:47 UTC, just after the gap) runs first: the next day is consulted. */
    late = tz_from_posix("XST-1XDT-1:30,M3.5.0/23:45,M10.5.0/3", err, sizeof err);
    CHECK(late != NULL);
    if (late != NULL) {
        int64_t sunday = civil_to_days(2025, 3, 30) * 86400;
        r = parse_ok("17,50 0,23 * * *", sunday, sunday, late);
        CHECK_INT(schedule_rule_next(&r, late, sunday + 22 * 3600 + 1200), sunday + 22 * 3600 + 47 * 60);
        CHECK_INT(schedule_rule_next(&r, late, sunday + 22 * 3600 + 47 * 60), sunday + 22 * 3600 + 50 * 60);
        compare_with_oracle("17,50 0,23 * * *", late, sunday - 3 * 86400, sunday + 3 * 86400);
        tz_free(late);
    }

    /* The oracle over a week around each change, in zones with 1 h, 30 min and midnight transitions. */
    const char *zones[] = { "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
                            "America/Havana", "Asia/Kolkata" };
    const char *rules[] = { "*/30 * * * *", "0,30 2 * * *", "15,45 0,1,23 * * *", "*/5 1-3 * * *",
                            "10,40 0 * * 0,6", "0 0 1,31 * sat" };
    const int64_t windows[][2] = {
        { 1711400000, 1712100000 }, { 1729600000, 1730300000 },   /* Europe, spring and autumn 2024 */
        { 1709700000, 1710400000 }, { 1730300000, 1731000000 },   /* North America */
        { 1712000000, 1712700000 }, { 1727700000, 1728400000 },   /* Lord Howe */
        { 1712300000, 1713000000 }, { 1725500000, 1726200000 },   /* Santiago (24:00 changes) */
    };
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        tz_zone *zone = must_load(zones[zi]);
        for (size_t ri = 0; ri < sizeof rules / sizeof rules[0]; ri++)
            for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++)
                compare_with_oracle(rules[ri], zone, windows[wi][0], windows[wi][1]);
        schedule_rule daily = parse_ok("daily 00:15", 0, 0, zone);
        for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
            int64_t t = windows[wi][0];
            for (int i = 0; i < 8; i++) {   /* and a daily run always moves forward, at most ~1 day + gap */
                int64_t next = schedule_rule_next(&daily, zone, t);
                CHECK(next > t && next - t <= 86400 + 3600);
                t = next;
            }
        }
        tz_free(zone);
    }
    tz_free(ny);
    tz_free(berlin);
}

/* next() walks days, not minutes: thousands of far-away answers stay cheap. */
static void test_efficiency(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    schedule_rule leap = parse_ok("0 12 29 2 *", 4012934400, 4012934400, z);
    schedule_rule busy = parse_ok("*/5 * * * *", 1735686000, 1735686000, z);
    clock_t start = clock();
    int64_t sum = 0;
    for (int i = 0; i < 2000; i++) {
        sum += schedule_rule_next(&leap, z, 4012934400 + i * 3600) > 0;
        sum += schedule_rule_next(&busy, z, 1711839600 + i * 997) > 0;   /* around the spring-forward */
    }
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    fprintf(stderr, "  4000 next() calls: %.3f s\n", seconds);
    CHECK_INT(sum, 4000);
    CHECK(seconds < 5.0);
    /* Nothing past the search window: a rule with no run left answers -1. */
    schedule_rule feb = parse_ok("0 12 29 2 *", 1735686000, 1735686000, z);
    CHECK_INT(schedule_rule_next(&feb, z, ((int64_t)1 << 40) + 1), -1);
    /* Nothing before 1970: from the dawn of time, the first run is 1972-02-29 12:00 CET. */
    CHECK_INT(schedule_rule_next(&feb, z, INT64_MIN), civil_to_days(1972, 2, 29) * 86400 + 11 * 3600);
    tz_free(z);
}

int main(void)
{
    RUN_TEST(test_daily_and_weekly);
    RUN_TEST(test_every);
    RUN_TEST(test_cron);
    RUN_TEST(test_once);
    RUN_TEST(test_refused);
    RUN_TEST(test_dst);
    RUN_TEST(test_efficiency);
    return CHECK_DONE();
}
