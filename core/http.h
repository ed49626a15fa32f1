/* Non-blocking HTTP on the libuv loop (libcurl multi driven by uv_poll and uv_timer).
 * Every request ends in exactly one callback, delivered from the loop (never from inside libcurl):
 * a response with any status, or an error with a clear message. Discord's rate limiter sits above this
 * layer (discord_rest.c); orchestrator requests use it directly. */
#ifndef PEON_HTTP_H
#define PEON_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct http_client http_client;

typedef enum {
    HTTP_OK = 0,            /* a response arrived (any status, including 4xx/5xx) */
    HTTP_ERR_TIMEOUT,
    HTTP_ERR_REFUSED,       /* nothing listens there / connection reset before a response */
    HTTP_ERR_DNS,
    HTTP_ERR_TLS,
    HTTP_ERR_TOO_LARGE,     /* the response body exceeded the client's cap */
    HTTP_ERR_CANCELLED,
    HTTP_ERR_SHUTDOWN,      /* the client was destroyed with the request pending */
    HTTP_ERR_OTHER,
} http_error;

typedef struct http_header {
    const char *name;
    const char *value;
} http_header;

/* One part of a multipart/form-data body (Discord's payload_json + files[n]). */
typedef struct http_part {
    const char *name;
    const char *filename;      /* NULL for a plain field */
    const char *content_type;  /* NULL: curl's default */
    const char *data;
    size_t len;
} http_part;

typedef struct http_request {
    const char *method;         /* "GET", "POST", ... */
    const char *url;
    const http_header *headers; /* extra headers; copied */
    size_t header_count;
    const char *body;           /* copied; NULL for none */
    size_t body_len;
    const http_part *parts;     /* multipart body instead of `body`; copied */
    size_t part_count;
    uint32_t timeout_ms;        /* whole request; 0 = client default */
    uint32_t connect_timeout_ms;
    /* Retries after connection errors and 502/503/504, with backoff. Only honoured for GET, HEAD,
     * OPTIONS and for requests marked idempotent: a POST is never sent twice. */
    uint8_t max_retries;
    uint8_t idempotent;
} http_request;

typedef struct http_response {
    http_error error;
    const char *error_message;  /* set when error != HTTP_OK; method, host and path included */
    long status;
    const char *body;           /* NUL-terminated for convenience; body_len excludes the NUL */
    size_t body_len;
    const http_header *headers; /* names lower-cased; valid only during the callback */
    size_t header_count;
    unsigned retries;
    double elapsed_ms;
} http_response;

typedef void (*http_done_fn)(const http_response *response, void *user);

typedef struct http_client_options {
    const char *user_agent;
    uint32_t default_timeout_ms;        /* 0: 30 s */
    uint32_t default_connect_timeout_ms;/* 0: 10 s */
    size_t max_body_bytes;              /* 0: 64 MiB */
    long max_host_connections;          /* 0: no limit */
    const char *ca_file;                /* NULL: the system store */
} http_client_options;

typedef struct http_stats {
    uint64_t started, completed, failed, retried, in_flight;
    double total_latency_ms;
} http_stats;

http_client *http_client_create(uv_loop_t *loop, const http_client_options *opts);
/* Pending requests complete with HTTP_ERR_SHUTDOWN before this returns; the handles close on the loop. */
void http_client_destroy(http_client *client);

/* Returns a request id (> 0), or 0 when the request could not even be started (then the callback has
 * already been called with the error). */
uint64_t http_send(http_client *client, const http_request *request, http_done_fn done, void *user);
/* The callback runs with HTTP_ERR_CANCELLED (from the loop, not inside this call). Unknown ids are ignored. */
void http_cancel(http_client *client, uint64_t id);

const char *http_header_get(const http_response *response, const char *lower_name);
void http_get_stats(const http_client *client, http_stats *out);
const char *http_error_name(http_error error);

#endif
