"""The simulator enforces the Discord rules peon-bot's tests rely on; each is checked here with a raw
client (aiohttp over loopback), so a lenient simulator cannot hide a bot bug."""
import asyncio
import json
import time
import zlib

import aiohttp
import pytest

from fakediscord.client import start_simulator

UA = "DiscordBot (https://example.invalid, 1.0)"


@pytest.fixture(scope="module")
def sim():
    with start_simulator() as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def fresh(sim):
    sim.reset()
    yield


def run(coro):
    return asyncio.run(coro)


async def rest(sim, method, path, body=None, token=True, raw=None, headers=None):
    h = {"User-Agent": UA}
    if token:
        h["Authorization"] = f"Bot {sim.token}"
    h.update(headers or {})
    async with aiohttp.ClientSession() as session:
        kwargs = {"data": raw} if raw is not None else ({"json": body} if body is not None else {})
        async with session.request(method, sim.rest + path, headers=h, **kwargs) as res:
            text = await res.text()
            return res.status, (json.loads(text) if text and res.content_type == "application/json" else text), \
                res.headers


# ---- REST ----

def test_auth_is_required_on_bot_routes(sim):
    status, body, headers = run(rest(sim, "GET", "/users/@me", token=False))
    assert status == 401 and body == {"message": "401: Unauthorized", "code": 0}
    assert headers["Content-Type"] == "application/json"
    status, _, _ = run(rest(sim, "GET", "/users/@me"))
    assert status == 200


def test_message_limits_give_discords_error_shape(sim):
    channel = sim.state()["guilds"][0]["channels"][0]["id"]
    too_long = {"content": "x" * 2001, "embeds": [{"title": "t" * 257}]}
    status, body, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", too_long))
    assert status == 400 and body["code"] == 50035
    assert body["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    assert "title" in body["errors"]["embeds"]["0"]
    rows = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}
                                       for i in range(6)]}]
    status, body, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", {"content": "x", "components": rows}))
    assert body["errors"]["components"]["0"]["components"]["_errors"][0]["code"] == \
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED"
    status, body, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", {}))
    assert status == 400 and body["code"] == 50006
    status, body, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", raw="content=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 400 and body["code"] == 50035
    status, body, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", {"content": "fine"}))
    assert status == 200 and body["content"] == "fine"
    assert sim.messages(channel)[-1]["content"] == "fine"


def test_interaction_deadline_single_use_and_types(sim):
    sim.configure(deadline_s=0.3)
    late = sim.command("ping")
    time.sleep(0.5)
    status, body, _ = run(rest(sim, "POST", f"/interactions/{late['id']}/{late['token']}/callback",
                               {"type": 4, "data": {"content": "late"}}, token=False))
    assert status == 404 and body["code"] == 10062

    sim.configure(deadline_s=3.0)
    fresh = sim.command("ping")
    path = f"/interactions/{fresh['id']}/{fresh['token']}/callback"
    status, _, _ = run(rest(sim, "POST", path, {"type": 8, "data": {"choices": []}}, token=False))
    assert status == 400  # autocomplete results are not an answer to a command
    status, _, _ = run(rest(sim, "POST", path, {"type": 4, "data": {"content": "hi"}}, token=False))
    assert status == 204
    status, body, _ = run(rest(sim, "POST", path, {"type": 4, "data": {"content": "again"}}, token=False))
    assert status == 400 and body["code"] == 40060
    app = sim.state()["app_id"]
    status, body, _ = run(rest(sim, "PATCH", f"/webhooks/{app}/{fresh['token']}/messages/@original",
                               {"content": "edited"}, token=False))
    assert status == 200 and body["content"] == "edited"
    record = sim.interaction(fresh["id"])
    assert [e["kind"] for e in record["events"]] == ["callback", "duplicate_callback", "edit_original"]


def test_original_needs_an_initial_response_and_token_expires(sim):
    injected = sim.command("ping")
    app = sim.state()["app_id"]
    status, body, _ = run(rest(sim, "PATCH", f"/webhooks/{app}/{injected['token']}/messages/@original",
                               {"content": "x"}, token=False))
    assert status == 404 and body["code"] == 10008
    sim.configure(token_lifetime_s=0.2)
    time.sleep(0.3)
    status, body, _ = run(rest(sim, "POST", f"/webhooks/{app}/{injected['token']}", {"content": "x"}, token=False))
    assert status == 401 and body["code"] == 50027


def test_modal_and_choices_limits(sim):
    injected = sim.command("ping")
    path = f"/interactions/{injected['id']}/{injected['token']}/callback"
    modal = {"custom_id": "m", "title": "t" * 46, "components": []}
    status, body, _ = run(rest(sim, "POST", path, {"type": 9, "data": modal}, token=False))
    assert status == 400 and "title" in body["errors"] and "components" in body["errors"]
    auto = sim.autocomplete("ping", [{"name": "q", "type": 3, "value": "", "focused": True}])
    path = f"/interactions/{auto['id']}/{auto['token']}/callback"
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    status, body, _ = run(rest(sim, "POST", path, {"type": 8, "data": {"choices": choices}}, token=False))
    assert status == 400 and body["errors"]["choices"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


def test_command_validation_and_create_counter(sim):
    app = sim.state()["app_id"]
    bad = [{"name": "Bad Name", "description": "x"},
           {"name": "ok", "description": "d", "options": [
               {"name": "a", "type": 3, "description": "a"},
               {"name": "b", "type": 3, "description": "b", "required": True}]}]
    status, body, _ = run(rest(sim, "PUT", f"/applications/{app}/commands", bad))
    assert status == 400
    assert body["errors"]["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    assert "required" in body["errors"]["1"]["options"]["1"]
    good = [{"name": "ping", "description": "p"}, {"name": "server", "description": "s"}]
    status, body, _ = run(rest(sim, "PUT", f"/applications/{app}/commands", good))
    assert status == 200 and all(c["id"] for c in body)
    run(rest(sim, "PUT", f"/applications/{app}/commands", good))
    assert sim.counters()["command_creates"] == 2  # re-sending the same names creates nothing

    guild = sim.state()["guilds"][0]["id"]
    scoped = [{"name": "ping", "description": "p", "contexts": [0]}]
    status, body, _ = run(rest(sim, "PUT", f"/applications/{app}/guilds/{guild}/commands", scoped))
    assert status == 400
    assert body["errors"]["0"]["contexts"]["_errors"][0]["code"] == "APPLICATION_COMMAND_GUILD_FIELD_NOT_ALLOWED"
    status, _, _ = run(rest(sim, "PUT", f"/applications/{app}/commands", scoped))
    assert status == 200  # the same field is fine on the global route


def test_rate_limit_headers_429_and_global(sim):
    channel = sim.state()["guilds"][0]["channels"][0]["id"]
    sim.ratelimits(buckets=[{"routes": ["POST /channels/{id}/messages"], "limit": 2, "window": 2.0,
                             "name": "msgbucket"}])
    results = [run(rest(sim, "POST", f"/channels/{channel}/messages", {"content": str(i)})) for i in range(3)]
    assert [r[0] for r in results] == [200, 200, 429]
    assert results[0][2]["X-RateLimit-Bucket"] == "msgbucket"
    assert results[1][2]["X-RateLimit-Remaining"] == "0"
    assert float(results[1][2]["X-RateLimit-Reset-After"]) > 1.5
    status, body, headers = results[2]
    assert body["global"] is False and body["retry_after"] > 1.0
    assert headers["X-RateLimit-Scope"] == "user"

    sim.rest_fault("/users/@me", count=1, status=429, scope="global", retry_after=0.5)
    status, body, headers = run(rest(sim, "GET", "/users/@me"))
    assert status == 429 and body["global"] is True and headers["X-RateLimit-Global"] == "true"
    sim.rest_fault("/users/@me", count=1, status=429, html=True)
    status, body, headers = run(rest(sim, "GET", "/users/@me"))
    assert status == 429 and "Error 1015" in body
    sim.rest_fault("/users/@me", count=2, status=502)
    assert run(rest(sim, "GET", "/users/@me"))[0] == 502
    assert run(rest(sim, "GET", "/users/@me"))[0] == 502
    assert run(rest(sim, "GET", "/users/@me"))[0] == 200
    counters = sim.counters()["rest"]
    assert counters["429"]["user"] == 1 and counters["429"]["global"] == 1 and counters["429"]["cloudflare"] == 1


def test_global_limit_spares_interaction_routes(sim):
    sim.ratelimits(global_limit=3)
    statuses = [run(rest(sim, "GET", "/users/@me"))[0] for _ in range(4)]
    assert statuses.count(429) >= 1
    injected = sim.command("ping")
    status, _, _ = run(rest(sim, "POST", f"/interactions/{injected['id']}/{injected['token']}/callback",
                            {"type": 5}, token=False))
    assert status == 204


# ---- gateway ----

class RawGateway:
    """A bare gateway client that decodes zlib-stream the documented way."""

    def __init__(self, ws):
        self.ws = ws
        self.inflater = zlib.decompressobj()
        self.buffer = b""
        self.messages = 0

    async def recv(self, timeout=5):
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout)
            if msg.type == aiohttp.WSMsgType.CLOSE or msg.type == aiohttp.WSMsgType.CLOSED:
                return {"closed": self.ws.close_code}
            self.messages += 1
            self.buffer += msg.data
            if self.buffer.endswith(b"\x00\x00\xff\xff"):
                text = self.inflater.decompress(self.buffer)
                self.buffer = b""
                return text

    async def payload(self, timeout=5):
        got = await self.recv(timeout)
        if isinstance(got, dict):
            return got
        return json.loads(got)

    async def send(self, payload):
        await self.ws.send_str(json.dumps(payload))


async def connect(sim, session, path="/"):
    ws = await session.ws_connect(sim.gateway.rstrip("/") + path + "?v=10&encoding=json&compress=zlib-stream")
    return RawGateway(ws)


def identify(sim, token=None, intents=1, shard=(0, 1)):
    return {"op": 2, "d": {"token": token or sim.token, "intents": intents, "shard": list(shard),
                           "properties": {"os": "linux", "browser": "test", "device": "test"}}}


def test_identify_ready_guild_create_and_split_frames(sim):
    async def scenario():
        sim.framing(split=7)
        async with aiohttp.ClientSession() as session:
            gw = await connect(sim, session)
            hello = await gw.payload()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await gw.send(identify(sim))
            ready = await gw.payload()
            assert ready["t"] == "READY" and ready["s"] == 1 and ready["d"]["resume_gateway_url"].endswith("/resume")
            guild = await gw.payload()
            assert guild["t"] == "GUILD_CREATE" and guild["s"] == 2
            assert "peon" in [c["name"] for c in guild["d"]["channels"]]
            assert gw.messages >= 7 * 3  # every payload arrived in 7 pieces
            await gw.send({"op": 1, "d": 2})
            assert (await gw.payload())["op"] == 11
            await gw.ws.close()
    run(scenario())


def test_close_codes_for_bad_identify(sim):
    async def scenario(payload):
        async with aiohttp.ClientSession() as session:
            gw = await connect(sim, session)
            await gw.payload()
            await gw.send(payload)
            return (await gw.payload())["closed"]
    assert run(scenario(identify(sim, token="wrong-token-0123456789"))) == 4004
    assert run(scenario(identify(sim, intents=1 << 30))) == 4013
    assert run(scenario(identify(sim, shard=(2, 2)))) == 4010
    sim.configure(allowed_intents=1)
    assert run(scenario(identify(sim, intents=1 | 32768))) == 4014


def test_resume_replays_missed_events_in_order(sim):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            gw = await connect(sim, session)
            await gw.payload()
            await gw.send(identify(sim))
            ready = await gw.payload()
            await gw.payload()  # GUILD_CREATE
            session_id, seq = ready["d"]["session_id"], 2
            sim.gateway_fault("drop")
            await gw.recv()
            for n in range(3):
                sim.emit("PEON_TEST", {"n": n})
            gw2 = await connect(sim, session, "/resume")
            await gw2.payload()
            await gw2.send({"op": 6, "d": {"token": sim.token, "session_id": session_id, "seq": seq}})
            replayed = [await gw2.payload() for _ in range(4)]
            assert [(p["t"], p["s"]) for p in replayed] == [("PEON_TEST", 3), ("PEON_TEST", 4), ("PEON_TEST", 5),
                                                            ("RESUMED", 6)]
            assert [p["d"].get("n") for p in replayed[:3]] == [0, 1, 2]
            await gw2.ws.close(code=1000)
            gw3 = await connect(sim, session, "/resume")  # 1000 ended the session: no resume now
            await gw3.payload()
            await gw3.send({"op": 6, "d": {"token": sim.token, "session_id": session_id, "seq": 6}})
            assert await gw3.payload() == {"op": 9, "d": False}
            await gw3.ws.close()
        counters = sim.counters()
        assert counters["identifies"] == 1 and counters["resumes"] == 2 and counters["invalid_sessions"] == 1
    run(scenario())


def test_presence_update_needs_identify_and_a_valid_presence(sim):
    presence = {"since": None, "activities": [{"name": "Custom Status", "type": 4, "state": "3/5 servers running"}],
                "status": "online", "afk": False}

    async def scenario(before_identify=None, after_identify=None, in_identify=None):
        async with aiohttp.ClientSession() as session:
            gw = await connect(sim, session)
            await gw.payload()
            if before_identify is not None:
                await gw.send(before_identify)
                return (await gw.payload())["closed"]
            hello = identify(sim)
            if in_identify is not None:
                hello["d"]["presence"] = in_identify
            await gw.send(hello)
            first = await gw.payload()
            if "closed" in first:
                return first["closed"]
            await gw.payload()  # GUILD_CREATE
            await gw.send(after_identify)
            await gw.send({"op": 1, "d": 2})
            answer = await gw.payload()
            await gw.ws.close()
            return answer["closed"] if "closed" in answer else answer["op"]

    assert run(scenario(before_identify={"op": 3, "d": presence})) == 4003
    assert run(scenario(after_identify={"op": 3, "d": presence})) == 11  # accepted: the heartbeat is ACKed
    assert run(scenario(after_identify={"op": 3, "d": dict(presence, status="busy")})) == 4002
    assert run(scenario(after_identify={"op": 3, "d": dict(presence, activities=[{"type": 4}])})) == 4002
    assert run(scenario(in_identify=dict(presence, afk="no"))) == 4002
    assert run(scenario(in_identify=presence, after_identify={"op": 1, "d": None})) == 11
    recorded = sim.presences()
    assert [p["op"] for p in recorded] == [3, 2]
    assert recorded[0]["d"]["activities"][0]["state"] == "3/5 servers running" and recorded[0]["shard"] == [0, 1]


def test_control_api_deletes_a_message_like_a_moderator(sim):
    channel = sim.state()["guilds"][0]["channels"][0]["id"]
    _, message, _ = run(rest(sim, "POST", f"/channels/{channel}/messages", {"content": "board"}))
    assert sim.delete_message(channel, message["id"]) == {"ok": True}
    status, body, _ = run(rest(sim, "PATCH", f"/channels/{channel}/messages/{message['id']}", {"content": "x"}))
    assert status == 404 and body == {"message": "Unknown Message", "code": 10008}
    assert sim.delete_message(channel, message["id"])["http_status"] == 404
