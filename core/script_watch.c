#include "script_watch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

#define DEBOUNCE_MS 250
#define WATCHED_DIRS 4

struct script_watch {
    lua_host *host;
    uv_fs_event_t events[WATCHED_DIRS];
    int event_count;
    uv_timer_t debounce;
    int open_handles;
};

static void on_settled(uv_timer_t *timer)
{
    script_watch *watch = timer->data;
    char err[4096];
    lua_host_reload(watch->host, "a script file changed", err, sizeof err);
}

static void on_change(uv_fs_event_t *event, const char *filename, int events, int status)
{
    (void)events;
    script_watch *watch = event->data;
    if (status < 0) {
        log_warn("lua", "watching scripts failed: %s", uv_strerror(status));
        return;
    }
    /* Editors write swap and backup files next to the script; only .lua files matter. */
    if (filename != NULL) {
        size_t len = strlen(filename);
        if (len < 4 || strcmp(filename + len - 4, ".lua") != 0) return;
    }
    uv_timer_start(&watch->debounce, on_settled, DEBOUNCE_MS, 0);
}

script_watch *script_watch_start(uv_loop_t *loop, const char *scripts_dir, lua_host *host, char *err, size_t errlen)
{
    script_watch *watch = calloc(1, sizeof *watch);
    if (watch == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    watch->host = host;
    uv_timer_init(loop, &watch->debounce);
    watch->debounce.data = watch;
    watch->open_handles = 1;
    static const char *const subdirs[WATCHED_DIRS] = { "", "/commands", "/ui", "/lib" };
    for (int i = 0; i < WATCHED_DIRS; i++) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s%s", scripts_dir, subdirs[i]);
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        uv_fs_event_t *event = &watch->events[watch->event_count];
        uv_fs_event_init(loop, event);
        event->data = watch;
        watch->open_handles++;
        watch->event_count++;
        int rc = uv_fs_event_start(event, on_change, dir, 0);
        if (rc != 0) {
            snprintf(err, errlen, "cannot watch %s: %s", dir, uv_strerror(rc));
            script_watch_stop(watch);
            return NULL;
        }
    }
    log_info("lua", "watching %s for changes (PEON_WATCH=1)", scripts_dir);
    return watch;
}

static void on_closed(uv_handle_t *handle)
{
    script_watch *watch = handle->data;
    if (--watch->open_handles == 0) free(watch);
}

void script_watch_stop(script_watch *watch)
{
    if (watch == NULL) return;
    for (int i = 0; i < watch->event_count; i++) uv_close((uv_handle_t *)&watch->events[i], on_closed);
    uv_close((uv_handle_t *)&watch->debounce, on_closed);
}
