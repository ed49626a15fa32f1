/* The fixed zones the timer and schedule fuzzers parse in (picked by the input's first byte): UTC, POSIX
 * rules with northern, southern and half-hour DST, and two IANA zones from tzdata when it is installed (a
 * POSIX stand-in otherwise). Loaded once. */
#ifndef PEON_FUZZ_ZONES_H
#define PEON_FUZZ_ZONES_H

#include "tz.h"

#define FUZZ_ZONE_COUNT 5

static tz_zone *fuzz_zones[FUZZ_ZONE_COUNT];

static void fuzz_zones_load(void)
{
    static const struct { const char *iana, *posix; } specs[FUZZ_ZONE_COUNT] = {
        { "UTC", "UTC0" },
        { NULL, "CET-1CEST,M3.5.0,M10.5.0/3" },
        { "America/New_York", "EST5EDT,M3.2.0,M11.1.0" },
        { NULL, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" },          /* Lord Howe: a 30-minute shift */
        { "Pacific/Apia", "<+13>-13" },                            /* skipped 2011-12-30 entirely */
    };
    char err[256];
    for (int i = 0; i < FUZZ_ZONE_COUNT; i++) {
        fuzz_zones[i] = specs[i].iana ? tz_load(specs[i].iana, err, sizeof err) : NULL;
        if (fuzz_zones[i] == NULL) fuzz_zones[i] = tz_from_posix(specs[i].posix, err, sizeof err);
        if (fuzz_zones[i] == NULL) abort();
    }
}

/* Local seconds since the epoch (the wall clock read as if it were UTC) of an instant in a zone. */
static int64_t fuzz_local_seconds(const tz_zone *zone, int64_t utc)
{
    civil_time c;
    tz_utc_to_local(zone, utc, &c, NULL);
    return civil_to_days(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

#endif
