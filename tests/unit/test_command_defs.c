/* Command definitions -> Discord application-command JSON: every rule Discord enforces is caught before
 * sending, reported as file:line, and equal definitions always produce the same JSON and fingerprint. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "lua_host.h"

static char root[128];

static void write_command(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/commands/%s.lua", root, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

static void remove_command(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/commands/%s.lua", root, name);
    unlink(path);
}

static lua_host *host;

static int load(char *err, size_t errlen)
{
    err[0] = '\0';
    return lua_host_load(host, err, errlen);
}

static const char server_command[] =
    "return {\n"
    "  name = 'server',\n"
    "  description = 'Control a game server',\n"
    "  localizations = { description = { de = 'Einen Spielserver steuern' } },\n"
    "  options = {\n"
    "    { name = 'action', type = 'string', description = 'What to do', required = true,\n"
    "      choices = { 'start', 'stop', { name = 'Restart', value = 'restart' } } },\n"
    "    { name = 'server', type = 'string', description = 'Which server',\n"
    "      autocomplete = function() return {} end },\n"
    "    { name = 'minutes', type = 'integer', description = 'Delay', min = 1, max = 1440 },\n"
    "  },\n"
    "  handler = function() end,\n"
    "}\n";

static const char schedule_command[] =
    "return {\n"
    "  name = 'schedule',\n"
    "  description = 'Recurring actions',\n"
    "  subcommands = {\n"
    "    { name = 'list', description = 'Show schedules' },\n"
    "    { name = 'remove', description = 'Remove one', options = {\n"
    "      { name = 'id', type = 'integer', description = 'Schedule id', required = true } } },\n"
    "  },\n"
    "}\n";

static void test_valid_definitions_become_canonical_json(void)
{
    char err[2048];
    write_command("server", server_command);
    write_command("schedule", schedule_command);
    CHECK_INT(load(err, sizeof err), 2);
    const char *hash1 = NULL;
    const char *json = lua_host_commands_json(host, &hash1);
    CHECK(json != NULL);
    char first_hash[17];
    snprintf(first_hash, sizeof first_hash, "%s", hash1);
    CHECK_INT(strlen(first_hash), 16);
    /* sorted by name, keys sorted, Discord's numeric types, guild-only context */
    CHECK(strstr(json, "\"name\":\"schedule\"") < strstr(json, "\"name\":\"server\""));
    CHECK(strstr(json, "{\"description\":\"What to do\",\"name\":\"action\",\"required\":true,\"type\":3,"
                       "\"choices\":") == NULL); /* keys sorted: choices before description */
    CHECK(strstr(json, "\"choices\":[{\"name\":\"start\",\"value\":\"start\"},{\"name\":\"stop\",\"value\":\"stop\"},"
                       "{\"name\":\"Restart\",\"value\":\"restart\"}]") != NULL);
    CHECK(strstr(json, "\"autocomplete\":true") != NULL);
    CHECK(strstr(json, "\"max_value\":1440,\"min_value\":1") != NULL);
    CHECK(strstr(json, "\"description_localizations\":{\"de\":\"Einen Spielserver steuern\"}") != NULL);
    CHECK(strstr(json, "\"contexts\":[0]") != NULL);
    CHECK(strstr(json, "\"type\":1") != NULL); /* subcommands */

    CHECK_INT(load(err, sizeof err), 2); /* reload: same definitions, same fingerprint */
    const char *hash2 = NULL;
    lua_host_commands_json(host, &hash2);
    CHECK_STR(hash2, first_hash);

    write_command("schedule", "return { name = 'schedule', description = 'Recurring actions!' }\n");
    CHECK_INT(load(err, sizeof err), 2);
    lua_host_commands_json(host, &hash2);
    CHECK(strcmp(hash2, first_hash) != 0);
    remove_command("schedule");
}

/* Loads one bad definition and checks the message and the line it points at. */
static void expect_invalid(const char *text, const char *message_part, int line)
{
    char err[2048], where[64];
    write_command("bad", text);
    int rc = load(err, sizeof err);
    CHECK_INT(rc, -1);
    snprintf(where, sizeof where, "bad.lua:%d:", line);
    if (strstr(err, message_part) == NULL || strstr(err, where) == NULL)
        fprintf(stderr, "  expected %s ... %s, got: %s\n", where, message_part, err);
    CHECK(strstr(err, message_part) != NULL);
    CHECK(strstr(err, where) != NULL);
    remove_command("bad");
}

static void test_invalid_definitions_name_file_and_line(void)
{
    expect_invalid("return {\n  name = 'Bad Name',\n  description = 'x',\n}\n", "lower-case", 2);
    expect_invalid("return {\n  name = 'bad',\n  description = '',\n}\n", "description must be 1-100", 3);
    expect_invalid("return {\n  name = 'bad',\n  description = 'd',\n  options = {\n"
                   "    { name = 'opt', type = 'string', description = 'o' },\n"
                   "    { name = 'req', type = 'string', description = 'r', required = true },\n  },\n}\n",
                   "required options must come before optional ones", 6);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'n', type = 'integer', description = 'x',\n"
                   "    choices = { 'a' } } } }\n", "needs an integer value", 2);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'pick', type = 'string', description = 'x', choices = { 'a' },\n"
                   "    autocomplete = function() end } } }\n", "either choices or autocomplete", 2);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'count', type = 'strnig', description = 'x' } } }\n", "type must be one of", 2);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'len', type = 'string', description = 'x', min = 1 } } }\n",
                   "min/max are only for integer and number", 2);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'n', type = 'integer', description = 'x',\n"
                   "    requird = true } } }\n", "unknown field 'requird'", 2);
    expect_invalid("return { name = 'bad', description = 'd', options = {\n"
                   "  { name = 'n', type = 'integer', description = 'x', min_value = 5, max_value = 1 } } }\n",
                   "min is larger than max", 2);
    expect_invalid("return { name = 'bad', description = 'd', localizations = {\n"
                   "  description = { klingon = 'x' } } }\n", "unknown locale 'klingon'", 1);
    expect_invalid("return { name = 'bad', description = 'd', default_member_permissions = 32 }\n",
                   "string of digits", 1);

    /* 26 options */
    char many[8192] = "return { name = 'bad', description = 'd', options = {\n";
    for (int i = 0; i < 26; i++) {
        char line[96];
        snprintf(line, sizeof line, "  { name = 'o%d', type = 'string', description = 'x' },\n", i);
        strcat(many, line);
    }
    strcat(many, "} }\n");
    expect_invalid(many, "at most 25 options", 1);

    /* 8000-character budget */
    char big[20000] = "return { name = 'bad', description = 'd', options = {\n";
    for (int i = 0; i < 3; i++) {
        char line[200];
        snprintf(line, sizeof line, "  { name = 'c%d', type = 'string', description = 'x', choices = {\n", i);
        strcat(big, line);
        for (int j = 0; j < 25; j++) {
            snprintf(line, sizeof line, "    { name = string.rep('n', 100), value = string.rep('v', 100) },\n");
            strcat(big, line);
        }
        strcat(big, "  } },\n");
    }
    strcat(big, "} }\n");
    expect_invalid(big, "Discord allows 8000", 1);
}

static void test_failed_validation_keeps_previous_generation(void)
{
    char err[2048];
    write_command("server", server_command);
    CHECK_INT(load(err, sizeof err), 1);
    const char *hash = NULL;
    lua_host_commands_json(host, &hash);
    char before[17];
    snprintf(before, sizeof before, "%s", hash);
    write_command("bad", "return { name = 'bad', description = string.rep('x', 101) }\n");
    CHECK_INT(load(err, sizeof err), -1);
    CHECK_INT(lua_host_command_count(host), 1);
    lua_host_commands_json(host, &hash);
    CHECK_STR(hash, before);
    remove_command("bad");
}

int main(void)
{
    log_set_level(LOG_ERROR);
    snprintf(root, sizeof root, "/tmp/peon-defs-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/commands", root);
    mkdir(dir, 0700);
    char err[256];
    lua_host_options opts = { .scripts_dir = root };
    host = lua_host_create(&opts, err, sizeof err);
    CHECK(host != NULL);
    RUN_TEST(test_valid_definitions_become_canonical_json);
    RUN_TEST(test_invalid_definitions_name_file_and_line);
    RUN_TEST(test_failed_validation_keeps_previous_generation);
    lua_host_destroy(host);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
    return CHECK_DONE();
}
