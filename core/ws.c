#include "ws.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DEFAULT_MAX_MESSAGE ((size_t)64 * 1024 * 1024)
/* libwebsockets' write type for a close frame: value 4 of enum lws_write_protocol, left out of its public
 * header (which points to lws_close_reason, unusable here: see write_next). */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

typedef enum { EV_OPEN, EV_MESSAGE, EV_CLOSE } event_kind;

/* An event waiting to be delivered from the loop. */
typedef struct pending_event {
    struct pending_event *next;
    ws_conn *conn;
    event_kind kind;
    bool binary;
    int code;
    char *data;
    size_t len;
} pending_event;

typedef struct outgoing {
    struct outgoing *next;
    size_t len;
    unsigned char frame[]; /* LWS_PRE bytes of headroom, then the payload */
} outgoing;

struct ws_conn {
    ws_conn *next;
    ws_context *ctx;
    struct lws *wsi;
    ws_events events;
    outgoing *send_head, *send_tail;
    char *assembling;        /* the message being joined from fragments */
    size_t assembled, assembling_cap, max_message;
    bool assembling_binary;
    int close_request;       /* code to send on the next writable, 0 = none */
    bool abort_request;
    int peer_close_code;
    char peer_reason[128];
    bool closed;             /* lws is done with the wsi; on_close is queued */
};

struct ws_context {
    uv_loop_t *loop;
    struct lws_context *lws;
    ws_conn *conns;
    pending_event *queue_head, *queue_tail;
    uv_timer_t deliver_timer;
    bool destroying;
};

static void deliver_events(uv_timer_t *timer);

static void queue_event(ws_conn *conn, event_kind kind, int code, const char *data, size_t len, bool binary)
{
    ws_context *ctx = conn->ctx;
    pending_event *ev = calloc(1, sizeof *ev);
    if (ev == NULL) {
        log_error("ws", "out of memory queueing an event");
        return;
    }
    ev->conn = conn;
    ev->kind = kind;
    ev->code = code;
    ev->binary = binary;
    if (data != NULL) {
        ev->data = malloc(len + 1);
        if (ev->data == NULL) {
            free(ev);
            log_error("ws", "out of memory queueing an event");
            return;
        }
        memcpy(ev->data, data, len);
        ev->data[len] = '\0';
        ev->len = len;
    }
    if (ctx->queue_tail) ctx->queue_tail->next = ev;
    else ctx->queue_head = ev;
    ctx->queue_tail = ev;
    uv_timer_start(&ctx->deliver_timer, deliver_events, 0, 0);
}

static void free_conn(ws_conn *conn)
{
    ws_context *ctx = conn->ctx;
    for (ws_conn **p = &ctx->conns; *p; p = &(*p)->next) {
        if (*p == conn) {
            *p = conn->next;
            break;
        }
    }
    while (conn->send_head) {
        outgoing *next = conn->send_head->next;
        free(conn->send_head);
        conn->send_head = next;
    }
    free(conn->assembling);
    free(conn);
}

static void deliver_events(uv_timer_t *timer)
{
    ws_context *ctx = timer->data;
    while (ctx->queue_head) {
        pending_event *ev = ctx->queue_head;
        ctx->queue_head = ev->next;
        if (ctx->queue_head == NULL) ctx->queue_tail = NULL;
        ws_conn *conn = ev->conn;
        const ws_events *h = &conn->events;
        switch (ev->kind) {
        case EV_OPEN:
            if (h->on_open && !conn->closed) h->on_open(conn, h->user);
            break;
        case EV_MESSAGE:
            if (h->on_message) h->on_message(conn, ev->data, ev->len, ev->binary, h->user);
            break;
        case EV_CLOSE:
            if (h->on_close) h->on_close(conn, ev->code, ev->data ? ev->data : "", h->user);
            free_conn(conn);
            break;
        }
        free(ev->data);
        free(ev);
    }
}

/* Joins fragments; a message over the cap closes the connection (1009, "message too big"). */
static int take_fragment(ws_conn *conn, struct lws *wsi, const void *in, size_t len)
{
    if (lws_is_first_fragment(wsi)) {
        conn->assembled = 0;
        conn->assembling_binary = lws_frame_is_binary(wsi) != 0;
    }
    if (conn->assembled + len > conn->max_message) {
        log_error("ws", "incoming message larger than %zu bytes; closing the connection", conn->max_message);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        return -1;
    }
    if (conn->assembled + len > conn->assembling_cap) {
        size_t cap = conn->assembling_cap ? conn->assembling_cap : 16384;
        while (cap < conn->assembled + len) cap *= 2;
        char *grown = realloc(conn->assembling, cap);
        if (grown == NULL) return -1;
        conn->assembling = grown;
        conn->assembling_cap = cap;
    }
    memcpy(conn->assembling + conn->assembled, in, len);
    conn->assembled += len;
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        queue_event(conn, EV_MESSAGE, 0, conn->assembling, conn->assembled, conn->assembling_binary);
        conn->assembled = 0;
        /* Give back the memory of a huge message (a large GUILD_CREATE) instead of holding it forever. */
        if (conn->assembling_cap > 1024 * 1024) {
            free(conn->assembling);
            conn->assembling = NULL;
            conn->assembling_cap = 0;
        }
    }
    return 0;
}

static int write_next(ws_conn *conn, struct lws *wsi)
{
    if (conn->abort_request) return -1;
    if (conn->close_request) {
        /* The close frame is written here rather than through lws_close_reason(): libwebsockets 4.1 on a
         * libuv loop frees the connection before its own queued close frame goes out. */
        unsigned char frame[LWS_PRE + 2];
        frame[LWS_PRE] = (unsigned char)((conn->close_request >> 8) & 0xff);
        frame[LWS_PRE + 1] = (unsigned char)(conn->close_request & 0xff);
        lws_write(wsi, frame + LWS_PRE, 2, WS_WRITE_CLOSE);
        return -1;
    }
    outgoing *out = conn->send_head;
    if (out == NULL) return 0;
    conn->send_head = out->next;
    if (conn->send_head == NULL) conn->send_tail = NULL;
    int written = lws_write(wsi, out->frame + LWS_PRE, out->len, LWS_WRITE_TEXT);
    free(out);
    if (written < 0) return -1;
    if (conn->send_head) lws_callback_on_writable(wsi);
    return 0;
}

static void mark_closed(ws_conn *conn, int code, const char *reason)
{
    if (conn->closed) return;
    conn->closed = true;
    conn->wsi = NULL;
    queue_event(conn, EV_CLOSE, code, reason, strlen(reason), false);
}

static int on_lws_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)user;
    ws_conn *conn = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (conn) queue_event(conn, EV_OPEN, 0, NULL, 0, false);
        if (conn && (conn->send_head || conn->close_request || conn->abort_request)) lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (conn && take_fragment(conn, wsi, in, len) != 0) return -1;
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (conn) return write_next(conn, wsi);
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (conn && len >= 2) {
            const unsigned char *bytes = in;
            conn->peer_close_code = (bytes[0] << 8) | bytes[1];
            size_t reason_len = len - 2 < sizeof conn->peer_reason - 1 ? len - 2 : sizeof conn->peer_reason - 1;
            memcpy(conn->peer_reason, bytes + 2, reason_len);
            conn->peer_reason[reason_len] = '\0';
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (conn) {
            char why[200];
            snprintf(why, sizeof why, "connect failed: %.*s", in ? (int)len : 7, in ? (const char *)in : "unknown");
            mark_closed(conn, WS_CLOSE_NO_FRAME, why);
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (conn) mark_closed(conn, conn->peer_close_code, conn->peer_reason);
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        /* Covers paths that end without CLOSED/CONNECTION_ERROR; mark_closed is idempotent. */
        if (conn) mark_closed(conn, conn->peer_close_code, conn->peer_reason[0] ? conn->peer_reason : "closed");
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    { "peon-gateway", on_lws_event, 0, 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void forward_lws_log(int level, const char *line)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", line);
    size_t n = strlen(copy);
    while (n > 0 && (copy[n - 1] == '\n' || copy[n - 1] == '\r')) copy[--n] = '\0';
    log_write(level & LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "%s", copy);
}

ws_context *ws_context_create(uv_loop_t *loop, char *err, size_t errlen)
{
    ws_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctx->loop = loop;
    lws_set_log_level(getenv("PEON_LWS_DEBUG") ? 0xfff : (LLL_ERR | LLL_WARN), forward_lws_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *foreign_loops[1] = { loop };
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = foreign_loops;
    info.gid = -1;
    info.uid = -1;
    info.pcontext = &ctx->lws; /* libwebsockets clears it once the context is really gone */
    ctx->lws = lws_create_context(&info);
    if (ctx->lws == NULL) {
        snprintf(err, errlen,
                 "cannot start libwebsockets with the libuv event loop (is libwebsockets-evlib-uv installed?)");
        free(ctx);
        return NULL;
    }
    uv_timer_init(loop, &ctx->deliver_timer);
    ctx->deliver_timer.data = ctx;
    return ctx;
}

static void on_deliver_timer_closed(uv_handle_t *handle) { (void)handle; }

void ws_context_destroy(ws_context *ctx)
{
    if (ctx == NULL) return;
    ctx->destroying = true;
    lws_context_destroy(ctx->lws); /* closes every wsi: their CLOSED callbacks queue on_close events */
    for (ws_conn *conn = ctx->conns; conn; conn = conn->next)
        mark_closed(conn, WS_CLOSE_NO_FRAME, "shutting down");
    deliver_events(&ctx->deliver_timer);
    uv_close((uv_handle_t *)&ctx->deliver_timer, on_deliver_timer_closed);
}

void ws_context_release(ws_context *ctx)
{
    if (ctx == NULL) return;
    /* At most two more steps (free the vhosts, then the context); each clears ctx->lws when it is done. */
    for (int step = 0; step < 2 && ctx->lws != NULL; step++) lws_context_destroy(ctx->lws);
    free(ctx);
}

ws_conn *ws_conn_open(ws_context *ctx, const char *url, const ws_events *events, size_t max_message,
                      char *err, size_t errlen)
{
    if (ctx->destroying) {
        snprintf(err, errlen, "shutting down");
        return NULL;
    }
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", url) >= (int)sizeof buf) {
        snprintf(err, errlen, "gateway URL too long");
        return NULL;
    }
    const char *scheme, *host, *path;
    int port;
    if (lws_parse_uri(buf, &scheme, &host, &port, &path) != 0 || host[0] == '\0') {
        snprintf(err, errlen, "not a WebSocket URL: %s", url);
        return NULL;
    }
    bool tls = strcmp(scheme, "wss") == 0;
    if (!tls && strcmp(scheme, "ws") != 0) {
        snprintf(err, errlen, "not a ws:// or wss:// URL: %s", url);
        return NULL;
    }
    if (port == 80 && tls) port = 443; /* lws_parse_uri defaults to 80 unless the scheme is https/wss */
    char full_path[900];
    snprintf(full_path, sizeof full_path, "/%s", path);
    /* The Host header carries the port unless it is the scheme's default (RFC 7230 5.4). */
    char host_header[300];
    if ((tls && port == 443) || (!tls && port == 80)) snprintf(host_header, sizeof host_header, "%s", host);
    else snprintf(host_header, sizeof host_header, "%s:%d", host, port);

    ws_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    conn->ctx = ctx;
    conn->events = *events;
    conn->max_message = max_message ? max_message : DEFAULT_MAX_MESSAGE;
    conn->next = ctx->conns;
    ctx->conns = conn;

    struct lws_client_connect_info info;
    memset(&info, 0, sizeof info);
    info.context = ctx->lws;
    info.address = host;
    info.port = port;
    info.path = full_path;
    info.host = host_header;
    info.origin = host_header;
    info.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
    info.local_protocol_name = protocols[0].name;
    info.opaque_user_data = conn;
    info.pwsi = &conn->wsi;
    if (lws_client_connect_via_info(&info) == NULL && !conn->closed) {
        /* Some failures are reported through CONNECTION_ERROR before this returns; the rest land here. */
        mark_closed(conn, WS_CLOSE_NO_FRAME, "connect failed: could not start the connection");
    }
    return conn;
}

int ws_conn_send(ws_conn *conn, const char *text, size_t len)
{
    if (conn->closed || conn->close_request || conn->abort_request) return -1;
    outgoing *out = malloc(sizeof *out + LWS_PRE + len);
    if (out == NULL) return -1;
    out->next = NULL;
    out->len = len;
    memcpy(out->frame + LWS_PRE, text, len);
    if (conn->send_tail) conn->send_tail->next = out;
    else conn->send_head = out;
    conn->send_tail = out;
    if (conn->wsi) lws_callback_on_writable(conn->wsi);
    return 0;
}

void ws_conn_close(ws_conn *conn, int code)
{
    if (conn->closed || conn->close_request) return;
    conn->close_request = code;
    if (conn->wsi) lws_callback_on_writable(conn->wsi);
}

void ws_conn_abort(ws_conn *conn)
{
    if (conn->closed) return;
    conn->abort_request = true;
    /* write_next() then ends the connection without a close frame: the peer sees the TCP connection end,
     * as with a network failure, and the session stays resumable. */
    if (conn->wsi) lws_callback_on_writable(conn->wsi);
}
