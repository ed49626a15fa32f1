"""discordsim's REST basics: auth, User-Agent, Content-Type, error bodies, and messages with Discord's
limits reported in the nested 50035 shape."""
import pytest

from dsim_raw import error_codes, multipart, rest


def channel(dsim, name="peon"):
    return dsim.channel_id(name)


def test_bot_routes_need_the_bot_token(dsim):
    for token in (False, "wrong"):
        reply = rest(dsim, "GET", "/users/@me", token=token)
        assert reply.status == 401
        assert reply.json == {"message": "401: Unauthorized", "code": 0}
        assert reply.headers["Content-Type"] == "application/json"
    reply = rest(dsim, "GET", "/users/@me", headers={"Authorization": f"Bearer {dsim.token}"}, token=False)
    assert reply.status == 401
    me = rest(dsim, "GET", "/users/@me")
    assert me.status == 200 and me.json["bot"] is True and me.json["username"] == "peon-test"
    assert me.headers["Via"]  # real answers carry Via; discord.py relies on it for 429s
    assert dsim.counters()["rest"]["invalid_requests"] == 3


def test_extra_tokens_from_the_command_line_and_config(dsim):
    dsim.configure(tokens=[dsim.token, "second-token"])
    assert rest(dsim, "GET", "/users/@me", token="second-token").status == 200
    dsim.configure(tokens=[dsim.token])
    assert rest(dsim, "GET", "/users/@me", token="second-token").status == 401


def test_user_agent_is_required(dsim):
    reply = rest(dsim, "GET", "/users/@me", user_agent=None)
    assert reply.status == 400 and reply.json["code"] == 0


def test_gateway_routes(dsim):
    plain = rest(dsim, "GET", "/gateway", token=False)
    assert plain.status == 200 and plain.json["url"].startswith("ws://127.0.0.1:")
    bot = rest(dsim, "GET", "/gateway/bot")
    assert bot.json["shards"] == 1
    assert set(bot.json["session_start_limit"]) == {"total", "remaining", "reset_after", "max_concurrency"}
    assert rest(dsim, "GET", "/gateway/bot", token=False).status == 401


def test_application_routes(dsim):
    for path in ("/applications/@me", "/oauth2/applications/@me"):
        app = rest(dsim, "GET", path).json
        assert app["id"] == dsim.state()["application_id"]
        assert {"name", "description", "icon", "bot_public", "bot_require_code_grant", "owner",
                "verify_key", "rpc_origins", "flags"} <= set(app)


def test_unknown_route_and_resources(dsim):
    reply = rest(dsim, "GET", "/nothing/here")
    assert reply.status == 404 and reply.json == {"message": "404: Not Found", "code": 0}
    assert rest(dsim, "GET", "/channels/123").json["code"] == 10003
    assert rest(dsim, "GET", "/guilds/123/channels").json["code"] == 10004
    assert rest(dsim, "GET", f"/channels/{channel(dsim)}/messages/123").json["code"] == 10008
    assert rest(dsim, "DELETE", "/users/@me").status == 405


def test_content_type_and_json_checks(dsim):
    path = f"/channels/{channel(dsim)}/messages"
    reply = rest(dsim, "POST", path, raw=b'{"content": "hi"}', content_type="text/plain")
    assert reply.status == 400 and reply.json["code"] == 50035
    assert reply.json["errors"]["_errors"][0]["code"] == "CONTENT_TYPE_INVALID"
    reply = rest(dsim, "POST", path, raw=b'{"content": ', content_type="application/json")
    assert reply.status == 400 and reply.json["code"] == 50109
    reply = rest(dsim, "PUT", f"/applications/{dsim.state()['application_id']}/commands",
                 raw=multipart([], [])[0], content_type=multipart([], [])[1])
    assert reply.json["code"] == 50035  # multipart only where Discord takes files


def test_message_lifecycle(dsim):
    cid = channel(dsim)
    first = rest(dsim, "POST", f"/channels/{cid}/messages", {"content": "one"})
    second = rest(dsim, "POST", f"/channels/{cid}/messages", {"content": "two", "embeds": [{"title": "t"}]})
    assert first.status == second.status == 200
    assert int(second.json["id"]) > int(first.json["id"])
    assert second.json["embeds"][0]["type"] == "rich"
    assert second.json["author"]["id"] == dsim.state()["bot_user"]["id"]
    listed = rest(dsim, "GET", f"/channels/{cid}/messages?limit=10").json
    assert [m["content"] for m in listed] == ["two", "one"]  # newest first
    assert [m["content"] for m in rest(dsim, "GET", f"/channels/{cid}/messages?limit=1").json] == ["two"]
    after = rest(dsim, "GET", f"/channels/{cid}/messages?after={first.json['id']}").json
    assert [m["content"] for m in after] == ["two"]
    edited = rest(dsim, "PATCH", f"/channels/{cid}/messages/{first.json['id']}", {"content": "uno"})
    assert edited.json["content"] == "uno" and edited.json["edited_timestamp"]
    assert rest(dsim, "GET", f"/channels/{cid}/messages/{first.json['id']}").json["content"] == "uno"
    deleted = rest(dsim, "DELETE", f"/channels/{cid}/messages/{first.json['id']}")
    assert deleted.status == 204 and deleted.raw == b""
    assert [m["content"] for m in dsim.messages("peon")] == ["two"]
    assert rest(dsim, "GET", f"/channels/{cid}/messages?limit=101").json["code"] == 50035


def test_empty_message_and_non_text_channel(dsim):
    reply = rest(dsim, "POST", f"/channels/{channel(dsim)}/messages", {"content": "  "})
    assert reply.status == 400 and reply.json == {"message": "Cannot send an empty message", "code": 50006}
    reply = rest(dsim, "POST", f"/channels/{channel(dsim, 'game-servers')}/messages", {"content": "x"})
    assert reply.json["code"] == 50008


def test_others_messages(dsim):
    posted = dsim.post_user_message("peon", "hello", user="bob")
    cid = channel(dsim)
    reply = rest(dsim, "PATCH", f"/channels/{cid}/messages/{posted['id']}", {"content": "hacked"})
    assert reply.status == 403 and reply.json["code"] == 50005
    assert rest(dsim, "DELETE", f"/channels/{cid}/messages/{posted['id']}").status == 204  # MANAGE_MESSAGES


def test_missing_permissions(dsim):
    guild = dsim.state()["guilds"][0]
    dsim.configure(guilds=[{"name": guild["name"], "bot_permissions": str(1024),
                            "channels": [{"name": "peon", "type": 0}]}])
    cid = channel(dsim)
    reply = rest(dsim, "POST", f"/channels/{cid}/messages", {"content": "x"})
    assert reply.status == 403 and reply.json == {"message": "Missing Permissions", "code": 50013}
    assert rest(dsim, "GET", f"/channels/{cid}/messages").json == []  # no READ_MESSAGE_HISTORY
    created = rest(dsim, "POST", f"/guilds/{dsim.guild_id()}/channels", {"name": "x"})
    assert created.status == 403


def test_message_limits_in_discords_error_shape(dsim):
    fields = [{"name": f"f{i}", "value": "v"} for i in range(26)]
    body = {
        "content": "x" * 2001,
        "embeds": [{"title": "t" * 257, "description": "d" * 4097, "fields": fields,
                    "footer": {"text": "f" * 2049}, "author": {"name": "a" * 257}},
                   {"fields": [{"name": "", "value": "v" * 1025}]}],
    }
    reply = rest(dsim, "POST", f"/channels/{channel(dsim)}/messages", body)
    assert reply.status == 400
    assert reply.json["code"] == 50035 and reply.json["message"] == "Invalid Form Body"
    codes = error_codes(reply.json["errors"])
    assert codes["content"] == ["BASE_TYPE_MAX_LENGTH"]
    assert codes["embeds.0.title"] == ["BASE_TYPE_MAX_LENGTH"]
    assert codes["embeds.0.description"] == ["BASE_TYPE_MAX_LENGTH"]
    assert codes["embeds.0.fields"] == ["BASE_TYPE_MAX_LENGTH"]
    assert codes["embeds.0.footer.text"] == ["BASE_TYPE_BAD_LENGTH"]  # required, so 1..2048
    assert codes["embeds.0.author.name"] == ["BASE_TYPE_BAD_LENGTH"]
    assert codes["embeds.1.fields.0.name"] == ["BASE_TYPE_BAD_LENGTH"]
    assert codes["embeds.1.fields.0.value"] == ["BASE_TYPE_BAD_LENGTH"]
    assert reply.json["errors"]["content"]["_errors"][0]["message"] == "Must be 2000 or fewer in length."


def test_embed_count_and_total_size(dsim):
    path = f"/channels/{channel(dsim)}/messages"
    reply = rest(dsim, "POST", path, {"embeds": [{"title": "t"}] * 11})
    assert error_codes(reply.json["errors"]) == {"embeds": ["BASE_TYPE_MAX_LENGTH"]}
    big = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    reply = rest(dsim, "POST", path, {"embeds": big})
    assert error_codes(reply.json["errors"]) == {"embeds": ["MAX_EMBED_SIZE_EXCEEDED"]}
    exactly = [{"description": "d" * 4000}, {"description": "d" * 2000}]
    assert rest(dsim, "POST", path, {"embeds": exactly}).status == 200
    assert rest(dsim, "POST", path, {"content": "x" * 2000}).status == 200


def button(custom_id, **extra):
    return dict({"type": 2, "style": 1, "label": "go", "custom_id": custom_id}, **extra)


def row(*components):
    return {"type": 1, "components": list(components)}


COMPONENT_CASES = [
    ("six rows", [row(button(f"b{i}")) for i in range(6)], {"components": ["BASE_TYPE_MAX_LENGTH"]}),
    ("six buttons", [row(*[button(f"b{i}") for i in range(6)])], {"components.0.components": ["BASE_TYPE_BAD_LENGTH"]}),
    ("empty row", [row()], {"components.0.components": ["BASE_TYPE_BAD_LENGTH"]}),
    ("select with a button",
     [row({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}, button("b"))],
     {"components.0.components": ["COMPONENT_LAYOUT_WIDTH_EXCEEDED"]}),
    ("custom_id too long", [row(button("x" * 101))], {"components.0.components.0.custom_id": ["BASE_TYPE_BAD_LENGTH"]}),
    ("custom_id empty", [row(button(""))], {"components.0.components.0.custom_id": ["BASE_TYPE_BAD_LENGTH"]}),
    ("custom_id twice", [row(button("same"), button("same"))],
     {"components.0.components.1.custom_id": ["COMPONENT_CUSTOM_ID_DUPLICATED"]}),
    ("label too long", [row(button("b", label="l" * 81))], {"components.0.components.0.label": ["BASE_TYPE_MAX_LENGTH"]}),
    ("link with custom_id", [row(button("b", style=5, url="https://x.invalid"))],
     {"components.0.components.0.custom_id": ["BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED"]}),
    ("26 select options",
     [row({"type": 3, "custom_id": "s", "options": [{"label": str(i), "value": str(i)} for i in range(26)]})],
     {"components.0.components.0.options": ["BASE_TYPE_BAD_LENGTH"]}),
    ("text input in a message", [row({"type": 4, "custom_id": "t", "style": 1, "label": "x"})],
     {"components.0.components.0.type": ["BASE_TYPE_CHOICES"]}),
    ("not a row at the top", [button("b")], {"components.0.type": ["BASE_TYPE_CHOICES"]}),
]


@pytest.mark.parametrize("what,components,expected", COMPONENT_CASES, ids=[c[0] for c in COMPONENT_CASES])
def test_component_limits(dsim, what, components, expected):
    reply = rest(dsim, "POST", f"/channels/{channel(dsim)}/messages", {"content": "panel", "components": components})
    assert reply.status == 400 and reply.json["code"] == 50035
    assert error_codes(reply.json["errors"]) == expected


def test_a_full_valid_panel_is_accepted(dsim):
    components = [row(*[button(f"b{i}") for i in range(5)]) for _ in range(1)]
    components += [row({"type": 3, "custom_id": "pick", "options": [{"label": str(i), "value": str(i)}
                                                                     for i in range(25)], "max_values": 25})]
    components += [row({"type": 2, "style": 5, "label": "docs", "url": "https://example.invalid"})]
    reply = rest(dsim, "POST", f"/channels/{channel(dsim)}/messages", {"components": components})
    assert reply.status == 200, reply
    assert reply.json["components"] == components


def test_multipart_with_payload_json_and_files(dsim):
    cid = channel(dsim)
    body, ctype = multipart({"content": "backup", "attachments": [{"id": 0, "description": "world save"}]},
                            [("world.zip", b"PK\x03\x04data")])
    reply = rest(dsim, "POST", f"/channels/{cid}/messages", raw=body, content_type=ctype)
    assert reply.status == 200, reply
    [attachment] = reply.json["attachments"]
    assert attachment["filename"] == "world.zip" and attachment["size"] == 8
    assert attachment["description"] == "world save"
    body, ctype = multipart({}, [("only-a-file.txt", b"x")])
    assert rest(dsim, "POST", f"/channels/{cid}/messages", raw=body, content_type=ctype).status == 200


def test_bulk_delete_rules(dsim):
    cid = channel(dsim)
    ids = [rest(dsim, "POST", f"/channels/{cid}/messages", {"content": str(i)}).json["id"] for i in range(3)]
    path = f"/channels/{cid}/messages/bulk-delete"
    assert error_codes(rest(dsim, "POST", path, {"messages": ids[:1]}).json["errors"]) == {
        "messages": ["BASE_TYPE_BAD_LENGTH"]}
    assert rest(dsim, "POST", path, {"messages": [ids[0], ids[0]]}).json["code"] == 50035
    old = str(1000 << 22)  # one second after Discord's epoch (2015): far older than two weeks
    assert rest(dsim, "POST", path, {"messages": [ids[0], old]}).json["code"] == 50034
    assert rest(dsim, "POST", path, {"messages": ids[:2]}).status == 204
    assert [m["content"] for m in dsim.messages("peon")] == ["2"]


def test_guild_channels(dsim):
    guild_id = dsim.guild_id()
    listed = rest(dsim, "GET", f"/guilds/{guild_id}/channels").json
    names = [c["name"] for c in listed]
    assert {"peon", "valheim-bob", "game-servers"} <= set(names)
    category = next(c for c in listed if c["name"] == "game-servers")
    created = rest(dsim, "POST", f"/guilds/{guild_id}/channels",
                   {"name": "Factorio Bob", "type": 0, "parent_id": category["id"]},
                   headers={"X-Audit-Log-Reason": "new%20server"})
    assert created.status == 201
    assert created.json["name"] == "factorio-bob" and created.json["parent_id"] == category["id"]
    assert rest(dsim, "GET", f"/channels/{created.json['id']}").json["name"] == "factorio-bob"
    bad = rest(dsim, "POST", f"/guilds/{guild_id}/channels", {"name": "", "type": 99})
    assert error_codes(bad.json["errors"]) == {"name": ["BASE_TYPE_BAD_LENGTH"], "type": ["BASE_TYPE_CHOICES"]}


def test_user_message_and_wait_message(dsim):
    posted = dsim.post_user_message("valheim-bob", "!status", user="alice")
    found = dsim.wait_message("valheim-bob", after=0, contains="!status", timeout=2)
    assert found["id"] == posted["id"] and found["author"]["username"] == "alice"
    cid = channel(dsim, "valheim-bob")
    rest(dsim, "POST", f"/channels/{cid}/messages", {"content": "valheim.bob is running"})
    reply = dsim.wait_message(cid, after=posted["id"], timeout=2)
    assert reply["content"] == "valheim.bob is running"
