/* libFuzzer target: Discord rate-limit parsing (ratelimit_parse.c) and what the limiter does with the result.
 *
 * Input: pieces separated by '\n': a control piece (flags, status), the method, the path, then header
 * name/value pairs up to an empty piece; everything after that empty piece is the response body.
 *
 * Invariants checked, beyond ASan/UBSan:
 *  route keys: NUL-terminated and within their buffers; the route is "METHOD /..." where every segment is a
 *    {placeholder} or a lowercase literal of at most 32 characters and never an id (so no path can make the
 *    route table grow), and the major is "<resource>_id=<digits>" with at most a token hash (never the
 *    token); the same path always gives the same key.
 *  numbers: a seconds value is accepted only in the documented grammar and becomes whole ms rounded up
 *    (checked against long double arithmetic), saturating at the cap; counts are non-negative; a bucket id
 *    is printable and fits; the body's kind follows its first non-blank byte.
 *  limiter: a response for the request in flight is accepted exactly once; after a 429 the request comes out
 *    again (or fails locally) within a bounded number of wake-ups, never earlier than it was told to wait and
 *    never later than RL_MAX_HOLD_MS (plus margins); rl_next_wakeup is never 0 right after a drain; the stats
 *    add up at the end. */
#include <math.h>

#include "fuzz_util.h"
#include "ratelimit.h"
#include "ratelimit_internal.h"

static bool is_lower_literal_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '@';
}

static void check_route(const char *method, const char *path, uint64_t unix_ms)
{
    rl_route r;
    bool ok = rl_route_key(method, path, unix_ms, &r);
    FUZZ_CHECK(memchr(r.route, '\0', sizeof r.route) != NULL && memchr(r.major, '\0', sizeof r.major) != NULL,
               "route key not NUL-terminated");
    if (!ok) return;
    rl_route again;
    FUZZ_CHECK(rl_route_key(method, path, unix_ms, &again) && strcmp(again.route, r.route) == 0 &&
                   strcmp(again.major, r.major) == 0 && again.token_route == r.token_route,
               "route key not deterministic");
    /* "METHOD " */
    const char *p = r.route;
    while (*p >= 'A' && *p <= 'Z') p++;
    FUZZ_CHECK(p > r.route && *p == ' ', "route %s: no method", r.route);
    p++;
    FUZZ_CHECK(*p == '/', "route %s: no path", r.route);
    /* The message-delete sub-route suffix is the only text after the path. */
    char body[RL_ROUTE_MAX];
    snprintf(body, sizeof body, "%s", p);
    char *suffix = strstr(body, " [");
    if (suffix != NULL) {
        FUZZ_CHECK(strcmp(suffix, " [sub-10-seconds]") == 0 || strcmp(suffix, " [older-than-two-weeks]") == 0,
                   "route %s: odd suffix", r.route);
        *suffix = '\0';
    }
    if (strcmp(body, "/") == 0) return;
    for (char *seg = body + 1, *end; seg != NULL; seg = end ? end + 1 : NULL) {
        end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        FUZZ_CHECK(n > 0, "route %s: empty segment", r.route);
        if (seg[0] == '{') {
            FUZZ_CHECK(seg[n - 1] == '}', "route %s: open placeholder", r.route);
            for (size_t i = 1; i + 1 < n; i++)
                FUZZ_CHECK((seg[i] >= 'a' && seg[i] <= 'z') || seg[i] == '_' || (seg[i] >= '0' && seg[i] <= '9') ||
                               seg[i] == '.' || seg[i] == '@',
                           "route %s: odd placeholder", r.route);
            continue;
        }
        FUZZ_CHECK(n <= 32, "route %s: a literal of %zu characters", r.route, n);
        bool all_digits = true;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(is_lower_literal_char(seg[i]), "route %s: character %02x", r.route, (unsigned char)seg[i]);
            if (seg[i] < '0' || seg[i] > '9') all_digits = false;
        }
        FUZZ_CHECK(!all_digits, "route %s: an id in the route key", r.route);
    }
    if (r.major[0] == '\0') return;
    const char *eq = strchr(r.major, '=');
    FUZZ_CHECK(eq != NULL, "major %s", r.major);
    size_t name_len = (size_t)(eq - r.major);
    FUZZ_CHECK((name_len == 10 && memcmp(r.major, "channel_id", 10) == 0) ||
                   (name_len == 8 && memcmp(r.major, "guild_id", 8) == 0) ||
                   (name_len == 10 && memcmp(r.major, "webhook_id", 10) == 0) ||
                   (name_len == 14 && memcmp(r.major, "interaction_id", 14) == 0),
               "major %s", r.major);
    const char *q = eq + 1;
    size_t digits = 0;
    while (*q >= '0' && *q <= '9') q++, digits++;
    FUZZ_CHECK(digits >= 1 && digits <= 20, "major %s: id", r.major);
    if (*q != '\0') {
        FUZZ_CHECK(strncmp(q, "+token#", 7) == 0 && strlen(q + 7) == 16 && r.token_route, "major %s", r.major);
        for (q += 7; *q; q++) FUZZ_CHECK((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'), "major %s", r.major);
    }
}

/* The grammar rl_parse_seconds_ms accepts: digits [. digits] [e [+-] digits], with a digit somewhere before e. */
static bool seconds_grammar(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) digits++;
    if (digits == 0) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t exp_digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++, exp_digits++;
        if (exp_digits == 0) return false;
    }
    return i == len;
}

#define PARSE_CAP_MS 1000000000000000ull

static void check_seconds(const char *s, size_t len)
{
    uint64_t ms = 12345;
    bool ok = rl_parse_seconds_ms(s, len, &ms);
    FUZZ_CHECK(ok == seconds_grammar(s, len), "\"%.*s\" accepted: %d", (int)len, s, ok);
    if (!ok) {
        FUZZ_CHECK(ms == 12345, "a refused value was written");
        return;
    }
    FUZZ_CHECK(ms <= PARSE_CAP_MS, "%llu ms over the cap", (unsigned long long)ms);
    if (len > 60) return; /* long double is exact enough for the short ones only */
    char copy[64];
    memcpy(copy, s, len);
    copy[len] = '\0';
    long double seconds = strtold(copy, NULL);
    long double want = ceill(seconds * 1000.0L);
    if (want > (long double)PARSE_CAP_MS) want = (long double)PARSE_CAP_MS;
    long double diff = (long double)ms - want;
    /* Rounding up of decimal fractions that long double cannot hold exactly may differ by one ms. */
    FUZZ_CHECK(diff <= 1.0L && diff >= -1.0L, "\"%s\" gave %llu ms, expected about %.0Lf", copy,
               (unsigned long long)ms, want);
    if (seconds > 0.0L) FUZZ_CHECK(ms >= 1, "\"%s\": a positive wait became 0 ms", copy);
}

static void check_response(const rl_response *r)
{
    FUZZ_CHECK(memchr(r->bucket, '\0', sizeof r->bucket) != NULL, "bucket not NUL-terminated");
    if (r->have & RL_HAVE_BUCKET) {
        FUZZ_CHECK(r->bucket[0] != '\0', "empty bucket");
        for (const char *p = r->bucket; *p; p++)
            FUZZ_CHECK((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f, "bucket byte %02x", (unsigned char)*p);
    }
    if (r->have & RL_HAVE_LIMIT) FUZZ_CHECK(r->limit >= 0, "limit %lld", (long long)r->limit);
    if (r->have & RL_HAVE_REMAINING) FUZZ_CHECK(r->remaining >= 0, "remaining %lld", (long long)r->remaining);
    FUZZ_CHECK(r->reset_after_ms <= PARSE_CAP_MS && r->retry_after_ms <= PARSE_CAP_MS &&
                   r->body_retry_after_ms <= PARSE_CAP_MS && r->reset_unix_ms <= PARSE_CAP_MS,
               "a duration over the cap");
    FUZZ_CHECK((unsigned)r->scope < RL_SCOPE_COUNT, "scope %d", (int)r->scope);
}

static void check_body(const char *body, size_t len, const rl_response *r)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
    rl_body_kind want = i == len ? RL_BODY_NONE : body[i] == '{' ? RL_BODY_JSON : RL_BODY_OTHER;
    FUZZ_CHECK(r->body == want, "body kind %d, expected %d", (int)r->body, (int)want);
    if (r->have & RL_HAVE_BODY_RETRY_AFTER) FUZZ_CHECK(r->body == RL_BODY_JSON, "retry_after from a non-JSON body");
}

/* Runs the request through a limiter with this response, then a second one after it. */
static void check_limiter(const char *method, const char *path, const rl_response *resp, uint8_t flags)
{
    rl_config cfg;
    rl_config_defaults(&cfg);
    if (flags & 1) cfg.max_wait_ms = 0; /* no cap: waits of any length are kept */
    rl_limiter *rl = rl_create(&cfg);
    FUZZ_CHECK(rl != NULL, "rl_create");
    uint64_t now = 1000000;
    rl_set_wall_clock(rl, now, 1700000000000ull);
    int rc = rl_submit(rl, 1, now, method, path, flags & 2 ? RL_F_INTERACTION : 0, 0);
    if (rc != RL_OK) {
        FUZZ_CHECK(rc == RL_ERR_INVALID, "rl_submit returned %d", rc);
        rl_destroy(rl);
        return;
    }
    rl_ticket t;
    FUZZ_CHECK(rl_next_ready(rl, now, &t) && t.request_id == 1 && t.action == RL_SEND, "a fresh request not sent");
    FUZZ_CHECK(!rl_next_ready(rl, now, &t), "more than one request");
    rl_result detail;
    rl_outcome out = rl_complete(rl, 1, now, resp, &detail);
    FUZZ_CHECK(out == detail.outcome && out >= RL_DONE && out <= RL_FAILED_LOCALLY, "outcome %d", (int)out);
    FUZZ_CHECK(rl_complete(rl, 1, now, resp, NULL) == RL_UNKNOWN_REQUEST || out == RL_REQUEUE,
               "a response accepted twice");
    if (out == RL_REQUEUE) {
        FUZZ_CHECK(resp->status == 429, "requeued after %d", resp->status);
        /* Waits are clamped; Cloudflare pauses are at least cloudflare_pause_ms. */
        uint64_t most = RL_MAX_HOLD_MS + cfg.reset_margin_ms + 1000;
        if (most < cfg.cloudflare_pause_ms + 1000) most = cfg.cloudflare_pause_ms + 1000;
        FUZZ_CHECK(detail.retry_after_ms <= most, "retry after %llu ms", (unsigned long long)detail.retry_after_ms);
        uint64_t start = now;
        bool came_out = false;
        for (int wakeups = 0; wakeups < 8 && !came_out; wakeups++) {
            while (rl_next_ready(rl, now, &t)) {
                FUZZ_CHECK(t.request_id == 1, "unknown request %llu", (unsigned long long)t.request_id);
                came_out = true;
                if (t.action == RL_SEND) {
                    FUZZ_CHECK(now - start >= detail.retry_after_ms, "sent after %llu ms of a %llu ms wait", (unsigned long long)(now - start),
                               (unsigned long long)detail.retry_after_ms);
                    FUZZ_CHECK(now - start <= most, "held %llu ms", (unsigned long long)(now - start));
                    rl_response ok;
                    rl_response_init(&ok, 200);
                    FUZZ_CHECK(rl_complete(rl, 1, now, &ok, NULL) == RL_DONE, "the retry's answer");
                }
            }
            if (came_out) break;
            uint64_t wake = rl_next_wakeup(rl, now);
            FUZZ_CHECK(wake != 0, "rl_next_wakeup is 0 right after a drain");
            if (wake == RL_NEVER) break;
            now += wake;
        }
        FUZZ_CHECK(came_out, "a requeued request never came out again");
    }
    /* A second request on the same route still goes, sooner or later. */
    if (rl_submit(rl, 2, now, method, path, 0, 0) == RL_OK) {
        bool done = false;
        for (int wakeups = 0; wakeups < 8 && !done; wakeups++) {
            while (rl_next_ready(rl, now, &t)) {
                FUZZ_CHECK(t.request_id == 2, "unknown request %llu", (unsigned long long)t.request_id);
                done = true;
                if (t.action == RL_SEND) rl_cancel(rl, 2, now);
            }
            uint64_t wake = rl_next_wakeup(rl, now);
            FUZZ_CHECK(wake != 0, "rl_next_wakeup is 0 right after a drain");
            if (wake == RL_NEVER) break;
            now += wake;
        }
        FUZZ_CHECK(done || rl_token_invalid(rl), "a second request never came out");
    }
    rl_stats st;
    rl_get_stats(rl, now, &st);
    FUZZ_CHECK(st.failed_locally == st.failed_token + st.failed_wait + st.failed_deadline, "failure counts");
    rl_gc(rl, now + 48ull * 3600 * 1000);
    rl_destroy(rl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    size_t n;
    const uint8_t *control = fz_piece(&in, '\n', &n);
    if (control == NULL || n < 3) return 0;
    uint8_t flags = control[0];
    int status = (int)(((unsigned)control[1] << 8 | control[2]) % 600);
    const uint8_t *piece = fz_piece(&in, '\n', &n);
    if (piece == NULL) return 0;
    char *method = strndup((const char *)piece, n);
    piece = fz_piece(&in, '\n', &n);
    char *path = strndup(piece ? (const char *)piece : "", piece ? n : 0);
    if (method == NULL || path == NULL) abort();

    check_route(method, path, flags & 4 ? 0 : 1700000000000ull);

    rl_response r;
    rl_response_init(&r, status);
    while ((piece = fz_piece(&in, '\n', &n)) != NULL && n > 0) {
        char *name = strndup((const char *)piece, n);
        const uint8_t *value_piece = fz_piece(&in, '\n', &n);
        char *value = strndup(value_piece ? (const char *)value_piece : "", value_piece ? n : 0);
        if (name == NULL || value == NULL) abort();
        check_seconds(value, strlen(value));
        rl_parse_header(&r, name, value);
        check_response(&r);
        free(name);
        free(value);
    }
    /* The rest, newlines and all, is the body. */
    const char *body = in.p ? (const char *)in.p : "";
    size_t body_len = in.p ? in.left : 0;
    rl_parse_body(&r, body, body_len);
    check_body(body, body_len, &r);
    check_response(&r);

    check_limiter(method, path, &r, flags);
    free(method);
    free(path);
    return 0;
}
