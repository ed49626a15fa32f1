#include "zstream.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_OUT ((size_t)16 * 1024)
/* Buffers above this are given back after the message that needed them (a 2 MB GUILD_CREATE should not
 * pin its memory for the life of the connection). */
#define KEEP_AT_MOST ((size_t)256 * 1024)

static const unsigned char flush_marker[4] = { 0x00, 0x00, 0xff, 0xff };

int zs_init(zstream *zs, size_t max_in, size_t max_out)
{
    memset(zs, 0, sizeof *zs);
    zs->max_in = max_in ? max_in : ZS_DEFAULT_MAX_IN;
    zs->max_out = max_out ? max_out : ZS_DEFAULT_MAX_OUT;
    /* zlib counts in uInt; one message never needs more. */
    if (zs->max_in > UINT_MAX) zs->max_in = UINT_MAX;
    if (zs->max_out > UINT_MAX - 1) zs->max_out = UINT_MAX - 1;
    if (inflateInit(&zs->z) != Z_OK) return -1;
    zs->ready = true;
    return 0;
}

void zs_free(zstream *zs)
{
    if (zs->ready) inflateEnd(&zs->z);
    free(zs->in);
    free(zs->out);
    size_t max_in = zs->max_in, max_out = zs->max_out;
    memset(zs, 0, sizeof *zs);
    zs->max_in = max_in;
    zs->max_out = max_out;
}

int zs_reset(zstream *zs)
{
    size_t max_in = zs->max_in, max_out = zs->max_out;
    zs_free(zs);
    return zs_init(zs, max_in, max_out);
}

size_t zs_buffered_bytes(const zstream *zs) { return zs->in_cap + zs->out_cap; }

static zs_result fail_detail(zstream *zs, const char *why, const char *detail)
{
    snprintf(zs->error, sizeof zs->error, detail ? "%s (%s)" : "%s", why, detail);
    zs->failed = true;
    /* The connection is done for: its buffers are of no further use. */
    free(zs->in);
    free(zs->out);
    zs->in = NULL;
    zs->out = NULL;
    zs->in_len = zs->in_cap = zs->out_len = zs->out_cap = 0;
    return ZS_ERROR;
}

static zs_result fail(zstream *zs, const char *why) { return fail_detail(zs, why, NULL); }

/* Grows *buf to hold at least need bytes, doubling but never past limit. */
static bool grow(void **buf, size_t *cap, size_t need, size_t limit)
{
    if (need <= *cap) return true;
    if (need > limit) return false;
    size_t next = *cap ? *cap : INITIAL_OUT;
    while (next < need) next = next > limit / 2 ? limit : next * 2;
    void *grown = realloc(*buf, next);
    if (grown == NULL) return false;
    *buf = grown;
    *cap = next;
    return true;
}

static void give_back_if_big(void **buf, size_t *cap)
{
    if (*cap <= KEEP_AT_MOST) return;
    free(*buf);
    *buf = NULL;
    *cap = 0;
}

static bool ends_with_marker(const zstream *zs)
{
    return zs->in_len >= 4 && memcmp(zs->in + zs->in_len - 4, flush_marker, 4) == 0;
}

/* Runs the buffered input through the inflater, appending to out. */
static zs_result inflate_buffer(zstream *zs)
{
    zs->z.next_in = zs->in;
    zs->z.avail_in = (uInt)zs->in_len;
    /* Each pass either consumes input or fills the output space, and output is capped: bounded. */
    for (;;) {
        if (zs->out_cap - zs->out_len < 2) {
            if (zs->out_len >= zs->max_out) return fail(zs, "inflated message larger than the limit");
            size_t need = zs->out_len + INITIAL_OUT;
            if (need > zs->max_out + 1) need = zs->max_out + 1;
            if (!grow((void **)&zs->out, &zs->out_cap, need, zs->max_out + 1)) return fail(zs, "out of memory");
        }
        size_t room = zs->out_cap - zs->out_len - 1; /* one byte kept for the NUL */
        zs->z.next_out = (Bytef *)zs->out + zs->out_len;
        zs->z.avail_out = (uInt)room;
        int rc = inflate(&zs->z, Z_SYNC_FLUSH);
        zs->out_len += room - zs->z.avail_out;
        if (zs->out_len > zs->max_out) return fail(zs, "inflated message larger than the limit");
        if (rc == Z_STREAM_END) {
            zs->ended = true;
            if (zs->z.avail_in > 0) return fail(zs, "data after the end of the zlib stream");
            return ZS_MESSAGE;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return fail_detail(zs, "corrupt zlib stream", zs->z.msg);
        if (zs->z.avail_out > 0) {
            /* Output space left over means zlib needs more input: all of it was used. */
            if (zs->z.avail_in > 0) return fail(zs, "corrupt zlib stream (no progress)");
            return ZS_MESSAGE;
        }
    }
}

zs_result zs_feed(zstream *zs, const void *data, size_t len, const char **text, size_t *text_len)
{
    if (!zs->ready) return fail(zs, "inflater not initialised");
    if (zs->failed) return ZS_ERROR; /* keeps the first error message */
    if (zs->ended) return fail(zs, "data after the end of the zlib stream");
    if (zs->out_len == 0) give_back_if_big((void **)&zs->out, &zs->out_cap); /* the last text is released now */
    if (len > zs->max_in - zs->in_len) return fail(zs, "compressed message larger than the limit");
    if (len > 0) {
        if (!grow((void **)&zs->in, &zs->in_cap, zs->in_len + len, zs->max_in)) return fail(zs, "out of memory");
        memcpy(zs->in + zs->in_len, data, len);
        zs->in_len += len;
    }
    if (!ends_with_marker(zs)) return ZS_NEED_MORE;

    zs_result rc = inflate_buffer(zs);
    if (rc == ZS_ERROR) return rc;
    zs->in_len = 0;
    give_back_if_big((void **)&zs->in, &zs->in_cap);
    /* The marker bytes can also occur inside compressed data and land at the end of a fragment by chance.
     * A real flush leaves the inflater between blocks (data_type bit 128); otherwise the message goes on. */
    if (!zs->ended && (zs->z.data_type & 128) == 0) return ZS_NEED_MORE;
    if (zs->out_len == 0) return ZS_NEED_MORE; /* an empty flush carries no payload */
    zs->out[zs->out_len] = '\0';
    *text = zs->out;
    *text_len = zs->out_len;
    zs->out_len = 0; /* the next message starts afresh; the text stays readable until then */
    return ZS_MESSAGE;
}
