/* The stop-timer parser with a fake clock, in real zones (tzdata must be installed; nothing is skipped).
 * Expected instants were computed independently (Python's zoneinfo). */
#include <stdlib.h>

#include "check.h"
#include "timer_parse.h"

#define BERLIN_XMAS_EVE 1735066800   /* 2024-12-24 20:00 CET */

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

static timer_result parse(const char *text, int64_t now, const tz_zone *zone)
{
    timer_result r;
    timer_parse(text, strlen(text), now, zone, &r);
    if (r.error != TIMER_OK) CHECK_INT(r.epoch, 0);   /* an error never carries an instant */
    return r;
}

static void expect_ok(const char *text, int64_t now, const tz_zone *zone, timer_kind kind, int64_t epoch,
                      bool tomorrow, bool shifted)
{
    timer_result r = parse(text, now, zone);
    if (r.error != TIMER_OK || r.epoch != epoch)
        fprintf(stderr, "  \"%s\": error %d epoch %lld: %s\n", text, r.error, (long long)r.epoch, r.message);
    CHECK_INT(r.error, TIMER_OK);
    CHECK_INT(r.kind, kind);
    CHECK_INT(r.epoch, epoch);
    CHECK_INT(r.tomorrow, tomorrow);
    CHECK_INT(r.shifted, shifted);
}

static void expect_error(const char *text, size_t len, int64_t now, const tz_zone *zone, timer_error error)
{
    timer_result r;
    timer_parse(text, len, now, zone, &r);
    if (r.error != error) fprintf(stderr, "  \"%.40s\": error %d, expected %d\n", text, r.error, error);
    CHECK_INT(r.error, error);
    CHECK_INT(r.epoch, 0);
    CHECK(!r.tomorrow && !r.shifted);
    /* Every refusal says what would have worked. */
    CHECK(strstr(r.message, "15m") != NULL && strstr(r.message, "22:30") != NULL &&
          strstr(r.message, "2024-12-25.14:00") != NULL && strstr(r.message, tz_name(zone)) != NULL);
}

static void expect_refused(const char *text, const tz_zone *zone, timer_error error)
{
    expect_error(text, strlen(text), BERLIN_XMAS_EVE, zone, error);
}

static void test_relative(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    struct { const char *text; int64_t seconds; } cases[] = {
        { "15m", 900 }, { "2h", 7200 }, { "1d", 86400 }, { "30s", 30 }, { "90m", 5400 }, { "1h30m", 5400 },
        { "1d12h", 129600 }, { "1h30m15s", 5415 }, { "15", 900 }, { "015", 900 }, { "  15M  ", 900 },
        { "1H30M", 5400 }, { "\t2h\r\n", 7200 }, { "365d", 365 * 86400 }, { "8760h", 365 * 86400 },
        { "1s", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        timer_result r = parse(cases[i].text, now, z);
        if (r.error != TIMER_OK) fprintf(stderr, "  \"%s\": %s\n", cases[i].text, r.message);
        CHECK_INT(r.error, TIMER_OK);
        CHECK_INT(r.kind, TIMER_RELATIVE);
        CHECK_INT(r.seconds, cases[i].seconds);
        CHECK_INT(r.epoch, now + cases[i].seconds);
        CHECK(!r.tomorrow && !r.shifted);
    }
    tz_free(z);
}

static void test_clock(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    expect_ok("22:30", now, z, TIMER_CLOCK, 1735075800, false, false);
    expect_ok("22h30", now, z, TIMER_CLOCK, 1735075800, false, false);
    expect_ok("22H30", now, z, TIMER_CLOCK, 1735075800, false, false);
    expect_ok(" 22:30 ", now, z, TIMER_CLOCK, 1735075800, false, false);
    expect_ok("20:01", now, z, TIMER_CLOCK, now + 60, false, false);
    /* Already past today: tomorrow, and the result says so. Exactly now is past too. */
    expect_ok("9:30", now, z, TIMER_CLOCK, 1735115400, true, false);
    expect_ok("09:30", now, z, TIMER_CLOCK, 1735115400, true, false);
    expect_ok("20:00", now, z, TIMER_CLOCK, now + 86400, true, false);
    expect_ok("0:00", now, z, TIMER_CLOCK, 1735081200, true, false);
    /* 24:00 is the midnight ending today: the same instant as tomorrow's 0:00, never "past". */
    expect_ok("24:00", now, z, TIMER_CLOCK, 1735081200, false, false);
    expect_ok("1h30", now, z, TIMER_CLOCK, 1735081200 + 5400, true, false);   /* HhMM is a clock time */
    tz_free(z);
}

static void test_tomorrow_rolls_over_month_and_year(void)
{
    tz_zone *berlin = must_load("Europe/Berlin");
    expect_ok("9:00", 1735684200 /* 2024-12-31 23:30 CET */, berlin, TIMER_CLOCK, 1735718400, true, false);
    tz_free(berlin);
    tz_zone *utc = must_load("UTC");
    int64_t leap_eve = civil_to_days(2028, 2, 28) * 86400 + 23 * 3600;
    expect_ok("10:00", leap_eve, utc, TIMER_CLOCK, civil_to_days(2028, 2, 29) * 86400 + 10 * 3600, true, false);
    int64_t plain_eve = civil_to_days(2027, 2, 28) * 86400 + 23 * 3600;
    expect_ok("10:00", plain_eve, utc, TIMER_CLOCK, civil_to_days(2027, 3, 1) * 86400 + 10 * 3600, true, false);
    int64_t april_end = civil_to_days(2027, 4, 30) * 86400 + 23 * 3600;
    expect_ok("1:00", april_end, utc, TIMER_CLOCK, civil_to_days(2027, 5, 1) * 86400 + 3600, true, false);
    tz_free(utc);
}

static void test_dated(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const int64_t now = BERLIN_XMAS_EVE;
    const char *forms[] = { "2024-12-25.14:00", "2024/12/25.14h00", "2024-12-25 14:00", "2024-12-25T14:00",
                            "2024.12.25.14:00", "2024-12-25.14H00", " 2024/12/25 14:00 ", "2024-12-25.14h00" };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        expect_ok(forms[i], now, z, TIMER_DATED, 1735131600, false, false);
    expect_ok("2025-1-5.9:05", now, z, TIMER_DATED, civil_to_days(2025, 1, 5) * 86400 + 8 * 3600 + 300, false,
              false);
    expect_ok("2024-12-24.24:00", now, z, TIMER_DATED, 1735081200, false, false);   /* = 25 Dec 00:00 */
    expect_ok("2025-12-24.14:00", now, z, TIMER_DATED, civil_to_days(2025, 12, 24) * 86400 + 13 * 3600, false,
              false);   /* 364.75 days ahead: allowed */

    /* Leap day, and a footer-only instant in 2100 (CEST from the rule, not the stored transitions). */
    tz_zone *utc = must_load("UTC");
    int64_t feb28 = civil_to_days(2028, 2, 28) * 86400 + 12 * 3600;
    expect_ok("2028-02-29.10:00", feb28, utc, TIMER_DATED, civil_to_days(2028, 2, 29) * 86400 + 36000, false,
              false);
    expect_ok("2100-07-01.12:00", 4099806000 /* 2099-12-01 */, z, TIMER_DATED, 4118119200, false, false);
    tz_free(utc);

    /* In the past: refused, and the message says so with the zone's own abbreviation. */
    timer_result r = parse("2024-12-24.14:00", now, z);
    CHECK_INT(r.error, TIMER_ERR_PAST);
    CHECK(strstr(r.message, "in the past") != NULL);
    CHECK(strstr(r.message, "2024-12-24 14:00 CET") != NULL);
    CHECK_INT(parse("2024-12-24.20:00", now, z).error, TIMER_ERR_PAST);   /* exactly now */
    CHECK_INT(parse("2023-06-01.12:00", now, z).error, TIMER_ERR_PAST);
    tz_free(z);
}

static void test_dst(void)
{
    tz_zone *berlin = must_load("Europe/Berlin");
    const int64_t saturday = 1711796400;   /* 2024-03-30 12:00 CET, the day before spring-forward */
    /* 02:30 does not exist on 31 March: moved by the gap to 03:30 CEST, and flagged. */
    expect_ok("2:30", saturday, berlin, TIMER_CLOCK, 1711848600, true, true);
    expect_ok("2024-03-31.02:30", saturday, berlin, TIMER_DATED, 1711848600, false, true);
    expect_ok("2024-03-31.03:30", saturday, berlin, TIMER_DATED, 1711848600, false, false);
    /* Fall-back, during the first 02:xx hour (02:45 CEST): 02:30 is still ahead once more, at 02:30 CET. */
    const int64_t first_pass = 1729989900;   /* 2024-10-27 00:45 UTC */
    expect_ok("2:30", first_pass, berlin, TIMER_CLOCK, 1729992600, false, false);
    expect_ok("2:50", first_pass, berlin, TIMER_CLOCK, 1729990200, false, false);   /* first occurrence */
    expect_ok("2024-10-27.02:30", first_pass - 3600, berlin, TIMER_DATED, 1729989000, false, false);
    tz_free(berlin);

    tz_zone *ny = must_load("America/New_York");
    expect_ok("2:30", 1710003600 /* 2024-03-09 12:00 EST */, ny, TIMER_CLOCK, 1710055800, true, true);
    expect_ok("1:30", 1730563200 /* 2024-11-02 12:00 EDT */, ny, TIMER_CLOCK, 1730611800, true, false);
    expect_ok("2:30", 1730563200, ny, TIMER_CLOCK, 1730619000, true, false);
    tz_free(ny);

    tz_zone *lord_howe = must_load("Australia/Lord_Howe");   /* 30-minute DST */
    expect_ok("2:15", 1728091800 /* 2024-10-05 12:00 +1030 */, lord_howe, TIMER_CLOCK, 1728143100, true, true);
    tz_free(lord_howe);

    tz_zone *kolkata = must_load("Asia/Kolkata");
    expect_ok("22:30", 1735689600 /* 2025-01-01 05:30 IST */, kolkata, TIMER_CLOCK, 1735750800, false, false);
    tz_free(kolkata);
}

static void test_refused(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    const char *not_timers[] = {
        "tonight", "1x", "15 m", "1 h", "15mm", "m15", "1.5h", "1,5h", "+15m", "15m ago", "1w", "1h1h", "30m1h",
        "1h 30m", "h", "-", "2024-12-25", "2024-12-25.14", "2024-12-25.14:0", "22:3", "222:30", "22:300",
        "2024-12/25.14:00", "2024-12-25..14:00", "2024-12-25  14:00", "24-12-25.14:00", "9:30pm", "22.30",
        "1234567890m", "now", "stop", "0x10", "15\xef\xbd\x8d", "15m\xc2\xa0x", "\xc2\xa0" "15m",
    };
    for (size_t i = 0; i < sizeof not_timers / sizeof not_timers[0]; i++)
        expect_refused(not_timers[i], z, TIMER_ERR_FORMAT);
    expect_refused("", z, TIMER_ERR_EMPTY);
    expect_refused("   ", z, TIMER_ERR_EMPTY);
    expect_error(NULL, 0, BERLIN_XMAS_EVE, z, TIMER_ERR_EMPTY);
    /* Control characters anywhere, including a NUL inside the given length. */
    expect_refused("15m\x01", z, TIMER_ERR_FORMAT);
    expect_refused("1\x1b" "5m", z, TIMER_ERR_FORMAT);
    expect_refused("\x7f", z, TIMER_ERR_FORMAT);
    expect_error("15m\0junk", 8, BERLIN_XMAS_EVE, z, TIMER_ERR_FORMAT);
    expect_error("\0", 1, BERLIN_XMAS_EVE, z, TIMER_ERR_FORMAT);
    /* Too long: refused before it is read, whatever it holds. */
    size_t big = 100 * 1024;
    char *huge = malloc(big + 1);
    CHECK(huge != NULL);
    memset(huge, '1', big);
    huge[big - 1] = 'm';
    huge[big] = '\0';
    expect_error(huge, big, BERLIN_XMAS_EVE, z, TIMER_ERR_TOO_LONG);
    memset(huge, ' ', TIMER_MAX_INPUT + 1);
    memcpy(huge + TIMER_MAX_INPUT - 2, "15m", 3);
    expect_error(huge, TIMER_MAX_INPUT + 1, BERLIN_XMAS_EVE, z, TIMER_ERR_TOO_LONG);
    free(huge);
    /* Zero, negative and too far. */
    const char *not_positive[] = { "0", "0m", "0h0m", "00s", "-15m", "-5", "-1h30m" };
    for (size_t i = 0; i < sizeof not_positive / sizeof not_positive[0]; i++)
        expect_refused(not_positive[i], z, TIMER_ERR_NOT_POSITIVE);
    const char *too_far[] = { "366d", "8761h", "365d1s", "999999999d", "2025-12-25.14:00", "2099-01-01.00:00" };
    for (size_t i = 0; i < sizeof too_far / sizeof too_far[0]; i++) expect_refused(too_far[i], z, TIMER_ERR_TOO_FAR);
    /* Shaped like a time or date, but impossible. */
    const char *impossible[] = { "25:00", "24:01", "12:60", "99h99", "2025-02-29.10:00", "2025-02-30.10:00",
                                 "2024-13-01.10:00", "2024-00-10.10:00", "2025-04-31.10:00", "2024-12-32.10:00",
                                 "2024-12-00.10:00", "2024-12-26.25:00" };
    for (size_t i = 0; i < sizeof impossible / sizeof impossible[0]; i++)
        expect_refused(impossible[i], z, TIMER_ERR_BAD_DATE);
    timer_result r = parse("2025-02-30.10:00", BERLIN_XMAS_EVE, z);
    CHECK(strstr(r.message, "2025-02-30") != NULL);
    r = parse("25:00", BERLIN_XMAS_EVE, z);
    CHECK(strstr(r.message, "25:00") != NULL);
    /* A clock no one should pass is refused rather than overflowing. */
    expect_error("15m", 3, INT64_MAX, z, TIMER_ERR_FORMAT);
    CHECK_STR(timer_error_name(TIMER_ERR_PAST), "past");
    CHECK_STR(timer_error_name(TIMER_ERR_FORMAT), "format");
    tz_free(z);
}

int main(void)
{
    RUN_TEST(test_relative);
    RUN_TEST(test_clock);
    RUN_TEST(test_tomorrow_rolls_over_month_and_year);
    RUN_TEST(test_dated);
    RUN_TEST(test_dst);
    RUN_TEST(test_refused);
    return CHECK_DONE();
}
