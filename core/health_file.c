#include "health_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
    uv_timer_t timer;
    char path[PATH_MAX];
    char tmp[PATH_MAX];
    bool started;
    bool failing;           /* the last write failed (logged once until one succeeds) */
} health;

static int write_beat(void)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%lld\n", (long long)time(NULL));
    int fd = open(health.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    bool ok = write(fd, text, (size_t)len) == (ssize_t)len;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(health.tmp, health.path) == 0) return 0;
    if (ok) saved = errno;
    unlink(health.tmp);
    errno = saved;
    return -1;
}

static void on_beat(uv_timer_t *timer)
{
    (void)timer;
    if (write_beat() != 0) {
        if (!health.failing) log_warn("core", "cannot write the health file %s: %s", health.path, strerror(errno));
        health.failing = true;
    } else if (health.failing) {
        log_info("core", "the health file %s is written again", health.path);
        health.failing = false;
    }
}

void health_file_start(uv_loop_t *loop, const char *data_dir)
{
    if (health.started || data_dir == NULL) return;
    if (snprintf(health.path, sizeof health.path, "%s/%s", data_dir, HEALTH_FILE_NAME) >= (int)sizeof health.path ||
        snprintf(health.tmp, sizeof health.tmp, "%s/.%s.tmp", data_dir, HEALTH_FILE_NAME) >= (int)sizeof health.tmp) {
        log_warn("core", "PEON_DATA_DIR is too long for the health file; health checks will fail");
        return;
    }
    health.started = true;
    uv_timer_init(loop, &health.timer);
    on_beat(&health.timer);
    uv_timer_start(&health.timer, on_beat, HEALTH_FILE_PERIOD_S * 1000u, HEALTH_FILE_PERIOD_S * 1000u);
    uv_unref((uv_handle_t *)&health.timer); /* never keeps the loop alive on its own */
}
