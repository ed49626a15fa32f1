/* The zlib-stream inflater against a real deflate stream, fed the ways a gateway delivers it. */
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "zstream.h"

/* One "connection" worth of compressor: each payload ends with a Z_SYNC_FLUSH, as Discord sends it. */
typedef struct sender {
    z_stream z;
    unsigned char *buf;
    size_t len;
} sender;

static void sender_init(sender *s)
{
    memset(s, 0, sizeof *s);
    deflateInit(&s->z, Z_DEFAULT_COMPRESSION);
}

static void compress_payload(sender *s, const char *text, size_t len)
{
    size_t cap = deflateBound(&s->z, len) + 64;
    s->buf = realloc(s->buf, cap);
    s->z.next_in = (Bytef *)text;
    s->z.avail_in = (uInt)len;
    s->z.next_out = s->buf;
    s->z.avail_out = (uInt)cap;
    deflate(&s->z, Z_SYNC_FLUSH);
    s->len = cap - s->z.avail_out;
}

static void sender_free(sender *s)
{
    deflateEnd(&s->z);
    free(s->buf);
}

static void test_whole_messages_share_one_context(void)
{
    zstream zs;
    sender s;
    CHECK_INT(zs_init(&zs, 0, 0), 0);
    sender_init(&s);
    const char *payloads[] = { "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}", "{\"op\":11}",
                               "{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{}}" };
    for (int i = 0; i < 3; i++) {
        compress_payload(&s, payloads[i], strlen(payloads[i]));
        const char *text;
        size_t len;
        CHECK_INT(zs_feed(&zs, s.buf, s.len, &text, &len), ZS_MESSAGE);
        CHECK_STR(text, payloads[i]);
        CHECK_INT(len, strlen(payloads[i]));
    }
    sender_free(&s);
    zs_free(&zs);
}

static void test_fragments_byte_by_byte(void)
{
    zstream zs;
    sender s;
    zs_init(&zs, 0, 0);
    sender_init(&s);
    const char *payload = "{\"op\":0,\"t\":\"INTERACTION_CREATE\",\"s\":7,\"d\":{\"id\":\"1\"}}";
    compress_payload(&s, payload, strlen(payload));
    const char *text = NULL;
    size_t len = 0;
    for (size_t i = 0; i + 1 < s.len; i++) CHECK_INT(zs_feed(&zs, s.buf + i, 1, &text, &len), ZS_NEED_MORE);
    CHECK_INT(zs_feed(&zs, s.buf + s.len - 1, 1, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, payload);
    sender_free(&s);
    zs_free(&zs);
}

static void test_large_payload(void)
{
    size_t size = 2 * 1024 * 1024 + 123;
    char *big = malloc(size + 1);
    for (size_t i = 0; i < size; i++) big[i] = (char)('a' + (i * 7919) % 26);
    big[size] = '\0';
    zstream zs;
    sender s;
    zs_init(&zs, 0, 0);
    sender_init(&s);
    compress_payload(&s, big, size);
    const char *text;
    size_t len;
    size_t half = s.len / 2;
    CHECK_INT(zs_feed(&zs, s.buf, half, &text, &len), ZS_NEED_MORE);
    CHECK_INT(zs_feed(&zs, s.buf + half, s.len - half, &text, &len), ZS_MESSAGE);
    CHECK_INT(len, size);
    CHECK(memcmp(text, big, size) == 0);
    /* the context still works after the big one, and its buffers were given back */
    compress_payload(&s, "{\"op\":11}", 9);
    CHECK_INT(zs_feed(&zs, s.buf, s.len, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, "{\"op\":11}");
    CHECK(zs.in_cap <= 1024 * 1024);
    free(big);
    sender_free(&s);
    zs_free(&zs);
}

static void test_corrupt_and_oversized(void)
{
    zstream zs;
    zs_init(&zs, 0, 0);
    const unsigned char junk[] = { 0x78, 0x9c, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0xff, 0xff };
    const char *text;
    size_t len;
    CHECK_INT(zs_feed(&zs, junk, sizeof junk, &text, &len), ZS_ERROR);
    CHECK(strstr(zs.error, "corrupt") != NULL);
    CHECK_INT(zs_reset(&zs), 0); /* a new connection gets a fresh context */

    zstream small;
    zs_init(&small, 0, 1000);
    sender s;
    sender_init(&s);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    compress_payload(&s, big, strlen(big));
    CHECK_INT(zs_feed(&small, s.buf, s.len, &text, &len), ZS_ERROR);
    CHECK(strstr(small.error, "limit") != NULL);
    sender_free(&s);
    zs_free(&small);

    zstream tight;
    zs_init(&tight, 16, 0);
    unsigned char lots[32] = { 0 };
    CHECK_INT(zs_feed(&tight, lots, sizeof lots, &text, &len), ZS_ERROR);
    zs_free(&tight);
    zs_free(&zs);
}

int main(void)
{
    RUN_TEST(test_whole_messages_share_one_context);
    RUN_TEST(test_fragments_byte_by_byte);
    RUN_TEST(test_large_payload);
    RUN_TEST(test_corrupt_and_oversized);
    return CHECK_DONE();
}
