/* TZif (RFC 8536) reader and POSIX TZ rule evaluator. Only the 64-bit (v2+) data block is used; instants
 * after the last stored transition follow the footer rule, which is all there is in "slim" tzdata builds. */
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TZ_MAX_FILE (256 * 1024)
#define TZ_MAX_TRANSITIONS 20000
/* Every offset is bounded so the search for a wall time's instants covers a finite window. */
#define TZ_MAX_OFFSET (26 * 3600)
/* Instants are clamped to about +-34000 years so the calendar arithmetic cannot overflow. */
#define TZ_MAX_INSTANT ((int64_t)1 << 40)

typedef struct tz_type {
    int32_t offset;
    bool dst;
    char abbr[TZ_ABBR_MAX];
} tz_type;

typedef struct rule_date {
    char form;          /* 'J': Julian 1-365 without Feb 29; 'N': zero-based 0-365; 'M': month.week.weekday */
    int n, month, week, weekday;
    int32_t time;       /* seconds after local midnight, may be negative or beyond 24 h */
} rule_date;

typedef struct tz_rule {
    tz_type std, dst;
    bool has_dst;
    rule_date start, end;   /* DST starts (in standard time) and ends (in daylight time) */
} tz_rule;

struct tz_zone {
    char name[TZ_NAME_MAX + 1];
    size_t ntrans, ntypes;
    int64_t *trans;
    uint8_t *trans_type;
    tz_type *types;
    bool has_rule;
    tz_rule rule;
};

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static int64_t clamp_instant(int64_t t)
{
    return t > TZ_MAX_INSTANT ? TZ_MAX_INSTANT : t < -TZ_MAX_INSTANT ? -TZ_MAX_INSTANT : t;
}

/* ---- civil calendar: years counted from March so the leap day is the last day of a "year" ---- */

bool civil_is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int civil_days_in_month(int64_t year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12) return 0;
    return days[month - 1] + (month == 2 && civil_is_leap(year));
}

int64_t civil_to_days(int64_t year, int month, int day)
{
    int64_t y = year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;   /* 719468: days from 0000-03-01 to 1970-01-01 */
}

void civil_from_days(int64_t days, civil_time *out)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153;
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    out->day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
    out->month = month;
    out->year = (int)(year_of_era + era * 400 + (month <= 2));
}

int civil_weekday(int64_t days) { return (int)((days % 7 + 11) % 7); }   /* 1970-01-01 was a Thursday */

/* ---- POSIX TZ rules ---- */

static const char *parse_abbr(const char *p, char *out)
{
    const char *start;
    size_t n;
    if (*p == '<') {   /* quoted form allows digits and signs: <+0530> */
        start = ++p;
        while (isalnum((unsigned char)*p) || *p == '+' || *p == '-') p++;
        if (*p != '>') return NULL;
        n = (size_t)(p - start);
        p++;
    } else {
        start = p;
        while (isalpha((unsigned char)*p)) p++;
        n = (size_t)(p - start);
    }
    if (n < 3 || n >= TZ_ABBR_MAX) return NULL;
    memcpy(out, start, n);
    out[n] = '\0';
    return p;
}

static const char *parse_number(const char *p, int min_digits, int max_digits, int *out)
{
    int value = 0, digits = 0;
    while (isdigit((unsigned char)*p) && digits < max_digits) {
        value = value * 10 + (*p++ - '0');
        digits++;
    }
    if (digits < min_digits || isdigit((unsigned char)*p)) return NULL;
    *out = value;
    return p;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours; the sign is returned as given (POSIX: positive = west). */
static const char *parse_hms(const char *p, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    if ((p = parse_number(p, 1, 3, &h)) == NULL || h > max_hours) return NULL;
    if (*p == ':') {
        if ((p = parse_number(p + 1, 1, 2, &m)) == NULL || m > 59) return NULL;
        if (*p == ':' && ((p = parse_number(p + 1, 1, 2, &s)) == NULL || s > 59)) return NULL;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rule_date(const char *p, rule_date *d)
{
    memset(d, 0, sizeof *d);
    if (*p == 'J') {
        d->form = 'J';
        if ((p = parse_number(p + 1, 1, 3, &d->n)) == NULL || d->n < 1 || d->n > 365) return NULL;
    } else if (*p == 'M') {
        d->form = 'M';
        if ((p = parse_number(p + 1, 1, 2, &d->month)) == NULL || d->month < 1 || d->month > 12 || *p != '.')
            return NULL;
        if ((p = parse_number(p + 1, 1, 1, &d->week)) == NULL || d->week < 1 || d->week > 5 || *p != '.')
            return NULL;
        if ((p = parse_number(p + 1, 1, 1, &d->weekday)) == NULL || d->weekday > 6) return NULL;
    } else {
        d->form = 'N';
        if ((p = parse_number(p, 1, 3, &d->n)) == NULL || d->n > 365) return NULL;
    }
    d->time = 2 * 3600;
    if (*p == '/') p = parse_hms(p + 1, 167, &d->time);   /* RFC 8536 extension: -167..167 hours */
    return p;
}

static int parse_posix(const char *text, tz_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    int32_t west;
    const char *p = parse_abbr(text, rule->std.abbr);
    if (p == NULL || (p = parse_hms(p, 24, &west)) == NULL) return -1;
    rule->std.offset = -west;
    if (*p == '\0') return 0;
    rule->has_dst = true;
    rule->dst.dst = true;
    if ((p = parse_abbr(p, rule->dst.abbr)) == NULL) return -1;
    rule->dst.offset = rule->std.offset + 3600;
    if (*p != ',' && *p != '\0') {
        if ((p = parse_hms(p, 24, &west)) == NULL) return -1;
        rule->dst.offset = -west;
    }
    if (*p == '\0') {   /* no dates: the US rules, as glibc assumes */
        p = ",M3.2.0,M11.1.0";
    }
    if (*p != ',' || (p = parse_rule_date(p + 1, &rule->start)) == NULL) return -1;
    if (*p != ',' || (p = parse_rule_date(p + 1, &rule->end)) == NULL) return -1;
    return *p == '\0' ? 0 : -1;
}

/* Local seconds (since the epoch, in the clock's own reading) at which a rule date happens in `year`. */
static int64_t rule_local_time(const rule_date *d, int64_t year)
{
    int64_t days = civil_to_days(year, 1, 1);
    if (d->form == 'J') days += d->n - 1 + (civil_is_leap(year) && d->n >= 60);
    else if (d->form == 'N') days += d->n;
    else {
        int64_t first = civil_to_days(year, d->month, 1);
        days = first + (d->weekday - civil_weekday(first) + 7) % 7 + (d->week - 1) * 7;
        if (days >= first + civil_days_in_month(year, d->month)) days -= 7;   /* week 5 = the last one */
    }
    return days * 86400 + d->time;
}

/* The DST start and end instants (UTC) of `year`. */
static void rule_year(const tz_rule *r, int64_t year, int64_t *start, int64_t *end)
{
    *start = rule_local_time(&r->start, year) - r->std.offset;
    *end = rule_local_time(&r->end, year) - r->dst.offset;
}

static const tz_type *rule_type_at(const tz_rule *r, int64_t t)
{
    if (!r->has_dst) return &r->std;
    civil_time c;
    civil_from_days(floor_div(t + r->std.offset, 86400), &c);
    /* The latest start or end at or before t, looking a year ahead and two back for rules near New Year (a
     * rule time up to 167 h can move one year's end past the next year's start, and that end is the latest
     * change until it comes round again). On a tie (permanent DST: end of one year == start of the next)
     * daylight time wins. */
    int64_t best = INT64_MIN;
    bool dst = false;
    for (int64_t y = c.year - 2; y <= c.year + 1; y++) {
        int64_t start, end;
        rule_year(r, y, &start, &end);
        if (end <= t && end > best) { best = end; dst = false; }
        if (start <= t && start >= best) { best = start; dst = true; }
    }
    return dst ? &r->dst : &r->std;
}

static int64_t rule_next(const tz_rule *r, int64_t t)
{
    if (!r->has_dst) return INT64_MAX;
    civil_time c;
    civil_from_days(floor_div(t + r->std.offset, 86400), &c);
    int64_t next = INT64_MAX;
    for (int64_t y = c.year - 1; y <= c.year + 2; y++) {
        int64_t start, end;
        rule_year(r, y, &start, &end);
        if (start > t && start < next) next = start;
        if (end > t && end < next) next = end;
    }
    return next;
}

/* ---- zone lookups ---- */

static const tz_type *type_at(const tz_zone *z, int64_t t)
{
    if (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]) {
        if (z->has_rule) return rule_type_at(&z->rule, t);
        return z->ntrans == 0 ? &z->types[0] : &z->types[z->trans_type[z->ntrans - 1]];
    }
    if (t < z->trans[0]) return &z->types[0];   /* RFC 8536: type 0 before the first transition */
    size_t lo = 0, hi = z->ntrans - 1;           /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t) lo = mid;
        else hi = mid;
    }
    return &z->types[z->trans_type[lo]];
}

/* The first transition strictly after t, INT64_MAX when there is none. */
static int64_t next_transition(const tz_zone *z, int64_t t)
{
    if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
        size_t lo = 0, hi = z->ntrans - 1;
        if (t < z->trans[0]) return z->trans[0];
        while (hi - lo > 1) {   /* trans[lo] <= t < trans[hi] */
            size_t mid = lo + (hi - lo) / 2;
            if (z->trans[mid] <= t) lo = mid;
            else hi = mid;
        }
        return z->trans[hi];
    }
    return z->has_rule ? rule_next(&z->rule, t) : INT64_MAX;
}

int tz_offset_at(const tz_zone *zone, int64_t utc, const char **abbrev)
{
    const tz_type *type = type_at(zone, clamp_instant(utc));
    if (abbrev != NULL) *abbrev = type->abbr;
    return type->offset;
}

int tz_utc_to_local(const tz_zone *zone, int64_t utc, civil_time *out, const char **abbrev)
{
    utc = clamp_instant(utc);
    int offset = tz_offset_at(zone, utc, abbrev);
    int64_t local = utc + offset;
    int64_t days = floor_div(local, 86400), secs = local - days * 86400;
    civil_from_days(days, out);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    return offset;
}

int64_t tz_local_to_utc(const tz_zone *zone, const civil_time *local, tz_local_kind *kind, int64_t *later)
{
    int64_t wall = civil_to_days(local->year, local->month, local->day) * 86400 + (int64_t)local->hour * 3600 +
                   (int64_t)local->minute * 60 + local->second;
    wall = clamp_instant(wall);
    /* Walk the spans of constant offset that can contain an answer: wall - offset, |offset| <= 26 h. */
    int64_t lo = wall - TZ_MAX_OFFSET - 1, hi = wall + TZ_MAX_OFFSET + 1;
    int64_t span_start = lo, found[2] = { 0, 0 }, gap_result = 0;
    int nfound = 0;
    bool in_gap = false;
    int offset = tz_offset_at(zone, lo, NULL);
    for (int guard = 0; guard < 256; guard++) {
        int64_t next = next_transition(zone, span_start);
        int64_t span_end = next < hi ? next : hi;
        int64_t candidate = wall - offset;
        if (candidate >= span_start && candidate < span_end && nfound < 2) found[nfound++] = candidate;
        if (next >= hi) break;
        int next_offset = tz_offset_at(zone, next, NULL);
        /* Clocks jumped from next+offset to next+next_offset: those wall times never happen. */
        if (!in_gap && next_offset > offset && wall >= next + offset && wall < next + next_offset) {
            in_gap = true;
            gap_result = wall - offset;
        }
        offset = next_offset;
        span_start = next;
    }
    tz_local_kind k;
    int64_t result;
    if (nfound > 0) {
        k = nfound > 1 ? TZ_LOCAL_OVERLAP : TZ_LOCAL_EXACT;
        result = found[0];
    } else {
        k = TZ_LOCAL_GAP;
        result = in_gap ? gap_result : wall - tz_offset_at(zone, wall, NULL);
    }
    if (kind != NULL) *kind = k;
    if (later != NULL) *later = nfound > 1 ? found[1] : result;
    return result;
}

const char *tz_name(const tz_zone *zone) { return zone->name; }

void tz_free(tz_zone *zone)
{
    if (zone == NULL) return;
    free(zone->trans);
    free(zone->trans_type);
    free(zone->types);
    free(zone);
}

/* ---- loading ---- */

static tz_zone *zone_from_rule(const char *name, const char *rule_text, char *err, size_t errlen)
{
    tz_zone *z = calloc(1, sizeof *z);
    if (z == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    if (parse_posix(rule_text, &z->rule) != 0) {
        set_err(err, errlen, "time zone rule \"%.60s\" is not a valid POSIX TZ string", rule_text);
        free(z);
        return NULL;
    }
    z->has_rule = true;
    return z;
}

tz_zone *tz_from_posix(const char *rule, char *err, size_t errlen) { return zone_from_rule(rule, rule, err, errlen); }

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

typedef struct tzif_counts { size_t isut, isstd, leap, time, type, chars; } tzif_counts;

static int read_header(const unsigned char *buf, size_t len, size_t at, tzif_counts *c)
{
    if (len < at + 44 || memcmp(buf + at, "TZif", 4) != 0) return -1;
    const unsigned char *p = buf + at + 20;
    c->isut = be32(p);
    c->isstd = be32(p + 4);
    c->leap = be32(p + 8);
    c->time = be32(p + 12);
    c->type = be32(p + 16);
    c->chars = be32(p + 20);
    /* Bounded so the block size below cannot overflow; RFC 8536 requires at least one type and one char. */
    if (c->type == 0 || c->type > 256 || c->chars == 0 || c->chars > 256 || c->time > TZ_MAX_TRANSITIONS ||
        c->leap > 1000 || (c->isut != 0 && c->isut != c->type) || (c->isstd != 0 && c->isstd != c->type))
        return -1;
    return 0;
}

static size_t block_size(const tzif_counts *c, size_t time_size)
{
    return c->time * (time_size + 1) + c->type * 6 + c->chars + c->leap * (time_size + 4) + c->isstd + c->isut;
}

/* Parses a whole TZif file into z; returns a reason or NULL. */
static const char *parse_tzif(tz_zone *z, const unsigned char *buf, size_t len)
{
    tzif_counts c;
    if (read_header(buf, len, 0, &c) != 0) return "not a TZif time zone file";
    size_t time_size = 4, at = 44;
    bool v2 = buf[4] >= '2';
    if (v2) {   /* skip the 32-bit block: the 64-bit one after it covers every year */
        at += block_size(&c, 4);
        if (read_header(buf, len, at, &c) != 0) return "damaged TZif file (second header)";
        at += 44;
        time_size = 8;
    }
    if (c.leap != 0) return "leap-second (\"right/\") zones are not supported";
    if (len - at < block_size(&c, time_size)) return "truncated TZif file";
    const unsigned char *p = buf + at;
    z->ntrans = c.time;
    z->ntypes = c.type;
    z->trans = malloc((c.time ? c.time : 1) * sizeof *z->trans);
    z->trans_type = malloc(c.time ? c.time : 1);
    z->types = calloc(c.type, sizeof *z->types);
    if (z->trans == NULL || z->trans_type == NULL || z->types == NULL) return "out of memory";
    for (size_t i = 0; i < c.time; i++, p += time_size) {
        z->trans[i] = time_size == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i > 0 && z->trans[i] <= z->trans[i - 1]) return "damaged TZif file (transitions out of order)";
    }
    for (size_t i = 0; i < c.time; i++) {
        z->trans_type[i] = *p++;
        if (z->trans_type[i] >= c.type) return "damaged TZif file (bad type index)";
    }
    const unsigned char *types = p, *chars = p + c.type * 6;
    for (size_t i = 0; i < c.type; i++) {
        int32_t offset = (int32_t)be32(types + i * 6);
        unsigned dst = types[i * 6 + 4], index = types[i * 6 + 5];
        if (offset < -TZ_MAX_OFFSET || offset > TZ_MAX_OFFSET || dst > 1 || index >= c.chars)
            return "damaged TZif file (bad local time type)";
        z->types[i].offset = offset;
        z->types[i].dst = dst != 0;
        size_t n = strnlen((const char *)chars + index, c.chars - index);
        if (n >= TZ_ABBR_MAX) n = TZ_ABBR_MAX - 1;
        memcpy(z->types[i].abbr, chars + index, n);
    }
    at += block_size(&c, time_size);
    if (!v2 || at >= len) return NULL;   /* no footer: the last type stays in effect */
    if (buf[at] != '\n') return "damaged TZif file (footer)";
    const unsigned char *end = memchr(buf + at + 1, '\n', len - at - 1);
    size_t footer_len = end ? (size_t)(end - buf - at - 1) : 0;
    if (end == NULL || footer_len >= 128) return "damaged TZif file (footer)";
    if (footer_len == 0) return NULL;
    char footer[128];
    memcpy(footer, buf + at + 1, footer_len);
    footer[footer_len] = '\0';
    if (parse_posix(footer, &z->rule) != 0) return "unsupported rule in the TZif footer";
    if (abs(z->rule.std.offset) > TZ_MAX_OFFSET || abs(z->rule.dst.offset) > TZ_MAX_OFFSET)
        return "damaged TZif file (footer offset)";
    z->has_rule = true;
    return NULL;
}

static bool valid_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' || name[len - 1] == '/' || strstr(name, "..") != NULL ||
        strstr(name, "//") != NULL)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("/_+-.", *p) == NULL) return false;
    return true;
}

static unsigned char *read_file(const char *path, size_t *len, const char **why)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL) {
        *why = errno == ENOENT || errno == ENOTDIR ? "no such zone" : strerror(errno);
        return NULL;
    }
    bool stat_ok = fstat(fileno(f), &st) == 0;
    if (!stat_ok || !S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > TZ_MAX_FILE) {
        *why = stat_ok && S_ISDIR(st.st_mode) ? "a directory, not a zone" : "not a TZif time zone file";
        fclose(f);
        return NULL;
    }
    unsigned char *buf = malloc((size_t)st.st_size);
    *len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (buf == NULL || *len != (size_t)st.st_size) {
        *why = buf ? "read error" : "out of memory";
        free(buf);
        return NULL;
    }
    return buf;
}

tz_zone *tz_load(const char *name, char *err, size_t errlen)
{
    if (name == NULL || !valid_name(name)) {
        set_err(err, errlen, "\"%.64s\" is not a time zone name (expected e.g. Europe/Berlin)", name ? name : "");
        return NULL;
    }
    /* Built in, so UTC works on a host without tzdata. */
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) return zone_from_rule(name, "UTC0", err, errlen);
    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0') dir = "/usr/share/zoneinfo";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    const char *why = NULL;
    unsigned char *buf = read_file(path, &len, &why);
    if (buf == NULL) {
        set_err(err, errlen, "time zone %s: %s (looked in %s)", name, why, dir);
        return NULL;
    }
    tz_zone *z = calloc(1, sizeof *z);
    why = z ? parse_tzif(z, buf, len) : "out of memory";
    free(buf);
    if (why != NULL) {
        set_err(err, errlen, "time zone %s: %s", name, why);
        tz_free(z);
        return NULL;
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}
