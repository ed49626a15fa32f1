/* Test driver for core/http: runs the requests named on the command line on a real libuv loop and prints
 * one JSON line per completion, plus a final line with the loop's worst lag while they were in flight.
 *
 *   http_driver @ METHOD URL [timeout=MS] [retries=N] [idempotent] [body=TEXT] [header=NAME:VALUE]
 *                            [bodysize=N] [cancel=MS] [repeat=N] [part=NAME:TEXT] [file=NAME:FILENAME:TEXT]  @ ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "http.h"
#include "log.h"

#define MAX_REQUESTS 1024
#define MAX_OPTIONS 16

typedef struct spec {
    http_request req;
    http_header headers[MAX_OPTIONS];
    http_part parts[MAX_OPTIONS];
    unsigned cancel_after_ms;
    unsigned repeat;
} spec;

typedef struct pending {
    unsigned index;
    uint64_t id;
    http_client *client;
    uv_timer_t cancel_timer;
} pending;

static unsigned outstanding;
static uint64_t worst_lag_ms, last_tick_ms;
static uv_timer_t lag_timer;
static http_client *client;

static void print_json_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void on_lag_tick(uv_timer_t *timer)
{
    uint64_t now = uv_now(timer->loop);
    if (last_tick_ms && now - last_tick_ms > 10 && now - last_tick_ms - 10 > worst_lag_ms)
        worst_lag_ms = now - last_tick_ms - 10;
    last_tick_ms = now;
}

static void free_pending(uv_handle_t *handle) { free(handle->data); }

static void on_done(const http_response *res, void *user)
{
    pending *p = user;
    printf("{\"index\":%u,\"error\":\"%s\",\"status\":%ld,\"retries\":%u,\"elapsed_ms\":%.1f,\"body_len\":%zu,",
           p->index, http_error_name(res->error), res->status, res->retries, res->elapsed_ms, res->body_len);
    printf("\"message\":");
    const char *msg = res->error_message ? res->error_message : "";
    print_json_string(msg, strlen(msg));
    printf(",\"body\":");
    print_json_string(res->body, res->body_len > 2000 ? 2000 : res->body_len);
    const char *ctype = http_header_get(res, "content-type");
    printf(",\"content_type\":");
    print_json_string(ctype ? ctype : "", ctype ? strlen(ctype) : 0);
    printf("}\n");
    fflush(stdout);
    uv_timer_stop(&p->cancel_timer);
    uv_close((uv_handle_t *)&p->cancel_timer, free_pending);
    if (--outstanding == 0) {
        uv_timer_stop(&lag_timer);
        http_client_destroy(client);
        uv_close((uv_handle_t *)&lag_timer, NULL);
    }
}

static void on_cancel(uv_timer_t *timer)
{
    pending *p = timer->data;
    http_cancel(p->client, p->id);
}

static int parse_option(spec *s, const char *opt)
{
    char *colon;
    if (strncmp(opt, "timeout=", 8) == 0) s->req.timeout_ms = (uint32_t)atoi(opt + 8);
    else if (strncmp(opt, "retries=", 8) == 0) s->req.max_retries = (uint8_t)atoi(opt + 8);
    else if (strcmp(opt, "idempotent") == 0) s->req.idempotent = 1;
    else if (strncmp(opt, "body=", 5) == 0) {
        s->req.body = opt + 5;
        s->req.body_len = strlen(opt + 5);
    } else if (strncmp(opt, "header=", 7) == 0 && (colon = strchr(opt + 7, ':')) != NULL &&
               s->req.header_count < MAX_OPTIONS) {
        *colon = '\0';
        s->headers[s->req.header_count++] = (http_header){ opt + 7, colon + 1 };
    } else if (strncmp(opt, "part=", 5) == 0 && (colon = strchr(opt + 5, ':')) != NULL &&
               s->req.part_count < MAX_OPTIONS) {
        *colon = '\0';
        s->parts[s->req.part_count++] = (http_part){ .name = opt + 5, .data = colon + 1, .len = strlen(colon + 1) };
    } else if (strncmp(opt, "file=", 5) == 0 && (colon = strchr(opt + 5, ':')) != NULL &&
               s->req.part_count < MAX_OPTIONS) {
        *colon = '\0';
        char *second = strchr(colon + 1, ':');
        if (second == NULL) return -1;
        *second = '\0';
        s->parts[s->req.part_count++] = (http_part){ .name = opt + 5, .filename = colon + 1,
                                                     .content_type = "application/octet-stream",
                                                     .data = second + 1, .len = strlen(second + 1) };
    } else if (strncmp(opt, "bodysize=", 9) == 0) {
        /* A generated body, for sizes no command line can carry. */
        size_t n = (size_t)atol(opt + 9);
        char *big = malloc(n + 1);
        if (big == NULL) return -1;
        memset(big, 'y', n);
        big[n] = '\0';
        s->req.body = big;
        s->req.body_len = n;
    } else if (strncmp(opt, "cancel=", 7) == 0) s->cancel_after_ms = (unsigned)atoi(opt + 7);
    else if (strncmp(opt, "repeat=", 7) == 0) s->repeat = (unsigned)atoi(opt + 7);
    else return -1;
    return 0;
}

int main(int argc, char **argv)
{
    static spec specs[MAX_REQUESTS];
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "@") != 0 || i + 2 >= argc || count == MAX_REQUESTS) {
            fprintf(stderr, "usage: http_driver @ METHOD URL [options] @ ...\n");
            return 2;
        }
        spec *s = &specs[count++];
        s->req.method = argv[++i];
        s->req.url = argv[++i];
        s->req.headers = s->headers;
        s->req.parts = s->parts;
        s->repeat = 1;
        while (i + 1 < argc && strcmp(argv[i + 1], "@") != 0) {
            if (parse_option(s, argv[++i]) != 0) {
                fprintf(stderr, "bad option %s\n", argv[i]);
                return 2;
            }
        }
    }
    log_set_level(LOG_WARN);
    uv_loop_t *loop = uv_default_loop();
    http_client_options opts = { .user_agent = "DiscordBot (https://github.com/the-peon-project, 0.1) test",
                                 .default_timeout_ms = 5000 };
    client = http_client_create(loop, &opts);
    if (client == NULL) return 1;
    uv_timer_init(loop, &lag_timer);
    uv_timer_start(&lag_timer, on_lag_tick, 10, 10);
    for (unsigned n = 0; n < count; n++) outstanding += specs[n].repeat;
    unsigned index = 0;
    for (unsigned n = 0; n < count; n++) {
        for (unsigned r = 0; r < specs[n].repeat; r++) {
            pending *p = calloc(1, sizeof *p);
            if (p == NULL) return 1;
            p->index = index++;
            p->client = client;
            uv_timer_init(loop, &p->cancel_timer);
            p->cancel_timer.data = p;
            p->id = http_send(client, &specs[n].req, on_done, p);
            if (specs[n].cancel_after_ms) uv_timer_start(&p->cancel_timer, on_cancel, specs[n].cancel_after_ms, 0);
        }
    }
    uv_run(loop, UV_RUN_DEFAULT);
    printf("{\"worst_loop_lag_ms\":%llu}\n", (unsigned long long)worst_lag_ms);
    uv_loop_close(loop);
    return 0;
}
