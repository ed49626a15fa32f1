#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define DEFAULT_TIMEOUT_MS 30000u
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define RETRY_BASE_MS 250u
#define RETRY_CAP_MS 5000u
#define MAX_HEADERS 128
#define TARGET_MAX 200

typedef enum { XFER_ACTIVE, XFER_WAITING_RETRY, XFER_DONE } xfer_state;

typedef struct transfer {
    struct transfer *next;
    http_client *client;
    uint64_t id;
    CURL *easy;
    struct curl_slist *request_headers;
    curl_mime *mime;
    char *body;
    char method[16];
    char target[TARGET_MAX];    /* "GET host/path" with long segments elided: safe to log */
    bool may_retry;
    unsigned max_retries;
    unsigned retries;
    uint64_t retry_at_ms;
    uint64_t started_ns;
    xfer_state state;
    http_done_fn done;
    void *user;
    /* response */
    char *response_body;
    size_t response_len, response_cap;
    bool too_large;
    char *header_names[MAX_HEADERS];
    char *header_values[MAX_HEADERS];
    size_t header_count;
    http_error error;
    char error_message[320];
} transfer;

struct http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t curl_timer;    /* libcurl's own timeouts */
    uv_timer_t retry_timer;   /* transfers waiting for their backoff */
    uv_timer_t deliver_timer; /* runs completion callbacks from the loop, outside libcurl */
    transfer *active;         /* in the multi handle or waiting to retry */
    transfer *finished;       /* completed, callback not yet delivered (FIFO through finished_tail) */
    transfer **finished_tail;
    uint64_t next_id;
    size_t max_body;
    uint32_t timeout_ms, connect_timeout_ms;
    char *user_agent;
    char *ca_file;
    int open_handles;         /* uv handles still to be closed before the client can be freed */
    bool destroying;
    http_stats stats;
};

typedef struct socket_watch {
    uv_poll_t poll;
    curl_socket_t fd;
    http_client *client;
} socket_watch;

static void deliver_finished(uv_timer_t *timer);

const char *http_error_name(http_error error)
{
    static const char *const names[] = { "ok", "timeout", "refused", "dns", "tls", "too large", "cancelled",
                                         "shutdown", "error" };
    return (unsigned)error <= HTTP_ERR_OTHER ? names[error] : "error";
}

/* "GET host:port/path", query dropped and path segments over 48 characters (interaction and webhook tokens)
 * elided, so messages about a request can be logged and shown to users. */
static void describe_target(char *out, size_t cap, const char *method, const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t used = (size_t)snprintf(out, cap, "%s ", method);
    while (*p && *p != '?' && *p != '#' && used + 4 < cap) {
        const char *seg_end = p;
        while (*seg_end && *seg_end != '/' && *seg_end != '?' && *seg_end != '#') seg_end++;
        size_t seg_len = (size_t)(seg_end - p);
        if (seg_len > 48) {
            used += (size_t)snprintf(out + used, cap - used, "...");
        } else {
            size_t room = cap - used - 1;
            size_t n = seg_len < room ? seg_len : room;
            memcpy(out + used, p, n);
            used += n;
            out[used] = '\0';
        }
        p = seg_end;
        if (*p == '/' && used + 2 < cap) {
            out[used++] = '/';
            out[used] = '\0';
            p++;
        }
    }
}

static uint64_t now_ms(const http_client *client) { return uv_now(client->loop); }

/* ---- libuv <-> libcurl plumbing ---- */

static void check_multi_done(http_client *client);

static void on_socket_ready(uv_poll_t *poll, int status, int events)
{
    socket_watch *watch = poll->data;
    http_client *client = watch->client;
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(client->multi, watch->fd, flags, &running);
    check_multi_done(client);
}

static void free_watch(uv_handle_t *handle) { free(handle->data); }

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    http_client *client = userp;
    socket_watch *watch = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (watch != NULL) {
            uv_poll_stop(&watch->poll);
            uv_close((uv_handle_t *)&watch->poll, free_watch);
            curl_multi_assign(client->multi, fd, NULL);
        }
        return 0;
    }
    if (watch == NULL) {
        watch = calloc(1, sizeof *watch);
        if (watch == NULL) return -1;
        watch->fd = fd;
        watch->client = client;
        if (uv_poll_init_socket(client->loop, &watch->poll, fd) != 0) {
            free(watch);
            return -1;
        }
        watch->poll.data = watch;
        curl_multi_assign(client->multi, fd, watch);
    }
    int events = 0;
    if (what & CURL_POLL_IN) events |= UV_READABLE;
    if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
    uv_poll_start(&watch->poll, events, on_socket_ready);
    return 0;
}

static void on_curl_timer(uv_timer_t *timer)
{
    http_client *client = timer->data;
    int running;
    curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_done(client);
}

static int on_curl_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    http_client *client = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&client->curl_timer);
    } else {
        /* 0 means "call me soon"; a 0 ms uv timer runs on the next loop iteration, outside this callback. */
        uv_timer_start(&client->curl_timer, on_curl_timer, (uint64_t)timeout_ms, 0);
    }
    return 0;
}

/* ---- response capture ---- */

static size_t on_body(char *data, size_t size, size_t count, void *userp)
{
    transfer *t = userp;
    size_t n = size * count;
    if (t->response_len + n > t->client->max_body) {
        t->too_large = true;
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (t->response_len + n + 1 > t->response_cap) {
        size_t cap = t->response_cap ? t->response_cap : 4096;
        while (cap < t->response_len + n + 1) cap *= 2;
        char *grown = realloc(t->response_body, cap);
        if (grown == NULL) return 0;
        t->response_body = grown;
        t->response_cap = cap;
    }
    memcpy(t->response_body + t->response_len, data, n);
    t->response_len += n;
    t->response_body[t->response_len] = '\0';
    return n;
}

static void clear_headers(transfer *t)
{
    for (size_t i = 0; i < t->header_count; i++) {
        free(t->header_names[i]);
        free(t->header_values[i]);
    }
    t->header_count = 0;
}

static size_t on_header(char *data, size_t size, size_t count, void *userp)
{
    transfer *t = userp;
    size_t n = size * count;
    /* A new status line (a redirect, a 100 Continue) starts a new header block. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        clear_headers(t);
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (colon == NULL || t->header_count == MAX_HEADERS) return n;
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1;
    const char *end = data + n;
    while (value < end && (*value == ' ' || *value == '\t')) value++;
    while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    char *name = strndup(data, name_len), *val = strndup(value, (size_t)(end - value));
    if (name == NULL || val == NULL) {
        free(name);
        free(val);
        return n;
    }
    for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
    t->header_names[t->header_count] = name;
    t->header_values[t->header_count] = val;
    t->header_count++;
    return n;
}

/* ---- transfers ---- */

static void free_transfer(transfer *t)
{
    if (t->easy) curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->request_headers);
    if (t->mime) curl_mime_free(t->mime);
    free(t->body);
    free(t->response_body);
    clear_headers(t);
    free(t);
}

static void unlink_active(http_client *client, transfer *t)
{
    for (transfer **p = &client->active; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            t->next = NULL;
            return;
        }
    }
}

/* Moves a transfer to the finished queue; its callback runs from the deliver timer. */
static void finish(http_client *client, transfer *t, http_error error, const char *detail)
{
    if (t->state == XFER_ACTIVE) curl_multi_remove_handle(client->multi, t->easy);
    unlink_active(client, t);
    t->state = XFER_DONE;
    t->error = error;
    if (error != HTTP_OK)
        snprintf(t->error_message, sizeof t->error_message, "%s: %s", t->target, detail);
    *client->finished_tail = t;
    client->finished_tail = &t->next;
    if (!client->destroying) uv_timer_start(&client->deliver_timer, deliver_finished, 0, 0);
}

static http_error classify(CURLcode code, const transfer *t, char *detail, size_t cap)
{
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(detail, cap, "timed out (no complete answer in time)");
        return HTTP_ERR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        snprintf(detail, cap, "connection refused or unreachable (is the service running at that address?)");
        return HTTP_ERR_REFUSED;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        snprintf(detail, cap, "the connection was closed without an answer");
        return HTTP_ERR_REFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(detail, cap, "the host name could not be resolved (DNS)");
        return HTTP_ERR_DNS;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(detail, cap, "TLS failed: %s", curl_easy_strerror(code));
        return HTTP_ERR_TLS;
    case CURLE_WRITE_ERROR:
        if (t->too_large) {
            snprintf(detail, cap, "the answer was larger than %zu bytes", t->client->max_body);
            return HTTP_ERR_TOO_LARGE;
        }
        break;
    default:
        break;
    }
    snprintf(detail, cap, "%s", curl_easy_strerror(code));
    return HTTP_ERR_OTHER;
}

static bool retryable(CURLcode code, long status, http_error error)
{
    if (code == CURLE_OK) return status == 502 || status == 503 || status == 504;
    return error == HTTP_ERR_REFUSED || error == HTTP_ERR_TIMEOUT;
}

static void on_retry_timer(uv_timer_t *timer);

static void schedule_retry_timer(http_client *client)
{
    uint64_t earliest = UINT64_MAX;
    for (transfer *t = client->active; t; t = t->next)
        if (t->state == XFER_WAITING_RETRY && t->retry_at_ms < earliest) earliest = t->retry_at_ms;
    if (earliest == UINT64_MAX) {
        uv_timer_stop(&client->retry_timer);
        return;
    }
    uint64_t now = now_ms(client);
    uv_timer_start(&client->retry_timer, on_retry_timer, earliest > now ? earliest - now : 0, 0);
}

static void on_retry_timer(uv_timer_t *timer)
{
    http_client *client = timer->data;
    uint64_t now = now_ms(client);
    for (transfer *t = client->active; t; t = t->next) {
        if (t->state != XFER_WAITING_RETRY || t->retry_at_ms > now) continue;
        t->state = XFER_ACTIVE;
        if (curl_multi_add_handle(client->multi, t->easy) != CURLM_OK) {
            finish(client, t, HTTP_ERR_OTHER, "could not restart the request");
            break; /* the list changed under us; the timer is re-armed below */
        }
    }
    schedule_retry_timer(client);
}

static void start_retry(http_client *client, transfer *t)
{
    curl_multi_remove_handle(client->multi, t->easy);
    t->retries++;
    client->stats.retried++;
    uint32_t delay = RETRY_BASE_MS << (t->retries - 1 < 5 ? t->retries - 1 : 5);
    if (delay > RETRY_CAP_MS) delay = RETRY_CAP_MS;
    delay = delay / 2 + (uint32_t)(rand() % (int)(delay / 2 + 1)); /* jitter spreads synchronized retries */
    t->retry_at_ms = now_ms(client) + delay;
    t->state = XFER_WAITING_RETRY;
    t->response_len = 0;
    t->too_large = false;
    clear_headers(t);
    schedule_retry_timer(client);
}

static void check_multi_done(http_client *client)
{
    CURLMsg *msg;
    int pending;
    while ((msg = curl_multi_info_read(client->multi, &pending)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        transfer *t = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t == NULL || t->state != XFER_ACTIVE) continue;
        CURLcode code = msg->data.result;
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        char detail[256] = "";
        http_error error = code == CURLE_OK ? HTTP_OK : classify(code, t, detail, sizeof detail);
        if (t->may_retry && t->retries < t->max_retries && retryable(code, status, error)) {
            log_debug("http", "%s: %s, retrying", t->target, code == CURLE_OK ? "server busy" : detail);
            start_retry(client, t);
            continue;
        }
        finish(client, t, error, detail);
    }
}

static void deliver_finished(uv_timer_t *timer)
{
    http_client *client = timer->data;
    /* Take the whole queue first: callbacks may send new requests, which finish into a fresh queue. */
    transfer *t = client->finished;
    client->finished = NULL;
    client->finished_tail = &client->finished;
    while (t != NULL) {
        transfer *next = t->next;
        http_header headers[MAX_HEADERS];
        for (size_t i = 0; i < t->header_count; i++) {
            headers[i].name = t->header_names[i];
            headers[i].value = t->header_values[i];
        }
        http_response response = {
            .error = t->error,
            .error_message = t->error != HTTP_OK ? t->error_message : NULL,
            .body = t->response_body ? t->response_body : "",
            .body_len = t->response_len,
            .headers = headers,
            .header_count = t->header_count,
            .retries = t->retries,
            .elapsed_ms = (double)(uv_hrtime() - t->started_ns) / 1e6,
        };
        if (t->error == HTTP_OK) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &response.status);
        client->stats.in_flight--;
        if (t->error == HTTP_OK) client->stats.completed++;
        else client->stats.failed++;
        client->stats.total_latency_ms += response.elapsed_ms;
        t->done(&response, t->user);
        free_transfer(t);
        t = next;
    }
}

static bool method_is_safe(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0;
}

static int configure_body(transfer *t, const http_request *req)
{
    CURL *easy = t->easy;
    bool is_get = strcmp(req->method, "GET") == 0, is_head = strcmp(req->method, "HEAD") == 0;
    if (req->part_count > 0) {
        t->mime = curl_mime_init(easy);
        if (t->mime == NULL) return -1;
        for (size_t i = 0; i < req->part_count; i++) {
            const http_part *part = &req->parts[i];
            curl_mimepart *mp = curl_mime_addpart(t->mime);
            if (mp == NULL || curl_mime_name(mp, part->name) != CURLE_OK ||
                curl_mime_data(mp, part->data, part->len) != CURLE_OK)
                return -1;
            if (part->filename) curl_mime_filename(mp, part->filename);
            if (part->content_type) curl_mime_type(mp, part->content_type);
        }
        curl_easy_setopt(easy, CURLOPT_MIMEPOST, t->mime);
    } else if (req->body != NULL || !(is_get || is_head)) {
        size_t len = req->body ? req->body_len : 0;
        t->body = malloc(len + 1);
        if (t->body == NULL) return -1;
        if (len) memcpy(t->body, req->body, len);
        t->body[len] = '\0';
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->body);
        if (req->body == NULL) {
            /* No body: don't let libcurl claim a form-encoded one. */
            t->request_headers = curl_slist_append(t->request_headers, "Content-Type:");
        }
    }
    if (is_head) curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    else if (is_get && req->body == NULL) curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    if (!is_get && !is_head && strcmp(req->method, "POST") != 0)
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
    return 0;
}

static int configure_transfer(http_client *client, transfer *t, const http_request *req)
{
    CURL *easy = t->easy;
    curl_easy_setopt(easy, CURLOPT_URL, req->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : client->timeout_ms));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(req->connect_timeout_ms ? req->connect_timeout_ms : client->connect_timeout_ms));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (client->ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, client->ca_file);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting for a connection to tell whether it multiplexes only pays off where HTTP/2 can be negotiated
     * (TLS, ALPN). On cleartext http:// (orchestrators, local relays) every connection is HTTP/1.1, and one
     * that is still waiting for its answer - a server sending "Connection: close" makes each request open
     * one - would hold every other request to that host back until it answers: a slow orchestrator would
     * serialize them all. */
    if (strncasecmp(req->url, "https:", 6) == 0) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (client->user_agent) curl_easy_setopt(easy, CURLOPT_USERAGENT, client->user_agent);
    /* Large bodies must not wait a second for a "100 Continue" the server may never send. */
    t->request_headers = curl_slist_append(t->request_headers, "Expect:");
    for (size_t i = 0; i < req->header_count; i++) {
        char line[1024];
        if (snprintf(line, sizeof line, "%s: %s", req->headers[i].name, req->headers[i].value) >=
            (int)sizeof line)
            return -1;
        struct curl_slist *grown = curl_slist_append(t->request_headers, line);
        if (grown == NULL) return -1;
        t->request_headers = grown;
    }
    if (configure_body(t, req) != 0) return -1;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->request_headers);
    return 0;
}

uint64_t http_send(http_client *client, const http_request *req, http_done_fn done, void *user)
{
    transfer *t = calloc(1, sizeof *t);
    if (t == NULL) {
        http_response oom = { .error = HTTP_ERR_OTHER, .error_message = "out of memory", .body = "" };
        done(&oom, user);
        return 0;
    }
    t->client = client;
    t->id = ++client->next_id;
    t->done = done;
    t->user = user;
    t->state = XFER_ACTIVE;
    t->started_ns = uv_hrtime();
    t->max_retries = req->max_retries;
    t->may_retry = req->idempotent || method_is_safe(req->method);
    snprintf(t->method, sizeof t->method, "%s", req->method);
    describe_target(t->target, sizeof t->target, req->method, req->url);
    client->stats.started++;
    client->stats.in_flight++;
    /* Every failure from here on still ends in exactly one callback, delivered from the loop. */
    t->easy = curl_easy_init();
    if (t->easy == NULL || configure_transfer(client, t, req) != 0) {
        t->state = XFER_DONE;
        t->next = client->active;
        client->active = t;
        finish(client, t, HTTP_ERR_OTHER, "could not prepare the request (header too long or out of memory)");
        return t->id;
    }
    t->next = client->active;
    client->active = t;
    if (client->destroying) {
        finish(client, t, HTTP_ERR_SHUTDOWN, "the bot is shutting down");
        return t->id;
    }
    if (curl_multi_add_handle(client->multi, t->easy) != CURLM_OK) {
        t->state = XFER_DONE;
        finish(client, t, HTTP_ERR_OTHER, "could not start the request");
    }
    return t->id;
}

void http_cancel(http_client *client, uint64_t id)
{
    for (transfer *t = client->active; t; t = t->next) {
        if (t->id == id) {
            finish(client, t, HTTP_ERR_CANCELLED, "cancelled");
            schedule_retry_timer(client);
            return;
        }
    }
}

const char *http_header_get(const http_response *response, const char *lower_name)
{
    for (size_t i = 0; i < response->header_count; i++)
        if (strcmp(response->headers[i].name, lower_name) == 0) return response->headers[i].value;
    return NULL;
}

void http_get_stats(const http_client *client, http_stats *out) { *out = client->stats; }

http_client *http_client_create(uv_loop_t *loop, const http_client_options *opts)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
        curl_ready = true;
    }
    http_client *client = calloc(1, sizeof *client);
    if (client == NULL) return NULL;
    client->loop = loop;
    client->finished_tail = &client->finished;
    client->max_body = opts->max_body_bytes ? opts->max_body_bytes : DEFAULT_MAX_BODY;
    client->timeout_ms = opts->default_timeout_ms ? opts->default_timeout_ms : DEFAULT_TIMEOUT_MS;
    client->connect_timeout_ms =
        opts->default_connect_timeout_ms ? opts->default_connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    client->user_agent = opts->user_agent ? strdup(opts->user_agent) : NULL;
    client->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    client->multi = curl_multi_init();
    if (client->multi == NULL) {
        free(client->user_agent);
        free(client->ca_file);
        free(client);
        return NULL;
    }
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer_change);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    /* No cap by default: libcurl counts time spent queued for a connection against the request's timeout,
     * so a low cap turns a burst of slow requests into timeouts. HTTP/2 hosts multiplex on one anyway. */
    curl_multi_setopt(client->multi, CURLMOPT_MAX_HOST_CONNECTIONS, opts->max_host_connections);
    uv_timer_t *timers[] = { &client->curl_timer, &client->retry_timer, &client->deliver_timer };
    for (size_t i = 0; i < 3; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = client;
        client->open_handles++;
    }
    return client;
}

static void on_client_handle_closed(uv_handle_t *handle)
{
    http_client *client = handle->data;
    if (--client->open_handles == 0) free(client);
}

void http_client_destroy(http_client *client)
{
    if (client == NULL) return;
    client->destroying = true;
    /* Callbacks may send again while we drain; those requests fail with SHUTDOWN in the next round. */
    while (client->active || client->finished) {
        while (client->active) finish(client, client->active, HTTP_ERR_SHUTDOWN, "the bot is shutting down");
        deliver_finished(&client->deliver_timer);
    }
    curl_multi_cleanup(client->multi);
    free(client->user_agent);
    free(client->ca_file);
    uv_close((uv_handle_t *)&client->curl_timer, on_client_handle_closed);
    uv_close((uv_handle_t *)&client->retry_timer, on_client_handle_closed);
    uv_close((uv_handle_t *)&client->deliver_timer, on_client_handle_closed);
}
