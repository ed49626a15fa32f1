/* See time_format.h. English day and month names: PEON_LANGUAGE only knows "en" so far. */
#include "time_format.h"

#include <stdio.h>

void time_format(const tz_zone *zone, int64_t epoch, int64_t now, char *short_buf, size_t short_len,
                 char *iso_buf, size_t iso_len)
{
    static const char *const weekdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    civil_time t, today;
    const char *abbrev = "";
    tz_utc_to_local(zone, epoch, &t, &abbrev);
    tz_utc_to_local(zone, now, &today, NULL);
    if (iso_buf != NULL && iso_len > 0)
        snprintf(iso_buf, iso_len, "%04d-%02d-%02d %02d:%02d %s", t.year, t.month, t.day, t.hour, t.minute, abbrev);
    if (short_buf == NULL || short_len == 0) return;
    if (t.year == today.year && t.month == today.month && t.day == today.day) {
        snprintf(short_buf, short_len, "%02d:%02d %s", t.hour, t.minute, abbrev);
        return;
    }
    const char *weekday = weekdays[civil_weekday(civil_to_days(t.year, t.month, t.day))];
    if (t.year == today.year)
        snprintf(short_buf, short_len, "%s %d %s %02d:%02d %s", weekday, t.day, months[t.month - 1], t.hour,
                 t.minute, abbrev);
    else
        snprintf(short_buf, short_len, "%s %d %s %d %02d:%02d %s", weekday, t.day, months[t.month - 1], t.year,
                 t.hour, t.minute, abbrev);
}
