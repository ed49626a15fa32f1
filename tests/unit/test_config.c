/* Configuration: .env parsing, precedence, and every validation message. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "dotenv.h"

#define GOOD_TOKEN "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnopqrstuvwxyz0123"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *fake_getenv(const char *name, void *ctx)
{
    const char *const *pairs = ctx;
    for (size_t i = 0; pairs[i] != NULL; i += 2)
        if (strcmp(pairs[i], name) == 0) return pairs[i + 1];
    return NULL;
}

static int load_with(const char *const *env, peon_config *cfg, char *err, size_t errlen)
{
    return config_load(cfg, "/nonexistent/.env", fake_getenv, (void *)env, err, errlen);
}

static void test_dotenv_forms(void)
{
    dotenv env = { 0 };
    char err[256] = "";
    const char *text = "# comment\n"
                       "PLAIN=value one  \n"
                       "export EXPORTED=yes\n"
                       "DQ=\"quoted # not a comment\"\n"
                       "SQ='single'  # trailing comment\n"
                       "HASH=abc#1\n"
                       "SPACED = x # comment\r\n"
                       "EMPTY=\n"
                       "PLAIN=second wins\n";
    CHECK_INT(dotenv_parse(&env, text, ".env", err, sizeof err), 0);
    CHECK_STR(dotenv_get(&env, "PLAIN"), "second wins");
    CHECK_STR(dotenv_get(&env, "EXPORTED"), "yes");
    CHECK_STR(dotenv_get(&env, "DQ"), "quoted # not a comment");
    CHECK_STR(dotenv_get(&env, "SQ"), "single");
    CHECK_STR(dotenv_get(&env, "HASH"), "abc#1");
    CHECK_STR(dotenv_get(&env, "SPACED"), "x");
    CHECK_STR(dotenv_get(&env, "EMPTY"), "");
    CHECK(dotenv_get(&env, "MISSING") == NULL);
    dotenv_free(&env);
}

static void test_dotenv_errors_name_the_line(void)
{
    dotenv env = { 0 };
    char err[256] = "";
    CHECK_INT(dotenv_parse(&env, "A=1\nthis is not an assignment\n", ".env", err, sizeof err), -1);
    CHECK(strstr(err, ".env line 2") != NULL);
    dotenv_free(&env);
    env = (dotenv){ 0 };
    CHECK_INT(dotenv_parse(&env, "A=\"open\n", "x.env", err, sizeof err), -1);
    CHECK(strstr(err, "x.env line 1") != NULL && strstr(err, "quoted") != NULL);
    dotenv_free(&env);
}

static void test_dotenv_file_and_precedence(void)
{
    char dir[] = "/tmp/peon-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/.env", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "DISCORD_TOKEN=%s\nLOG_LEVEL=debug\nPEON_CONTROL_CHANNEL=from-file\n", GOOD_TOKEN);
    fclose(f);
    const char *env[] = { "PEON_CONTROL_CHANNEL", "from-env", NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(config_load(&cfg, path, fake_getenv, (void *)env, err, sizeof err), 0);
    CHECK_STR(cfg.discord_token, GOOD_TOKEN);
    CHECK_INT(cfg.log_level, LOG_DEBUG);
    CHECK_STR(cfg.control_channel, "from-env"); /* the environment wins over .env */
    config_free(&cfg);
    unlink(path);
    rmdir(dir);
}

static void test_defaults(void)
{
    const char *env[] = { NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(load_with(env, &cfg, err, sizeof err), 0);
    CHECK(cfg.discord_token == NULL);
    CHECK_STR(cfg.api_base, "https://discord.com/api/v10");
    CHECK(cfg.guild_id == NULL);
    CHECK(cfg.orchestrator_url == NULL);
    CHECK_STR(cfg.data_dir, "./data");
    CHECK_STR(cfg.scripts_dir, "./scripts");
    CHECK_STR(cfg.control_channel, "peon");
    CHECK_STR(cfg.language, "en");
    CHECK_STR(cfg.timezone, "UTC");
    CHECK_STR(cfg.shards, "auto");
    CHECK_INT(cfg.log_level, LOG_INFO);
    CHECK(!cfg.watch && !cfg.legacy_commands);
    config_free(&cfg);
}

/* Each bad value must fail and the message must name the variable and what is allowed. */
static void expect_rejected(const char *name, const char *value, const char *must_mention)
{
    const char *env[] = { name, value, NULL };
    peon_config cfg;
    char err[512] = "";
    int rc = load_with(env, &cfg, err, sizeof err);
    CHECK_INT(rc, -1);
    if (strstr(err, name) == NULL || strstr(err, must_mention) == NULL)
        fprintf(stderr, "  message for %s=%s was: %s\n", name, value, err);
    CHECK(strstr(err, name) != NULL);
    CHECK(strstr(err, must_mention) != NULL);
    if (rc == 0) config_free(&cfg);
}

static void test_rejections(void)
{
    expect_rejected("LOG_LEVEL", "verbose", "error, warn, info, debug");
    expect_rejected("DISCORD_API_BASE", "discord.com/api", "http");
    expect_rejected("DISCORD_GUILD_ID", "my-guild", "15-20 digits");
    expect_rejected("PEON_ORCHESTRATOR_URL", "ftp://x", "http");
    expect_rejected("PEON_CONTROL_CHANNEL", "Peon Admin", "lower-case");
    expect_rejected("PEON_LANGUAGE", "klingon", "en");
    expect_rejected("TIMEZONE", "Mars/Olympus_Mons", "IANA");
    expect_rejected("TIMEZONE", "../../etc/passwd", "IANA");
    /* Loaded as the timer parser loads it: a directory or a non-TZif file under zoneinfo is no zone. */
    expect_rejected("TIMEZONE", "Europe", "IANA");
    expect_rejected("TIMEZONE", "zone.tab", "not a TZif");
    expect_rejected("TIMEZONE", "/usr/share/zoneinfo/Europe/Berlin", "IANA");
    expect_rejected("PEON_SHARDS", "3/2", "ID/COUNT");
    expect_rejected("PEON_SHARDS", "2-1/4", "FIRST-LAST/COUNT");
    expect_rejected("PEON_SHARDS", "x", "auto");
    expect_rejected("PEON_WATCH", "maybe", "1 or 0");
    expect_rejected("ENABLE_LEGACY_COMMANDS", "2", "1 or 0");
    expect_rejected("DISCORD_TOKEN", "Bot " GOOD_TOKEN, "without the \"Bot \" prefix");
    expect_rejected("DISCORD_TOKEN", "short", "does not look like a bot token");
}

static void test_token_is_not_echoed(void)
{
    const char *secret = "with space and long enough to be a token";
    const char *env[] = { "DISCORD_TOKEN", secret, NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(load_with(env, &cfg, err, sizeof err), -1);
    CHECK(strstr(err, secret) == NULL);
}

static void test_accepted_values(void)
{
    const char *env[] = { "DISCORD_TOKEN", GOOD_TOKEN, "DISCORD_API_BASE", "http://127.0.0.1:9/api/v10/",
                          "DISCORD_GUILD_ID", "123456789012345678", "PEON_SHARDS", "0-3/8",
                          "PEON_ORCHESTRATOR_URL", "http://orc:5000/", "LOCAL_API_KEY", "secretkey",
                          "PEON_WATCH", "yes", "TIMEZONE", "Europe/Berlin", NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(load_with(env, &cfg, err, sizeof err), 0);
    CHECK_STR(cfg.api_base, "http://127.0.0.1:9/api/v10");
    CHECK_STR(cfg.orchestrator_url, "http://orc:5000");
    CHECK_STR(cfg.local_api_key, "secretkey");
    CHECK_STR(cfg.shards, "0-3/8");
    CHECK(cfg.watch);
    config_free(&cfg);
}

static void test_timezones_accepted(void)
{
    const char *zones[] = { "UTC", "Etc/UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe" };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        const char *env[] = { "TIMEZONE", zones[i], NULL };
        peon_config cfg;
        char err[512] = "";
        int rc = load_with(env, &cfg, err, sizeof err);
        if (rc != 0) fprintf(stderr, "  TIMEZONE=%s refused: %s\n", zones[i], err);
        CHECK_INT(rc, 0);
        if (rc == 0) {
            CHECK_STR(cfg.timezone, zones[i]);
            config_free(&cfg);
        }
    }
}

static void test_orchestrator_pairs(void)
{
    expect_rejected("PEON_ORCHESTRATOR_URL", "http://orc:5000", "LOCAL_API_KEY");
    /* The Python bot's convention: a key alone is for http://peon.orc:5000. */
    const char *env[] = { "LOCAL_API_KEY", "k3y-value", NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(load_with(env, &cfg, err, sizeof err), 0);
    CHECK_STR(cfg.orchestrator_url, "http://peon.orc:5000");
    config_free(&cfg);
}

static void test_legacy_names(void)
{
    const char *env[] = { "CONTROL_CHANNEL", "admin", "LANGUAGE", "english", "DEV_MODE", "enabled", NULL };
    peon_config cfg;
    char err[512] = "";
    CHECK_INT(load_with(env, &cfg, err, sizeof err), 0);
    CHECK_STR(cfg.control_channel, "admin");
    CHECK_STR(cfg.language, "en");
    CHECK_INT(cfg.log_level, LOG_DEBUG);
    config_free(&cfg);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    RUN_TEST(test_dotenv_forms);
    RUN_TEST(test_dotenv_errors_name_the_line);
    RUN_TEST(test_dotenv_file_and_precedence);
    RUN_TEST(test_defaults);
    RUN_TEST(test_rejections);
    RUN_TEST(test_token_is_not_echoed);
    RUN_TEST(test_accepted_values);
    RUN_TEST(test_timezones_accepted);
    RUN_TEST(test_orchestrator_pairs);
    RUN_TEST(test_legacy_names);
    return CHECK_DONE();
}
