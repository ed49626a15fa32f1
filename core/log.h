/* One-line logging to stderr: "LEVEL subsystem: message".
 * Every line passes through the redactor, so a registered secret (the bot token, an orchestrator key)
 * can never reach the log, whatever a caller formats into it. */
#ifndef PEON_LOG_H
#define PEON_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);
int log_level_parse(const char *text, log_level *out);   /* 0 on success, -1 for an unknown name */
const char *log_level_name(log_level level);

/* Secrets shorter than 4 bytes are ignored: redacting them would mangle ordinary text. */
void log_add_secret(const char *secret);
void log_clear_secrets(void);

/* Replaces every registered secret in buf (NUL-terminated, capacity cap) with "[redacted]".
 * Exposed for the crash handler and for Lua-facing error messages. */
void log_redact(char *buf, size_t cap);

#if defined(__GNUC__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

void log_write(log_level level, const char *subsystem, const char *fmt, ...) LOG_PRINTF(3, 4);
void log_vwrite(log_level level, const char *subsystem, const char *fmt, va_list ap);

#define log_error(sub, ...) log_write(LOG_ERROR, sub, __VA_ARGS__)
#define log_warn(sub, ...) log_write(LOG_WARN, sub, __VA_ARGS__)
#define log_info(sub, ...) log_write(LOG_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...) \
    do { if (log_get_level() >= LOG_DEBUG) log_write(LOG_DEBUG, sub, __VA_ARGS__); } while (0)

#endif
