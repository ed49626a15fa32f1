/* The heartbeat file for health checks: PEON_DATA_DIR/health holds the Unix time (seconds, one line) of the
 * event loop's latest turn, rewritten every HEALTH_FILE_PERIOD_S seconds by a timer on the loop. A stale
 * file means the loop no longer turns (blocked, or the process is gone); the Docker image's HEALTHCHECK
 * compares it with the clock. */
#ifndef PEON_HEALTH_FILE_H
#define PEON_HEALTH_FILE_H

#include <uv.h>

#define HEALTH_FILE_NAME "health"
#define HEALTH_FILE_PERIOD_S 10

/* Writes the file now and then every period (write to a temporary name, then rename, so a reader never sees
 * it half written; mode 0600). A failure is logged once per run of failures and never stops the bot. The
 * timer is unreferenced (it never keeps the loop alive) and lives in static storage: the shutdown's walk
 * that closes every handle closes it, and there is nothing to free. Call once, on the loop thread. */
void health_file_start(uv_loop_t *loop, const char *data_dir);

#endif
