/* The JSON field scanner on gateway envelopes, on the strict grammar, and on hostile input. */
#include <stdlib.h>

#include "check.h"
#include "json_scan.h"

static void test_envelope_fields(void)
{
    const char *frame = " { \"t\" : \"READY\", \"s\":42, \"op\":0, \"d\":{\"v\":10,\"session_id\":\"ab\\\"c\","
                        "\"resume_gateway_url\":\"wss://x\\/y\",\"nested\":{\"op\":99},\"list\":[1,{\"a\":[]}],"
                        "\"application\":{\"id\":\"123\"}} }\n";
    size_t len = strlen(frame);
    json_span op, s, t, d, v;
    int64_t n;
    char text[64];
    CHECK(json_get(frame, len, "op", &op) && json_int(&op, &n) && n == 0);
    CHECK(json_get(frame, len, "s", &s) && json_int(&s, &n) && n == 42);
    CHECK(json_get(frame, len, "t", &t) && json_string(&t, text, sizeof text));
    CHECK_STR(text, "READY");
    CHECK(json_get(frame, len, "d", &d) && d.type == JSON_OBJECT);
    CHECK(d.start[0] == '{' && d.start[d.len - 1] == '}');
    CHECK(json_get_in(&d, "session_id", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "ab\"c");
    CHECK(json_get_in(&d, "resume_gateway_url", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "wss://x/y");
    json_span app, id;
    CHECK(json_get_in(&d, "application", &app) && json_get_in(&app, "id", &id) && json_string(&id, text, 64));
    CHECK_STR(text, "123");
    CHECK(json_get_in(&d, "list", &v) && v.type == JSON_ARRAY && v.len == 12);
    CHECK(!json_get(frame, len, "missing", &v));
    CHECK(!json_get_in(&d, "op", &v)); /* nested keys are not top-level ones */
    CHECK(!json_get_in(&v, "x", &v));  /* an array is no object */
}

static void test_iterator(void)
{
    const char *doc = "{\"op\":0,\"d\":{\"x\":[1,2]},\"s\":null,\"t\":\"A\"}";
    json_span object, key, value;
    CHECK(json_value(doc, strlen(doc), &object, NULL));
    json_iter it;
    json_iter_begin(&it, &object);
    const char *keys[] = { "op", "d", "s", "t" };
    json_type types[] = { JSON_NUMBER, JSON_OBJECT, JSON_NULL, JSON_STRING };
    int count = 0;
    while (json_iter_next(&it, &key, &value)) {
        CHECK(count < 4);
        if (count >= 4) break;
        CHECK(json_key_is(&key, keys[count]));
        CHECK_INT(value.type, types[count]);
        count++;
    }
    CHECK_INT(count, 4);
    CHECK(!it.failed);
    CHECK(!json_iter_next(&it, &key, &value)); /* stays finished */

    json_span empty = { "{ }", 3, JSON_OBJECT };
    json_iter_begin(&it, &empty);
    CHECK(!json_iter_next(&it, &key, &value) && !it.failed);
    json_span cut = { "{\"a\":1,", 7, JSON_OBJECT };
    json_iter_begin(&it, &cut);
    CHECK(json_iter_next(&it, &key, &value));
    CHECK(!json_iter_next(&it, &key, &value) && it.failed);
    json_span not_object = { "[1]", 3, JSON_ARRAY };
    json_iter_begin(&it, &not_object);
    CHECK(!json_iter_next(&it, &key, &value) && it.failed);
}

static void test_values_and_strings(void)
{
    const char *doc = "{\"a\":null,\"b\":true,\"c\":false,\"u\":\"\\u00e9\\u20ac\",\"f\":1.5,\"e\":-2e+3,"
                      "\"big\":99999999999999999999,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                      "\"emoji\":\"\\ud83d\\ude00\",\"esc\":\"\\b\\f\\n\\r\\t\\/\\\\\",\"raw\":\"\xc3\xa9\"}";
    size_t len = strlen(doc);
    json_span v;
    int64_t n;
    char text[32];
    CHECK(json_valid(doc, len));
    CHECK(json_get(doc, len, "a", &v) && v.type == JSON_NULL);
    CHECK(json_get(doc, len, "b", &v) && v.type == JSON_TRUE);
    CHECK(json_get(doc, len, "c", &v) && v.type == JSON_FALSE);
    CHECK(json_get(doc, len, "u", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "\xc3\xa9\xe2\x82\xac");
    CHECK(!json_string(&v, text, 5)); /* 5 bytes + NUL do not fit in 5 */
    CHECK(json_string(&v, text, 6));
    CHECK(json_get(doc, len, "f", &v) && v.type == JSON_NUMBER && !json_int(&v, &n));
    CHECK(json_get(doc, len, "e", &v) && !json_int(&v, &n));
    CHECK(json_get(doc, len, "big", &v) && !json_int(&v, &n));
    CHECK(json_get(doc, len, "max", &v) && json_int(&v, &n) && n == INT64_MAX);
    CHECK(json_get(doc, len, "min", &v) && json_int(&v, &n) && n == INT64_MIN);
    CHECK(json_get(doc, len, "emoji", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "\xf0\x9f\x98\x80");
    CHECK(json_get(doc, len, "esc", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "\b\f\n\r\t/\\");
    CHECK(json_get(doc, len, "raw", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "\xc3\xa9");
    CHECK(json_get(doc, len, "u", &v) && !json_int(&v, &n));
    CHECK(json_get(doc, len, "a", &v) && !json_string(&v, text, sizeof text));

    /* Strings that would not come out as clean C strings are refused. */
    const char *unclean[] = { "\"a\\u0000b\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\ud83dx\"" };
    for (size_t i = 0; i < sizeof unclean / sizeof unclean[0]; i++) {
        json_span s;
        CHECK(json_value(unclean[i], strlen(unclean[i]), &s, NULL) && s.type == JSON_STRING);
        CHECK(!json_string(&s, text, sizeof text));
    }
}

static void test_keys(void)
{
    const char *doc = "{\"op\":1,\"\\u006fp\":2,\"o\\\"p\":3}";
    json_span v;
    int64_t n;
    /* Keys compare unescaped and the last duplicate wins, as in lua-cjson. */
    CHECK(json_get(doc, strlen(doc), "op", &v) && json_int(&v, &n) && n == 2);
    CHECK(json_get(doc, strlen(doc), "o\"p", &v) && json_int(&v, &n) && n == 3);
    CHECK(!json_get(doc, strlen(doc), "o", &v));
    CHECK(!json_get(doc, strlen(doc), "", &v));
    const char *empty_key = "{\"\":7}";
    CHECK(json_get(empty_key, strlen(empty_key), "", &v) && json_int(&v, &n) && n == 7);
}

static void test_consecutive_values(void)
{
    const char *text = " {\"a\":1}\n{\"b\":[2]} 3 \"x\"";
    size_t len = strlen(text), offset = 0, used;
    json_span v;
    json_type want[] = { JSON_OBJECT, JSON_OBJECT, JSON_NUMBER, JSON_STRING };
    int count = 0;
    while (count < 4 && json_value(text + offset, len - offset, &v, &used)) {
        CHECK_INT(v.type, want[count]);
        offset += used;
        count++;
    }
    CHECK_INT(count, 4);
    CHECK_INT(offset, len);
    CHECK(!json_value(text + offset, 0, &v, &used));
    CHECK(!json_valid(text, len)); /* several values are not one document */
    CHECK(!json_get(text, len, "a", &v));
}

static void test_grammar_is_strict(void)
{
    const char *good[] = { "0", "-0", "1e5", "1E+5", "1e-5", "0.5", "-12.75e3", "[]", "{}", "\"\"", "[[[]]]",
                           " \t\r\n[1 , 2 ]\n", "\"\\u00AF\"", "{\"a\":{\"b\":{\"c\":null}}}", "true", "null" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!json_valid(good[i], strlen(good[i]))) fprintf(stderr, "  should be valid: %s\n", good[i]);
        CHECK(json_valid(good[i], strlen(good[i])));
    }
    const char *bad[] = { "", " ", "{", "}", "{\"op\"", "{\"op\":", "{\"op\":1,", "{\"op\":1,}", "[1,2",
                          "[1,]", "[,1]", "{\"a\":\"unterminated}", "{\"a\":tru}", "{\"a\":1 \"b\":2}",
                          "{\"a\":\"\x01\"}", "nul", "truex", "{\"a\":[1,}", "01", "+1", "1.", ".5", "1e", "1e+",
                          "-", "--1", "0x10", "1.2.3", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "{a:1}",
                          "{'a':1}", "{\"a\" 1}", "[1 2]", "\"a\nb\"", "NaN", "Infinity", "[1]]", "{}{", "\"\\" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_span v;
        if (json_valid(bad[i], strlen(bad[i]))) fprintf(stderr, "  should be invalid: %s\n", bad[i]);
        CHECK(!json_valid(bad[i], strlen(bad[i])));
        CHECK(!json_get(bad[i], strlen(bad[i]), "op", &v) && !json_get(bad[i], strlen(bad[i]), "a", &v));
    }
    /* An embedded NUL is just a bad byte, not the end of the text. */
    const char with_nul[] = { '{', '"', 'a', '"', ':', '1', '\0', '}' };
    CHECK(!json_valid(with_nul, sizeof with_nul));
}

static void test_depth_and_truncation(void)
{
    char deep[600];
    for (int i = 0; i < 300; i++) deep[i] = '[';
    for (int i = 0; i < 300; i++) deep[300 + i] = ']';
    CHECK(!json_valid(deep, sizeof deep)); /* refused rather than recursing without bound */
    char ok[2 * (JSON_MAX_DEPTH + 1)];
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) ok[i] = '[';
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) ok[JSON_MAX_DEPTH + 1 + i] = ']';
    CHECK(json_valid(ok, sizeof ok));
    CHECK(!json_valid(ok + 1, sizeof ok - 1));
    /* A document cut anywhere never yields a value, and never a cut-off one. */
    const char *full = "{\"op\":12345,\"d\":{\"heartbeat_interval\":41250}}";
    for (size_t cut = 0; cut < strlen(full); cut++) {
        json_span v;
        CHECK(!json_get(full, cut, "op", &v));
    }
    json_span v;
    int64_t n;
    CHECK(json_get(full, strlen(full), "op", &v) && json_int(&v, &n) && n == 12345);
}

/* A small deterministic fuzz: mutations of real payloads must never crash or read outside the buffer
 * (the ASan build checks that), and whatever json_get finds must lie inside the input. */
static void test_mutations_stay_in_bounds(void)
{
    const char *seeds[] = {
        "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"a\\u00e9\",\"x\":[1,-2.5e3,true,null]}}",
        "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}",
        "[{\"a\":\"\\ud83d\\ude00\"},{},[]]",
    };
    const char alphabet[] = "{}[]\":,\\u0123456789abcdefEe+-. \ntrfn\x01\xff";
    uint64_t state = 12345;
    for (int round = 0; round < 20000; round++) {
        const char *seed = seeds[round % 3];
        size_t len = strlen(seed);
        char *buf = malloc(len); /* exact size, no terminator: ASan catches any overread */
        if (buf == NULL) return;
        memcpy(buf, seed, len);
        int edits = 1 + (int)(state % 4);
        for (int e = 0; e < edits; e++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            buf[(state >> 33) % len] = alphabet[(state >> 17) % (sizeof alphabet - 1)];
        }
        size_t cut = (state >> 40) % (len + 1);
        json_span v, key, value;
        char text[64];
        int64_t n;
        (void)json_valid(buf, cut);
        const char *keys[] = { "op", "d", "s", "t", "a" };
        for (int k = 0; k < 5; k++) {
            if (!json_get(buf, cut, keys[k], &v)) continue;
            CHECK(v.start >= buf && v.start + v.len <= buf + cut);
            (void)json_int(&v, &n);
            (void)json_string(&v, text, sizeof text);
            json_iter it;
            json_iter_begin(&it, &v);
            for (int guard = 0; guard < 100 && json_iter_next(&it, &key, &value); guard++)
                CHECK(value.start + value.len <= buf + cut);
        }
        size_t used;
        if (json_value(buf, cut, &v, &used)) CHECK(used <= cut);
        free(buf);
    }
}

int main(void)
{
    RUN_TEST(test_envelope_fields);
    RUN_TEST(test_iterator);
    RUN_TEST(test_values_and_strings);
    RUN_TEST(test_keys);
    RUN_TEST(test_consecutive_values);
    RUN_TEST(test_grammar_is_strict);
    RUN_TEST(test_depth_and_truncation);
    RUN_TEST(test_mutations_stay_in_bounds);
    return CHECK_DONE();
}
