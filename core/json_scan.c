#include "json_scan.h"

#include <string.h>

#define MAX_DEPTH 128

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static bool skip_value(cursor *c, int depth);

static bool skip_string(cursor *c)
{
    if (c->p >= c->end || *c->p != '"') return false;
    c->p++;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"') return true;
        if (ch == '\\') {
            if (c->p >= c->end) return false;
            c->p++;
        } else if ((unsigned char)ch < 0x20) {
            return false;
        }
    }
    return false;
}

static bool skip_literal(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return false;
    c->p += n;
    return true;
}

static bool skip_number(cursor *c)
{
    const char *start = c->p;
    if (c->p < c->end && *c->p == '-') c->p++;
    while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' || *c->p == 'E' ||
                             *c->p == '+' || *c->p == '-'))
        c->p++;
    return c->p > start && !(c->p == start + 1 && *start == '-');
}

static bool skip_container(cursor *c, char close, int depth)
{
    c->p++;
    skip_space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        if (close == '}') {
            if (!skip_string(c)) return false;
            skip_space(c);
            if (c->p >= c->end || *c->p != ':') return false;
            c->p++;
        }
        if (!skip_value(c, depth + 1)) return false;
        skip_space(c);
        if (c->p >= c->end) return false;
        if (*c->p == ',') {
            c->p++;
            skip_space(c);
            continue;
        }
        if (*c->p == close) {
            c->p++;
            return true;
        }
        return false;
    }
}

static bool skip_value(cursor *c, int depth)
{
    if (depth > MAX_DEPTH) return false;
    skip_space(c);
    if (c->p >= c->end) return false;
    switch (*c->p) {
    case '{': return skip_container(c, '}', depth);
    case '[': return skip_container(c, ']', depth);
    case '"': return skip_string(c);
    case 't': return skip_literal(c, "true");
    case 'f': return skip_literal(c, "false");
    case 'n': return skip_literal(c, "null");
    default: return skip_number(c);
    }
}

static json_type type_of(char first)
{
    switch (first) {
    case '{': return JSON_OBJECT;
    case '[': return JSON_ARRAY;
    case '"': return JSON_STRING;
    case 't': return JSON_TRUE;
    case 'f': return JSON_FALSE;
    case 'n': return JSON_NULL;
    default: return JSON_NUMBER;
    }
}

/* Compares a raw JSON key (between its quotes, escapes not expanded) with `key`. Keys we look up have no
 * escapes, so a key that contains any cannot match. */
static bool key_equals(const char *raw, size_t raw_len, const char *key)
{
    size_t n = strlen(key);
    return raw_len == n && memcmp(raw, key, n) == 0;
}

bool json_get(const char *json, size_t len, const char *key, json_span *out)
{
    /* The whole object is checked, not just up to the key: a truncated frame must not yield a cut-off
     * value ("12" of "12345"). */
    cursor c = { json, json + len };
    json_span found = { NULL, 0, JSON_NONE };
    skip_space(&c);
    if (c.p >= c.end || *c.p != '{') return false;
    c.p++;
    skip_space(&c);
    if (c.p < c.end && *c.p == '}') return false;
    for (;;) {
        const char *key_start = c.p + 1;
        if (!skip_string(&c)) return false;
        size_t key_len = (size_t)(c.p - 1 - key_start);
        skip_space(&c);
        if (c.p >= c.end || *c.p != ':') return false;
        c.p++;
        skip_space(&c);
        const char *value_start = c.p;
        if (!skip_value(&c, 1)) return false;
        if (found.start == NULL && key_equals(key_start, key_len, key))
            found = (json_span){ value_start, (size_t)(c.p - value_start), type_of(*value_start) };
        skip_space(&c);
        if (c.p < c.end && *c.p == '}') break;
        if (c.p >= c.end || *c.p != ',') return false;
        c.p++;
        skip_space(&c);
    }
    if (found.start == NULL) return false;
    *out = found;
    return true;
}

bool json_get_in(const json_span *object, const char *key, json_span *out)
{
    return object->type == JSON_OBJECT && json_get(object->start, object->len, key, out);
}

bool json_int(const json_span *value, int64_t *out)
{
    if (value->type != JSON_NUMBER) return false;
    int64_t v = 0;
    size_t i = 0;
    bool negative = value->len > 0 && value->start[0] == '-';
    if (negative) i++;
    if (i >= value->len) return false;
    for (; i < value->len; i++) {
        char ch = value->start[i];
        if (ch < '0' || ch > '9') return false; /* fractions and exponents are not integers */
        if (v > (INT64_MAX - (ch - '0')) / 10) return false;
        v = v * 10 + (ch - '0');
    }
    *out = negative ? -v : v;
    return true;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

bool json_string(const json_span *value, char *out, size_t cap)
{
    if (value->type != JSON_STRING || value->len < 2 || cap == 0) return false;
    const char *p = value->start + 1, *end = value->start + value->len - 1;
    size_t n = 0;
    while (p < end) {
        char ch = *p++;
        if (ch == '\\') {
            if (p >= end) return false;
            char esc = *p++;
            char plain = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc == 'r' ? '\r' : esc == 'b' ? '\b'
                       : esc == 'f' ? '\f' : (esc == '"' || esc == '\\' || esc == '/') ? esc : 0;
            if (plain) {
                if (n + 1 >= cap) return false;
                out[n++] = plain;
                continue;
            }
            if (esc != 'u' || end - p < 4) return false;
            unsigned cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = hex_value(p[i]);
                if (h < 0) return false;
                cp = cp * 16 + (unsigned)h;
            }
            p += 4;
            if (n + 3 >= cap) return false;
            n += put_utf8(out + n, cp); /* surrogate pairs come out as two 3-byte sequences: fine for ids and urls */
            continue;
        }
        if (n + 1 >= cap) return false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return true;
}

bool json_valid(const char *json, size_t len)
{
    cursor c = { json, json + len };
    if (!skip_value(&c, 0)) return false;
    skip_space(&c);
    return c.p == c.end;
}
