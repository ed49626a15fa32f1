/* WebSocket client connections (libwebsockets joined to our libuv loop), used by the gateway.
 * Events are delivered from the loop, never from inside a libwebsockets callback, so a handler may
 * open, send or close freely. Messages arrive whole (fragments joined). */
#ifndef PEON_WS_H
#define PEON_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct ws_context ws_context;
typedef struct ws_conn ws_conn;

/* Close code reported when the connection ended without a close frame (dropped TCP, failed connect). */
#define WS_CLOSE_NO_FRAME 0

typedef struct ws_events {
    void (*on_open)(ws_conn *conn, void *user);
    void (*on_message)(ws_conn *conn, const char *data, size_t len, bool binary, void *user);
    /* Exactly once per ws_conn_open that returned non-NULL. `code` is the peer's close code, or
     * WS_CLOSE_NO_FRAME; `reason` explains (a connect error, the peer's reason text). The conn is freed after
     * this returns. */
    void (*on_close)(ws_conn *conn, int code, const char *reason, void *user);
    void *user;
} ws_events;

ws_context *ws_context_create(uv_loop_t *loop, char *err, size_t errlen);
/* Closes every connection (their on_close runs) and starts releasing libwebsockets. Its uv handles close
 * asynchronously: run the loop until it is empty, then call ws_context_release. */
void ws_context_destroy(ws_context *ctx);
/* Completes the release once the loop has run out (libwebsockets frees a context on a foreign loop only
 * when asked again after its handles closed) and frees ctx. */
void ws_context_release(ws_context *ctx);

/* url: ws:// or wss://host[:port]/path?query. Returns NULL with err set when the URL is unusable. */
ws_conn *ws_conn_open(ws_context *ctx, const char *url, const ws_events *events, size_t max_message,
                      char *err, size_t errlen);
/* Queues a text frame; returns -1 once the connection is closing. */
int ws_conn_send(ws_conn *conn, const char *text, size_t len);
/* Sends a close frame with `code` (then on_close follows). */
void ws_conn_close(ws_conn *conn, int code);
/* Drops the TCP connection without a close frame, as a dead network would. */
void ws_conn_abort(ws_conn *conn);

#endif
