/* A bounded JSON scanner: finds fields and reads values without building a tree or allocating. Enough for
 * the gateway envelope (op, s, t, d), READY's session fields and the /gateway/bot answer.
 *
 * Every function takes (pointer, length), never reads outside it, recurses at most JSON_MAX_DEPTH levels
 * and treats anything malformed as "not found"/false, so it is safe on hostile input. The grammar is
 * RFC 8259's, checked strictly (numbers, escapes, control characters); bytes >= 0x80 inside strings pass
 * through unchecked (the Lua layer decodes and validates the text it is handed). */
#ifndef PEON_JSON_SCAN_H
#define PEON_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 128

typedef enum { JSON_NONE, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL } json_type;

/* A value inside the caller's buffer: start..start+len, a string span includes its quotes. */
typedef struct json_span {
    const char *start;
    size_t len;
    json_type type;
} json_span;

/* The first complete value in json[0..len), after leading whitespace; *consumed (may be NULL) is the offset
 * just past it. For text that holds several values one after another ("{..}{..}"). */
bool json_value(const char *json, size_t len, json_span *out, size_t *consumed);

/* Checks that json[0..len) is exactly one JSON value with optional surrounding whitespace. */
bool json_valid(const char *json, size_t len);

/* Finds `key` among the top-level members of the object that is the whole of json[0..len). The object is
 * checked to the end, so a truncated document yields nothing rather than a cut-off value. Keys compare
 * after unescaping; with duplicate keys the last one wins (as in lua-cjson). */
bool json_get(const char *json, size_t len, const char *key, json_span *out);
/* The same inside a span that holds an object (nested lookups: "d", then "session_id"). */
bool json_get_in(const json_span *object, const char *key, json_span *out);

/* Walks the members of an object in order, for reading several fields in one pass:
 *     json_iter it; json_span key, value;
 *     json_iter_begin(&it, &object);
 *     while (json_iter_next(&it, &key, &value)) if (json_key_is(&key, "op")) ...
 *     if (it.failed) ...the object was malformed or truncated... */
typedef struct json_iter {
    const char *p, *end;
    bool started, done, failed;
} json_iter;

void json_iter_begin(json_iter *it, const json_span *object);
bool json_iter_next(json_iter *it, json_span *key, json_span *value);
bool json_key_is(const json_span *key, const char *name);

/* An integer number (no fraction or exponent) that fits int64_t. */
bool json_int(const json_span *value, int64_t *out);
/* Unescapes a string into out, NUL-terminated. False if it is no string, does not fit in cap bytes, or holds
 * a \u0000 or an unpaired surrogate (so the result is always a clean C string). */
bool json_string(const json_span *value, char *out, size_t cap);

#endif
