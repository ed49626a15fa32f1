#include "json_scan.h"

#include <string.h>

/* Keys looked up by name are short identifiers; a key that needs more room cannot equal one. */
#define KEY_DECODE_MAX 128

typedef struct cursor {
    const char *p, *end;
} cursor;

static bool at(const cursor *c, char ch) { return c->p < c->end && *c->p == ch; }

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* The character a one-letter escape stands for, 0 for none. */
static char simple_escape(char esc)
{
    switch (esc) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

static bool skip_string(cursor *c)
{
    if (!at(c, '"')) return false;
    c->p++;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') return true;
        if (ch < 0x20) return false;
        if (ch != '\\') continue;
        if (c->p >= c->end) return false;
        char esc = *c->p++;
        if (esc == 'u') {
            if (c->end - c->p < 4) return false;
            for (int i = 0; i < 4; i++)
                if (hex_value(c->p[i]) < 0) return false;
            c->p += 4;
        } else if (simple_escape(esc) == 0) {
            return false;
        }
    }
    return false;
}

static bool skip_digits(cursor *c)
{
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    return c->p > start;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static bool skip_number(cursor *c)
{
    if (at(c, '-')) c->p++;
    if (at(c, '0')) {
        c->p++;
    } else if (!skip_digits(c)) {
        return false;
    }
    if (at(c, '.')) {
        c->p++;
        if (!skip_digits(c)) return false;
    }
    if (at(c, 'e') || at(c, 'E')) {
        c->p++;
        if (at(c, '+') || at(c, '-')) c->p++;
        if (!skip_digits(c)) return false;
    }
    return true;
}

static bool skip_literal(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return false;
    c->p += n;
    return true;
}

static bool skip_value(cursor *c, int depth);

static bool skip_container(cursor *c, char close, int depth)
{
    c->p++; /* the opening bracket */
    skip_space(c);
    if (at(c, close)) {
        c->p++;
        return true;
    }
    for (;;) {
        if (close == '}') {
            if (!skip_string(c)) return false;
            skip_space(c);
            if (!at(c, ':')) return false;
            c->p++;
        }
        if (!skip_value(c, depth + 1)) return false;
        skip_space(c);
        if (at(c, close)) {
            c->p++;
            return true;
        }
        if (!at(c, ',')) return false;
        c->p++;
        skip_space(c);
    }
}

static bool skip_value(cursor *c, int depth)
{
    if (depth > JSON_MAX_DEPTH) return false;
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

/* Parses one value at the cursor (after whitespace) into a span. */
static bool take_value(cursor *c, int depth, json_span *out)
{
    skip_space(c);
    const char *start = c->p;
    if (!skip_value(c, depth)) return false;
    *out = (json_span){ start, (size_t)(c->p - start), type_of(*start) };
    return true;
}

bool json_value(const char *json, size_t len, json_span *out, size_t *consumed)
{
    if (json == NULL) return false;
    cursor c = { json, json + len };
    if (!take_value(&c, 0, out)) return false;
    if (consumed) *consumed = (size_t)(c.p - json);
    return true;
}

bool json_valid(const char *json, size_t len)
{
    json_span value;
    size_t used;
    if (!json_value(json, len, &value, &used)) return false;
    cursor rest = { json + used, json + len };
    skip_space(&rest);
    return rest.p == rest.end;
}

void json_iter_begin(json_iter *it, const json_span *object)
{
    memset(it, 0, sizeof *it);
    if (object == NULL || object->type != JSON_OBJECT || object->start == NULL) {
        it->done = it->failed = true;
        return;
    }
    it->p = object->start;
    it->end = object->start + object->len;
}

/* Ends the walk at the closing brace; only whitespace may follow it inside the span. */
static bool finish(json_iter *it, cursor *c)
{
    c->p++;
    skip_space(c);
    it->p = c->p;
    it->done = true;
    if (c->p != c->end) it->failed = true;
    return false;
}

static bool fail(json_iter *it)
{
    it->done = it->failed = true;
    return false;
}

bool json_iter_next(json_iter *it, json_span *key, json_span *value)
{
    if (it->done) return false;
    cursor c = { it->p, it->end };
    skip_space(&c);
    if (!it->started) {
        it->started = true;
        if (!at(&c, '{')) return fail(it);
        c.p++;
        skip_space(&c);
        if (at(&c, '}')) return finish(it, &c);
    } else {
        if (at(&c, '}')) return finish(it, &c);
        if (!at(&c, ',')) return fail(it);
        c.p++;
        skip_space(&c);
    }
    const char *key_start = c.p;
    if (!skip_string(&c)) return fail(it);
    *key = (json_span){ key_start, (size_t)(c.p - key_start), JSON_STRING };
    skip_space(&c);
    if (!at(&c, ':')) return fail(it);
    c.p++;
    if (!take_value(&c, 1, value)) return fail(it);
    it->p = c.p;
    return true;
}

bool json_key_is(const json_span *key, const char *name)
{
    if (key->type != JSON_STRING || key->len < 2) return false;
    const char *raw = key->start + 1;
    size_t raw_len = key->len - 2, n = strlen(name);
    if (memchr(raw, '\\', raw_len) == NULL) return raw_len == n && memcmp(raw, name, n) == 0;
    char decoded[KEY_DECODE_MAX];
    return json_string(key, decoded, sizeof decoded) && strcmp(decoded, name) == 0;
}

bool json_get_in(const json_span *object, const char *key, json_span *out)
{
    json_iter it;
    json_span k, v, found = { NULL, 0, JSON_NONE };
    json_iter_begin(&it, object);
    while (json_iter_next(&it, &k, &v))
        if (json_key_is(&k, key)) found = v;
    if (it.failed || found.start == NULL) return false;
    *out = found;
    return true;
}

bool json_get(const char *json, size_t len, const char *key, json_span *out)
{
    json_span object;
    size_t used;
    if (!json_value(json, len, &object, &used) || object.type != JSON_OBJECT) return false;
    cursor rest = { json + used, json + len };
    skip_space(&rest);
    if (rest.p != rest.end) return false;
    return json_get_in(&object, key, out);
}

bool json_int(const json_span *value, int64_t *out)
{
    if (value->type != JSON_NUMBER || value->len == 0) return false;
    const char *p = value->start, *end = value->start + value->len;
    bool negative = *p == '-';
    if (negative) p++;
    if (p == end) return false;
    /* Accumulate as unsigned so INT64_MIN fits. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return false; /* fractions and exponents are not integers */
        unsigned digit = (unsigned)(*p - '0');
        if (v > (limit - digit) / 10) return false;
        v = v * 10 + digit;
    }
    *out = negative ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static bool read_hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0) return false;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
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
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the \u escape at p (just after the 'u'), joining a surrogate pair; advances *p. */
static bool read_unicode_escape(const char **p, const char *end, unsigned *cp)
{
    unsigned hi;
    if (!read_hex4(*p, end, &hi)) return false;
    *p += 4;
    if (hi >= 0xDC00 && hi <= 0xDFFF) return false; /* a low surrogate on its own */
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        return hi != 0;
    }
    unsigned lo;
    if (end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u' || !read_hex4(*p + 2, end, &lo) || lo < 0xDC00 ||
        lo > 0xDFFF)
        return false;
    *p += 6;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return true;
}

bool json_string(const json_span *value, char *out, size_t cap)
{
    if (value->type != JSON_STRING || value->len < 2 || cap == 0 || value->start[0] != '"' ||
        value->start[value->len - 1] != '"')
        return false;
    const char *p = value->start + 1, *end = value->start + value->len - 1;
    size_t n = 0;
    while (p < end) {
        unsigned char ch = (unsigned char)*p++;
        if (ch < 0x20) return false;
        if (ch != '\\') {
            if (n + 1 >= cap) return false;
            out[n++] = (char)ch;
            continue;
        }
        if (p >= end) return false;
        char esc = *p++;
        char plain = simple_escape(esc);
        if (plain != 0) {
            if (n + 1 >= cap) return false;
            out[n++] = plain;
            continue;
        }
        unsigned cp;
        if (esc != 'u' || !read_unicode_escape(&p, end, &cp)) return false;
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (n + need >= cap) return false;
        n += put_utf8(out + n, cp);
    }
    out[n] = '\0';
    return true;
}
