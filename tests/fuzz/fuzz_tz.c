/* libFuzzer target: time zones (tz.c): POSIX TZ rules (tz_from_posix) and TZif files (tz_load).
 *
 * Input: 'P' then a POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3"); anything else is the content of a TZif file,
 * written to a private TZDIR and loaded by name. Then the zone is asked about instants around its
 * transitions, around now and at the edges of the supported range.
 *
 * Invariants checked, beyond ASan/UBSan:
 *  - a refused zone says why; a loaded one has a NUL-terminated name;
 *  - every offset is within +-26 h and comes with a NUL-terminated abbreviation shorter than 16 bytes;
 *    tz_utc_to_local agrees with tz_offset_at;
 *  - for a POSIX rule (two offsets at most), the wall clock read at an instant converts back to that instant
 *    (its first or its second occurrence, never "in a gap"); a TZif file may switch offsets back and forth
 *    within a day, and then a wall time occurs more than twice while only two are reported, by design;
 *  - tz_local_to_utc always answers within the range and reports `later` >= the result. */
#include <unistd.h>

#include "fuzz_util.h"
#include "tz.h"

static char tzdir[64];
static char zone_path[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(tzdir, sizeof tzdir, "/tmp/peon-fuzz-tz-XXXXXX");
    if (mkdtemp(tzdir) == NULL) abort();
    setenv("TZDIR", tzdir, 1);
    snprintf(zone_path, sizeof zone_path, "%s/Fuzz", tzdir);
    return 0;
}

#define RANGE ((int64_t)1 << 39) /* well inside the +-2^40 s the zone code clamps to */
#define MAX_OFFSET (26 * 3600)

/* Offsets at t; also checks the abbreviation. */
static int offset_at(const tz_zone *z, int64_t t)
{
    const char *abbrev = NULL;
    int offset = tz_offset_at(z, t, &abbrev);
    FUZZ_CHECK(offset >= -MAX_OFFSET && offset <= MAX_OFFSET, "offset %d at %lld", offset, (long long)t);
    FUZZ_CHECK(abbrev != NULL && strnlen(abbrev, 16) < 16, "abbreviation at %lld", (long long)t);
    return offset;
}

/* strict: the zone has at most two offsets (a POSIX rule), so a wall time occurs at most twice and both
 * occurrences are reported. A TZif file may switch back and forth within a day. */
static bool strict;

static void check_instant(const tz_zone *z, int64_t t)
{
    if (t < -RANGE || t > RANGE) return;
    int offset = offset_at(z, t);
    civil_time c;
    const char *abbrev = NULL;
    int offset2 = tz_utc_to_local(z, t, &c, &abbrev);
    FUZZ_CHECK(offset2 == offset, "tz_utc_to_local offset %d, tz_offset_at %d", offset2, offset);
    FUZZ_CHECK(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= civil_days_in_month(c.year, c.month) &&
                   c.hour >= 0 && c.hour < 24 && c.minute >= 0 && c.minute < 60 && c.second >= 0 && c.second < 60,
               "civil time %d-%d-%d %d:%d:%d", c.year, c.month, c.day, c.hour, c.minute, c.second);
    tz_local_kind kind;
    int64_t later = 0;
    int64_t u = tz_local_to_utc(z, &c, &kind, &later);
    FUZZ_CHECK(later >= u, "later %lld before %lld", (long long)later, (long long)u);
    if (strict) {
        FUZZ_CHECK(kind != TZ_LOCAL_GAP, "the wall time of %lld is reported as skipped", (long long)t);
        FUZZ_CHECK(u == t || later == t, "%lld -> %04d-%02d-%02d %02d:%02d:%02d -> %lld / %lld (kind %d)", (long long)t,
                   c.year, c.month, c.day, c.hour, c.minute, c.second, (long long)u, (long long)later, (int)kind);
    }
}

/* Finds the instants in [from, to) where the offset changes (bisection from hourly samples). */
static void check_around_changes(const tz_zone *z, int64_t from, int64_t to)
{
    int checked = 0;
    int last = offset_at(z, from);
    for (int64_t t = from + 3600; t < to && checked < 16; t += 3600) {
        int o = offset_at(z, t);
        if (o == last) continue;
        int64_t lo = t - 3600, hi = t; /* offset(lo) == last, offset(hi) != last */
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (offset_at(z, mid) == last) lo = mid;
            else hi = mid;
        }
        for (int64_t d = -2; d <= 2; d++) check_instant(z, hi + d);
        check_instant(z, hi + 1800);
        check_instant(z, hi - 1800);
        last = o;
        checked++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    tz_zone *z;
    if (size > 0 && data[0] == 'P') {
        char rule[256];
        size_t n = size - 1 < sizeof rule - 1 ? size - 1 : sizeof rule - 1;
        memcpy(rule, data + 1, n);
        rule[n] = '\0';
        z = tz_from_posix(rule, err, sizeof err);
        strict = true;
    } else {
        strict = false;
        FILE *f = fopen(zone_path, "wb");
        if (f == NULL) abort();
        if (size > 0 && fwrite(data, 1, size, f) != size) abort();
        fclose(f);
        z = tz_load("Fuzz", err, sizeof err);
    }
    if (z == NULL) {
        FUZZ_CHECK(err[0] != '\0', "a refused zone without a reason");
        return 0;
    }
    FUZZ_CHECK(memchr(tz_name(z), '\0', TZ_NAME_MAX + 1) != NULL, "name not NUL-terminated");

    static const int64_t fixed[] = { 0, -1, 1, 86399, 1700000000, 1735689599, 951782400, 4102444800ll,
                                     -2208988800ll, RANGE, -RANGE, RANGE - 1, -RANGE + 1, 2147483647, -2147483648ll };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) check_instant(z, fixed[i]);
    /* A year around now and one far away, hour by hour near each change. */
    check_around_changes(z, 1735689600 - 86400, 1735689600 + 366 * 86400);
    check_around_changes(z, 32503680000ll, 32503680000ll + 366 * 86400);
    /* Wall times that are not readings of an instant: any fields, including out-of-range ones. */
    int64_t seed = (int64_t)size * 2654435761ll;
    for (int i = 0; i < 8; i++) {
        civil_time c = { (int)(1900 + (seed >> (i * 3)) % 300), (int)(1 + i % 12), 1 + (int)((seed >> i) % 31),
                         (int)((seed >> (i + 5)) % 25), (int)((seed >> (i + 7)) % 60), 0 };
        tz_local_kind kind;
        int64_t later;
        int64_t u = tz_local_to_utc(z, &c, &kind, &later);
        FUZZ_CHECK(later >= u && (int)kind >= TZ_LOCAL_EXACT && (int)kind <= TZ_LOCAL_OVERLAP, "tz_local_to_utc");
    }
    tz_free(z);
    return 0;
}
