/* The rate limiter's pure functions: route keys from concrete paths, rate-limit headers and 429 bodies,
 * and failure texts. Nothing here allocates or keeps state. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_scan.h"
#include "ratelimit_internal.h"

#define MAX_SEGMENTS 32
#define MAX_LITERAL 32          /* longer segments are parameters, never part of a route key */
#define DISCORD_EPOCH_MS 1420070400000ull
#define SUB_LIMIT_YOUNG_MS 10000ull
#define SUB_LIMIT_OLD_MS (14ull * 24 * 3600 * 1000)
#define PARSE_CAP_MS 1000000000000000ull /* ~31,000 years: big enough for epoch ms, far from overflow */

/* ---- small string helpers (ASCII only: no locale, no ctype UB on negative chars) ---- */

typedef struct seg {
    const char *p;
    size_t len;
} seg;

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool seg_is(seg s, const char *word)
{
    size_t n = strlen(word);
    return s.len == n && memcmp(s.p, word, n) == 0;
}

static bool seg_is_id(seg s)
{
    if (s.len == 0 || s.len > 20) return false;
    for (size_t i = 0; i < s.len; i++)
        if (!is_digit(s.p[i])) return false;
    return true;
}

/* Route words are lowercase ("messages", "@me", "scheduled-events", "oauth2"). Anything else in a path
 * (tokens, codes, emoji, names) is a parameter, so it can never make the route table grow. */
static bool seg_is_literal(seg s)
{
    if (s.len == 0 || s.len > MAX_LITERAL) return false;
    if (!(s.p[0] == '@' || (s.p[0] >= 'a' && s.p[0] <= 'z'))) return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_' || c == '.' || c == '@')) return false;
    }
    return true;
}

static uint64_t hash_bytes(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static bool names_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b)) return false;
    return *a == *b;
}

typedef struct out_buf {
    char *buf;
    size_t cap, len;
    bool overflow;
} out_buf;

static void out_mem(out_buf *o, const char *p, size_t n)
{
    if (o->overflow || n >= o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_str(out_buf *o, const char *s) { out_mem(o, s, strlen(s)); }

/* ---- route keys ---- */

/* "{message_id}" after "messages", "{user_id}" after "members", ... from the word before the id. */
static void out_placeholder(out_buf *o, seg previous)
{
    static const struct { const char *word, *name; } names[] = {
        { "members", "user_id" }, { "bans", "user_id" }, { "recipients", "user_id" },
        { "thread-members", "user_id" }, { "permissions", "overwrite_id" }, { "pins", "message_id" },
        { "polls", "message_id" }, { "scheduled-events", "event_id" }, { "emojis", "emoji_id" },
    };
    if (previous.len == 0) {
        out_str(o, "{id}");
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (seg_is(previous, names[i].word)) {
            out_str(o, "{");
            out_str(o, names[i].name);
            out_str(o, "}");
            return;
        }
    }
    out_str(o, "{");
    size_t n = previous.len;
    if (n > 1 && previous.p[n - 1] == 's') n--;
    for (size_t i = 0; i < n; i++) {
        char c = previous.p[i] == '-' ? '_' : previous.p[i];
        out_mem(o, &c, 1);
    }
    out_str(o, "_id}");
}

static uint64_t seg_u64(seg s)
{
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
        v = v * 10 + d;
    }
    return v;
}

/* discord.py's message-delete sub-limits: very young and very old messages are limited separately. */
static const char *delete_age_class(seg message_id, uint64_t unix_ms)
{
    uint64_t id = seg_u64(message_id);
    if (unix_ms == 0 || id == UINT64_MAX) return NULL;
    uint64_t created = (id >> 22) + DISCORD_EPOCH_MS;
    if (created + SUB_LIMIT_YOUNG_MS >= unix_ms) return " [sub-10-seconds]";
    if (unix_ms - created >= SUB_LIMIT_OLD_MS) return " [older-than-two-weeks]";
    return NULL;
}

static size_t split_path(const char *path, seg *segs)
{
    size_t n = 0;
    const char *p = path;
    while (*p && *p != '?' && *p != '#') {
        while (*p == '/') p++;
        const char *start = p;
        while (*p && *p != '/' && *p != '?' && *p != '#') p++;
        if (p == start) continue;
        if (n == MAX_SEGMENTS) return SIZE_MAX;
        segs[n++] = (seg){ start, (size_t)(p - start) };
    }
    return n;
}

/* The top-level resource: channels/{id}, guilds/{id}, webhooks/{id}[/{token}], interactions/{id}/{token}.
 * Returns how many segments it used. Only the path's first resource counts (Discord's "top-level"). */
static size_t take_major(const seg *s, size_t n, out_buf *route, out_buf *major, bool *token_route)
{
    if (n < 2 || !seg_is_id(s[1])) return 0;
    const char *route_part = NULL, *major_name = NULL;
    if (seg_is(s[0], "channels")) route_part = "/channels/{channel_id}", major_name = "channel_id=";
    else if (seg_is(s[0], "guilds")) route_part = "/guilds/{guild_id}", major_name = "guild_id=";
    else if (seg_is(s[0], "webhooks")) route_part = "/webhooks/{webhook_id}", major_name = "webhook_id=";
    else if (seg_is(s[0], "interactions") && n >= 3)
        route_part = "/interactions/{interaction_id}", major_name = "interaction_id=";
    else return 0;
    out_str(route, route_part);
    out_str(major, major_name);
    out_mem(major, s[1].p, s[1].len);
    bool has_token = n >= 3 && (seg_is(s[0], "webhooks") || seg_is(s[0], "interactions"));
    if (!has_token) return 2;
    /* The token is a secret and up to ~200 chars: keep only a hash of it. */
    char hashed[32];
    snprintf(hashed, sizeof hashed, "+token#%016" PRIx64, hash_bytes(s[2].p, s[2].len));
    out_str(major, hashed);
    out_str(route, seg_is(s[0], "webhooks") ? "/{webhook_token}" : "/{interaction_token}");
    *token_route = true;
    return 3;
}

bool rl_route_key(const char *method, const char *path, uint64_t unix_ms, rl_route *out)
{
    memset(out, 0, sizeof *out);
    if (method == NULL || path == NULL || path[0] != '/') return false;
    size_t method_len = strlen(method);
    if (method_len == 0 || method_len > 16) return false;
    out_buf route = { out->route, sizeof out->route, 0, false };
    out_buf major = { out->major, sizeof out->major, 0, false };
    for (size_t i = 0; i < method_len; i++) {
        char c = method[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
        c = c >= 'a' ? (char)(c - 'a' + 'A') : c;
        out_mem(&route, &c, 1);
    }
    out_str(&route, " ");

    seg segs[MAX_SEGMENTS];
    size_t n = split_path(path, segs);
    if (n == SIZE_MAX) return false;
    const seg *s = segs;
    if (n >= 2 && seg_is(s[0], "api") && s[1].len >= 2 && s[1].p[0] == 'v' &&
        seg_is_id((seg){ s[1].p + 1, s[1].len - 1 })) {
        s += 2;
        n -= 2;
    }
    size_t i = take_major(s, n, &route, &major, &out->token_route);
    seg previous = { NULL, 0 };
    if (i > 0) previous = s[0];
    bool message_delete = false;
    for (; i < n; i++) {
        out_str(&route, "/");
        if (seg_is(previous, "reactions")) {
            /* The emoji is no id and each one would be a route; the user part keeps only @me vs someone. */
            out_str(&route, "{emoji}");
            if (i + 1 < n) out_str(&route, seg_is(s[i + 1], "@me") ? "/@me" : "/{user_id}");
            break;
        }
        if (seg_is_id(s[i])) {
            out_placeholder(&route, previous);
            message_delete = seg_is(previous, "messages") && i == n - 1 && i == 3 && seg_is(s[0], "channels");
            previous = (seg){ NULL, 0 };
            continue;
        }
        if (seg_is(previous, "invites") || seg_is(previous, "templates")) {
            out_str(&route, seg_is(previous, "invites") ? "{invite_code}" : "{template_code}");
            previous = (seg){ NULL, 0 };
            continue;
        }
        if (!seg_is_literal(s[i])) {
            out_str(&route, "{param}");
            previous = (seg){ NULL, 0 };
            continue;
        }
        out_mem(&route, s[i].p, s[i].len);
        previous = s[i];
    }
    if (n == 0) out_str(&route, "/");
    if (message_delete && strcmp(route.buf, "DELETE /channels/{channel_id}/messages/{message_id}") == 0) {
        const char *age = delete_age_class(s[n - 1], unix_ms);
        if (age) out_str(&route, age);
    }
    return !route.overflow && !major.overflow;
}

/* ---- numbers ---- */

static void trim(const char **p, size_t *len)
{
    while (*len > 0 && (**p == ' ' || **p == '\t')) (*p)++, (*len)--;
    while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t' || (*p)[*len - 1] == '\r' ||
                        (*p)[*len - 1] == '\n'))
        (*len)--;
}

/* A non-negative decimal count of seconds ("1", "0.25", "1470173023.123", "1e-05") as whole ms, rounded
 * up so we never wake early. Integer arithmetic only: no locale, no float edge cases. Saturates. */
bool rl_parse_seconds_ms(const char *s, size_t len, uint64_t *ms_out)
{
    size_t i = 0;
    uint64_t mantissa = 0;
    int scale = 0;          /* value = mantissa * 10^scale seconds */
    bool digits = false, dropped_nonzero = false;
    for (; i < len && is_digit(s[i]); i++, digits = true) {
        if (mantissa <= (UINT64_MAX - 9) / 10) mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        else scale++;       /* beyond 19 digits the value saturates anyway */
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, digits = true) {
            if (mantissa <= (UINT64_MAX - 9) / 10) {
                mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
                scale--;
            } else if (s[i] != '0') {
                dropped_nonzero = true;
            }
        }
    }
    if (!digits) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool negative = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        int exponent = 0;
        bool exp_digits = false;
        for (; i < len && is_digit(s[i]); i++, exp_digits = true)
            if (exponent < 10000) exponent = exponent * 10 + (s[i] - '0');
        if (!exp_digits) return false;
        scale += negative ? -exponent : exponent;
    }
    if (i != len) return false;
    scale += 3; /* seconds -> ms */
    uint64_t ms = mantissa;
    if (mantissa == 0) {
        ms = dropped_nonzero ? 1 : 0;
    } else if (scale >= 0) {
        for (int k = 0; k < scale && ms <= PARSE_CAP_MS; k++) ms *= 10;
    } else if (scale < -19) {
        ms = 1;
    } else {
        uint64_t divisor = 1;
        for (int k = 0; k < -scale; k++) divisor *= 10;
        ms = mantissa / divisor + (mantissa % divisor || dropped_nonzero ? 1 : 0);
    }
    *ms_out = ms > PARSE_CAP_MS ? PARSE_CAP_MS : ms;
    return true;
}

static bool parse_count(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 15) return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* ---- headers and bodies ---- */

void rl_response_init(rl_response *r, int status)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    r->limit = r->remaining = -1;
}

static bool value_is(const char *p, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != word[i]) return false;
    return true;
}

static rl_scope parse_scope(const char *p, size_t len)
{
    if (value_is(p, len, "user")) return RL_SCOPE_USER;
    if (value_is(p, len, "global")) return RL_SCOPE_GLOBAL;
    if (value_is(p, len, "shared")) return RL_SCOPE_SHARED;
    return RL_SCOPE_UNKNOWN;
}

static bool parse_bucket(rl_response *r, const char *p, size_t len)
{
    if (len == 0 || len >= sizeof r->bucket) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f) return false;
    memcpy(r->bucket, p, len);
    r->bucket[len] = '\0';
    r->have |= RL_HAVE_BUCKET;
    return true;
}

static bool set_ms(rl_response *r, uint32_t bit, uint64_t *field, const char *p, size_t len)
{
    uint64_t ms;
    if (!rl_parse_seconds_ms(p, len, &ms)) return false;
    *field = ms;
    r->have |= bit;
    return true;
}

static bool set_count(rl_response *r, uint32_t bit, int64_t *field, const char *p, size_t len)
{
    int64_t v;
    if (!parse_count(p, len, &v)) return false;
    *field = v;
    r->have |= bit;
    return true;
}

bool rl_parse_header(rl_response *r, const char *name, const char *value)
{
    if (r == NULL || name == NULL || value == NULL) return false;
    const char *v = value;
    size_t len = strlen(value);
    trim(&v, &len);
    if (names_equal(name, "x-ratelimit-limit")) return set_count(r, RL_HAVE_LIMIT, &r->limit, v, len);
    if (names_equal(name, "x-ratelimit-remaining")) return set_count(r, RL_HAVE_REMAINING, &r->remaining, v, len);
    if (names_equal(name, "x-ratelimit-reset")) return set_ms(r, RL_HAVE_RESET, &r->reset_unix_ms, v, len);
    if (names_equal(name, "x-ratelimit-reset-after"))
        return set_ms(r, RL_HAVE_RESET_AFTER, &r->reset_after_ms, v, len);
    if (names_equal(name, "retry-after")) return set_ms(r, RL_HAVE_RETRY_AFTER, &r->retry_after_ms, v, len);
    if (names_equal(name, "x-ratelimit-bucket")) return parse_bucket(r, v, len);
    if (names_equal(name, "x-ratelimit-global")) {
        r->global = !(value_is(v, len, "false") || value_is(v, len, "0"));
        return true;
    }
    if (names_equal(name, "x-ratelimit-scope")) {
        r->scope = parse_scope(v, len);
        return true;
    }
    if (names_equal(name, "via")) {
        r->via = true;
        return true;
    }
    if (names_equal(name, "content-type")) {
        r->html = len >= 9 && value_is(v, 9, "text/html");
        return true;
    }
    return false;
}

void rl_parse_body(rl_response *r, const char *body, size_t len)
{
    size_t i = 0;
    if (body == NULL) len = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
    if (i == len) {
        r->body = RL_BODY_NONE;
        return;
    }
    if (body[i] != '{') {
        r->body = RL_BODY_OTHER;
        return;
    }
    r->body = RL_BODY_JSON;
    json_span v;
    if (json_get(body, len, "retry_after", &v) && v.type == JSON_NUMBER &&
        rl_parse_seconds_ms(v.start, v.len, &r->body_retry_after_ms))
        r->have |= RL_HAVE_BODY_RETRY_AFTER;
    if (json_get(body, len, "global", &v)) r->body_global = v.type == JSON_TRUE;
}

/* ---- texts ---- */

const char *rl_scope_name(rl_scope scope)
{
    static const char *const names[RL_SCOPE_COUNT] = { "none", "user", "global", "shared", "unknown", "cloudflare" };
    return (unsigned)scope < RL_SCOPE_COUNT ? names[scope] : "?";
}

int rl_describe_failure(const rl_failure *f, char *buf, size_t cap)
{
    static const char *const causes[] = { "bucket limit", "global limit", "Cloudflare ban",
                                          "invalid-request guard", "queue" };
    const char *cause = (unsigned)f->cause <= RL_WAIT_QUEUE ? causes[f->cause] : "rate limit";
    unsigned long long whole = (unsigned long long)(f->wait_ms / 1000);
    unsigned long long tenths = (unsigned long long)(f->wait_ms % 1000 / 100);
    switch (f->reason) {
    case RL_FAIL_TOKEN_INVALID:
        return snprintf(buf, cap, "not sent: Discord rejected the bot token (401) earlier");
    case RL_FAIL_WAIT_TOO_LONG:
        return snprintf(buf, cap, "would wait %llu.%llu s for the rate limit (%s)", whole, tenths, cause);
    case RL_FAIL_DEADLINE:
        return snprintf(buf, cap, "deadline passed after %llu.%llu s waiting for the rate limit", whole, tenths);
    case RL_FAIL_NONE: break;
    }
    return snprintf(buf, cap, "not failed");
}
