#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/stat.h>

#include "dotenv.h"
#include "gateway_shards.h"
#include "tz.h"

const char config_token_help[] =
    "DISCORD_TOKEN is not set. Create an application at https://discord.com/developers/applications, "
    "open Bot > Reset Token, copy the token and put DISCORD_TOKEN=<token> in the environment or in a .env "
    "file in the working directory (see README.md, Configuration).";

/* The orchestrator address the Python bot special-cased: LOCAL_API_KEY alone means this one. */
#define LEGACY_LOCAL_ORCHESTRATOR "http://peon.orc:5000"

typedef struct lookup {
    const dotenv *file;
    config_getenv_fn getenv_fn;
    void *ctx;
} lookup;

/* The environment wins over .env; an empty value counts as unset, as most shells and compose files mean it. */
static const char *lookup_get(const lookup *lk, const char *name)
{
    const char *value = lk->getenv_fn(name, lk->ctx);
    if (value == NULL) value = dotenv_get(lk->file, name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) LOG_PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int set_string(char **slot, const char *value)
{
    free(*slot);
    *slot = value ? strdup(value) : NULL;
    return value && *slot == NULL ? -1 : 0;
}

static bool is_http_url(const char *url)
{
    return (strncmp(url, "http://", 7) == 0 && url[7] != '\0' && url[7] != '/') ||
           (strncmp(url, "https://", 8) == 0 && url[8] != '\0' && url[8] != '/');
}

static bool has_space_or_control(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s)) return true;
    return false;
}

static void strip_trailing_slashes(char *url)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/') url[--len] = '\0';
}

static bool is_snowflake(const char *s)
{
    size_t len = strlen(s);
    if (len < 15 || len > 20) return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return false;
    return true;
}

/* A whole number in [min, max], digits only. */
static bool parse_range(const char *text, int min, int max, int *out)
{
    if (text[0] == '\0' || strlen(text) > 9) return false;
    long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        value = value * 10 + (*p - '0');
    }
    if (value < min || value > max) return false;
    *out = (int)value;
    return true;
}

static int parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(text, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

/* The zone must load as the timer parser will load it (a real TZif file, not just any path); UTC is built in. */
static bool valid_timezone(const char *zone, char *why, size_t whylen)
{
    tz_zone *loaded = tz_load(zone, why, whylen);
    tz_free(loaded);
    return loaded != NULL;
}

/* Discord channel names: lower-case letters, digits, '-' and '_', 1..100 characters. */
static bool valid_channel_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 100) return false;
    for (; *name; name++)
        if (!(islower((unsigned char)*name) || isdigit((unsigned char)*name) || *name == '-' || *name == '_'))
            return false;
    return true;
}

static int load_token(peon_config *cfg, const lookup *lk, char *err, size_t errlen)
{
    const char *token = lookup_get(lk, "DISCORD_TOKEN");
    if (token == NULL) return 0; /* main() decides what a missing token means */
    if (strncasecmp(token, "Bot ", 4) == 0)
        return fail(err, errlen, "DISCORD_TOKEN must be the bare token, without the \"Bot \" prefix");
    if (has_space_or_control(token) || strlen(token) < 20 || strlen(token) > 200)
        return fail(err, errlen,
                    "DISCORD_TOKEN does not look like a bot token (expected 20-200 characters without spaces; "
                    "copy it again from the Developer Portal's Bot page)");
    log_add_secret(token);
    return set_string(&cfg->discord_token, token);
}

static int load_orchestrator(peon_config *cfg, const lookup *lk, char *err, size_t errlen)
{
    const char *url = lookup_get(lk, "PEON_ORCHESTRATOR_URL");
    const char *key = lookup_get(lk, "LOCAL_API_KEY");
    if (key != NULL) log_add_secret(key);
    if (url == NULL && key == NULL) return 0;
    if (url != NULL && !is_http_url(url))
        return fail(err, errlen, "PEON_ORCHESTRATOR_URL must be an http:// or https:// URL, got \"%s\"%s", url, "");
    if (url != NULL && key == NULL)
        return fail(err, errlen,
                    "LOCAL_API_KEY must be set with PEON_ORCHESTRATOR_URL: it is the orchestrator's API_KEY "
                    "(sent as X-Api-Key)");
    if (has_space_or_control(key))
        return fail(err, errlen, "LOCAL_API_KEY must not contain spaces or control characters");
    if (set_string(&cfg->orchestrator_url, url ? url : LEGACY_LOCAL_ORCHESTRATOR) != 0 ||
        set_string(&cfg->local_api_key, key) != 0)
        return fail(err, errlen, "out of memory");
    strip_trailing_slashes(cfg->orchestrator_url);
    return 0;
}

/* The Python bot's names still work, so an existing .env can be reused as it is. */
static const char *lookup_with_legacy(const lookup *lk, const char *name, const char *legacy)
{
    const char *value = lookup_get(lk, name);
    if (value == NULL && legacy != NULL) {
        value = lookup_get(lk, legacy);
        if (value != NULL) log_info("config", "using %s for %s (the Python bot's name; rename it)", legacy, name);
    }
    return value;
}

static int load_values(peon_config *cfg, const lookup *lk, char *err, size_t errlen)
{
    const char *v;

    if (load_token(cfg, lk, err, errlen) != 0 || load_orchestrator(cfg, lk, err, errlen) != 0) return -1;

    v = lookup_get(lk, "LOG_LEVEL");
    if (v == NULL && (v = lookup_get(lk, "DEV_MODE")) != NULL) v = strcmp(v, "enabled") == 0 ? "debug" : NULL;
    if (v != NULL && log_level_parse(v, &cfg->log_level) != 0)
        return fail(err, errlen, "LOG_LEVEL must be one of error, warn, info, debug; got \"%s\"%s", v, "");

    v = lookup_get(lk, "DISCORD_API_BASE");
    if (v != NULL && !is_http_url(v))
        return fail(err, errlen, "DISCORD_API_BASE must be an http:// or https:// URL, got \"%s\"%s", v, "");
    if (set_string(&cfg->api_base, v ? v : "https://discord.com/api/v10") != 0) return -1;
    strip_trailing_slashes(cfg->api_base);

    v = lookup_get(lk, "DISCORD_GUILD_ID");
    if (v != NULL && !is_snowflake(v))
        return fail(err, errlen, "DISCORD_GUILD_ID must be a server (guild) id: 15-20 digits, got \"%s\"%s", v, "");
    if (set_string(&cfg->guild_id, v) != 0) return -1;

    v = lookup_get(lk, "PEON_DATA_DIR");
    if (set_string(&cfg->data_dir, v ? v : "./data") != 0) return -1;
    v = lookup_get(lk, "PEON_SCRIPTS_DIR");
    if (set_string(&cfg->scripts_dir, v ? v : "./scripts") != 0) return -1;

    v = lookup_with_legacy(lk, "PEON_CONTROL_CHANNEL", "CONTROL_CHANNEL");
    if (v != NULL && !valid_channel_name(v))
        return fail(err, errlen,
                    "PEON_CONTROL_CHANNEL must be a channel name of lower-case letters, digits, '-' and '_' "
                    "(1-100 characters), got \"%s\"%s", v, "");
    if (set_string(&cfg->control_channel, v ? v : "peon") != 0) return -1;

    v = lookup_with_legacy(lk, "PEON_LANGUAGE", "LANGUAGE");
    if (v != NULL && strcmp(v, "english") == 0) v = "en";
    if (v != NULL && strcmp(v, "german") == 0) v = "de";
    if (v != NULL && strcmp(v, "en") != 0 && strcmp(v, "de") != 0)
        return fail(err, errlen, "PEON_LANGUAGE must be one of: en, de; got \"%s\"%s", v, "");
    if (set_string(&cfg->language, v ? v : "en") != 0) return -1;

    v = lookup_get(lk, "TIMEZONE");
    char tz_why[200] = "";
    if (v != NULL && !valid_timezone(v, tz_why, sizeof tz_why))
        return fail(err, errlen,
                    "TIMEZONE must be an IANA time zone such as UTC, Europe/Berlin or America/New_York "
                    "(one that exists under /usr/share/zoneinfo), got \"%s\": %s", v, tz_why);
    if (set_string(&cfg->timezone, v ? v : "UTC") != 0) return -1;

    v = lookup_get(lk, "PEON_SHARDS");
    gws_shard_range shards;
    char why[200];
    if (v != NULL && gws_shards_parse(v, &shards, why, sizeof why) != 0)
        return fail(err, errlen, "%s%s", why,
                    strstr(why, "ID/COUNT") ? "" : " (PEON_SHARDS takes auto, ID/COUNT or FIRST-LAST/COUNT)");
    if (set_string(&cfg->shards, v ? v : "auto") != 0) return -1;

    v = lookup_get(lk, "PEON_WATCH");
    if (v != NULL && parse_bool(v, &cfg->watch) != 0)
        return fail(err, errlen, "PEON_WATCH must be 1 or 0 (also true/false, yes/no, on/off), got \"%s\"%s", v, "");
    v = lookup_get(lk, "ENABLE_LEGACY_COMMANDS");
    if (v != NULL && parse_bool(v, &cfg->legacy_commands) != 0)
        return fail(err, errlen,
                    "ENABLE_LEGACY_COMMANDS must be 1 or 0 (also true/false, yes/no, on/off), got \"%s\"%s", v, "");

    cfg->poll_seconds = 60;
    v = lookup_get(lk, "PEON_POLL_SECONDS");
    if (v != NULL && !parse_range(v, 15, 3600, &cfg->poll_seconds))
        return fail(err, errlen, "PEON_POLL_SECONDS must be a number of seconds from 15 to 3600, got \"%s\"%s", v,
                    "");
    cfg->schedule_grace_minutes = 15;
    v = lookup_get(lk, "PEON_SCHEDULE_GRACE");
    if (v != NULL && !parse_range(v, 0, 1440, &cfg->schedule_grace_minutes))
        return fail(err, errlen, "PEON_SCHEDULE_GRACE must be a number of minutes from 0 to 1440, got \"%s\"%s", v,
                    "");
    v = lookup_get(lk, "PEON_IMPORT_ORCHESTRATORS");
    if (set_string(&cfg->import_orchestrators, v ? v : "peon.orchestrators.json") != 0) return -1;
    return 0;
}

int config_load(peon_config *cfg, const char *dotenv_path, config_getenv_fn getenv_fn, void *ctx,
                char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->log_level = LOG_INFO;
    cfg->started_at = (long long)time(NULL);
    dotenv file;
    if (dotenv_load(&file, dotenv_path, err, errlen) != 0) return -1;
    lookup lk = { &file, getenv_fn, ctx };
    int rc = load_values(cfg, &lk, err, errlen);
    dotenv_free(&file);
    if (rc != 0) {
        if (err[0] == '\0') snprintf(err, errlen, "out of memory while reading the configuration");
        config_free(cfg);
    }
    return rc;
}

void config_free(peon_config *cfg)
{
    if (cfg->discord_token) memset(cfg->discord_token, 0, strlen(cfg->discord_token));
    if (cfg->local_api_key) memset(cfg->local_api_key, 0, strlen(cfg->local_api_key));
    char **fields[] = { &cfg->discord_token, &cfg->api_base, &cfg->guild_id, &cfg->orchestrator_url,
                        &cfg->local_api_key, &cfg->data_dir, &cfg->scripts_dir, &cfg->control_channel,
                        &cfg->language, &cfg->timezone, &cfg->shards, &cfg->import_orchestrators };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}
