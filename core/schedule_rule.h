/* Schedule rules: what an admin types as `when` in `/schedule add`, compiled once and asked for the next
 * occurrence. Pure: the clock, the anchor and the zone are parameters, so tests use a fake clock.
 *
 * Accepted (case-insensitive, surrounding whitespace ignored, spaces after commas allowed):
 *   daily 04:00             every day (also "daily at 04:00", "every day at 04:00")
 *   weekdays 23:30          Mon-Fri;  weekends 10:00: Sat, Sun
 *   mon,thu 18:00           day lists and ranges: mon-fri, fri-mon (ranges wrap, weeks start on Monday);
 *                           English mon..sun (or monday..sunday), German mo di mi do fr sa so
 *   every 6h                every 30m, every 1d, every 1h30m, every 90 minutes, every hour: an absolute
 *                           duration of 5 minutes to 31 days, counted from the anchor (the rule's creation
 *                           time, stored by the caller), so a restart does not shift it; DST does not move it
 *   0 4 * * 1-5             5-field cron (optionally "cron 0 4 * * 1-5"): minute hour day-of-month month
 *                           day-of-week; '*', lists, ranges, steps ('*' then "/15", 1-5/2, 5/15 = 5-59/15),
 *                           names jan-dec and sun-sat, 0 and 7 = Sunday. Day matching as Vixie cron: when
 *                           both day fields are restricted (neither starts with '*') a day matching either runs;
 *                           otherwise both must match. No L, W, #, ? or @macros.
 *   15m 22:30 2025-12-24.18:00   one-shot: anything timer_parse accepts (optionally after "once"/"once at"),
 *                           and the canonical "once 2025-12-24T17:00:00Z" (UTC) this module writes itself
 * Policies:
 *   - Wall times are in the given zone. A wall time skipped by a spring-forward runs once, shifted forward by
 *     the gap (02:30 on a 02:00->03:00 night runs at 03:30), as tz_local_to_utc and timer_parse do. A wall
 *     time repeated by a fall-back runs once, at its first occurrence; the repeated hour has no runs.
 *     Several wall times landing on one instant (02:30 shifted to 03:30 plus a 03:30 run) run once.
 *   - Nothing runs more often than every 5 minutes: `every` below 5m and crons with two minutes less than
 *     5 apart (e.g. "* * * * *", "0-4 * * * *", or :58 and :01 in consecutive hours) are refused. The spacing
 *     is checked on the wall clock; a DST shift can bring two runs of one night closer.
 *   - Recurring times are hours 0-23 (24:00 is one-shot only); one-shots follow timer_parse (more than zero
 *     and at most 365 days ahead; at or before `now` is refused as past).
 *   - A cron that can never match ("0 0 30 2 *") is refused at parse time, as is one with no run within
 *     SCHEDULE_SEARCH_DAYS of `now`; schedule_rule_next looks no further than that either.
 *   - Instants before 1970 are never returned. */
#ifndef PEON_SCHEDULE_RULE_H
#define PEON_SCHEDULE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define SCHEDULE_MAX_INPUT 200                 /* longer input is refused before it is looked at */
#define SCHEDULE_TEXT_MAX 256                  /* canonical text, NUL included; always fits */
#define SCHEDULE_MIN_INTERVAL (5 * 60)
#define SCHEDULE_MAX_INTERVAL (31 * 86400LL)
#define SCHEDULE_SEARCH_DAYS (9 * 366)         /* Feb 29 can be 8 years away (2096 -> 2104) */

typedef enum schedule_kind {
    SCHEDULE_DAILY = 1,   /* one time of day, every day */
    SCHEDULE_WEEKLY,      /* one time of day on some weekdays (weekdays, weekends, mon,thu) */
    SCHEDULE_EVERY,       /* a fixed duration from the anchor */
    SCHEDULE_CRON,
    SCHEDULE_ONCE,
} schedule_kind;

typedef enum schedule_error {
    SCHEDULE_OK = 0,
    SCHEDULE_ERR_EMPTY,      /* nothing but whitespace */
    SCHEDULE_ERR_TOO_LONG,   /* more than SCHEDULE_MAX_INPUT bytes */
    SCHEDULE_ERR_FORMAT,     /* not a schedule (includes control characters, non-ASCII, a clock out of range) */
    SCHEDULE_ERR_RANGE,      /* shaped right, a value out of range: 25:00, every 1m, 61 * * * *, a 400d timer */
    SCHEDULE_ERR_NEVER,      /* a cron that never matches (within SCHEDULE_SEARCH_DAYS): 0 0 30 2 * */
    SCHEDULE_ERR_PAST,       /* a one-shot at or before now */
} schedule_error;

/* A compiled rule; plain data, copy it freely. Calendar rules (daily, weekly, cron) are bit masks. */
typedef struct schedule_rule {
    schedule_kind kind;
    uint64_t minutes;          /* bit m: minute m (0-59) */
    uint32_t hours;            /* bit h: hour h (0-23) */
    uint32_t mdays;            /* bit d: day of month d (1-31) */
    uint16_t months;           /* bit m: month m (1-12) */
    uint8_t wdays;             /* bit w: weekday w, 0 = Sunday ... 6 = Saturday */
    bool dom_star, dow_star;   /* the day fields began with '*' (cron day matching, see above) */
    int hour, minute;          /* daily and weekly: the time of day */
    int64_t interval;          /* every: seconds */
    int64_t anchor;            /* every: occurrences are anchor + k * interval, k >= 1 */
    int64_t at;                /* once: the instant (UTC seconds) */
    char text[SCHEDULE_TEXT_MAX];   /* canonical text */
} schedule_rule;

/* Returns SCHEDULE_OK and fills `out`, or an error code with "why. Schedules: <the accepted forms>" in
 * `err` (may be NULL). `text` need not be NUL-terminated; `len` bytes are read. `now` resolves one-shots
 * (and refuses past ones); `anchor` is the creation time an `every` rule counts from (pass `now` for a new
 * rule). |now| and |anchor| beyond the end of 9999 are refused. */
schedule_error schedule_rule_parse(const char *text, size_t len, int64_t now, int64_t anchor, const tz_zone *zone,
                                   schedule_rule *out, char *err, size_t errlen);

/* The first occurrence strictly after `after`, or -1 when there is none (a spent one-shot, nothing within
 * SCHEDULE_SEARCH_DAYS). Cost: a calendar rule checks each day with a few integer tests and converts wall
 * times only on matching days (one conversion on a day without a DST change). */
int64_t schedule_rule_next(const schedule_rule *rule, const tz_zone *zone, int64_t after);

/* The canonical text: re-parsing it (with the same anchor and zone) gives the same rule. Forms:
 * "daily 04:00", "weekdays 23:30", "weekends 10:00", "mon,thu 18:00", "every 6h", "every 1d12h",
 * "every 1h30m", "0 4 * * mon-fri" (the five fields lower-cased, single spaces), "once 2025-12-24T17:00:00Z". */
void schedule_rule_format(const schedule_rule *rule, char *buf, size_t len);

/* Short English: "every day at 04:00", "Mon, Thu at 18:00", "Mon-Fri at 23:30", "every 6 hours",
 * "every hour", "every 1 hour 30 minutes", "cron 0 4 * * mon-fri", "once at 2025-12-24 18:00 CET". */
void schedule_rule_describe(const schedule_rule *rule, const tz_zone *zone, char *buf, size_t len);

/* Stable lower-case names for scripts: "daily" "weekly" "every" "cron" "once"; "ok" "empty" "too_long"
 * "format" "range" "never" "past". */
const char *schedule_kind_name(schedule_kind kind);
const char *schedule_error_name(schedule_error error);

#endif
