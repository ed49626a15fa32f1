/* Cost of Discord's rate limiter per request, without I/O: submit, hand out, complete with parsed headers.
 * Spreads requests over many channels (one bucket each, as message sends are) and reports ns per request
 * and the limiter's memory. Usage: build/bench/ratelimit_bench [requests] [channels] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long requests = argc > 1 ? atol(argv[1]) : 1000000;
    long channels = argc > 2 ? atol(argv[2]) : 100;
    if (requests < 1 || channels < 1) {
        fprintf(stderr, "usage: ratelimit_bench [requests] [channels]\n");
        return 2;
    }
    rl_config cfg;
    rl_config_defaults(&cfg);
    cfg.global_per_second = 0; /* measure the bookkeeping, not the waiting */
    rl_limiter *rl = rl_create(&cfg);
    if (rl == NULL) return 1;
    uint64_t now = 1000, next_id = 1, done = 0;
    long submitted = 0;
    char path[64], remaining[24];
    double start = seconds();
    while (done < (uint64_t)requests) {
        /* Keep a window of requests queued, as a busy bot would. */
        while (submitted < requests && (uint64_t)submitted - done < 256) {
            snprintf(path, sizeof path, "/channels/%ld/messages", 100000 + submitted % channels);
            if (rl_submit(rl, next_id++, now, "POST", path, 0, 0) != RL_OK) return 1;
            submitted++;
        }
        rl_ticket t;
        while (rl_next_ready(rl, now, &t)) {
            if (t.action != RL_SEND) return 1;
            rl_response r;
            rl_response_init(&r, 200);
            rl_parse_header(&r, "x-ratelimit-bucket", "b3a1c0ffee");
            rl_parse_header(&r, "x-ratelimit-limit", "1000000");
            snprintf(remaining, sizeof remaining, "%llu", 999999ull - (unsigned long long)(done % 999999));
            rl_parse_header(&r, "x-ratelimit-remaining", remaining);
            rl_parse_header(&r, "x-ratelimit-reset-after", "1.000");
            if (rl_complete(rl, t.request_id, now, &r, NULL) != RL_DONE) return 1;
            done++;
        }
        now++;
    }
    double elapsed = seconds() - start;
    rl_stats st;
    rl_get_stats(rl, now, &st);
    printf("requests %ld  channels %ld  %.0f ns/request  %.2f M requests/s  limiter memory %llu KiB "
           "(%llu buckets)\n", requests, channels, elapsed * 1e9 / (double)requests,
           (double)requests / elapsed / 1e6, (unsigned long long)st.memory_bytes / 1024,
           (unsigned long long)st.buckets);
    rl_destroy(rl);
    return 0;
}
