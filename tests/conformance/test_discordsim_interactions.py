"""discordsim's interaction rules: the payloads it builds, the 3 s deadline (10062), one initial answer
(40060), callback types per interaction type, @original/followups and the token's lifetime, and the
limits on answers (50035 under data.*)."""
import time

import pytest

from discordsim.client import SimError
from dsim_raw import RawGateway, error_codes, multipart, rest, run


def register(dsim, *commands):
    app = dsim.state()["application_id"]
    reply = rest(dsim, "PUT", f"/applications/{app}/commands", list(commands))
    assert reply.status == 200, reply
    return reply.json


PING = {"name": "ping", "description": "Replies pong"}
SERVER = {"name": "server", "description": "Manage servers", "options": [
    {"name": "start", "description": "Start one", "type": 1, "options": [
        {"name": "name", "description": "server", "type": 3, "required": True, "autocomplete": True},
        {"name": "slots", "description": "players", "type": 4},
        {"name": "notify", "description": "who", "type": 6},
        {"name": "where", "description": "channel", "type": 7}]},
    {"name": "backup", "description": "Backups", "type": 2, "options": [
        {"name": "create", "description": "Make one", "type": 1, "options": [
            {"name": "name", "description": "server", "type": 3}]}]},
]}


def command(dsim, name="ping", options=None, **spec):
    spec.setdefault("deliver", False)
    return dsim.inject_command(name, options, **spec)


def answer(dsim, hit, body, query=""):
    return rest(dsim, "POST", f"/interactions/{hit['id']}/{hit['token']}/callback{query}", body, token=False)


def webhook(dsim, hit, method, suffix="", body=None, **kw):
    app = dsim.state()["application_id"]
    return rest(dsim, method, f"/webhooks/{app}/{hit['token']}{suffix}", body, token=False, **kw)


def test_command_payload_is_discord_shaped(dsim):
    [registered] = register(dsim, PING)
    hit = command(dsim, user="alice", channel="valheim-bob", locale="de")
    p = hit["payload"]
    assert p["type"] == 2 and p["version"] == 1 and p["application_id"] == dsim.state()["application_id"]
    assert p["data"] == {"id": registered["id"], "name": "ping", "type": 1}
    assert p["channel_id"] == dsim.channel_id("valheim-bob") == p["channel"]["id"] and p["channel"]["type"] == 0
    assert p["guild_id"] == dsim.guild_id()
    member = p["member"]
    assert member["user"]["username"] == "alice"
    assert isinstance(member["permissions"], str) and int(member["permissions"]) & 8  # alice is an admin
    assert isinstance(member["roles"], list) and member["roles"]
    assert p["locale"] == "de" and isinstance(p["app_permissions"], str)
    assert hit["token"] == p["token"] and len(hit["token"]) > 60
    created_ms = (int(p["id"]) >> 22) + 1420070400000
    assert abs(created_ms - time.time() * 1000) < 60000  # the id carries the creation time


def test_subcommands_options_and_resolved(dsim):
    register(dsim, SERVER)
    hit = command(dsim, "server start", {"name": "valheim", "slots": "10", "notify": "bob", "where": "peon"})
    data = hit["payload"]["data"]
    [sub] = data["options"]
    assert sub["name"] == "start" and sub["type"] == 1
    values = {o["name"]: (o["type"], o["value"]) for o in sub["options"]}
    bob, peon = dsim.user_id("bob"), dsim.channel_id("peon")
    assert values == {"name": (3, "valheim"), "slots": (4, 10), "notify": (6, bob), "where": (7, peon)}
    assert data["resolved"]["users"][bob]["username"] == "bob"
    assert "permissions" in data["resolved"]["members"][bob]
    assert data["resolved"]["channels"][peon]["name"] == "peon"
    grouped = command(dsim, "server backup create", {"name": "valheim"})["payload"]["data"]["options"]
    assert grouped[0]["type"] == 2 and grouped[0]["options"][0]["type"] == 1
    assert grouped[0]["options"][0]["options"] == [{"name": "name", "type": 3, "value": "valheim"}]


def test_unregistered_commands_need_consent(dsim):
    with pytest.raises(SimError) as refused:
        command(dsim, "nope")
    assert refused.value.status == 404
    assert command(dsim, "nope", allow_unregistered=True)["payload"]["data"]["name"] == "nope"


def test_delivery_needs_a_session(dsim):
    register(dsim, PING)
    with pytest.raises(SimError) as refused:
        dsim.inject_command("ping")
    assert refused.value.status == 409

    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            hit = dsim.inject_command("ping")
            event = await gw.dispatch("INTERACTION_CREATE")
            return hit, event

    hit, event = run(scenario())
    assert event["d"] == hit["payload"] and event["sim_serial"] == hit["serial"]
    assert dsim.interaction(hit["id"])["delivered"] is True


def test_answer_once_within_the_deadline(dsim):
    register(dsim, PING)
    hit = command(dsim)
    first = answer(dsim, hit, {"type": 4, "data": {"content": "pong"}})
    assert first.status == 204 and first.raw == b""
    assert "X-RateLimit-Limit" in first.headers
    second = answer(dsim, hit, {"type": 4, "data": {"content": "again"}})
    assert second.status == 400
    assert second.json == {"message": "Interaction has already been acknowledged.", "code": 40060}
    got = dsim.wait_response(hit["id"], timeout=1)
    assert got["type"] == 4 and got["data"] == {"content": "pong"} and got["received_after_ms"] >= 0
    assert [m["content"] for m in dsim.messages("peon")] == ["pong"]
    record = dsim.interaction(hit["id"])
    assert [e["kind"] for e in record["events"]] == ["callback", "duplicate_callback"]
    assert dsim.counters()["duplicate_callbacks"] == 1


def test_late_answer_is_unknown_interaction(dsim):
    register(dsim, PING)
    dsim.configure(interaction_deadline=0)  # any answer is late
    hit = command(dsim)
    late = answer(dsim, hit, {"type": 5})
    assert late.status == 404 and late.json == {"message": "Unknown interaction", "code": 10062}
    # never acknowledged: the webhook is gone too
    assert webhook(dsim, hit, "GET", "/messages/@original").json["code"] == 10015
    assert webhook(dsim, hit, "POST", "", {"content": "x"}).json["code"] == 10015
    assert dsim.counters()["late_callbacks"] == 1
    with pytest.raises(SimError) as waited:
        dsim.wait_response(hit["id"], timeout=0.2)
    assert waited.value.status == 408


def test_unknown_interaction_and_bad_token(dsim):
    register(dsim, PING)
    hit = command(dsim)
    assert answer(dsim, dict(hit, token="forged"), {"type": 5}).json["code"] == 10062
    assert answer(dsim, dict(hit, id="1"), {"type": 5}).json["code"] == 10062
    assert webhook(dsim, dict(hit, token="forged"), "GET", "/messages/@original").json["code"] == 10015


CALLBACK_MATRIX = [
    # (interaction spec, callback type, allowed)
    ("command", 8, False), ("command", 6, False), ("command", 7, False), ("command", 1, False),
    ("command", 9, True), ("command", 5, True),
    ("autocomplete", 4, False), ("autocomplete", 5, False), ("autocomplete", 9, False), ("autocomplete", 8, True),
    ("component", 8, False), ("component", 6, True), ("component", 7, True), ("component", 9, True),
    ("modal", 9, False), ("modal", 6, False), ("modal", 7, False), ("modal", 5, True),
    ("command", 11, False),
]

MODAL = {"custom_id": "rename:modal", "title": "Rename", "components": [
    {"type": 1, "components": [{"type": 4, "custom_id": "rename:name", "style": 1, "label": "New name"}]}]}


def make_interaction(dsim, kind):
    register(dsim, PING, SERVER)
    if kind == "command":
        return command(dsim)
    if kind == "autocomplete":
        return dsim.inject_autocomplete("server start", {"name": "val"}, focused="name", deliver=False)
    panel = rest(dsim, "POST", f"/channels/{dsim.channel_id('peon')}/messages", {"content": "panel", "components": [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "panel:go"}]}]})
    assert panel.status == 200
    if kind == "component":
        return dsim.inject_component("panel:go", deliver=False)
    opener = command(dsim)
    assert answer(dsim, opener, {"type": 9, "data": MODAL}).status == 204
    return dsim.inject_modal_submit("rename:modal", {"rename:name": "x"}, deliver=False)


@pytest.mark.parametrize("kind,callback,allowed", CALLBACK_MATRIX, ids=[f"{k}-{c}" for k, c, _ in CALLBACK_MATRIX])
def test_callback_types_per_interaction_type(dsim, kind, callback, allowed):
    hit = make_interaction(dsim, kind)
    data = {4: {"content": "x"}, 7: {"content": "x"}, 8: {"choices": []}, 9: MODAL}.get(callback)
    reply = answer(dsim, hit, {"type": callback, "data": data} if data else {"type": callback})
    if allowed:
        assert reply.status == 204, reply
    else:
        assert reply.status == 400 and reply.json["code"] == 50035, reply
        assert list(error_codes(reply.json["errors"])) == ["type"]


def test_modal_submit_from_a_component_may_update_the_message(dsim):
    hit = make_interaction(dsim, "component")
    assert answer(dsim, hit, {"type": 9, "data": MODAL}).status == 204
    submit = dsim.inject_modal_submit("rename:modal", {"rename:name": "bobheim"}, deliver=False)
    data = submit["payload"]["data"]
    assert data["components"] == [{"type": 1, "components": [
        {"type": 4, "custom_id": "rename:name", "value": "bobheim"}]}]
    assert submit["payload"]["message"]["content"] == "panel"
    assert answer(dsim, submit, {"type": 7, "data": {"content": "renamed"}}).status == 204
    assert [m["content"] for m in dsim.messages("peon")] == ["renamed"]


def test_label_modal_submit_mirrors_the_modal(dsim):
    register(dsim, PING)
    opener = command(dsim)
    modal = {"custom_id": "m", "title": "Schedule", "components": [
        {"type": 18, "id": 1, "label": "When", "component": {"type": 4, "id": 2, "custom_id": "when", "style": 1}},
        {"type": 18, "id": 3, "label": "Action", "component": {"type": 3, "id": 4, "custom_id": "what", "options": [
            {"label": "Stop", "value": "stop"}, {"label": "Start", "value": "start"}]}}]}
    assert answer(dsim, opener, {"type": 9, "data": modal}).status == 204
    submit = dsim.inject_modal_submit("m", {"when": "in 2h", "what": ["stop"]}, deliver=False)
    assert submit["payload"]["data"]["components"] == [
        {"type": 18, "id": 1, "component": {"type": 4, "id": 2, "custom_id": "when", "value": "in 2h"}},
        {"type": 18, "id": 3, "component": {"type": 3, "id": 4, "custom_id": "what", "values": ["stop"]}}]
    with pytest.raises(SimError):
        dsim.inject_modal_submit("m", {"nope": "x"}, deliver=False)
    with pytest.raises(SimError):
        dsim.inject_modal_submit("never-opened", {}, deliver=False)


def test_component_injection_checks_the_message(dsim):
    cid = dsim.channel_id("peon")
    select = {"type": 3, "custom_id": "pick", "min_values": 1, "max_values": 2,
              "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]}
    posted = rest(dsim, "POST", f"/channels/{cid}/messages", {"content": "choose", "components": [
        {"type": 1, "components": [select]},
        {"type": 1, "components": [{"type": 2, "style": 4, "label": "Off", "custom_id": "off", "disabled": True}]}]})
    hit = dsim.inject_component("pick", ["a", "b"], deliver=False)
    assert hit["payload"]["data"] == {"custom_id": "pick", "component_type": 3, "values": ["a", "b"]}
    assert hit["payload"]["message"]["id"] == posted.json["id"]
    for bad in (["c"], [], ["a", "b", "a"]):
        with pytest.raises(SimError) as refused:
            dsim.inject_component("pick", bad, deliver=False)
        assert refused.value.status == 400
    with pytest.raises(SimError) as refused:
        dsim.inject_component("off", deliver=False)
    assert refused.value.status == 409
    with pytest.raises(SimError) as refused:
        dsim.inject_component("missing", deliver=False)
    assert refused.value.status == 404
    made_up = dsim.inject_component("missing", deliver=False, synthetic_message=True)
    assert made_up["payload"]["data"]["component_type"] == 2


def test_deferred_update_then_edit_original_edits_the_component_message(dsim):
    hit = make_interaction(dsim, "component")
    assert answer(dsim, hit, {"type": 6}).status == 204
    edited = webhook(dsim, hit, "PATCH", "/messages/@original", {"content": "updated", "components": []})
    assert edited.status == 200 and edited.json["content"] == "updated"
    assert [m["content"] for m in dsim.messages("peon")] == ["updated"]


def test_original_and_followups(dsim):
    register(dsim, PING)
    hit = command(dsim)
    before = webhook(dsim, hit, "GET", "/messages/@original")
    assert before.status == 404 and before.json["code"] == 10008
    assert webhook(dsim, hit, "POST", "", {"content": "early"}).json["code"] == 10015
    assert answer(dsim, hit, {"type": 5}).status == 204
    loading = webhook(dsim, hit, "GET", "/messages/@original").json
    assert loading["flags"] & 128 and loading["content"] == ""
    edited = webhook(dsim, hit, "PATCH", "/messages/@original", {"content": "done"}).json
    assert edited["content"] == "done" and not edited["flags"] & 128
    followup = webhook(dsim, hit, "POST", "?wait=true", {"content": "more", "flags": 64})
    assert followup.status == 200 and followup.json["flags"] == 64
    fid = followup.json["id"]
    assert webhook(dsim, hit, "GET", f"/messages/{fid}").json["content"] == "more"
    assert webhook(dsim, hit, "PATCH", f"/messages/{fid}", {"content": "more!"}).json["content"] == "more!"
    assert webhook(dsim, hit, "GET", "/messages/1").json["code"] == 10008
    assert webhook(dsim, hit, "DELETE", f"/messages/{fid}").status == 204
    assert webhook(dsim, hit, "DELETE", "/messages/@original").status == 204
    assert webhook(dsim, hit, "GET", "/messages/@original").json["code"] == 10008
    kinds = [e["kind"] for e in dsim.wait_events(hit["id"], 6)["events"]]
    assert kinds == ["callback", "edit_original", "followup", "edit_followup", "delete_followup", "delete_original"]
    assert dsim.messages("peon") == []


def test_first_followup_after_a_defer_fills_the_loading_message(dsim):
    register(dsim, PING)
    hit = command(dsim)
    answer(dsim, hit, {"type": 5, "data": {"flags": 64}})
    filled = webhook(dsim, hit, "POST", "", {"content": "result"})
    assert filled.json["flags"] == 64 and filled.json["content"] == "result"  # stays ephemeral
    assert dsim.interaction(hit["id"])["events"][-1]["edited_original"] is True
    dsim.configure(followup_edits_loading=False)
    hit = command(dsim)
    answer(dsim, hit, {"type": 5})
    webhook(dsim, hit, "POST", "", {"content": "separate"})
    record = dsim.interaction(hit["id"])
    assert record["original"]["flags"] & 128 and [m["content"] for m in record["followups"]] == ["separate"]


def test_token_lifetime(dsim):
    register(dsim, PING)
    hit = command(dsim)
    answer(dsim, hit, {"type": 4, "data": {"content": "pong"}})
    assert webhook(dsim, hit, "GET", "/messages/@original").status == 200
    dsim.configure(token_lifetime=0)
    expired = webhook(dsim, hit, "PATCH", "/messages/@original", {"content": "late"})
    assert expired.status == 401 and expired.json == {"message": "Invalid Webhook Token", "code": 50027}


def test_with_response_returns_the_callback_resource(dsim):
    register(dsim, PING)
    hit = command(dsim)
    reply = answer(dsim, hit, {"type": 4, "data": {"content": "pong", "flags": 64}}, query="?with_response=true")
    assert reply.status == 200
    assert reply.json["interaction"]["id"] == hit["id"]
    assert reply.json["interaction"]["response_message_ephemeral"] is True
    assert reply.json["resource"]["type"] == 4 and reply.json["resource"]["message"]["content"] == "pong"


ANSWER_LIMITS = [
    ("content", {"type": 4, "data": {"content": "x" * 2001}}, {"data.content": ["BASE_TYPE_MAX_LENGTH"]}),
    ("modal title", {"type": 9, "data": dict(MODAL, title="t" * 46)}, {"data.title": ["BASE_TYPE_BAD_LENGTH"]}),
    ("modal without inputs", {"type": 9, "data": dict(MODAL, components=[])},
     {"data.components": ["BASE_TYPE_BAD_LENGTH"]}),
    ("six modal rows", {"type": 9, "data": dict(MODAL, components=[
        {"type": 1, "components": [{"type": 4, "custom_id": f"i{i}", "style": 1, "label": "x"}]} for i in range(6)])},
     {"data.components": ["BASE_TYPE_BAD_LENGTH"]}),
    ("modal custom_id", {"type": 9, "data": dict(MODAL, custom_id="c" * 101)},
     {"data.custom_id": ["BASE_TYPE_BAD_LENGTH"]}),
    ("text input label", {"type": 9, "data": dict(MODAL, components=[
        {"type": 1, "components": [{"type": 4, "custom_id": "i", "style": 1, "label": "l" * 46}]}])},
     {"data.components.0.components.0.label": ["BASE_TYPE_BAD_LENGTH"]}),
    ("no type", {"data": {"content": "x"}}, {"type": ["BASE_TYPE_REQUIRED"]}),
]


@pytest.mark.parametrize("what,body,expected", ANSWER_LIMITS, ids=[c[0] for c in ANSWER_LIMITS])
def test_answer_limits(dsim, what, body, expected):
    register(dsim, PING)
    hit = command(dsim)
    reply = answer(dsim, hit, body)
    assert reply.status == 400 and reply.json["code"] == 50035
    assert error_codes(reply.json["errors"]) == expected
    assert answer(dsim, hit, {"type": 4, "data": {"content": "ok"}}).status == 204  # a refused answer is no answer


def test_empty_answer_and_autocomplete_limits(dsim):
    register(dsim, PING, SERVER)
    hit = command(dsim)
    assert answer(dsim, hit, {"type": 4, "data": {}}).json["code"] == 50006
    auto = dsim.inject_autocomplete("server start", {"name": "v"}, focused="name", deliver=False)
    assert [o.get("focused") for o in auto["payload"]["data"]["options"][0]["options"]] == [True]
    too_many = {"type": 8, "data": {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}}
    assert error_codes(answer(dsim, auto, too_many).json["errors"]) == {"data.choices": ["BASE_TYPE_MAX_LENGTH"]}
    long_name = {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v"}]}}
    assert error_codes(answer(dsim, auto, long_name).json["errors"]) == {
        "data.choices.0.name": ["BASE_TYPE_BAD_LENGTH"]}
    assert answer(dsim, auto, {"type": 8, "data": {"choices": [{"name": "valheim", "value": "v"}]}}).status == 204


def test_multipart_answer_with_a_file(dsim):
    register(dsim, PING)
    hit = command(dsim)
    body, ctype = multipart({"type": 4, "data": {"content": "log", "attachments": [{"id": 0}]}},
                            [("server.log", b"started\n")])
    reply = rest(dsim, "POST", f"/interactions/{hit['id']}/{hit['token']}/callback", raw=body,
                 content_type=ctype, token=False)
    assert reply.status == 204, reply
    [message] = dsim.messages("peon")
    assert message["attachments"][0]["filename"] == "server.log" and message["attachments"][0]["size"] == 8


def test_injection_checks_options_against_the_registered_command(dsim):
    register(dsim, SERVER)
    for name, options in (("server stop", {}), ("server start", {"nme": "typo"}), ("server", {"name": "x"})):
        with pytest.raises(SimError) as refused:
            command(dsim, name, options)
        assert refused.value.status == 400
    raw = [{"name": "start", "type": 1, "options": [{"name": "name", "type": 3, "value": "raw"}]}]
    assert command(dsim, "server", raw)["payload"]["data"]["options"] == raw
