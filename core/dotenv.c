#include "dotenv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOTENV_MAX_BYTES (1024 * 1024)

static int is_key_char(int c, int first)
{
    return c == '_' || isalpha(c) || (!first && isdigit(c));
}

static int add_entry(dotenv *env, const char *key, size_t key_len, const char *value, size_t value_len)
{
    /* A later line for the same key wins, as in a shell. */
    for (size_t i = 0; i < env->count; i++) {
        if (strlen(env->entries[i].key) == key_len && memcmp(env->entries[i].key, key, key_len) == 0) {
            char *copy = strndup(value, value_len);
            if (copy == NULL) return -1;
            free(env->entries[i].value);
            env->entries[i].value = copy;
            return 0;
        }
    }
    dotenv_entry *grown = realloc(env->entries, (env->count + 1) * sizeof *grown);
    if (grown == NULL) return -1;
    env->entries = grown;
    char *k = strndup(key, key_len), *v = strndup(value, value_len);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return -1;
    }
    env->entries[env->count].key = k;
    env->entries[env->count].value = v;
    env->count++;
    return 0;
}

/* Parses one line (without its newline). Returns 0, or -1 with a reason in *why. */
static int parse_line(dotenv *env, const char *line, size_t len, const char **why)
{
    const char *p = line, *end = line + len;
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p == end || *p == '#') return 0;
    if ((size_t)(end - p) > 7 && strncmp(p, "export", 6) == 0 && isspace((unsigned char)p[6])) {
        p += 7;
        while (p < end && isspace((unsigned char)*p)) p++;
    }
    const char *key = p;
    while (p < end && is_key_char((unsigned char)*p, p == key)) p++;
    size_t key_len = (size_t)(p - key);
    if (key_len == 0) {
        *why = "expected KEY=VALUE (a name of letters, digits and '_')";
        return -1;
    }
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if (p == end || *p != '=') {
        *why = "expected '=' after the name";
        return -1;
    }
    p++;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    const char *value = p;
    size_t value_len;
    if (p < end && (*p == '"' || *p == '\'')) {
        char quote = *p++;
        value = p;
        while (p < end && *p != quote) p++;
        if (p == end) {
            *why = "the quoted value is not closed on this line";
            return -1;
        }
        value_len = (size_t)(p - value);
        p++;
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p < end && *p != '#') {
            *why = "unexpected text after the closing quote";
            return -1;
        }
    } else {
        /* Unquoted: an inline comment needs a space before '#', so values like "abc#1" survive. */
        const char *stop = p;
        while (stop < end && !(*stop == '#' && stop > value && isspace((unsigned char)stop[-1]))) stop++;
        while (stop > value && isspace((unsigned char)stop[-1])) stop--;
        value_len = (size_t)(stop - value);
    }
    if (add_entry(env, key, key_len, value, value_len) != 0) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

int dotenv_parse(dotenv *env, const char *text, const char *origin, char *err, size_t errlen)
{
    const char *line = text;
    int line_no = 1;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > 0 && line[len - 1] == '\r') len--;
        const char *why = NULL;
        if (parse_line(env, line, len, &why) != 0) {
            snprintf(err, errlen, "%s line %d: %s", origin, line_no, why);
            return -1;
        }
        if (nl == NULL) break;
        line = nl + 1;
        line_no++;
    }
    return 0;
}

int dotenv_load(dotenv *env, const char *path, char *err, size_t errlen)
{
    env->entries = NULL;
    env->count = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(DOTENV_MAX_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory reading %s", path);
        return -1;
    }
    size_t n = fread(text, 1, DOTENV_MAX_BYTES + 1, f);
    int read_error = ferror(f);
    fclose(f);
    if (read_error || n > DOTENV_MAX_BYTES) {
        free(text);
        snprintf(err, errlen, "%s: %s", path, read_error ? "read error" : "larger than 1 MiB");
        return -1;
    }
    text[n] = '\0';
    if (memchr(text, '\0', n) != NULL) {
        free(text);
        snprintf(err, errlen, "%s: contains a NUL byte; is it a text file?", path);
        return -1;
    }
    int rc = dotenv_parse(env, text, path, err, errlen);
    free(text);
    if (rc != 0) dotenv_free(env);
    return rc;
}

const char *dotenv_get(const dotenv *env, const char *key)
{
    for (size_t i = 0; i < env->count; i++)
        if (strcmp(env->entries[i].key, key) == 0) return env->entries[i].value;
    return NULL;
}

void dotenv_free(dotenv *env)
{
    for (size_t i = 0; i < env->count; i++) {
        free(env->entries[i].key);
        if (env->entries[i].value) memset(env->entries[i].value, 0, strlen(env->entries[i].value));
        free(env->entries[i].value);
    }
    free(env->entries);
    env->entries = NULL;
    env->count = 0;
}
