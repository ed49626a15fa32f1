/* The JSON field scanner on gateway envelopes and on hostile input. */
#include "check.h"
#include "json_scan.h"

static void test_envelope_fields(void)
{
    const char *frame = " { \"t\" : \"READY\", \"s\":42, \"op\":0, \"d\":{\"v\":10,\"session_id\":\"ab\\\"c\","
                        "\"resume_gateway_url\":\"wss://x\\/y\",\"nested\":{\"op\":99},\"list\":[1,{\"a\":[]}],"
                        "\"application\":{\"id\":\"123\"}} }";
    size_t len = strlen(frame);
    json_span op, s, t, d, v;
    int64_t n;
    char text[64];
    CHECK(json_get(frame, len, "op", &op) && json_int(&op, &n) && n == 0);
    CHECK(json_get(frame, len, "s", &s) && json_int(&s, &n) && n == 42);
    CHECK(json_get(frame, len, "t", &t) && json_string(&t, text, sizeof text));
    CHECK_STR(text, "READY");
    CHECK(json_get(frame, len, "d", &d) && d.type == JSON_OBJECT);
    CHECK(json_get_in(&d, "session_id", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "ab\"c");
    CHECK(json_get_in(&d, "resume_gateway_url", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "wss://x/y");
    json_span app, id;
    CHECK(json_get_in(&d, "application", &app) && json_get_in(&app, "id", &id) && json_string(&id, text, 64));
    CHECK_STR(text, "123");
    CHECK(!json_get(frame, len, "missing", &v));
    CHECK(!json_get_in(&d, "op", &v) || (json_int(&v, &n) && n != 99)); /* nested keys are not top level */
}

static void test_values(void)
{
    const char *doc = "{\"a\":null,\"b\":true,\"c\":false,\"u\":\"\\u00e9\\u20ac\",\"f\":1.5,\"big\":99999999999999999999}";
    json_span v;
    int64_t n;
    char text[16];
    CHECK(json_get(doc, strlen(doc), "a", &v) && v.type == JSON_NULL);
    CHECK(json_get(doc, strlen(doc), "b", &v) && v.type == JSON_TRUE);
    CHECK(json_get(doc, strlen(doc), "c", &v) && v.type == JSON_FALSE);
    CHECK(json_get(doc, strlen(doc), "u", &v) && json_string(&v, text, sizeof text));
    CHECK_STR(text, "\xc3\xa9\xe2\x82\xac");
    CHECK(json_get(doc, strlen(doc), "f", &v) && !json_int(&v, &n));
    CHECK(json_get(doc, strlen(doc), "big", &v) && !json_int(&v, &n));
    CHECK(json_get(doc, strlen(doc), "u", &v) && !json_string(&v, text, 3)); /* does not fit */
}

static void test_hostile_input(void)
{
    const char *bad[] = { "", "{", "{\"op\"", "{\"op\":", "{\"op\":1,", "[1,2", "{\"a\":\"unterminated}",
                          "{\"a\":tru}", "{\"a\":1 \"b\":2}", "{\"a\":\"\x01\"}", "nul", "{\"a\":[1,}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_span v;
        CHECK(!json_get(bad[i], strlen(bad[i]), "op", &v));
        CHECK(!json_valid(bad[i], strlen(bad[i])));
    }
    /* deep nesting is refused rather than recursing without bound */
    char deep[600];
    for (int i = 0; i < 300; i++) deep[i] = '[';
    for (int i = 0; i < 300; i++) deep[300 + i] = ']';
    CHECK(!json_valid(deep, sizeof deep));
    CHECK(json_valid("{\"ok\":[1,2,{\"x\":\"y\"}]}", 22));
    /* a key only matches exactly, and never by running past the end */
    const char *cut = "{\"op\":12345";
    json_span v;
    CHECK(!json_get(cut, 8, "op", &v));
}

int main(void)
{
    RUN_TEST(test_envelope_fields);
    RUN_TEST(test_values);
    RUN_TEST(test_hostile_input);
    return CHECK_DONE();
}
