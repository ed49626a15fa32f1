#include "loop_watchdog.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

#define BEAT_MS 250u
#define CHECK_MS 100u

struct loop_watchdog {
    uv_timer_t beat;
    uv_thread_t thread;
    uint64_t threshold_ns;
    uint64_t last_beat_ns;        /* loop side only */
    atomic_uint_fast64_t beat_ns; /* published for the thread */
    atomic_bool stop;
    atomic_bool reported;         /* the thread already logged the current stall */
    char stall_what[200];         /* what it saw running then (under activity_lock) */
};

static uv_mutex_t activity_lock;
static uv_once_t activity_once = UV_ONCE_INIT;
static char activity[200];

static void init_activity_lock(void) { uv_mutex_init(&activity_lock); }

void loop_watchdog_set_activity(const char *what)
{
    uv_once(&activity_once, init_activity_lock);
    uv_mutex_lock(&activity_lock);
    snprintf(activity, sizeof activity, "%s", what ? what : "");
    uv_mutex_unlock(&activity_lock);
}

static void read_activity(char *out, size_t cap)
{
    uv_once(&activity_once, init_activity_lock);
    uv_mutex_lock(&activity_lock);
    snprintf(out, cap, "%s", activity[0] ? activity : "the core (no script)");
    uv_mutex_unlock(&activity_lock);
}

static void on_beat(uv_timer_t *timer)
{
    loop_watchdog *dog = timer->data;
    uint64_t now = uv_hrtime();
    uint64_t gap = now - dog->last_beat_ns;
    if (gap > dog->threshold_ns + BEAT_MS * 1000000ull) {
        char what[200];
        read_activity(what, sizeof what);
        if (atomic_load(&dog->reported)) { /* the activity has ended by now: name what the thread saw */
            uv_mutex_lock(&activity_lock);
            snprintf(what, sizeof what, "%s", dog->stall_what);
            uv_mutex_unlock(&activity_lock);
        }
        log_warn("core", "the event loop was blocked for %.1f s (last running: %s); nothing else was served "
                         "meanwhile", (double)(gap - BEAT_MS * 1000000ull) / 1e9, what);
    }
    dog->last_beat_ns = now;
    atomic_store(&dog->beat_ns, now);
    atomic_store(&dog->reported, false);
}

static void watch(void *arg)
{
    loop_watchdog *dog = arg;
    while (!atomic_load(&dog->stop)) {
        uv_sleep(CHECK_MS);
        uint64_t age = uv_hrtime() - atomic_load(&dog->beat_ns);
        if (age <= dog->threshold_ns + BEAT_MS * 1000000ull || atomic_exchange(&dog->reported, true)) continue;
        char what[200];
        read_activity(what, sizeof what);
        uv_mutex_lock(&activity_lock);
        snprintf(dog->stall_what, sizeof dog->stall_what, "%s", what);
        uv_mutex_unlock(&activity_lock);
        log_warn("core", "the event loop is blocked (%.1f s so far), running: %s", (double)age / 1e9, what);
    }
}

static void on_closed(uv_handle_t *handle) { free(handle->data); }

loop_watchdog *loop_watchdog_start(uv_loop_t *loop, uint32_t threshold_ms)
{
    loop_watchdog *dog = calloc(1, sizeof *dog);
    if (dog == NULL) return NULL;
    dog->threshold_ns = (uint64_t)(threshold_ms ? threshold_ms : 1000) * 1000000ull;
    dog->last_beat_ns = uv_hrtime();
    atomic_init(&dog->beat_ns, dog->last_beat_ns);
    atomic_init(&dog->stop, false);
    atomic_init(&dog->reported, false);
    uv_timer_init(loop, &dog->beat);
    dog->beat.data = dog;
    if (uv_thread_create(&dog->thread, watch, dog) != 0) {
        log_warn("core", "cannot start the loop watchdog thread; blocked-loop reports are off");
        uv_close((uv_handle_t *)&dog->beat, on_closed);
        return NULL;
    }
    uv_timer_start(&dog->beat, on_beat, BEAT_MS, BEAT_MS);
    uv_unref((uv_handle_t *)&dog->beat); /* never keeps the loop alive on its own */
    return dog;
}

void loop_watchdog_stop(loop_watchdog *dog)
{
    if (dog == NULL) return;
    atomic_store(&dog->stop, true);
    uv_thread_join(&dog->thread);
    uv_close((uv_handle_t *)&dog->beat, on_closed);
}
