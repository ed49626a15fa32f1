/* The zlib-stream inflater against a real deflate stream, fed the ways a gateway delivers it. */
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "zstream.h"

/* One connection's compressor: each payload ends with a Z_SYNC_FLUSH, as Discord sends it. */
typedef struct sender {
    z_stream z;
    unsigned char *buf;
    size_t len;
} sender;

static void sender_init(sender *s)
{
    memset(s, 0, sizeof *s);
    CHECK_INT(deflateInit(&s->z, Z_DEFAULT_COMPRESSION), Z_OK);
}

static void compress_with(sender *s, const char *text, size_t len, int flush)
{
    size_t cap = deflateBound(&s->z, len) + 64;
    unsigned char *grown = realloc(s->buf, cap);
    if (grown == NULL) abort();
    s->buf = grown;
    s->z.next_in = (Bytef *)text;
    s->z.avail_in = (uInt)len;
    s->z.next_out = s->buf;
    s->z.avail_out = (uInt)cap;
    CHECK(deflate(&s->z, flush) != Z_STREAM_ERROR);
    s->len = cap - s->z.avail_out;
}

static void compress_payload(sender *s, const char *text) { compress_with(s, text, strlen(text), Z_SYNC_FLUSH); }

static void sender_free(sender *s)
{
    deflateEnd(&s->z);
    free(s->buf);
}

static zs_result feed(zstream *zs, const void *data, size_t len, const char **text, size_t *text_len)
{
    return zs_feed(zs, data, len, text, text_len);
}

static void test_whole_messages_share_one_context(void)
{
    zstream zs;
    sender s;
    CHECK_INT(zs_init(&zs, 0, 0), 0);
    sender_init(&s);
    const char *payloads[] = { "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}", "{\"op\":11}",
                               "{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{}}", "{\"op\":11}", "{\"op\":11}" };
    for (int i = 0; i < 5; i++) {
        compress_payload(&s, payloads[i]);
        const char *text = NULL;
        size_t len = 0;
        CHECK_INT(feed(&zs, s.buf, s.len, &text, &len), ZS_MESSAGE);
        CHECK_STR(text, payloads[i]);
        CHECK_INT(len, strlen(payloads[i]));
    }
    sender_free(&s);
    zs_free(&zs);
    zs_free(&zs); /* twice is harmless */
}

static void test_fragments(void)
{
    zstream zs;
    sender s;
    zs_init(&zs, 0, 0);
    sender_init(&s);
    const char *payload = "{\"op\":0,\"t\":\"INTERACTION_CREATE\",\"s\":7,\"d\":{\"id\":\"1\"}}";
    compress_payload(&s, payload);
    const char *text = NULL;
    size_t len = 0;
    for (size_t i = 0; i + 1 < s.len; i++) CHECK_INT(feed(&zs, s.buf + i, 1, &text, &len), ZS_NEED_MORE);
    CHECK_INT(feed(&zs, s.buf + s.len - 1, 1, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, payload);
    /* Empty fragments change nothing. */
    CHECK_INT(feed(&zs, NULL, 0, &text, &len), ZS_NEED_MORE);
    /* Uneven fragments, many payloads in a row. */
    char body[400];
    for (int round = 0; round < 50; round++) {
        snprintf(body, sizeof body, "{\"op\":0,\"s\":%d,\"t\":\"X\",\"d\":{\"pad\":\"%0*d\"}}", round, 10 + round * 5, 0);
        compress_payload(&s, body);
        size_t offset = 0, step = 1 + (size_t)round % 7;
        zs_result rc = ZS_NEED_MORE;
        while (offset < s.len) {
            size_t n = s.len - offset < step ? s.len - offset : step;
            rc = feed(&zs, s.buf + offset, n, &text, &len);
            offset += n;
            CHECK(rc == (offset == s.len ? ZS_MESSAGE : ZS_NEED_MORE));
        }
        CHECK_STR(text, body);
    }
    sender_free(&s);
    zs_free(&zs);
}

static void test_two_payloads_in_one_message(void)
{
    /* Discord flushes once per payload; if two flushes arrive together the caller gets both texts. */
    zstream zs;
    sender s;
    zs_init(&zs, 0, 0);
    sender_init(&s);
    compress_payload(&s, "{\"op\":11}");
    unsigned char both[256];
    size_t first = s.len;
    memcpy(both, s.buf, first);
    compress_payload(&s, "{\"op\":1}");
    memcpy(both + first, s.buf, s.len);
    const char *text;
    size_t len;
    CHECK_INT(feed(&zs, both, first + s.len, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, "{\"op\":11}{\"op\":1}");
    sender_free(&s);
    zs_free(&zs);
}

/* A 2 MB+ GUILD_CREATE-like payload over 64 KiB fragments; afterwards the big buffers are given back. */
static void test_large_payload(void)
{
    size_t target = 2 * 1024 * 1024 + 123, size = 0;
    char *big = malloc(target + 200);
    if (big == NULL) abort();
    size += (size_t)sprintf(big, "{\"op\":0,\"s\":2,\"t\":\"GUILD_CREATE\",\"d\":{\"channels\":[");
    for (int i = 0; size < target; i++)
        size += (size_t)sprintf(big + size, "{\"id\":\"%d\",\"name\":\"channel-%05d-%x\"},", 100000 + i, i, i * 7919);
    size += (size_t)sprintf(big + size, "{}]}}");
    zstream zs;
    sender s;
    zs_init(&zs, 0, 0);
    sender_init(&s);
    compress_with(&s, big, size, Z_SYNC_FLUSH);
    const char *text = NULL;
    size_t len = 0, offset = 0, chunk = 64 * 1024;
    zs_result rc = ZS_NEED_MORE;
    while (offset < s.len) {
        size_t n = s.len - offset < chunk ? s.len - offset : chunk;
        rc = feed(&zs, s.buf + offset, n, &text, &len);
        offset += n;
    }
    CHECK_INT(rc, ZS_MESSAGE);
    CHECK_INT(len, size);
    CHECK(text != NULL && memcmp(text, big, size) == 0 && text[len] == '\0');
    CHECK(zs_buffered_bytes(&zs) > size);
    /* The context still works after the big one, and the memory went back. */
    compress_payload(&s, "{\"op\":11}");
    CHECK_INT(feed(&zs, s.buf, s.len, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, "{\"op\":11}");
    CHECK(zs_buffered_bytes(&zs) <= 512 * 1024);
    free(big);
    sender_free(&s);
    zs_free(&zs);
}

static void test_corrupt_data(void)
{
    zstream zs;
    const char *text;
    size_t len;
    zs_init(&zs, 0, 0);
    const unsigned char junk[] = { 0x78, 0x9c, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0xff, 0xff };
    CHECK_INT(feed(&zs, junk, sizeof junk, &text, &len), ZS_ERROR);
    CHECK(strstr(zs.error, "corrupt") != NULL);
    /* The error sticks until reset, with its first message. */
    sender s;
    sender_init(&s);
    compress_payload(&s, "{\"op\":11}");
    CHECK_INT(feed(&zs, s.buf, s.len, &text, &len), ZS_ERROR);
    CHECK(strstr(zs.error, "corrupt") != NULL);
    CHECK_INT(zs_reset(&zs), 0);
    CHECK_INT(feed(&zs, s.buf, s.len, &text, &len), ZS_MESSAGE);

    /* Not a zlib header at all (raw deflate or garbage). */
    zs_reset(&zs);
    const unsigned char not_zlib[] = { 'h', 'e', 'l', 'l', 'o', 0x00, 0x00, 0xff, 0xff };
    CHECK_INT(feed(&zs, not_zlib, sizeof not_zlib, &text, &len), ZS_ERROR);

    /* Good data damaged in the middle. */
    zs_reset(&zs);
    sender fresh;
    sender_init(&fresh);
    char body[2000];
    for (size_t i = 0; i < sizeof body - 1; i++) body[i] = (char)('a' + (i * 31) % 26);
    body[sizeof body - 1] = '\0';
    compress_payload(&fresh, body);
    fresh.buf[fresh.len / 2] ^= 0x55;
    fresh.buf[fresh.len / 2 + 1] ^= 0xaa;
    zs_result rc = feed(&zs, fresh.buf, fresh.len, &text, &len);
    CHECK(rc == ZS_ERROR || (rc == ZS_MESSAGE && strcmp(text, body) != 0) || rc == ZS_NEED_MORE);
    sender_free(&fresh);
    sender_free(&s);
    zs_free(&zs);
}

static void test_caps(void)
{
    const char *text;
    size_t len;
    /* Inflated size over the cap. */
    zstream small;
    zs_init(&small, 0, 1000);
    sender s;
    sender_init(&s);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    compress_payload(&s, big);
    CHECK_INT(feed(&small, s.buf, s.len, &text, &len), ZS_ERROR);
    CHECK(strstr(small.error, "inflated message larger than the limit") != NULL);
    CHECK_INT(zs_buffered_bytes(&small), 0); /* given back on error */
    zs_free(&small);

    /* Just under the cap is fine. */
    zstream exact;
    zs_init(&exact, 0, sizeof big);
    sender s2;
    sender_init(&s2);
    compress_payload(&s2, big);
    CHECK_INT(feed(&exact, s2.buf, s2.len, &text, &len), ZS_MESSAGE);
    CHECK_INT(len, sizeof big - 1);
    sender_free(&s2);
    zs_free(&exact);

    /* Compressed bytes over the cap, without a marker ever coming. */
    zstream tight;
    zs_init(&tight, 16, 0);
    unsigned char lots[10] = { 0 };
    CHECK_INT(feed(&tight, lots, sizeof lots, &text, &len), ZS_NEED_MORE);
    CHECK_INT(feed(&tight, lots, sizeof lots, &text, &len), ZS_ERROR);
    CHECK(strstr(tight.error, "compressed message larger") != NULL);
    zs_free(&tight);

    /* A decompression bomb: 64 MiB of zeros in a few dozen KiB is stopped at the cap. */
    size_t bomb_size = 64u * 1024 * 1024;
    char *zeros = calloc(1, bomb_size);
    if (zeros == NULL) abort();
    sender b;
    sender_init(&b);
    compress_with(&b, zeros, bomb_size, Z_SYNC_FLUSH);
    free(zeros);
    CHECK(b.len < 200 * 1024);
    zstream guarded;
    zs_init(&guarded, 0, 1024 * 1024);
    CHECK_INT(feed(&guarded, b.buf, b.len, &text, &len), ZS_ERROR);
    CHECK_INT(zs_buffered_bytes(&guarded), 0);
    zs_free(&guarded);
    sender_free(&b);
    sender_free(&s);
}

/* The four marker bytes can sit inside compressed data; if a fragment happens to end right after them,
 * the message is not complete yet. Built by hand with a stored block that contains them. */
static void test_marker_inside_data_is_not_the_end(void)
{
    const unsigned char part1[] = {
        0x78, 0x01,                         /* zlib header */
        0x00, 0x0a, 0x00, 0xf5, 0xff,       /* stored block, not final, 10 bytes */
        'a', 'b', 'c', 'd', 0x00, 0x00, 0xff, 0xff, /* 8 of them, ending like a flush marker */
    };
    const unsigned char part2[] = { 'e', 'f', 0x00, 0x00, 0x00, 0xff, 0xff }; /* the rest, then a real flush */
    zstream zs;
    zs_init(&zs, 0, 0);
    const char *text = NULL;
    size_t len = 0;
    CHECK_INT(feed(&zs, part1, sizeof part1, &text, &len), ZS_NEED_MORE);
    CHECK_INT(feed(&zs, part2, sizeof part2, &text, &len), ZS_MESSAGE);
    CHECK_INT(len, 10);
    CHECK(text != NULL && memcmp(text, "abcd\0\0\xff\xff" "ef", 10) == 0);
    zs_free(&zs);
}

static void test_stream_end_and_new_connections(void)
{
    zstream zs;
    const char *text;
    size_t len;
    zs_init(&zs, 0, 0);
    /* A peer that finishes the zlib stream: the last text comes through, anything after is an error
     * (and never a hang). */
    sender s;
    sender_init(&s);
    compress_with(&s, "{\"op\":11}", 9, Z_FINISH);
    unsigned char tail[512];
    memcpy(tail, s.buf, s.len);
    memcpy(tail + s.len, "\x00\x00\xff\xff", 4);
    CHECK_INT(feed(&zs, tail, s.len + 4, &text, &len), ZS_ERROR);
    CHECK(strstr(zs.error, "after the end") != NULL);

    /* Each connection starts a new zlib stream with its own header; zs_reset prepares for it. */
    for (int connection = 0; connection < 3; connection++) {
        CHECK_INT(zs_reset(&zs), 0);
        sender conn;
        sender_init(&conn);
        for (int i = 0; i < 3; i++) {
            compress_payload(&conn, "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
            CHECK_INT(feed(&zs, conn.buf, conn.len, &text, &len), ZS_MESSAGE);
        }
        sender_free(&conn);
    }
    /* Without the reset, a second connection's header is garbage to the old stream. */
    sender other;
    sender_init(&other);
    compress_payload(&other, "{\"op\":11}");
    CHECK_INT(feed(&zs, other.buf, other.len, &text, &len), ZS_ERROR);
    sender_free(&other);
    sender_free(&s);

    /* An empty flush carries no payload. */
    CHECK_INT(zs_reset(&zs), 0);
    sender empty;
    sender_init(&empty);
    compress_with(&empty, "", 0, Z_SYNC_FLUSH);
    CHECK_INT(feed(&zs, empty.buf, empty.len, &text, &len), ZS_NEED_MORE);
    compress_payload(&empty, "{\"op\":11}");
    CHECK_INT(feed(&zs, empty.buf, empty.len, &text, &len), ZS_MESSAGE);
    CHECK_STR(text, "{\"op\":11}");
    sender_free(&empty);

    /* A freed inflater refuses to work rather than crash. */
    zs_free(&zs);
    CHECK_INT(feed(&zs, "x", 1, &text, &len), ZS_ERROR);
    zs_free(&zs);
}

int main(void)
{
    RUN_TEST(test_whole_messages_share_one_context);
    RUN_TEST(test_fragments);
    RUN_TEST(test_two_payloads_in_one_message);
    RUN_TEST(test_large_payload);
    RUN_TEST(test_corrupt_data);
    RUN_TEST(test_caps);
    RUN_TEST(test_marker_inside_data_is_not_the_end);
    RUN_TEST(test_stream_end_and_new_connections);
    return CHECK_DONE();
}
