/* IANA time zones read straight from the TZif files under /usr/share/zoneinfo (or $TZDIR), so a zone can be
 * used per call without tzset() and the process-global TZ. Also the civil-calendar arithmetic the timer
 * parser and the schedules need (proleptic Gregorian, any year). */
#ifndef PEON_TZ_H
#define PEON_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_NAME_MAX 64
#define TZ_ABBR_MAX 16

/* A wall-clock reading. Fields are not range-checked by tz_local_to_utc: hour 24 means 00:00 next day. */
typedef struct civil_time {
    int year, month, day;       /* month 1-12, day 1-31 */
    int hour, minute, second;
} civil_time;

bool civil_is_leap(int64_t year);
int civil_days_in_month(int64_t year, int month);   /* 0 for a month outside 1-12 */
int64_t civil_to_days(int64_t year, int month, int day);   /* days since 1970-01-01 */
void civil_from_days(int64_t days, civil_time *out);        /* sets year, month, day only */
int civil_weekday(int64_t days);                             /* 0 = Sunday ... 6 = Saturday */

typedef struct tz_zone tz_zone;

/* Loads `name` ("Europe/Berlin"). "UTC" and "Etc/UTC" are built in and need no tzdata. Names that are
 * absolute, contain "..", or are not a TZif file are refused. NULL with a one-line reason in `err`. */
tz_zone *tz_load(const char *name, char *err, size_t errlen);
/* A zone from a POSIX TZ rule alone ("CET-1CEST,M3.5.0,M10.5.0/3"), as found in TZif footers. */
tz_zone *tz_from_posix(const char *rule, char *err, size_t errlen);
void tz_free(tz_zone *zone);
const char *tz_name(const tz_zone *zone);

/* Seconds east of UTC in effect at `utc`; `abbrev` (may be NULL) gets "CET", "EDT", "+0530"... */
int tz_offset_at(const tz_zone *zone, int64_t utc, const char **abbrev);
/* The wall clock at `utc`; returns the offset like tz_offset_at. */
int tz_utc_to_local(const tz_zone *zone, int64_t utc, civil_time *out, const char **abbrev);

typedef enum tz_local_kind {
    TZ_LOCAL_EXACT,      /* the wall time happens once */
    TZ_LOCAL_GAP,        /* skipped by a spring-forward: moved later by the length of the gap */
    TZ_LOCAL_OVERLAP,    /* happens twice (fall-back): the first occurrence; `later` gets the second */
} tz_local_kind;

/* The instant the wall clock shows `local`. Policy: in a gap, the result is the wall time shifted forward by
 * the gap (02:30 on a 02:00->03:00 day is 03:30); in an overlap, the first (earlier) occurrence.
 * `kind` and `later` may be NULL; `later` equals the result unless kind is TZ_LOCAL_OVERLAP. */
int64_t tz_local_to_utc(const tz_zone *zone, const civil_time *local, tz_local_kind *kind, int64_t *later);

#endif
