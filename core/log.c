#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define LOG_MAX_SECRETS 32
#define REDACTED "[redacted]"

static log_level current_level = LOG_INFO;
/* Secrets are few and set at start-up (token, orchestrator keys); a fixed table keeps the redactor
 * allocation-free so it is safe to call from a crash path. */
static char *secrets[LOG_MAX_SECRETS];
static size_t secret_count;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const char *const level_tags[] = { "ERROR", "WARN ", "INFO ", "DEBUG" };

void log_set_level(log_level level) { current_level = level; }
log_level log_get_level(void) { return current_level; }

const char *log_level_name(log_level level)
{
    return level <= LOG_DEBUG ? level_names[level] : "?";
}

int log_level_parse(const char *text, log_level *out)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_add_secret(const char *secret)
{
    if (secret == NULL || strlen(secret) < 4 || secret_count == LOG_MAX_SECRETS) return;
    for (size_t i = 0; i < secret_count; i++)
        if (strcmp(secrets[i], secret) == 0) return;
    char *copy = strdup(secret);
    if (copy != NULL) secrets[secret_count++] = copy;
}

void log_clear_secrets(void)
{
    for (size_t i = 0; i < secret_count; i++) {
        /* Wipe before freeing so a later core dump does not carry the token. */
        memset(secrets[i], 0, strlen(secrets[i]));
        free(secrets[i]);
        secrets[i] = NULL;
    }
    secret_count = 0;
}

static void redact_one(char *buf, size_t cap, const char *secret)
{
    size_t secret_len = strlen(secret), mark_len = strlen(REDACTED);
    char *hit = buf;
    while ((hit = strstr(hit, secret)) != NULL) {
        size_t tail = strlen(hit + secret_len);
        size_t used = (size_t)(hit - buf);
        /* The marker may be longer than the secret: cut the tail rather than overflow. */
        if (used + mark_len + tail + 1 > cap) tail = cap > used + mark_len + 1 ? cap - used - mark_len - 1 : 0;
        if (used + mark_len + 1 > cap) {
            memset(hit, '*', strlen(hit));
            return;
        }
        memmove(hit + mark_len, hit + secret_len, tail);
        memcpy(hit, REDACTED, mark_len);
        hit[mark_len + tail] = '\0';
        hit += mark_len;
    }
}

void log_redact(char *buf, size_t cap)
{
    for (size_t i = 0; i < secret_count; i++) redact_one(buf, cap, secrets[i]);
}

void log_vwrite(log_level level, const char *subsystem, const char *fmt, va_list ap)
{
    if (level > current_level) return;
    char line[LOG_LINE_MAX];
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    int head = snprintf(line, sizeof line, "%s %s: ", level_tags[level], subsystem);
    if (head < 0) return;
    int body = vsnprintf(line + head, sizeof line - (size_t)head, fmt, ap);
    if (body < 0) return;
    log_redact(line, sizeof line);
    /* Control characters from remote text (a user's input, a server's error) must not forge lines. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t') *p = ' ';
    size_t len = strlen(line);
    char stamp[40];
    snprintf(stamp, sizeof stamp, " (%02d:%02d:%02d.%03ldZ)\n", utc.tm_hour, utc.tm_min, utc.tm_sec,
             now.tv_nsec / 1000000L);
    if (len + strlen(stamp) >= sizeof line) len = sizeof line - strlen(stamp) - 1;
    memcpy(line + len, stamp, strlen(stamp) + 1);
    /* One write() per line keeps lines whole even when several processes share the terminal. */
    ssize_t ignored = write(STDERR_FILENO, line, strlen(line));
    (void)ignored;
}

void log_write(log_level level, const char *subsystem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, subsystem, fmt, ap);
    va_end(ap);
}
