/* The gateway's zlib-stream inflater: one per connection. Feed it every binary message; it buffers until
 * the data ends with the 00 00 ff ff flush marker and then inflates the whole buffer through the
 * connection's single long-lived z_stream (zlib format, never reset while the connection lives). */
#ifndef PEON_ZSTREAM_H
#define PEON_ZSTREAM_H

#include <stddef.h>
#include <zlib.h>

typedef enum { ZS_NEED_MORE = 0, ZS_MESSAGE = 1, ZS_ERROR = -1 } zs_result;

typedef struct zstream {
    z_stream z;
    int ready;
    unsigned char *in;       /* compressed bytes waiting for the flush marker */
    size_t in_len, in_cap;
    char *out;               /* the last inflated message (NUL-terminated) */
    size_t out_len, out_cap;
    size_t max_in, max_out;  /* caps so a hostile stream cannot exhaust memory */
    char error[128];
} zstream;

/* A zero max_out means 64 MiB, a zero max_in 16 MiB. */
int zs_init(zstream *zs, size_t max_in, size_t max_out);
void zs_free(zstream *zs);
/* A new connection needs a fresh context (also after a resume). */
int zs_reset(zstream *zs);
/* On ZS_MESSAGE, text and text_len give the inflated text, valid until the next call. On ZS_ERROR the stream
 * is unusable (zs->error says why): the connection must be dropped and resumed. */
zs_result zs_feed(zstream *zs, const void *data, size_t len, const char **text, size_t *text_len);

#endif
