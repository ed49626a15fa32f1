/* Instants written for people, in a given zone: short for a reply, ISO-like for logs and lists. */
#ifndef PEON_TIME_FORMAT_H
#define PEON_TIME_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

/* short: "22:30 CET" on the same local day as `now`, "Wed 25 Dec 14:00 CET" in the same year,
 * "Wed 25 Dec 2024 14:00 CET" otherwise. iso: "2024-12-25 14:00 CET". Either buffer may be NULL.
 * Seconds are dropped (truncated), as every timer the bot takes is shown to the minute. */
void time_format(const tz_zone *zone, int64_t epoch, int64_t now, char *short_buf, size_t short_len,
                 char *iso_buf, size_t iso_len);

#endif
