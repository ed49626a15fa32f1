/* The runtime configuration: the environment, with a .env file in the working directory as defaults.
 * Every value is validated here, once, so the rest of the core can trust it. */
#ifndef PEON_CONFIG_H
#define PEON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

typedef struct peon_config {
    char *discord_token;      /* NULL when unset */
    char *api_base;           /* without a trailing '/' */
    char *guild_id;           /* NULL: commands are registered globally */
    char *orchestrator_url;   /* the "local" orchestrator, NULL when unset */
    char *local_api_key;
    char *data_dir;
    char *scripts_dir;
    char *control_channel;
    char *language;
    char *timezone;
    char *shards;             /* "auto" or the validated ID/COUNT, FIRST-LAST/COUNT text */
    char *import_orchestrators; /* the Python bot's peon.orchestrators.json, imported once */
    long long started_at;       /* epoch seconds when this process started (for uptime) */
    int poll_seconds;           /* how often orchestrators are polled (cache, boards, notifications) */
    int schedule_grace_minutes; /* a schedule missed by less than this while the bot was down still runs */
    log_level log_level;
    bool watch;
    bool legacy_commands;
} peon_config;

/* Exit status for a configuration error (design.md, runtime contract). */
#define PEON_EXIT_CONFIG 2

/* Loads and validates. On failure returns -1 with a one-line message naming the variable and what is
 * allowed; the message never contains a secret's value. `getenv_fn` lets tests supply an environment. */
typedef const char *(*config_getenv_fn)(const char *name, void *ctx);
int config_load(peon_config *cfg, const char *dotenv_path, config_getenv_fn getenv_fn, void *ctx,
                char *err, size_t errlen);
void config_free(peon_config *cfg);

/* How to obtain a token; printed when DISCORD_TOKEN is missing. */
extern const char config_token_help[];

#endif
