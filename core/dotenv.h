/* Reads a .env file: KEY=VALUE lines, '#' comments, optional "export " prefix, single or double quotes.
 * The file only supplies defaults: the process environment always wins (see config.c). */
#ifndef PEON_DOTENV_H
#define PEON_DOTENV_H

#include <stddef.h>

typedef struct dotenv_entry {
    char *key;
    char *value;
} dotenv_entry;

typedef struct dotenv {
    dotenv_entry *entries;
    size_t count;
} dotenv;

/* Returns 0 when the file was read or does not exist, -1 on a malformed line or read error
 * (err names the file and line). A missing file leaves env empty. */
int dotenv_load(dotenv *env, const char *path, char *err, size_t errlen);
/* Parses text already in memory; `origin` names it in error messages. */
int dotenv_parse(dotenv *env, const char *text, const char *origin, char *err, size_t errlen);
const char *dotenv_get(const dotenv *env, const char *key);
void dotenv_free(dotenv *env);

#endif
