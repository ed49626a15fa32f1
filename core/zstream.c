#include "zstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_IN ((size_t)16 * 1024 * 1024)
#define DEFAULT_MAX_OUT ((size_t)64 * 1024 * 1024)
#define SHRINK_ABOVE ((size_t)1024 * 1024)

static const unsigned char flush_marker[4] = { 0x00, 0x00, 0xff, 0xff };

int zs_init(zstream *zs, size_t max_in, size_t max_out)
{
    memset(zs, 0, sizeof *zs);
    zs->max_in = max_in ? max_in : DEFAULT_MAX_IN;
    zs->max_out = max_out ? max_out : DEFAULT_MAX_OUT;
    if (inflateInit(&zs->z) != Z_OK) return -1;
    zs->ready = 1;
    return 0;
}

void zs_free(zstream *zs)
{
    if (zs->ready) inflateEnd(&zs->z);
    free(zs->in);
    free(zs->out);
    memset(zs, 0, sizeof *zs);
}

int zs_reset(zstream *zs)
{
    size_t max_in = zs->max_in, max_out = zs->max_out;
    zs_free(zs);
    return zs_init(zs, max_in, max_out);
}

static int fail(zstream *zs, const char *why)
{
    snprintf(zs->error, sizeof zs->error, "%s", why);
    zs->in_len = 0;
    return ZS_ERROR;
}

static int grow(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t next = *cap ? *cap : 4096;
    while (next < need) next *= 2;
    void *grown = realloc(*buf, next);
    if (grown == NULL) return -1;
    *buf = grown;
    *cap = next;
    return 0;
}

/* Big messages (a large GUILD_CREATE) should not pin their buffers forever. */
static void shrink(void **buf, size_t *cap)
{
    if (*cap <= SHRINK_ABOVE) return;
    free(*buf);
    *buf = NULL;
    *cap = 0;
}

zs_result zs_feed(zstream *zs, const void *data, size_t len, const char **text, size_t *text_len)
{
    if (!zs->ready) return fail(zs, "inflater not initialised");
    if (zs->in_len + len > zs->max_in) return fail(zs, "compressed message larger than the limit");
    if (grow((void **)&zs->in, &zs->in_cap, zs->in_len + len) != 0) return fail(zs, "out of memory");
    memcpy(zs->in + zs->in_len, data, len);
    zs->in_len += len;
    if (zs->in_len < 4 || memcmp(zs->in + zs->in_len - 4, flush_marker, 4) != 0) return ZS_NEED_MORE;

    if (zs->out_cap > SHRINK_ABOVE) shrink((void **)&zs->out, &zs->out_cap);
    zs->out_len = 0;
    zs->z.next_in = zs->in;
    zs->z.avail_in = (uInt)zs->in_len;
    do {
        if (grow((void **)&zs->out, &zs->out_cap, zs->out_len + 16384 + 1) != 0) return fail(zs, "out of memory");
        zs->z.next_out = (Bytef *)zs->out + zs->out_len;
        zs->z.avail_out = (uInt)(zs->out_cap - zs->out_len - 1);
        int rc = inflate(&zs->z, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) return fail(zs, "corrupt zlib stream");
        zs->out_len = zs->out_cap - 1 - zs->z.avail_out;
        if (zs->out_len > zs->max_out) return fail(zs, "inflated message larger than the limit");
        if (rc == Z_BUF_ERROR && zs->z.avail_in == 0) break;
    } while (zs->z.avail_in > 0 || zs->z.avail_out == 0);
    zs->out[zs->out_len] = '\0';
    zs->in_len = 0;
    shrink((void **)&zs->in, &zs->in_cap);
    *text = zs->out;
    *text_len = zs->out_len;
    return ZS_MESSAGE;
}
