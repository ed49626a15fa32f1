/* What users type as a stop timer, turned into an absolute instant. Pure: the clock and the zone are
 * parameters, so tests use a fake clock. Bad input is always an error, never "now".
 *
 * Accepted (case-insensitive, surrounding whitespace ignored):
 *   relative  15m 2h 1d 30s 90m, combined with units in order 1d12h, 1h30m, 1h30m15s; bare 15 = 15 minutes
 *   clock     22:30 22h30 9:30 (the next time the wall clock shows it: past today means tomorrow)
 *   dated     2024-12-25.14:00 2024/12/25.14h00 2024-12-25 14:00 2024-12-25T14:00 (same separator twice)
 * Policy: 24:00 is accepted as the midnight that ends the day (clock 24:00 = tonight's midnight; a dated
 * 2024-12-25.24:00 = 2024-12-26 00:00); hours 25+ and minutes 60+ are refused. A wall time skipped by DST
 * moves forward by the gap (shifted = true); a repeated one means its first occurrence that is still in the
 * future. Everything must be more than zero and at most 365 days ahead. */
#ifndef PEON_TIMER_PARSE_H
#define PEON_TIMER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define TIMER_MAX_INPUT 100                     /* longer input is refused before it is looked at */
#define TIMER_MAX_SECONDS (365 * 86400LL)
#define TIMER_MAX_NOW 253402300799LL            /* |now| beyond the end of 9999 is refused */

typedef enum timer_kind { TIMER_RELATIVE = 1, TIMER_CLOCK, TIMER_DATED } timer_kind;

typedef enum timer_error {
    TIMER_OK = 0,
    TIMER_ERR_EMPTY,          /* nothing but whitespace */
    TIMER_ERR_TOO_LONG,       /* more than TIMER_MAX_INPUT bytes */
    TIMER_ERR_FORMAT,         /* not a timer at all (includes control characters, non-ASCII) */
    TIMER_ERR_NOT_POSITIVE,   /* 0m, -15m */
    TIMER_ERR_TOO_FAR,        /* more than 365 days ahead */
    TIMER_ERR_BAD_DATE,       /* shaped right but impossible: 2025-02-30, 25:00, 12:60 */
    TIMER_ERR_PAST,           /* a dated time at or before now */
} timer_error;

typedef struct timer_result {
    timer_error error;
    timer_kind kind;
    int64_t epoch;            /* UTC seconds */
    int64_t seconds;          /* the duration, for TIMER_RELATIVE */
    bool tomorrow;            /* a clock time already past today was moved to tomorrow */
    bool shifted;             /* the wall time fell in a DST gap and was moved forward by it */
    char message[448];        /* on error: why, and the accepted formats */
} timer_result;

/* Returns out->error. `text` need not be NUL-terminated; `len` bytes are read. */
timer_error timer_parse(const char *text, size_t len, int64_t now, const tz_zone *zone, timer_result *out);

/* A stable lower-case name for an error code ("past", "format", ...), for scripts. */
const char *timer_error_name(timer_error error);

#endif
