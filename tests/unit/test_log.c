/* The redactor: a registered secret never survives, whatever surrounds it. */
#include "check.h"
#include "log.h"

static void test_redacts_every_occurrence(void)
{
    log_add_secret("s3cr3t-token");
    char line[256] = "token=s3cr3t-token url=/x/s3cr3t-token/y end";
    log_redact(line, sizeof line);
    CHECK_STR(line, "token=[redacted] url=/x/[redacted]/y end");
    log_clear_secrets();
}

static void test_short_secrets_are_ignored(void)
{
    log_add_secret("ab");
    char line[64] = "about abba";
    log_redact(line, sizeof line);
    CHECK_STR(line, "about abba");
    log_clear_secrets();
}

static void test_marker_longer_than_secret_never_overflows(void)
{
    log_add_secret("abcd");
    char line[12] = "abcdabcdabc"; /* full buffer: the marker cannot fit, the secret must still go */
    log_redact(line, sizeof line);
    CHECK(strstr(line, "abcd") == NULL);
    CHECK(strlen(line) < sizeof line);
    log_clear_secrets();
}

static void test_several_secrets(void)
{
    log_add_secret("first-secret");
    log_add_secret("second-secret");
    log_add_secret("first-secret"); /* duplicates are harmless */
    char line[128] = "a first-secret b second-secret c";
    log_redact(line, sizeof line);
    CHECK_STR(line, "a [redacted] b [redacted] c");
    log_clear_secrets();
    char after[64] = "first-secret";
    log_redact(after, sizeof after);
    CHECK_STR(after, "first-secret");
}

static void test_level_names(void)
{
    log_level level;
    CHECK_INT(log_level_parse("debug", &level), 0);
    CHECK_INT(level, LOG_DEBUG);
    CHECK_INT(log_level_parse("DEBUG", &level), -1);
    CHECK_STR(log_level_name(LOG_WARN), "warn");
}

int main(void)
{
    RUN_TEST(test_redacts_every_occurrence);
    RUN_TEST(test_short_secrets_are_ignored);
    RUN_TEST(test_marker_longer_than_secret_never_overflows);
    RUN_TEST(test_several_secrets);
    RUN_TEST(test_level_names);
    return CHECK_DONE();
}
