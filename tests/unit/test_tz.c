/* Time zones against the real /usr/share/zoneinfo (tzdata is a build dependency: a missing zone fails the
 * test, it is not skipped). Expected instants were computed independently (Python's zoneinfo). */
#include <stdlib.h>

#include "check.h"
#include "tz.h"

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

static void check_offset(const tz_zone *zone, int64_t utc, int offset, const char *abbrev)
{
    const char *got = NULL;
    CHECK_INT(tz_offset_at(zone, utc, &got), offset);
    CHECK_STR(got, abbrev);
}

static int64_t local(const tz_zone *zone, int y, int mo, int d, int h, int mi, tz_local_kind *kind, int64_t *later)
{
    civil_time c = { y, mo, d, h, mi, 0 };
    return tz_local_to_utc(zone, &c, kind, later);
}

static void test_civil_calendar(void)
{
    CHECK_INT(civil_to_days(1970, 1, 1), 0);
    CHECK_INT(civil_to_days(2000, 3, 1), 11017);
    CHECK_INT(civil_to_days(1969, 12, 31), -1);
    CHECK_INT(civil_to_days(2028, 3, 1) - civil_to_days(2028, 2, 28), 2);   /* 2028 is a leap year */
    CHECK_INT(civil_to_days(2100, 3, 1) - civil_to_days(2100, 2, 28), 1);   /* 2100 is not */
    CHECK_INT(civil_to_days(2000, 3, 1) - civil_to_days(2000, 2, 28), 2);   /* 2000 is */
    CHECK(civil_is_leap(2028) && civil_is_leap(2000) && !civil_is_leap(2100) && !civil_is_leap(2027));
    CHECK_INT(civil_days_in_month(2028, 2), 29);
    CHECK_INT(civil_days_in_month(2027, 2), 28);
    CHECK_INT(civil_days_in_month(2027, 12), 31);
    CHECK_INT(civil_days_in_month(2027, 13), 0);
    CHECK_INT(civil_weekday(0), 4);                                /* 1970-01-01: Thursday */
    CHECK_INT(civil_weekday(civil_to_days(2028, 2, 29)), 2);       /* Tuesday */
    CHECK_INT(civil_weekday(civil_to_days(2024, 12, 25)), 3);      /* Wednesday */
    CHECK_INT(civil_weekday(civil_to_days(1900, 1, 1)), 1);        /* Monday */
    civil_time c;
    civil_from_days(civil_to_days(2028, 2, 29), &c);
    CHECK(c.year == 2028 && c.month == 2 && c.day == 29);
    civil_from_days(civil_to_days(2024, 12, 31) + 1, &c);
    CHECK(c.year == 2025 && c.month == 1 && c.day == 1);
    civil_from_days(-719468, &c);                                  /* 0000-03-01 */
    CHECK(c.year == 0 && c.month == 3 && c.day == 1);
    /* Every day of four centuries round-trips. */
    int bad = 0;
    for (int64_t d = civil_to_days(1900, 1, 1); d < civil_to_days(2300, 1, 1); d++) {
        civil_from_days(d, &c);
        if (civil_to_days(c.year, c.month, c.day) != d || c.day > civil_days_in_month(c.year, c.month)) bad++;
    }
    CHECK_INT(bad, 0);
}

static void test_names_refused(void)
{
    char err[256];
    const char *bad[] = { "../../etc/passwd", "/etc/localtime", "Europe/../Europe/Berlin", "", "Europe/",
                          "Mars/Olympus_Mons", "Europe", "zone.tab", "Europe//Berlin", "Europe/Berlin\n",
                          "right/UTC" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        tz_zone *zone = tz_load(bad[i], err, sizeof err);
        if (zone != NULL) fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK(zone == NULL);
        CHECK(err[0] != '\0');
        tz_free(zone);
    }
    CHECK(tz_load(NULL, err, sizeof err) == NULL);
}

static void test_utc_builtin(void)
{
    /* Built in: works with TZDIR pointing nowhere. */
    const char *saved = getenv("TZDIR");
    char saved_dir[512] = "";
    if (saved != NULL) snprintf(saved_dir, sizeof saved_dir, "%s", saved);
    setenv("TZDIR", "/nonexistent", 1);
    tz_zone *utc = must_load("UTC");
    tz_zone *etc = must_load("Etc/UTC");
    char err[256];
    CHECK(tz_load("Europe/Berlin", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent") != NULL);
    if (saved != NULL) setenv("TZDIR", saved_dir, 1);
    else unsetenv("TZDIR");
    check_offset(utc, 1735689600, 0, "UTC");
    check_offset(etc, 4102444800, 0, "UTC");
    CHECK_STR(tz_name(etc), "Etc/UTC");
    tz_local_kind kind;
    CHECK_INT(local(utc, 2024, 12, 25, 14, 0, &kind, NULL), 1735135200);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    tz_free(utc);
    tz_free(etc);
}

static void test_berlin(void)
{
    tz_zone *z = must_load("Europe/Berlin");
    CHECK_STR(tz_name(z), "Europe/Berlin");
    check_offset(z, 1711846799, 3600, "CET");     /* 2024-03-31 00:59:59 UTC */
    check_offset(z, 1711846800, 7200, "CEST");    /* 01:00 UTC: 02:00 CET -> 03:00 CEST */
    check_offset(z, 1729990799, 7200, "CEST");
    check_offset(z, 1729990800, 3600, "CET");     /* 2024-10-27 01:00 UTC */
    tz_local_kind kind;
    int64_t later;
    /* Spring forward: 02:30 does not exist; it becomes 03:30 CEST (moved by the one-hour gap). */
    CHECK_INT(local(z, 2024, 3, 31, 2, 30, &kind, &later), 1711848600);
    CHECK_INT(kind, TZ_LOCAL_GAP);
    CHECK_INT(later, 1711848600);
    CHECK_INT(local(z, 2024, 3, 31, 3, 0, &kind, NULL), 1711846800);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    CHECK_INT(local(z, 2024, 3, 31, 1, 59, &kind, NULL), 1711846740);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    /* Fall back: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET); the first is taken. */
    CHECK_INT(local(z, 2024, 10, 27, 2, 30, &kind, &later), 1729989000);
    CHECK_INT(kind, TZ_LOCAL_OVERLAP);
    CHECK_INT(later, 1729992600);
    CHECK_INT(local(z, 2024, 10, 27, 3, 0, &kind, NULL), 1729994400);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    /* Leap day. */
    CHECK_INT(local(z, 2028, 2, 29, 12, 0, &kind, NULL), 1835434800);
    civil_time c;
    CHECK_INT(tz_utc_to_local(z, 1835434800, &c, NULL), 3600);
    CHECK(c.year == 2028 && c.month == 2 && c.day == 29 && c.hour == 12 && c.minute == 0);
    /* Year 2100: past every stored transition, only the footer rule CET-1CEST,M3.5.0,M10.5.0/3 applies. */
    check_offset(z, 4109878799, 3600, "CET");
    check_offset(z, 4109878800, 7200, "CEST");    /* 2100-03-28 01:00 UTC */
    check_offset(z, 4128627599, 7200, "CEST");
    check_offset(z, 4128627600, 3600, "CET");     /* 2100-10-31 01:00 UTC */
    CHECK_INT(local(z, 2100, 3, 28, 2, 30, &kind, NULL), 4109880600);
    CHECK_INT(kind, TZ_LOCAL_GAP);
    /* Before the first transition: local mean time from type 0, not garbage. */
    CHECK_INT(tz_offset_at(z, -5000000000LL, NULL), 3208);
    /* Absurd instants are clamped, not overflowed. */
    tz_offset_at(z, INT64_MAX, NULL);
    tz_offset_at(z, INT64_MIN, NULL);
    tz_free(z);
}

static void test_new_york(void)
{
    tz_zone *z = must_load("America/New_York");
    tz_local_kind kind;
    int64_t later;
    check_offset(z, 1710054000, -14400, "EDT");   /* 2024-03-10 07:00 UTC */
    check_offset(z, 1710053999, -18000, "EST");
    CHECK_INT(local(z, 2024, 3, 10, 2, 30, &kind, NULL), 1710055800);   /* = 03:30 EDT */
    CHECK_INT(kind, TZ_LOCAL_GAP);
    /* Fall back at 02:00 EDT -> 01:00 EST: 02:30 is unique, 01:30 happens twice. */
    CHECK_INT(local(z, 2024, 11, 3, 2, 30, &kind, NULL), 1730619000);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    CHECK_INT(local(z, 2024, 11, 3, 1, 30, &kind, &later), 1730611800);
    CHECK_INT(kind, TZ_LOCAL_OVERLAP);
    CHECK_INT(later, 1730615400);
    /* 2100 from the footer EST5EDT,M3.2.0,M11.1.0. */
    check_offset(z, 4108690800, -14400, "EDT");
    check_offset(z, 4108690799, -18000, "EST");
    check_offset(z, 4129250400, -18000, "EST");
    tz_free(z);
}

static void test_half_hour_zones(void)
{
    tz_zone *kolkata = must_load("Asia/Kolkata");
    check_offset(kolkata, 1735689600, 19800, "IST");
    check_offset(kolkata, 4102444800, 19800, "IST");
    tz_local_kind kind;
    CHECK_INT(local(kolkata, 2025, 1, 1, 5, 30, &kind, NULL), 1735689600);
    CHECK_INT(kind, TZ_LOCAL_EXACT);
    tz_free(kolkata);

    /* Lord Howe: +10:30, and +11 in summer (a 30-minute DST). */
    tz_zone *z = must_load("Australia/Lord_Howe");
    int64_t later;
    CHECK_INT(local(z, 2024, 10, 6, 2, 15, &kind, NULL), 1728143100);   /* 02:00->02:30 gap: 02:45 +11 */
    CHECK_INT(kind, TZ_LOCAL_GAP);
    CHECK_INT(tz_offset_at(z, 1728143100, NULL), 39600);
    CHECK_INT(local(z, 2024, 4, 7, 1, 45, &kind, &later), 1712414700);  /* 02:00->01:30: 01:45 twice */
    CHECK_INT(kind, TZ_LOCAL_OVERLAP);
    CHECK_INT(later, 1712416500);
    check_offset(z, 4110447600, 37800, "+1030");   /* 2100, footer-only */
    check_offset(z, 4126174200, 39600, "+11");
    tz_free(z);
}

/* Footer forms that real zones use, compared with the zone files' own answers for 2100. */
static void test_footer_forms_in_real_zones(void)
{
    struct { const char *zone; int64_t at; int before, after; } cases[] = {
        { "America/Nuuk", 4109878800, -7200, -3600 },       /* M3.5.0/-1: negative time */
        { "America/Nuuk", 4128627600, -3600, -7200 },       /* M10.5.0/0 */
        { "Asia/Jerusalem", 4109702400, 7200, 10800 },      /* M3.4.4/26: beyond 24 h */
        { "Asia/Jerusalem", 4128620400, 10800, 7200 },
        { "America/Santiago", 4110490800, -10800, -14400 }, /* M4.1.6/24, southern hemisphere */
        { "America/Santiago", 4123800000, -14400, -10800 },
        { "Europe/Dublin", 4109878800, 0, 3600 },           /* negative DST: winter is the "DST" */
        { "Europe/Dublin", 4128627600, 3600, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tz_zone *z = must_load(cases[i].zone);
        CHECK_INT(tz_offset_at(z, cases[i].at - 1, NULL), cases[i].before);
        CHECK_INT(tz_offset_at(z, cases[i].at, NULL), cases[i].after);
        tz_free(z);
    }
}

static void test_posix_rules(void)
{
    char err[256];
    /* Jn skips Feb 29, so J60 is 1 March even in a leap year; n counts it, so 59 is 29 Feb in 2028. */
    tz_zone *julian = tz_from_posix("AAA0BBB,J60/0,J300/0", err, sizeof err);
    tz_zone *zero_based = tz_from_posix("AAA0BBB,59/0,300/0", err, sizeof err);
    CHECK(julian != NULL && zero_based != NULL);
    int64_t feb29 = civil_to_days(2028, 2, 29) * 86400, mar1 = feb29 + 86400;
    CHECK_INT(tz_offset_at(julian, feb29, NULL), 0);
    CHECK_INT(tz_offset_at(julian, mar1, NULL), 3600);
    CHECK_INT(tz_offset_at(zero_based, feb29 - 1, NULL), 0);
    CHECK_INT(tz_offset_at(zero_based, feb29, NULL), 3600);
    int64_t mar1_2027 = civil_to_days(2027, 3, 1) * 86400;     /* no leap day: both mean 1 March */
    CHECK_INT(tz_offset_at(julian, mar1_2027, NULL), 3600);
    CHECK_INT(tz_offset_at(zero_based, mar1_2027, NULL), 3600);
    tz_free(julian);
    tz_free(zero_based);

    /* The Berlin footer by hand: M3.5.0 = last Sunday of March at 02:00 CET, M10.5.0/3. */
    tz_zone *cet = tz_from_posix("CET-1CEST,M3.5.0,M10.5.0/3", err, sizeof err);
    const char *abbrev;
    CHECK_INT(tz_offset_at(cet, 1711846800, &abbrev), 7200);
    CHECK_STR(abbrev, "CEST");
    CHECK_INT(tz_offset_at(cet, 1711846799, &abbrev), 3600);
    CHECK_STR(abbrev, "CET");
    tz_free(cet);

    /* Negative /time and a month with five Sundays (M3.5.0 = 31 March 2024, not the 5th-week overflow). */
    tz_zone *neg = tz_from_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", err, sizeof err);
    CHECK(neg != NULL);
    CHECK_INT(tz_offset_at(neg, civil_to_days(2024, 3, 31) * 86400 + 3600 - 1, NULL), -7200);
    CHECK_INT(tz_offset_at(neg, civil_to_days(2024, 3, 31) * 86400 + 3600, &abbrev), -3600);   /* Sat 23:00 -02 */
    CHECK_STR(abbrev, "-01");
    tz_free(neg);

    /* Beyond 24 hours: M3.4.4/26 is Friday 02:00 after the fourth Thursday. */
    tz_zone *il = tz_from_posix("IST-2IDT,M3.4.4/26,M10.5.0", err, sizeof err);
    int64_t fri = civil_to_days(2030, 3, 29) * 86400;   /* 4th Thursday of March 2030 is the 28th */
    CHECK_INT(tz_offset_at(il, fri + 2 * 3600 - 7200 - 1, NULL), 7200);
    CHECK_INT(tz_offset_at(il, fri + 2 * 3600 - 7200, NULL), 10800);
    tz_free(il);

    /* Offsets with minutes and seconds, and no DST at all. */
    tz_zone *odd = tz_from_posix("<+0545>-5:45", err, sizeof err);
    CHECK_INT(tz_offset_at(odd, 0, &abbrev), 20700);
    CHECK_STR(abbrev, "+0545");
    tz_free(odd);

    /* Permanent DST written as a rule that covers the whole year. */
    tz_zone *perm = tz_from_posix("EST5EDT,0/0,J365/25", err, sizeof err);
    CHECK_INT(tz_offset_at(perm, civil_to_days(2030, 1, 1) * 86400 + 5 * 3600, NULL), -14400);
    CHECK_INT(tz_offset_at(perm, civil_to_days(2030, 7, 1) * 86400, NULL), -14400);
    CHECK_INT(tz_offset_at(perm, civil_to_days(2030, 12, 31) * 86400 + 23 * 3600, NULL), -14400);
    tz_free(perm);

    const char *bad[] = { "", "X0", "CET", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                          "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J100", "CET-1CEST,366,1", "CET-25",
                          "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0", "<+05", "CET-1 junk" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_zone *z = tz_from_posix(bad[i], err, sizeof err);
        if (z != NULL) fprintf(stderr, "  accepted rule: %s\n", bad[i]);
        CHECK(z == NULL);
        tz_free(z);
    }
}

int main(void)
{
    RUN_TEST(test_civil_calendar);
    RUN_TEST(test_names_refused);
    RUN_TEST(test_utc_builtin);
    RUN_TEST(test_berlin);
    RUN_TEST(test_new_york);
    RUN_TEST(test_half_hour_zones);
    RUN_TEST(test_footer_forms_in_real_zones);
    RUN_TEST(test_posix_rules);
    return CHECK_DONE();
}
