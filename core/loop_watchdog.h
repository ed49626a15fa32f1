/* Notices when the event loop is blocked and says what was running. A timer on the loop beats every
 * 250 ms; a separate thread checks the beat and, when it is more than the threshold old, logs once what the
 * loop is doing (set by the code that runs: the Lua host names the script file:line). When the loop comes
 * back, the timer logs how long the stall lasted. Only the log is touched from the thread. */
#ifndef PEON_LOOP_WATCHDOG_H
#define PEON_LOOP_WATCHDOG_H

#include <stdint.h>
#include <uv.h>

typedef struct loop_watchdog loop_watchdog;

/* threshold_ms: 0 = 1000. Returns NULL (and logs) when the thread cannot start; the bot runs on without. */
loop_watchdog *loop_watchdog_start(uv_loop_t *loop, uint32_t threshold_ms);
/* Joins the thread and closes the timer (freed on the loop). */
void loop_watchdog_stop(loop_watchdog *dog);

/* What the loop thread is running now, e.g. "script commands/foo.lua:12 (/foo)"; NULL = nothing in
 * particular. Cheap; safe to call without a watchdog. */
void loop_watchdog_set_activity(const char *what);

#endif
