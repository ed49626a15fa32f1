/* Schedule rules (schedule_rule.h has the grammar and the policies). Daily, weekly and cron rules share one
 * representation (bit masks) and one search: walk the local calendar day by day (skipping months that
 * cannot match), and on a matching day find its first run after `after`. A day without a DST change maps
 * wall time to UTC with one offset, so the first matching wall time is the answer; a day with a change
 * converts each matching wall time (tz_local_to_utc: gap -> shifted by the gap, overlap -> first) and takes
 * the earliest, then also looks at the next day, because a shifted time can land after its first run. */
#include "schedule_rule.h"

#include <stdio.h>
#include <string.h>

#include "time_format.h"
#include "timer_parse.h"

#define NONE INT64_MIN
#define MAX_TOKENS 8
#define ALL_MINUTES ((UINT64_C(1) << 60) - 1)
#define ALL_HOURS ((UINT32_C(1) << 24) - 1)
#define ALL_MDAYS (((UINT32_C(1) << 31) - 1) << 1)   /* bits 1-31 */
#define ALL_MONTHS ((uint16_t)(((1u << 12) - 1) << 1))   /* bits 1-12 */
#define ALL_WDAYS 0x7f
#define MON_FRI 0x3e
#define SAT_SUN 0x41
#define MAX_AFTER ((int64_t)1 << 40)   /* tz.c clamps instants here as well */

static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char *const day_full[7] = { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                                         "saturday" };
static const char *const day_german[7] = { "so", "mo", "di", "mi", "do", "fr", "sa" };
static const char *const day_titles[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_names[12] = { "jan", "feb", "mar", "apr", "may", "jun",
                                             "jul", "aug", "sep", "oct", "nov", "dec" };

/* ---- errors ---- */

typedef struct parse_ctx {
    int64_t now, anchor;
    const tz_zone *zone;
    schedule_rule *out;
    char *err;
    size_t errlen;
} parse_ctx;

static schedule_error fail(const parse_ctx *c, schedule_error error, const char *why)
{
    if (c->err != NULL && c->errlen > 0)
        snprintf(c->err, c->errlen,
                 "%s Schedules: daily 04:00, weekdays 23:30, weekends 10:00, mon,thu 18:00 (days mon-sun or "
                 "mo-so, lists and ranges like mon-fri); every 6h, every 30m, every 1d (5 minutes to 31 days); a "
                 "5-field cron expression (minute hour day month weekday) like 0 4 * * 1-5; or once: 15m, 22:30, "
                 "2025-12-24.18:00. Times are in %s.",
                 why, c->zone != NULL ? tz_name(c->zone) : "UTC");
    return error;
}

/* ---- small parsers over NUL-terminated lower-case text ---- */

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_alpha(char ch) { return ch >= 'a' && ch <= 'z'; }

/* 1..max_digits digits, not followed by another digit. */
static const char *number(const char *p, int max_digits, int64_t *out)
{
    int64_t value = 0;
    int n = 0;
    while (is_digit(*p) && n < max_digits) {
        value = value * 10 + (*p++ - '0');
        n++;
    }
    if (n == 0 || is_digit(*p)) return NULL;
    *out = value;
    return p;
}

/* A whole token H:MM, HH:MM, HhMM or HHhMM with hour 0-23, minute 0-59. */
static schedule_error time_token(const parse_ctx *c, const char *tok, int *hour, int *minute)
{
    int64_t h, m;
    const char *p = number(tok, 2, &h);
    if (p == NULL || (*p != ':' && *p != 'h') || !is_digit(p[1]) || !is_digit(p[2]) || p[3] != '\0') {
        char why[128];
        snprintf(why, sizeof why, "\"%.40s\" is not a time of day (like 04:00).", tok);
        return fail(c, SCHEDULE_ERR_FORMAT, why);
    }
    m = (p[1] - '0') * 10 + (p[2] - '0');
    if (h > 23 || m > 59) {
        char why[128];
        snprintf(why, sizeof why, "There is no time of day %02d:%02d (hours 0-23, minutes 00-59).", (int)h, (int)m);
        return fail(c, SCHEDULE_ERR_RANGE, why);
    }
    *hour = (int)h;
    *minute = (int)m;
    return SCHEDULE_OK;
}

/* A day name: 0 = Sunday ... 6 = Saturday, or -1. */
static int day_index(const char *word, size_t len)
{
    for (int i = 0; i < 7; i++) {
        if ((len == 3 && memcmp(word, day_names[i], 3) == 0) || (len == 2 && memcmp(word, day_german[i], 2) == 0) ||
            (len == strlen(day_full[i]) && memcmp(word, day_full[i], len) == 0))
            return i;
    }
    return -1;
}

/* "mon,thu", "mon-fri", "fri-mon" (wraps; weeks start on Monday), "mo,do": the weekday mask, 0 if not one. */
static uint8_t day_list(const char *tok)
{
    uint8_t mask = 0;
    const char *p = tok;
    for (;;) {
        const char *start = p;
        while (is_alpha(*p)) p++;
        int first = day_index(start, (size_t)(p - start)), last = first;
        if (first < 0) return 0;
        if (*p == '-') {
            start = ++p;
            while (is_alpha(*p)) p++;
            if ((last = day_index(start, (size_t)(p - start))) < 0) return 0;
        }
        for (int d = first;; d = (d + 1) % 7) {
            mask |= (uint8_t)(1u << d);
            if (d == last) break;
        }
        if (*p == '\0') return mask;
        if (*p++ != ',') return 0;
    }
}

/* ---- building rules ---- */

static void calendar_rule(schedule_rule *r, uint8_t wdays, int hour, int minute)
{
    r->kind = wdays == ALL_WDAYS ? SCHEDULE_DAILY : SCHEDULE_WEEKLY;
    r->minutes = UINT64_C(1) << minute;
    r->hours = UINT32_C(1) << hour;
    r->mdays = ALL_MDAYS;
    r->months = ALL_MONTHS;
    r->wdays = wdays;
    r->dom_star = true;   /* every day of the month, filtered by weekday */
    r->dow_star = wdays == ALL_WDAYS;
    r->hour = hour;
    r->minute = minute;
    if (r->kind == SCHEDULE_DAILY) snprintf(r->text, sizeof r->text, "daily %02d:%02d", hour, minute);
    else if (wdays == MON_FRI) snprintf(r->text, sizeof r->text, "weekdays %02d:%02d", hour, minute);
    else if (wdays == SAT_SUN) snprintf(r->text, sizeof r->text, "weekends %02d:%02d", hour, minute);
    else {
        size_t n = 0;
        for (int i = 1; i <= 7; i++) {   /* Monday first, Sunday last */
            int d = i % 7;
            if (wdays >> d & 1)
                n += (size_t)snprintf(r->text + n, sizeof r->text - n, "%s%s", n ? "," : "", day_names[d]);
        }
        snprintf(r->text + n, sizeof r->text - n, " %02d:%02d", hour, minute);
    }
}

/* `tokens` after the day word(s): [at] HH:MM. */
static schedule_error at_time(const parse_ctx *c, char **tokens, int count, const char *what, uint8_t wdays)
{
    if (count > 0 && strcmp(tokens[0], "at") == 0) {
        tokens++;
        count--;
    }
    if (count != 1) {
        char why[128];
        snprintf(why, sizeof why, "%s needs one time of day, like %s 04:00.", what, what);
        return fail(c, SCHEDULE_ERR_FORMAT, why);
    }
    int hour, minute;
    schedule_error e = time_token(c, tokens[0], &hour, &minute);
    if (e != SCHEDULE_OK) return e;
    calendar_rule(c->out, wdays, hour, minute);
    return SCHEDULE_OK;
}

/* "6h", "30m", "1d12h", "1h30m", "90minutes", "hour": units in falling order, each at most once. */
static schedule_error every(const parse_ctx *c, const char *s)
{
    static const struct { const char *word; int unit; } words[] = {
        { "d", 0 }, { "day", 0 }, { "days", 0 }, { "h", 1 }, { "hr", 1 }, { "hrs", 1 }, { "hour", 1 },
        { "hours", 1 }, { "m", 2 }, { "min", 2 }, { "mins", 2 }, { "minute", 2 }, { "minutes", 2 },
    };
    static const int64_t unit_seconds[] = { 86400, 3600, 60 };
    int64_t total = 0;
    int last_unit = -1;
    const char *p = s;
    if (*p == '\0') return fail(c, SCHEDULE_ERR_FORMAT, "every needs a duration, like every 6h.");
    while (*p != '\0') {
        int64_t value = 1;
        const char *q = number(p, 6, &value);
        if (q != NULL) p = q;
        else if (p != s) return fail(c, SCHEDULE_ERR_FORMAT, "That is not a duration (like every 6h or every 30m).");
        const char *start = p;
        while (is_alpha(*p)) p++;
        int unit = -1;
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strlen(words[i].word) == (size_t)(p - start) && memcmp(words[i].word, start, (size_t)(p - start)) == 0)
                unit = words[i].unit;
        if (unit <= last_unit)
            return fail(c, SCHEDULE_ERR_FORMAT, "That is not a duration (like every 6h or every 30m).");
        last_unit = unit;
        total += value * unit_seconds[unit];
    }
    if (total < SCHEDULE_MIN_INTERVAL)
        return fail(c, SCHEDULE_ERR_RANGE, "That is too often: the shortest interval is every 5m.");
    if (total > SCHEDULE_MAX_INTERVAL)
        return fail(c, SCHEDULE_ERR_RANGE, "That is too long: the longest interval is every 31d.");
    schedule_rule *r = c->out;
    r->kind = SCHEDULE_EVERY;
    r->interval = total;
    r->anchor = c->anchor;
    int64_t d = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60;
    size_t n = (size_t)snprintf(r->text, sizeof r->text, "every ");
    if (d) n += (size_t)snprintf(r->text + n, sizeof r->text - n, "%dd", (int)d);
    if (h) n += (size_t)snprintf(r->text + n, sizeof r->text - n, "%dh", (int)h);
    if (m) snprintf(r->text + n, sizeof r->text - n, "%dm", (int)m);
    return SCHEDULE_OK;
}

/* ---- cron ---- */

typedef struct cron_spec {
    const char *label;
    int min, max;
    const char *const *names;   /* 3-letter names, or NULL */
    int name_first;             /* the value of names[0] */
} cron_spec;

static const char *cron_value(const char *p, const cron_spec *f, int *out)
{
    int64_t v;
    const char *q = number(p, 6, &v);
    if (q != NULL) {
        *out = (int)v;
        return q;
    }
    if (f->names == NULL) return NULL;
    for (int i = 0; i < (f->name_first ? 12 : 7); i++)
        if (strncmp(p, f->names[i], 3) == 0 && !is_alpha(p[3])) {
            *out = f->name_first + i;
            return p + 3;
        }
    return NULL;
}

static schedule_error cron_field(const parse_ctx *c, const char *text, const cron_spec *f, uint64_t *bits, bool *star)
{
    char why[160];
    *bits = 0;
    *star = text[0] == '*';
    const char *p = text;
    for (;;) {
        int lo, hi, step = 1;
        bool range = true;
        if (*p == '*') {
            lo = f->min;
            hi = f->max;
            p++;
        } else {
            const char *q = cron_value(p, f, &lo);
            if (q == NULL) goto bad;
            p = q;
            hi = lo;
            range = *p == '-';
            if (range && (p = cron_value(p + 1, f, &hi)) == NULL) goto bad;
        }
        if (*p == '/') {
            int64_t s;
            if ((p = number(p + 1, 6, &s)) == NULL) goto bad;
            if (s < 1 || s > f->max) {
                snprintf(why, sizeof why, "In the cron %s field, the step /%d is out of range (1-%d).", f->label,
                         (int)s, f->max);
                return fail(c, SCHEDULE_ERR_RANGE, why);
            }
            step = (int)s;
            if (!range) hi = f->max;   /* 5/15 means 5-max/15 */
        }
        if (lo < f->min || lo > f->max || hi < f->min || hi > f->max) {
            snprintf(why, sizeof why, "In the cron %s field, %d is out of range (%d-%d).", f->label,
                     lo < f->min || lo > f->max ? lo : hi, f->min, f->max);
            return fail(c, SCHEDULE_ERR_RANGE, why);
        }
        if (lo > hi) {
            snprintf(why, sizeof why, "In the cron %s field, the range %d-%d runs backwards.", f->label, lo, hi);
            return fail(c, SCHEDULE_ERR_RANGE, why);
        }
        for (int v = lo; v <= hi; v += step) *bits |= UINT64_C(1) << v;
        if (*p == '\0') return SCHEDULE_OK;
        if (*p++ != ',' || *p == '\0') goto bad;
    }
bad:
    snprintf(why, sizeof why, "In the cron %s field, \"%.40s\" is not understood.", f->label, text);
    return fail(c, SCHEDULE_ERR_FORMAT, why);
}

static int64_t calendar_next(const schedule_rule *r, const tz_zone *zone, int64_t after);

static schedule_error cron(const parse_ctx *c, char **fields)
{
    static const cron_spec specs[5] = {
        { "minute", 0, 59, NULL, 0 },        { "hour", 0, 23, NULL, 0 },
        { "day-of-month", 1, 31, NULL, 0 },  { "month", 1, 12, month_names, 1 },
        { "day-of-week", 0, 7, day_names, 0 },
    };
    uint64_t bits[5];
    bool star[5];
    for (int i = 0; i < 5; i++) {
        schedule_error e = cron_field(c, fields[i], &specs[i], &bits[i], &star[i]);
        if (e != SCHEDULE_OK) return e;
    }
    schedule_rule *r = c->out;
    r->kind = SCHEDULE_CRON;
    r->minutes = bits[0];
    r->hours = (uint32_t)bits[1];
    r->mdays = (uint32_t)bits[2];
    r->months = (uint16_t)bits[3];
    r->wdays = (uint8_t)((bits[4] | bits[4] >> 7) & ALL_WDAYS);   /* 7 is Sunday too */
    r->dom_star = star[2];
    r->dow_star = star[4];
    /* At most one run per 5 minutes on the wall clock, across the hour boundary too. */
    int first = -1, last = -1;
    for (int m = 0; m < 60; m++) {
        if (!(r->minutes >> m & 1)) continue;
        if (last >= 0 && m - last < 5)
            return fail(c, SCHEDULE_ERR_RANGE, "That cron expression runs more often than every 5 minutes.");
        if (first < 0) first = m;
        last = m;
    }
    bool consecutive_hours = false;
    for (int h = 0; h < 24; h++)
        if ((r->hours >> h & 1) && (r->hours >> (h + 1) % 24 & 1)) consecutive_hours = true;
    if (consecutive_hours && first + 60 - last < 5)
        return fail(c, SCHEDULE_ERR_RANGE, "That cron expression runs more often than every 5 minutes.");
    /* When the day of month must match (either day field starts with '*'), some month must have that day. */
    if (r->dom_star || r->dow_star) {
        bool possible = false;
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= civil_days_in_month(2000, m); d++)   /* 2000: a leap year */
                if ((r->months >> m & 1) && (r->mdays >> d & 1)) possible = true;
        if (!possible)
            return fail(c, SCHEDULE_ERR_NEVER, "That cron expression never matches: no month it names has that day.");
    }
    snprintf(r->text, sizeof r->text, "%s %s %s %s %s", fields[0], fields[1], fields[2], fields[3], fields[4]);
    if (calendar_next(r, c->zone, c->now) == NONE)
        return fail(c, SCHEDULE_ERR_NEVER, "That cron expression does not match within the next 9 years.");
    return SCHEDULE_OK;
}

/* ---- one-shot ---- */

static void once_rule(schedule_rule *r, int64_t at)
{
    r->kind = SCHEDULE_ONCE;
    r->at = at;
    civil_time u;
    int64_t days = at / 86400 - (at % 86400 < 0), secs = at - days * 86400;
    civil_from_days(days, &u);
    snprintf(r->text, sizeof r->text, "once %04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* "2025-12-24t17:00:00z" (lower-cased): the canonical form. 1 = taken (result in *error), 0 = not this form. */
static int once_utc(const parse_ctx *c, const char *s, schedule_error *error)
{
    int64_t y, mo, d, h, mi, se;
    const char *p = s;
    if (strlen(s) != 20 || (p = number(p, 4, &y)) == NULL || *p != '-' || (p = number(p + 1, 2, &mo)) == NULL ||
        *p != '-' || (p = number(p + 1, 2, &d)) == NULL || *p != 't' || (p = number(p + 1, 2, &h)) == NULL ||
        *p != ':' || (p = number(p + 1, 2, &mi)) == NULL || *p != ':' || (p = number(p + 1, 2, &se)) == NULL ||
        strcmp(p, "z") != 0)
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, (int)mo) || h > 23 || mi > 59 || se > 59) {
        *error = fail(c, SCHEDULE_ERR_RANGE, "That date or time does not exist.");
        return 1;
    }
    int64_t at = civil_to_days(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + se;
    if (at <= c->now) *error = fail(c, SCHEDULE_ERR_PAST, "That time is in the past.");
    else if (at - c->now > TIMER_MAX_SECONDS)
        *error = fail(c, SCHEDULE_ERR_RANGE, "That is more than 365 days away; the longest is 365d.");
    else {
        once_rule(c->out, at);
        *error = SCHEDULE_OK;
    }
    return 1;
}

static schedule_error once(const parse_ctx *c, const char *s)
{
    schedule_error error;
    if (once_utc(c, s, &error)) return error;
    timer_result r;
    timer_error te = timer_parse(s, strlen(s), c->now, c->zone, &r);
    if (te == TIMER_OK) {
        once_rule(c->out, r.epoch);
        return SCHEDULE_OK;
    }
    if (te == TIMER_ERR_FORMAT || te == TIMER_ERR_TOO_LONG || te == TIMER_ERR_EMPTY)
        return fail(c, SCHEDULE_ERR_FORMAT, "That is not a schedule.");
    char why[sizeof r.message];   /* the timer's own reason, without its list of timer formats */
    snprintf(why, sizeof why, "%s", r.message);
    char *tail = strstr(why, " Timers:");
    if (tail != NULL) *tail = '\0';
    return fail(c, te == TIMER_ERR_PAST ? SCHEDULE_ERR_PAST : SCHEDULE_ERR_RANGE, why);
}

/* ---- parse ---- */

schedule_error schedule_rule_parse(const char *text, size_t len, int64_t now, int64_t anchor, const tz_zone *zone,
                                   schedule_rule *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err != NULL && errlen > 0) err[0] = '\0';
    parse_ctx c = { now, anchor, zone, out, err, errlen };
    if (now < -TIMER_MAX_NOW || now > TIMER_MAX_NOW || anchor < -TIMER_MAX_NOW || anchor > TIMER_MAX_NOW)
        return fail(&c, SCHEDULE_ERR_FORMAT, "The bot's clock is out of range.");
    if (text == NULL) len = 0;
    if (len > SCHEDULE_MAX_INPUT) return fail(&c, SCHEDULE_ERR_TOO_LONG, "That is too long to be a schedule.");
    while (len > 0 && (text[0] == ' ' || text[0] == '\t' || text[0] == '\r' || text[0] == '\n')) { text++; len--; }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' || text[len - 1] == '\n'))
        len--;
    if (len == 0) return fail(&c, SCHEDULE_ERR_EMPTY, "No schedule given.");
    char s[SCHEDULE_MAX_INPUT + 1];      /* lower-cased, as typed */
    char norm[SCHEDULE_MAX_INPUT + 1];   /* single spaces, none around commas */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch < 0x20 || ch >= 0x7f) return fail(&c, SCHEDULE_ERR_FORMAT, "That is not a schedule.");
        s[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        if (s[i] == ' ' && (n == 0 || norm[n - 1] == ' ' || norm[n - 1] == ',')) continue;
        if (s[i] == ',' && n > 0 && norm[n - 1] == ' ') n--;
        norm[n++] = s[i];
    }
    s[len] = '\0';
    norm[n] = '\0';
    char *tokens[MAX_TOKENS];
    int count = 0;
    for (char *p = norm; *p != '\0';) {
        if (count == MAX_TOKENS) return fail(&c, SCHEDULE_ERR_FORMAT, "That is not a schedule.");
        tokens[count++] = p;
        char *space = strchr(p, ' ');
        if (space == NULL) break;
        *space = '\0';
        p = space + 1;
    }
    const char *first = tokens[0];
    if (strcmp(first, "daily") == 0) return at_time(&c, tokens + 1, count - 1, "daily", ALL_WDAYS);
    if (strcmp(first, "weekdays") == 0 || strcmp(first, "weekday") == 0)
        return at_time(&c, tokens + 1, count - 1, "weekdays", MON_FRI);
    if (strcmp(first, "weekends") == 0 || strcmp(first, "weekend") == 0)
        return at_time(&c, tokens + 1, count - 1, "weekends", SAT_SUN);
    if (strcmp(first, "every") == 0) {
        if (count >= 3 && strcmp(tokens[1], "day") == 0)   /* every day at 04:00 */
            return at_time(&c, tokens + 2, count - 2, "every day", ALL_WDAYS);
        char joined[SCHEDULE_MAX_INPUT + 1] = "";
        for (int i = 1; i < count; i++) strcat(joined, tokens[i]);
        return every(&c, joined);
    }
    if (strcmp(first, "cron") == 0) {
        if (count != 6)
            return fail(&c, SCHEDULE_ERR_FORMAT, "A cron expression has 5 fields: minute hour day month weekday.");
        return cron(&c, tokens + 1);
    }
    if (count == 5) return cron(&c, tokens);
    if (strcmp(first, "once") == 0) {
        const char *rest = s + 4;
        while (*rest == ' ') rest++;
        if (strncmp(rest, "at ", 3) == 0) rest += 3;
        while (*rest == ' ') rest++;
        return once(&c, rest);
    }
    uint8_t days = day_list(first);
    if (days != 0) return at_time(&c, tokens + 1, count - 1, first, days);
    return once(&c, s);
}

/* ---- next ---- */

static bool day_matches(const schedule_rule *r, const civil_time *c, int64_t days)
{
    if (!(r->months >> c->month & 1)) return false;
    bool dom = r->mdays >> c->day & 1;
    bool dow = r->wdays >> civil_weekday(days) & 1;
    return r->dom_star || r->dow_star ? dom && dow : dom || dow;
}

/* The first matching time of day at or after `lower` seconds after midnight, in seconds; -1 if none. */
static int64_t first_time_from(const schedule_rule *r, int64_t lower)
{
    if (lower < 0) lower = 0;
    for (int h = (int)(lower / 3600); h < 24; h++) {
        if (!(r->hours >> h & 1)) continue;
        int64_t base = h * 3600;
        int m0 = base >= lower ? 0 : (int)((lower - base + 59) / 60);
        for (int m = m0; m < 60; m++)
            if (r->minutes >> m & 1) return base + m * 60;
    }
    return -1;
}

/* The earliest run of local day `day` after `after`, or NONE; *plain: the day has one UTC offset throughout. */
static int64_t day_candidate(const schedule_rule *r, const tz_zone *zone, int64_t day, int64_t after, bool *plain)
{
    civil_time midnight, next_midnight;
    civil_from_days(day, &midnight);
    midnight.hour = midnight.minute = midnight.second = 0;
    civil_from_days(day + 1, &next_midnight);
    next_midnight.hour = next_midnight.minute = next_midnight.second = 0;
    tz_local_kind k0, k1;
    int64_t u0 = tz_local_to_utc(zone, &midnight, &k0, NULL), u1 = tz_local_to_utc(zone, &next_midnight, &k1, NULL);
    int offset = tz_offset_at(zone, u0, NULL);
    *plain = k0 == TZ_LOCAL_EXACT && k1 == TZ_LOCAL_EXACT && u1 - u0 == 86400 &&
             tz_offset_at(zone, u0 + 43200, NULL) == offset && tz_offset_at(zone, u1 - 1, NULL) == offset;
    if (*plain) {
        int64_t secs = first_time_from(r, after + 1 + offset - day * 86400);
        return secs < 0 ? NONE : day * 86400 + secs - offset;
    }
    int64_t best = NONE;
    for (int h = 0; h < 24; h++) {
        if (!(r->hours >> h & 1)) continue;
        for (int m = 0; m < 60; m++) {
            if (!(r->minutes >> m & 1)) continue;
            civil_time wall = midnight;
            wall.hour = h;
            wall.minute = m;
            int64_t t = tz_local_to_utc(zone, &wall, NULL, NULL);
            if (t > after && (best == NONE || t < best)) best = t;
        }
    }
    return best;
}

static int64_t calendar_next(const schedule_rule *r, const tz_zone *zone, int64_t after)
{
    civil_time local;
    tz_utc_to_local(zone, after, &local, NULL);
    /* From the day before: a time skipped by DST late yesterday can run after `after`. */
    int64_t start = civil_to_days(local.year, local.month, local.day) - 1;
    for (int64_t day = start; day <= start + SCHEDULE_SEARCH_DAYS; day++) {
        civil_time c;
        civil_from_days(day, &c);
        if (!(r->months >> c.month & 1)) {   /* skip to the month's last day; the loop steps past it */
            day += civil_days_in_month(c.year, c.month) - c.day;
            continue;
        }
        if (!day_matches(r, &c, day)) continue;
        bool plain;
        int64_t t = day_candidate(r, zone, day, after, &plain);
        if (t == NONE) continue;
        if (!plain) {   /* a run shifted by a gap may come after tomorrow's earliest */
            civil_from_days(day + 1, &c);
            bool plain_next;
            int64_t t2 = day_matches(r, &c, day + 1) ? day_candidate(r, zone, day + 1, after, &plain_next) : NONE;
            if (t2 != NONE && t2 < t) t = t2;
        }
        return t;
    }
    return NONE;
}

int64_t schedule_rule_next(const schedule_rule *rule, const tz_zone *zone, int64_t after)
{
    if (after < -1) after = -1;   /* nothing before 1970: -1 means "none" */
    if (after > MAX_AFTER) return -1;
    int64_t t = NONE;
    switch (rule->kind) {
    case SCHEDULE_DAILY:
    case SCHEDULE_WEEKLY:
    case SCHEDULE_CRON:
        t = calendar_next(rule, zone, after);
        break;
    case SCHEDULE_EVERY:
        if (rule->interval <= 0) break;
        t = rule->anchor + (after < rule->anchor ? 1 : (after - rule->anchor) / rule->interval + 1) * rule->interval;
        break;
    case SCHEDULE_ONCE:
        if (rule->at > after) t = rule->at;
        break;
    }
    return t == NONE || t <= after ? -1 : t;
}

/* ---- text ---- */

void schedule_rule_format(const schedule_rule *rule, char *buf, size_t len)
{
    if (buf != NULL && len > 0) snprintf(buf, len, "%s", rule->text);
}

void schedule_rule_describe(const schedule_rule *rule, const tz_zone *zone, char *buf, size_t len)
{
    if (buf == NULL || len == 0) return;
    buf[0] = '\0';
    switch (rule->kind) {
    case SCHEDULE_DAILY:
        snprintf(buf, len, "every day at %02d:%02d", rule->hour, rule->minute);
        break;
    case SCHEDULE_WEEKLY: {
        char days[64] = "";
        size_t n = 0;
        for (int i = 1; i <= 7;) {   /* Monday first; runs of 3+ days as ranges: Mon-Fri, Sat, Sun */
            if (!(rule->wdays >> (i % 7) & 1)) { i++; continue; }
            int j = i;
            while (j + 1 <= 7 && (rule->wdays >> ((j + 1) % 7) & 1)) j++;
            const char *sep = n ? ", " : "";
            if (j - i >= 2)
                n += (size_t)snprintf(days + n, sizeof days - n, "%s%s-%s", sep, day_titles[i % 7], day_titles[j % 7]);
            else
                for (int k = i; k <= j; k++, sep = ", ")
                    n += (size_t)snprintf(days + n, sizeof days - n, "%s%s", sep, day_titles[k % 7]);
            i = j + 1;
        }
        snprintf(buf, len, "%s at %02d:%02d", days, rule->hour, rule->minute);
        break;
    }
    case SCHEDULE_EVERY: {
        static const char *const units[3][2] = { { "day", "days" }, { "hour", "hours" }, { "minute", "minutes" } };
        int64_t parts[3] = { rule->interval / 86400, rule->interval % 86400 / 3600, rule->interval % 3600 / 60 };
        int nonzero = (parts[0] != 0) + (parts[1] != 0) + (parts[2] != 0);
        size_t n = (size_t)snprintf(buf, len, "every");
        for (int i = 0; i < 3 && n < len; i++) {
            if (parts[i] == 0) continue;
            if (nonzero == 1 && parts[i] == 1) n += (size_t)snprintf(buf + n, len - n, " %s", units[i][0]);
            else n += (size_t)snprintf(buf + n, len - n, " %d %s", (int)parts[i], units[i][parts[i] != 1]);
        }
        break;
    }
    case SCHEDULE_CRON:
        snprintf(buf, len, "cron %s", rule->text);
        break;
    case SCHEDULE_ONCE: {
        char iso[64];
        time_format(zone, rule->at, rule->at, NULL, 0, iso, sizeof iso);
        snprintf(buf, len, "once at %s", iso);
        break;
    }
    }
}

const char *schedule_kind_name(schedule_kind kind)
{
    static const char *const names[] = { "", "daily", "weekly", "every", "cron", "once" };
    return kind >= SCHEDULE_DAILY && kind <= SCHEDULE_ONCE ? names[kind] : "unknown";
}

const char *schedule_error_name(schedule_error error)
{
    static const char *const names[] = { "ok", "empty", "too_long", "format", "range", "never", "past" };
    return (size_t)error < sizeof names / sizeof names[0] ? names[error] : "unknown";
}
