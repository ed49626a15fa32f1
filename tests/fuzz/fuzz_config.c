/* libFuzzer target: configuration parsing: the .env reader (dotenv.c) and the validation of every
 * setting (config.c), with the environment supplied through config_load's getenv function.
 *
 * Input: the .env file's text, then a NUL byte, then the process environment as KEY=VALUE lines (without
 * a NUL, the whole input is the .env file and the environment is empty).
 *
 * Invariants checked, beyond ASan/UBSan:
 *  .env: a refused file names itself and the line; an accepted one has unique keys of letters, digits and
 *    '_' (not starting with a digit), values without newlines, the last line for a key winning; reading the
 *    file from disk gives the same entries as parsing the text.
 *  config: a failure has a one-line message that does not contain DISCORD_TOKEN's or LOCAL_API_KEY's value
 *    (unless another setting's value contains it too); a success has every field set and valid (URLs
 *    without trailing '/', a known language, numbers in range, a token of 20-200 characters without spaces,
 *    a snowflake guild id, a channel name, shards that parse, a zone that loads), and the environment wins
 *    over the file (an empty value counting as unset). */
#include <ctype.h>
#include <unistd.h>

#include "config.h"
#include "dotenv.h"
#include "fuzz_util.h"
#include "gateway_shards.h"
#include "log.h"
#include "tz.h"

static char dir[64];
static char env_path[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/peon-fuzz-config-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(env_path, sizeof env_path, "%s/.env", dir);
    log_set_level(LOG_ERROR);
    return 0;
}

static const char *from_env(const char *name, void *ctx)
{
    return dotenv_get(ctx, name);
}

/* The value config.c sees for name: the environment's unless empty/unset, then the file's unless empty. */
static const char *effective(const dotenv *env, const dotenv *file, const char *name)
{
    const char *v = dotenv_get(env, name);
    if (v == NULL) v = dotenv_get(file, name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* compare_file: also read the file back with dotenv_load (it takes a 1 MiB buffer per call, which costs
 * more than all the rest under ASan: done for every other input only). */
static void check_dotenv(const char *text, dotenv *out, bool compare_file)
{
    /* The file config_load reads, whatever happens below. */
    FILE *f = fopen(env_path, "wb");
    if (f == NULL) abort();
    fputs(text, f);
    fclose(f);
    char err[512] = "";
    dotenv env = { 0 };
    int rc = dotenv_parse(&env, text, "fuzz.env", err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "dotenv_parse returned %d", rc);
    if (rc != 0) {
        FUZZ_CHECK(strncmp(err, "fuzz.env line ", 14) == 0, "error \"%s\" does not name the line", err);
        dotenv_free(&env);
        *out = (dotenv){ 0 };
        return;
    }
    for (size_t i = 0; i < env.count; i++) {
        const char *k = env.entries[i].key;
        FUZZ_CHECK(k[0] != '\0' && !isdigit((unsigned char)k[0]), "key \"%s\"", k);
        for (const char *p = k; *p; p++) FUZZ_CHECK(*p == '_' || isalnum((unsigned char)*p), "key \"%s\"", k);
        FUZZ_CHECK(strchr(env.entries[i].value, '\n') == NULL, "a value with a newline");
        for (size_t j = 0; j < i; j++) FUZZ_CHECK(strcmp(env.entries[j].key, k) != 0, "key %s twice", k);
        FUZZ_CHECK(dotenv_get(&env, k) == env.entries[i].value, "dotenv_get(%s)", k);
    }
    *out = env;
    if (!compare_file) return;
    /* The same text from the file. */
    dotenv loaded;
    char err2[512] = "";
    FUZZ_CHECK(dotenv_load(&loaded, env_path, err2, sizeof err2) == 0, "the file refused: %s", err2);
    FUZZ_CHECK(loaded.count == env.count, "%zu entries from the file, %zu from the text", loaded.count, env.count);
    for (size_t i = 0; i < env.count; i++)
        FUZZ_CHECK(strcmp(loaded.entries[i].key, env.entries[i].key) == 0 &&
                       strcmp(loaded.entries[i].value, env.entries[i].value) == 0,
                   "entry %zu differs", i);
    dotenv_free(&loaded);
}

static bool other_value_contains(const dotenv *a, const dotenv *b, const char *secret_key, const char *secret)
{
    const dotenv *both[2] = { a, b };
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < both[k]->count; i++)
            if (strcmp(both[k]->entries[i].key, secret_key) != 0 && strstr(both[k]->entries[i].value, secret) != NULL)
                return true;
    return false;
}

static void check_secret(const char *err, const dotenv *env, const dotenv *file, const char *key)
{
    const char *secret = effective(env, file, key);
    /* Short values occur in ordinary text ("Bot", "must"); a real token or key is long. */
    if (secret == NULL || strlen(secret) < 12 || other_value_contains(env, file, key, secret)) return;
    FUZZ_CHECK(strstr(err, secret) == NULL, "the error shows %s: %s", key, err);
}

static bool http_url(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static void check_config(const peon_config *cfg, const dotenv *env, const dotenv *file)
{
    FUZZ_CHECK(cfg->api_base && cfg->data_dir && cfg->scripts_dir && cfg->control_channel && cfg->language &&
                   cfg->timezone && cfg->shards && cfg->import_orchestrators,
               "a field left NULL");
    FUZZ_CHECK(http_url(cfg->api_base) && cfg->api_base[strlen(cfg->api_base) - 1] != '/', "api_base %s",
               cfg->api_base);
    FUZZ_CHECK(strcmp(cfg->language, "en") == 0 || strcmp(cfg->language, "de") == 0, "language %s", cfg->language);
    FUZZ_CHECK(cfg->poll_seconds >= 15 && cfg->poll_seconds <= 3600, "poll %d", cfg->poll_seconds);
    FUZZ_CHECK(cfg->schedule_grace_minutes >= 0 && cfg->schedule_grace_minutes <= 1440, "grace %d",
               cfg->schedule_grace_minutes);
    FUZZ_CHECK(cfg->log_level <= LOG_DEBUG, "log level %d", (int)cfg->log_level);
    if (cfg->discord_token != NULL) {
        size_t n = strlen(cfg->discord_token);
        FUZZ_CHECK(n >= 20 && n <= 200, "token of %zu characters", n);
        for (const char *p = cfg->discord_token; *p; p++)
            FUZZ_CHECK(!isspace((unsigned char)*p) && !iscntrl((unsigned char)*p), "token with a blank");
    }
    if (cfg->guild_id != NULL) {
        size_t n = strlen(cfg->guild_id);
        FUZZ_CHECK(n >= 15 && n <= 20 && strspn(cfg->guild_id, "0123456789") == n, "guild %s", cfg->guild_id);
    }
    size_t n = strlen(cfg->control_channel);
    FUZZ_CHECK(n >= 1 && n <= 100 && strspn(cfg->control_channel, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n,
               "control channel %s", cfg->control_channel);
    if (strcmp(cfg->shards, "auto") != 0) {
        gws_shard_range range;
        char why[256];
        FUZZ_CHECK(gws_shards_parse(cfg->shards, &range, why, sizeof why) == 0, "shards %s", cfg->shards);
    }
    char why[256];
    tz_zone *zone = tz_load(cfg->timezone, why, sizeof why);
    FUZZ_CHECK(zone != NULL, "timezone %s: %s", cfg->timezone, why);
    tz_free(zone);
    if (cfg->orchestrator_url != NULL) {
        FUZZ_CHECK(cfg->local_api_key != NULL, "an orchestrator without a key");
        size_t len = strlen(cfg->orchestrator_url);
        FUZZ_CHECK(len > 0 && cfg->orchestrator_url[len - 1] != '/' && http_url(cfg->orchestrator_url),
                   "orchestrator %s", cfg->orchestrator_url);
    }
    /* The environment wins over the file; unset or empty falls back to the default. */
    const struct { const char *name, *value, *fallback; } plain[] = {
        { "PEON_DATA_DIR", cfg->data_dir, "./data" },
        { "PEON_SCRIPTS_DIR", cfg->scripts_dir, "./scripts" },
        { "PEON_IMPORT_ORCHESTRATORS", cfg->import_orchestrators, "peon.orchestrators.json" },
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        const char *want = effective(env, file, plain[i].name);
        FUZZ_CHECK(strcmp(plain[i].value, want ? want : plain[i].fallback) == 0, "%s is \"%s\", expected \"%s\"",
                   plain[i].name, plain[i].value, want ? want : plain[i].fallback);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t file_len = nul ? (size_t)(nul - data) : size;
    char *file_text = strndup((const char *)data, file_len);
    char *env_text = nul ? strndup((const char *)nul + 1, size - file_len - 1) : strdup("");
    if (file_text == NULL || env_text == NULL) abort();

    dotenv file, env = { 0 };
    check_dotenv(file_text, &file, size & 1); /* also leaves the text in env_path */
    char err[1024] = "";
    if (dotenv_parse(&env, env_text, "environment", err, sizeof err) != 0) {
        dotenv_free(&env); /* an environment that does not parse as lines: use none */
        env = (dotenv){ 0 };
    }

    peon_config cfg;
    err[0] = '\0';
    int rc = config_load(&cfg, env_path, from_env, &env, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "config_load returned %d", rc);
    if (rc != 0) {
        FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL, "error message \"%s\"", err);
        check_secret(err, &env, &file, "DISCORD_TOKEN");
        check_secret(err, &env, &file, "LOCAL_API_KEY");
    } else {
        check_config(&cfg, &env, &file);
        config_free(&cfg);
    }
    dotenv_free(&env);
    dotenv_free(&file);
    free(file_text);
    free(env_text);
    log_clear_secrets();
    return 0;
}
