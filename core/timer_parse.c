/* Stop-timer parsing (timer_parse.h has the grammar and the policy). The three shapes are tried from the
 * most specific (dated) to the least (relative), so "22h30" is a clock time and "22h" a duration. */
#include "timer_parse.h"

#include <stdio.h>
#include <string.h>

enum { NO_MATCH = -1 };

static void fail(timer_result *out, timer_error error, const tz_zone *zone, const char *why)
{
    out->error = error;
    snprintf(out->message, sizeof out->message,
             "%s Timers: 15m, 2h, 1d, 30s, 1h30m, or a number of minutes (15); a clock time 22:30 or 22h30 "
             "(the next one, in %s); a date and time 2024-12-25.14:00, 2024/12/25.14h00 or 2024-12-25 14:00.",
             why, tz_name(zone));
}

/* min..max digits, not followed by another digit. */
static const char *number(const char *p, int min, int max, int64_t *out)
{
    int64_t value = 0;
    int n = 0;
    while (*p >= '0' && *p <= '9' && n < max) {
        value = value * 10 + (*p++ - '0');
        n++;
    }
    if (n < min || (*p >= '0' && *p <= '9')) return NULL;
    *out = value;
    return p;
}

/* H:MM, HH:MM, HhMM, HHhMM; ranges are checked by the caller so "25:00" can be named as impossible. */
static const char *time_of_day(const char *p, int64_t *hour, int64_t *minute)
{
    if ((p = number(p, 1, 2, hour)) == NULL || (*p != ':' && *p != 'h')) return NULL;
    return number(p + 1, 2, 2, minute);
}

static bool valid_time_of_day(int64_t hour, int64_t minute)
{
    return (hour <= 23 && minute <= 59) || (hour == 24 && minute == 0);   /* 24:00 ends the day */
}

/* The first occurrence of the wall time after `now`, or NO_MATCH when every occurrence is past. */
static int64_t next_occurrence(const tz_zone *zone, const civil_time *wall, int64_t now, bool *shifted)
{
    tz_local_kind kind;
    int64_t later;
    int64_t first = tz_local_to_utc(zone, wall, &kind, &later);
    *shifted = kind == TZ_LOCAL_GAP;
    if (first > now) return first;
    return later > now ? later : NO_MATCH;   /* fall-back: the repeat of the hour may still be ahead */
}

static void describe_local(const tz_zone *zone, const civil_time *wall, int64_t epoch, char *buf, size_t len)
{
    const char *abbrev = "";
    tz_offset_at(zone, epoch, &abbrev);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %s", wall->year, wall->month, wall->day, wall->hour,
             wall->minute, abbrev);
}

static int parse_dated(const char *s, int64_t now, const tz_zone *zone, timer_result *out)
{
    int64_t year, month, day, hour, minute;
    const char *p = number(s, 4, 4, &year);
    if (p == NULL || (*p != '-' && *p != '/' && *p != '.')) return NO_MATCH;
    char sep = *p;
    if ((p = number(p + 1, 1, 2, &month)) == NULL || *p != sep) return NO_MATCH;
    if ((p = number(p + 1, 1, 2, &day)) == NULL || (*p != '.' && *p != ' ' && *p != 't')) return NO_MATCH;
    if ((p = time_of_day(p + 1, &hour, &minute)) == NULL || *p != '\0') return NO_MATCH;
    out->kind = TIMER_DATED;
    char why[160];
    if (month < 1 || month > 12 || day < 1 || day > civil_days_in_month(year, (int)month)) {
        snprintf(why, sizeof why, "There is no date %04d-%02d-%02d.", (int)year, (int)month, (int)day);
        fail(out, TIMER_ERR_BAD_DATE, zone, why);
        return 0;
    }
    if (!valid_time_of_day(hour, minute)) {
        snprintf(why, sizeof why, "There is no time of day %02d:%02d (hours 0-23, minutes 00-59).", (int)hour,
                 (int)minute);
        fail(out, TIMER_ERR_BAD_DATE, zone, why);
        return 0;
    }
    civil_time wall = { (int)year, (int)month, (int)day, (int)hour, (int)minute, 0 };
    int64_t epoch = next_occurrence(zone, &wall, now, &out->shifted);
    if (epoch == NO_MATCH) {
        char when[64];
        describe_local(zone, &wall, tz_local_to_utc(zone, &wall, NULL, NULL), when, sizeof when);
        snprintf(why, sizeof why, "%s is in the past.", when);
        fail(out, TIMER_ERR_PAST, zone, why);
        return 0;
    }
    out->epoch = epoch;
    return 0;
}

static int parse_clock(const char *s, int64_t now, const tz_zone *zone, timer_result *out)
{
    int64_t hour, minute;
    const char *p = time_of_day(s, &hour, &minute);
    if (p == NULL || *p != '\0') return NO_MATCH;
    out->kind = TIMER_CLOCK;
    if (!valid_time_of_day(hour, minute)) {
        char why[128];
        snprintf(why, sizeof why, "There is no time of day %02d:%02d (hours 0-23, minutes 00-59).", (int)hour,
                 (int)minute);
        fail(out, TIMER_ERR_BAD_DATE, zone, why);
        return 0;
    }
    civil_time today;
    tz_utc_to_local(zone, now, &today, NULL);
    int64_t days = civil_to_days(today.year, today.month, today.day);
    /* Today, else tomorrow; the third day only matters if a zone ever skips a whole day (Samoa 2011). */
    for (int ahead = 0; ahead < 3; ahead++) {
        civil_time wall;
        civil_from_days(days + ahead, &wall);
        wall.hour = (int)hour;
        wall.minute = (int)minute;
        wall.second = 0;
        int64_t epoch = next_occurrence(zone, &wall, now, &out->shifted);
        if (epoch != NO_MATCH) {
            out->epoch = epoch;
            out->tomorrow = ahead > 0;
            return 0;
        }
    }
    fail(out, TIMER_ERR_FORMAT, zone, "That clock time cannot be placed.");
    return 0;
}

/* 15 (minutes), or number+unit pairs with units in falling order: 1d12h, 1h30m, 90m. */
static int parse_relative(const char *s, const tz_zone *zone, timer_result *out)
{
    bool negative = *s == '-';
    const char *p = s + negative;
    static const char units[] = "dhms";
    static const int64_t unit_seconds[] = { 86400, 3600, 60, 1 };
    int64_t total = 0, value;
    const char *q = number(p, 1, 9, &value);
    if (q != NULL && *q == '\0') {
        total = value * 60;
    } else {
        int last_unit = -1;
        if (*p == '\0') return NO_MATCH;
        while (*p != '\0') {
            if ((p = number(p, 1, 9, &value)) == NULL) return NO_MATCH;
            const char *unit = *p ? strchr(units, *p) : NULL;
            if (unit == NULL || unit - units <= last_unit) return NO_MATCH;
            last_unit = (int)(unit - units);
            total += value * unit_seconds[last_unit];
            p++;
        }
    }
    out->kind = TIMER_RELATIVE;
    if (negative || total == 0) fail(out, TIMER_ERR_NOT_POSITIVE, zone, "A timer must be longer than zero.");
    else if (total > TIMER_MAX_SECONDS)
        fail(out, TIMER_ERR_TOO_FAR, zone, "That is more than 365 days away; the longest timer is 365d.");
    else out->seconds = total;
    return 0;
}

timer_error timer_parse(const char *text, size_t len, int64_t now, const tz_zone *zone, timer_result *out)
{
    memset(out, 0, sizeof *out);
    if (now < -TIMER_MAX_NOW || now > TIMER_MAX_NOW) {   /* keeps now + duration far from overflow */
        fail(out, TIMER_ERR_FORMAT, zone, "The bot's clock is out of range.");
        return out->error;
    }
    if (text == NULL) len = 0;
    if (len > TIMER_MAX_INPUT) {
        fail(out, TIMER_ERR_TOO_LONG, zone, "That is too long to be a timer.");
        return out->error;
    }
    while (len > 0 && strchr(" \t\r\n", text[0]) != NULL && text[0] != '\0') { text++; len--; }
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL && text[len - 1] != '\0') len--;
    if (len == 0) {
        fail(out, TIMER_ERR_EMPTY, zone, "No timer given.");
        return out->error;
    }
    char s[TIMER_MAX_INPUT + 1];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c >= 0x7f) {   /* control characters and anything non-ASCII: no timer has them */
            fail(out, TIMER_ERR_FORMAT, zone, "That is not a timer.");
            return out->error;
        }
        s[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    s[len] = '\0';
    if (parse_dated(s, now, zone, out) == NO_MATCH && parse_clock(s, now, zone, out) == NO_MATCH &&
        parse_relative(s, zone, out) == NO_MATCH) {
        fail(out, TIMER_ERR_FORMAT, zone, "That is not a timer.");
        return out->error;
    }
    if (out->error == TIMER_OK && out->kind == TIMER_RELATIVE) out->epoch = now + out->seconds;
    if (out->error == TIMER_OK && out->epoch - now > TIMER_MAX_SECONDS)
        fail(out, TIMER_ERR_TOO_FAR, zone, "That is more than 365 days away; the longest timer is 365d.");
    if (out->error != TIMER_OK) {   /* a failed parse carries no instant anyone could act on */
        out->epoch = 0;
        out->tomorrow = out->shifted = false;
    }
    return out->error;
}

const char *timer_error_name(timer_error error)
{
    static const char *const names[] = { "ok", "empty", "too_long", "format", "not_positive", "too_far",
                                         "bad_date", "past" };
    return (size_t)error < sizeof names / sizeof names[0] ? names[error] : "unknown";
}
