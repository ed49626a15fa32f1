/* Test driver for core/ws: connects to the URL given, prints one JSON line per event, and takes commands
 * on stdin, one per line: "send TEXT", "close CODE", "abort", "open URL", "quit".
 * The process exits after "quit" once the connection has closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "ws.h"

static ws_context *ctx;
static ws_conn *conn;
static uv_pipe_t input;
static char line[1 << 16];
static size_t line_len;
static int quitting;

static void print_escaped(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void finish(void)
{
    uv_close((uv_handle_t *)&input, NULL);
    ws_context_destroy(ctx);
}

static void on_open(ws_conn *c, void *user)
{
    (void)c;
    (void)user;
    printf("{\"event\":\"open\"}\n");
    fflush(stdout);
}

static void on_message(ws_conn *c, const char *data, size_t len, bool binary, void *user)
{
    (void)c;
    (void)user;
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i++) sum = sum * 31 + (unsigned char)data[i];
    printf("{\"event\":\"message\",\"binary\":%s,\"len\":%zu,\"checksum\":%lu,\"text\":", binary ? "true" : "false",
           len, sum);
    print_escaped(data, len > 200 ? 200 : len);
    printf("}\n");
    fflush(stdout);
}

static void on_close(ws_conn *c, int code, const char *reason, void *user)
{
    (void)c;
    (void)user;
    conn = NULL;
    printf("{\"event\":\"close\",\"code\":%d,\"reason\":", code);
    print_escaped(reason, strlen(reason));
    printf("}\n");
    fflush(stdout);
    if (quitting) finish();
}

static const ws_events events = { on_open, on_message, on_close, NULL };

static void open_url(const char *url)
{
    char err[256];
    conn = ws_conn_open(ctx, url, &events, 0, err, sizeof err);
    if (conn == NULL) {
        printf("{\"event\":\"error\",\"message\":");
        print_escaped(err, strlen(err));
        printf("}\n");
        fflush(stdout);
    }
}

static void run_command(char *cmd)
{
    if (strncmp(cmd, "send ", 5) == 0 && conn) {
        if (ws_conn_send(conn, cmd + 5, strlen(cmd + 5)) != 0) printf("{\"event\":\"send_refused\"}\n");
    } else if (strncmp(cmd, "close ", 6) == 0 && conn) {
        ws_conn_close(conn, atoi(cmd + 6));
    } else if (strcmp(cmd, "abort") == 0 && conn) {
        ws_conn_abort(conn);
    } else if (strncmp(cmd, "open ", 5) == 0 && conn == NULL) {
        open_url(cmd + 5);
    } else if (strcmp(cmd, "quit") == 0) {
        quitting = 1;
        if (conn) ws_conn_close(conn, 1000);
        else finish();
    }
    fflush(stdout);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    static char chunk[4096];
    *buf = uv_buf_init(chunk, sizeof chunk);
}

static void on_input(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    if (n < 0) {
        uv_read_stop(stream);
        if (!quitting) run_command((char[]){ "quit" });
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf->base[i] == '\n') {
            line[line_len] = '\0';
            run_command(line);
            line_len = 0;
        } else if (line_len + 1 < sizeof line) {
            line[line_len++] = buf->base[i];
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ws_driver URL\n");
        return 2;
    }
    log_set_level(LOG_WARN);
    uv_loop_t *loop = uv_default_loop();
    char err[256];
    ctx = ws_context_create(loop, err, sizeof err);
    if (ctx == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uv_pipe_init(loop, &input, 0);
    uv_pipe_open(&input, 0);
    uv_read_start((uv_stream_t *)&input, on_alloc, on_input);
    open_url(argv[1]);
    uv_run(loop, UV_RUN_DEFAULT);
    ws_context_release(ctx);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
}
