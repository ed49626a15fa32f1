"""discordsim's application command routes and Discord's definition rules, plus the create counter
tests use to prove a bot did not re-sync."""
import pytest

from dsim_raw import error_codes, rest


def path(dsim, guild=False):
    app = dsim.state()["application_id"]
    return f"/applications/{app}/guilds/{dsim.guild_id()}/commands" if guild else f"/applications/{app}/commands"


def command(name="status", **extra):
    return dict({"name": name, "description": "Shows server status", "type": 1}, **extra)


def option(name, kind=3, **extra):
    return dict({"name": name, "description": f"the {name}", "type": kind}, **extra)


def test_upsert_edit_get_delete(dsim):
    created = rest(dsim, "POST", path(dsim), command())
    assert created.status == 201
    body = created.json
    assert body["application_id"] == dsim.state()["application_id"]
    assert body["default_member_permissions"] is None and body["version"]
    again = rest(dsim, "POST", path(dsim), command(description="Changed"))
    assert again.status == 200 and again.json["id"] == body["id"]
    assert again.json["version"] != body["version"]
    edited = rest(dsim, "PATCH", f"{path(dsim)}/{body['id']}", {"default_member_permissions": 32})
    assert edited.json["default_member_permissions"] == "32"  # ints come back as strings
    assert rest(dsim, "GET", f"{path(dsim)}/{body['id']}").json["description"] == "Changed"
    assert rest(dsim, "DELETE", f"{path(dsim)}/{body['id']}").status == 204
    missing = rest(dsim, "GET", f"{path(dsim)}/{body['id']}")
    assert missing.status == 404 and missing.json["code"] == 10063
    assert rest(dsim, "GET", path(dsim)).json == []
    assert dsim.counters()["command_creates"] == 1


def test_bulk_overwrite_keeps_ids_and_counts_only_new_commands(dsim):
    first = rest(dsim, "PUT", path(dsim), [command("status"), command("start")])
    assert first.status == 200
    ids = {c["name"]: c["id"] for c in first.json}
    assert dsim.counters()["command_creates"] == 2
    again = rest(dsim, "PUT", path(dsim), [command("status"), command("start")])
    assert {c["name"]: c["id"] for c in again.json} == ids
    assert [c["version"] for c in again.json] == [c["version"] for c in first.json]  # unchanged
    assert dsim.counters()["command_creates"] == 2  # a re-sync creates nothing
    third = rest(dsim, "PUT", path(dsim), [command("status"), command("stop")])
    assert [c["name"] for c in third.json] == ["status", "stop"]
    assert third.json[0]["id"] == ids["status"]
    counters = dsim.counters()
    assert counters["command_creates"] == 3 and counters["command_creates_by_scope"] == {"global": 3}
    assert [c["name"] for c in rest(dsim, "GET", path(dsim)).json] == ["status", "stop"]
    assert rest(dsim, "PUT", path(dsim), []).json == []


def test_guild_commands_are_a_separate_scope(dsim):
    rest(dsim, "PUT", path(dsim, guild=True), [command("status")])
    assert rest(dsim, "GET", path(dsim)).json == []
    [guild_command] = rest(dsim, "GET", path(dsim, guild=True)).json
    assert guild_command["guild_id"] == dsim.guild_id()
    assert dsim.counters()["command_creates_by_scope"] == {dsim.guild_id(): 1}
    other_app = rest(dsim, "GET", "/applications/1/commands")
    assert other_app.status == 403


BAD_COMMANDS = [
    ("uppercase name", command("Status"), {"name": ["APPLICATION_COMMAND_INVALID_NAME"]}),
    ("space in name", command("server status"), {"name": ["APPLICATION_COMMAND_INVALID_NAME"]}),
    ("name too long", command("s" * 33), {"name": ["BASE_TYPE_BAD_LENGTH"]}),
    ("no description", command(description=""), {"description": ["BASE_TYPE_BAD_LENGTH"]}),
    ("description too long", command(description="d" * 101), {"description": ["BASE_TYPE_BAD_LENGTH"]}),
    ("26 options", command(options=[option(f"o{i}") for i in range(26)]), {"options": ["BASE_TYPE_MAX_LENGTH"]}),
    ("required after optional", command(options=[option("a"), option("b", required=True)]),
     {"options": ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]}),
    ("26 choices", command(options=[option("a", choices=[{"name": str(i), "value": str(i)} for i in range(26)])]),
     {"options.0.choices": ["BASE_TYPE_MAX_LENGTH"]}),
    ("choices and autocomplete", command(options=[option("a", autocomplete=True, choices=[{"name": "x", "value": "x"}])]),
     {"options.0.autocomplete": ["APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_EXCLUSIVE"]}),
    ("choice value of the wrong type", command(options=[option("n", 4, choices=[{"name": "one", "value": "1"}])]),
     {"options.0.choices.0.value": ["NUMBER_TYPE_COERCE"]}),
    ("uppercase option", command(options=[option("Server")]), {"options.0.name": ["APPLICATION_COMMAND_INVALID_NAME"]}),
    ("duplicate option", command(options=[option("a"), option("a")]),
     {"options.1.name": ["APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS"]}),
    ("subcommand mixed with options", command(options=[option("sub", 1), option("a")]),
     {"options": ["APPLICATION_COMMAND_OPTIONS_TYPE_INVALID"]}),
    ("over 8000 characters", command(options=[option(f"o{i}", description="d" * 100, choices=[
        {"name": "n" * 100, "value": "v" * 100} for _ in range(25)]) for i in range(2)]),
     {"_errors": ["APPLICATION_COMMAND_TOO_LARGE"]}),
    ("context menu with description", {"name": "Inspect", "type": 2, "description": "no"},
     {"description": ["APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED"]}),
]


@pytest.mark.parametrize("what,body,expected", BAD_COMMANDS, ids=[c[0] for c in BAD_COMMANDS])
def test_command_rules(dsim, what, body, expected):
    reply = rest(dsim, "POST", path(dsim), body)
    assert reply.status == 400 and reply.json["code"] == 50035, reply
    codes = error_codes(reply.json["errors"])
    assert codes == {("" if k == "_errors" else k): v for k, v in expected.items()}
    listed = rest(dsim, "PUT", path(dsim), [command("fine"), body])
    assert reply.json["code"] == 50035
    assert any(key.startswith("1") for key in error_codes(listed.json["errors"]))  # reported at index 1
    assert dsim.counters()["command_creates"] == 0


def test_valid_nested_and_unicode_commands(dsim):
    body = command("server", options=[
        option("start", 1, options=[option("name", required=True, autocomplete=True), option("wait", 5)]),
        option("backup", 2, options=[option("create", 1), option("restore", 1, options=[option("file")])]),
    ])
    assert rest(dsim, "POST", path(dsim), body).status == 201
    assert rest(dsim, "POST", path(dsim), command("статус")).status == 201
    assert rest(dsim, "POST", path(dsim), {"name": "Inspect Server", "type": 3}).status == 201


def test_duplicate_names_in_a_bulk_overwrite(dsim):
    reply = rest(dsim, "PUT", path(dsim), [command("a"), command("a")])
    assert error_codes(reply.json["errors"]) == {"1.name": ["APPLICATION_COMMANDS_DUPLICATE_NAME"]}


def test_command_caps_and_daily_creates(dsim):
    many = [command(f"c{i}") for i in range(101)]
    reply = rest(dsim, "PUT", path(dsim), many)
    assert reply.status == 400 and reply.json["code"] == 30032
    dsim.configure(daily_command_creates=3)
    assert rest(dsim, "PUT", path(dsim), [command(f"c{i}") for i in range(3)]).status == 200
    reply = rest(dsim, "POST", path(dsim), command("one-more"))
    assert reply.status == 429 and reply.json["code"] == 30034
    assert reply.json["retry_after"] > 0 and reply.headers["Retry-After"]
    # updating existing commands is not a create
    assert rest(dsim, "POST", path(dsim), command("c0", description="still fine")).status == 200
