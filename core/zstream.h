/* The gateway's zlib-stream inflater: one per connection. Feed it every binary WebSocket message (whole or a
 * fragment); it buffers until the data ends with the Z_SYNC_FLUSH marker 00 00 ff ff, then inflates the
 * buffer through the connection's single long-lived z_stream (zlib format, inflateInit once) and returns the
 * text. No I/O, no clock, no logging.
 *
 * Assumption: Discord flushes once per gateway payload, so a message is one JSON payload. Nothing here
 * depends on that: if a flush carries several payloads the caller gets them all as one text (the gateway
 * session splits consecutive JSON values). */
#ifndef PEON_ZSTREAM_H
#define PEON_ZSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

typedef enum { ZS_NEED_MORE = 0, ZS_MESSAGE = 1, ZS_ERROR = -1 } zs_result;

#define ZS_DEFAULT_MAX_IN ((size_t)16 * 1024 * 1024)  /* compressed bytes of one message */
#define ZS_DEFAULT_MAX_OUT ((size_t)64 * 1024 * 1024) /* inflated bytes of one message */

typedef struct zstream {
    z_stream z;
    bool ready;              /* inflateInit succeeded */
    bool failed;             /* a ZS_ERROR happened: only zs_reset helps */
    bool ended;              /* the peer ended the zlib stream (Discord never does) */
    unsigned char *in;       /* compressed bytes waiting for the flush marker */
    size_t in_len, in_cap;
    char *out;               /* inflated text of the message being assembled (NUL-terminated when handed out) */
    size_t out_len, out_cap;
    size_t max_in, max_out;  /* caps so a hostile stream cannot exhaust memory */
    char error[96];
} zstream;

/* Zero caps mean the defaults. Returns 0, or -1 when zlib cannot start (no memory). */
int zs_init(zstream *zs, size_t max_in, size_t max_out);
/* Releases everything; zs may be zs_init'ed again. Safe on a zeroed or already freed zstream. */
void zs_free(zstream *zs);
/* For a new connection (a resume too): a fresh z_stream with the same caps. Returns 0 or -1. */
int zs_reset(zstream *zs);

/* Appends one received message. ZS_MESSAGE: *text and *text_len hold the inflated text, NUL-terminated, valid
 * until the next zs_* call. ZS_NEED_MORE: keep feeding. ZS_ERROR: corrupt data or a cap was exceeded;
 * zs->error says which, every later feed fails too, and the connection must be dropped (then resumed). */
zs_result zs_feed(zstream *zs, const void *data, size_t len, const char **text, size_t *text_len);

/* Memory currently held for buffers (for /debug). */
size_t zs_buffered_bytes(const zstream *zs);

#endif
