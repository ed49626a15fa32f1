/* Reads fields of a JSON object without building a tree: enough for the gateway's envelope (op, s, t, d)
 * and the few values the core needs (heartbeat_interval, session_id, ...). Never reads past `len`, never
 * allocates, and treats anything malformed as "not found". */
#ifndef PEON_JSON_SCAN_H
#define PEON_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NONE, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL } json_type;

typedef struct json_span {
    const char *start;  /* the value's first byte (a string's opening quote) */
    size_t len;
    json_type type;
} json_span;

/* Finds `key` among the top-level members of the object in json[0..len). */
bool json_get(const char *json, size_t len, const char *key, json_span *out);
/* The same inside a span that holds an object (for nested lookups: "d" then "session_id"). */
bool json_get_in(const json_span *object, const char *key, json_span *out);
bool json_int(const json_span *value, int64_t *out);
/* Unescapes a string value into out (NUL-terminated); false if it is no string or does not fit. */
bool json_string(const json_span *value, char *out, size_t cap);
/* Checks that json[0..len) is one complete JSON value (fuzzing and input sanity). */
bool json_valid(const char *json, size_t len);

#endif
