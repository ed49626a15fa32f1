"""discordsim's gateway: the login flow, what READY and GUILD_CREATE carry, heartbeats, the close codes
for broken IDENTIFYs, session starts, and the gateway faults tests rely on."""
import json

import pytest

from dsim_raw import RawGateway, rest, run


def test_hello_ready_and_guild_create(dsim):
    dsim.configure(heartbeat_interval=12345)

    async def scenario():
        async with RawGateway(dsim) as gw:
            hello = await gw.hello()
            assert hello["d"]["heartbeat_interval"] == 12345 and hello["s"] is None and hello["t"] is None
            await gw.identify(dsim, shard=[0, 1])
            ready = await gw.dispatch("READY")
            guild = await gw.dispatch("GUILD_CREATE")
            return ready, guild

    ready, guild = run(scenario())
    d = ready["d"]
    assert ready["s"] == 1 and guild["s"] == 2
    assert d["v"] == 10 and d["user"]["bot"] is True and d["user"]["username"] == "peon-test"
    assert d["shard"] == [0, 1]
    assert d["guilds"] == [{"id": guild["d"]["id"], "unavailable": True}]
    assert d["resume_gateway_url"].endswith("/resume") and d["resume_gateway_url"] != dsim.gateway
    assert d["application"]["id"] == dsim.state()["application_id"] and isinstance(d["application"]["flags"], int)
    assert len(d["session_id"]) == 32
    channels = {c["name"]: c for c in guild["d"]["channels"]}
    assert channels["peon"]["type"] == 0
    assert channels["game-servers"]["type"] == 4
    assert channels["valheim-bob"]["parent_id"] == channels["game-servers"]["id"]
    assert [r["name"] for r in guild["d"]["roles"]][0] == "@everyone"
    assert guild["d"]["roles"][0]["id"] == guild["d"]["id"]
    assert ready["sim_serial"] < guild["sim_serial"]


def test_heartbeat_ack_request_and_stopped_acks(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            await gw.send({"op": 1, "d": gw.seq})
            ack = await gw.recv()
            assert ack["op"] == 11
            dsim.request_heartbeat()
            assert (await gw.recv())["op"] == 1
            dsim.stop_acks()
            await gw.send({"op": 1, "d": gw.seq})
            dsim.wait_counter("heartbeats_received", 2)
            dsim.emit("TEST_MARKER", {"n": 1})  # the next payload is the marker, not an ACK
            assert (await gw.recv())["t"] == "TEST_MARKER"

    run(scenario())
    counters = dsim.counters()
    assert counters["heartbeats_received"] == 2
    assert counters["heartbeat_acks_sent"] == 1
    assert counters["heartbeat_requests_sent"] == 1


def test_server_closes_when_heartbeats_stop(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            dsim.configure(heartbeat_timeout=300)  # and this client never heartbeats
            return await gw.expect_close(timeout=5)

    assert run(scenario()) == 4000
    # heartbeat loss keeps the session resumable
    assert [s["state"] for s in dsim.sessions()] == ["resumable"]


IDENTIFY_PROBLEMS = [
    ("bad token", {"token": "wrong"}, 4004),
    ("unknown intent bit", {"intents": 1 << 30}, 4013),
    ("intents missing", {"intents": None}, 4013),
    ("shard id >= count", {"shard": [1, 1]}, 4010),
    ("shard not a pair", {"shard": [0]}, 4010),
    ("no properties", {"properties": None}, 4001),
    ("large_threshold too big", {"large_threshold": 251}, 4001),
]


@pytest.mark.parametrize("what,override,code", IDENTIFY_PROBLEMS, ids=[p[0] for p in IDENTIFY_PROBLEMS])
def test_identify_problems_close_with_discords_codes(dsim, what, override, code):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.hello()
            data = {"token": dsim.token, "intents": 1,
                    "properties": {"os": "linux", "browser": "t", "device": "t"}}
            data.update(override)
            data = {k: v for k, v in data.items() if v is not None}
            await gw.send({"op": 2, "d": data})
            return await gw.expect_close()

    assert run(scenario()) == code
    assert dsim.counters()["identifies"] == 0


def test_privileged_intents_need_to_be_allowed(dsim):
    dsim.configure(allowed_intents=32768)  # MESSAGE_CONTENT on, GUILD_MEMBERS/PRESENCES off

    async def login(intents):
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.identify(dsim, intents=intents)
            first = await gw.recv_until(lambda p: True)
            return first[0]

    async def refused(intents):
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.identify(dsim, intents=intents)
            return await gw.expect_close()

    assert run(refused(1 | 2)) == 4014
    assert run(refused(1 | 256)) == 4014
    dsim.configure(identify_spacing=0)
    assert run(login(1 | 512 | 32768))["t"] == "READY"


def test_sharding_required_and_guild_routing(dsim):
    dsim.configure(required_shards=2, identify_spacing=0)

    async def identify(shard):
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.identify(dsim, shard=shard)
            try:
                ready = await gw.dispatch("READY")
            except Exception:
                return None
            return ready

    async def refused():
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.identify(dsim, shard=[0, 1])
            return await gw.expect_close()

    assert run(refused()) == 4011
    guild_id = dsim.guild_id()
    owner = (int(guild_id) >> 22) % 2
    ready_owner = run(identify([owner, 2]))
    ready_other = run(identify([1 - owner, 2]))
    assert ready_owner["d"]["guilds"] == [{"id": guild_id, "unavailable": True}]
    assert ready_other["d"]["guilds"] == []


def test_protocol_violations_close_the_connection(dsim):
    dsim.configure(identify_spacing=0, gateway_send_limit={"count": 5, "window": 60})

    async def after_login(payloads):
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            for payload in payloads:
                await gw.send(payload)
            return await gw.expect_close()

    async def before_login(payload):
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.send(payload)
            return await gw.expect_close()

    identify = {"op": 2, "d": {"token": dsim.token, "intents": 1,
                               "properties": {"os": "l", "browser": "b", "device": "d"}}}
    assert run(after_login([identify])) == 4005                       # second IDENTIFY
    assert run(after_login([{"op": 99, "d": None}])) == 4001          # unknown opcode
    assert run(after_login(["{not json"])) == 4002                    # decode error
    too_big = {"op": 3, "d": {"status": "online", "since": None, "afk": False,
                              "activities": [{"name": "x" * 4100, "type": 0}]}}
    assert run(after_login([too_big])) == 4002                        # over 4096 bytes
    assert run(after_login([{"op": 1, "d": None}] * 5)) == 4008       # 6 sends > 5 per window
    assert run(before_login({"op": 3, "d": {"status": "online", "since": None, "afk": False,
                                            "activities": []}})) == 4003  # not authenticated
    codes = dsim.counters()["server_close_codes"]
    assert codes == [4005, 4001, 4002, 4002, 4008, 4003]


def test_unsupported_version_is_refused(dsim):
    async def scenario():
        async with RawGateway(dsim, query={"v": "5"}) as gw:
            return await gw.expect_close()

    assert run(scenario()) == 4012


def test_session_start_limit_counts_down_and_a_spent_limit_resets_the_token(dsim):
    dsim.configure(identify_spacing=0, session_start_limit={"total": 2, "remaining": 2, "reset_after": 60000})
    limit = rest(dsim, "GET", "/gateway/bot").json["session_start_limit"]
    assert limit["remaining"] == 2 and limit["total"] == 2 and 0 < limit["reset_after"] <= 60000

    async def identify_once():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)

    run(identify_once())
    assert rest(dsim, "GET", "/gateway/bot").json["session_start_limit"]["remaining"] == 1
    run(identify_once())
    assert rest(dsim, "GET", "/gateway/bot").json["session_start_limit"]["remaining"] == 0

    async def over_the_limit():
        async with RawGateway(dsim) as gw:
            await gw.hello()
            await gw.identify(dsim)
            return await gw.expect_close()

    assert run(over_the_limit()) == 4004
    assert dsim.counters()["token_resets"] == 1
    assert rest(dsim, "GET", "/users/@me").status == 401  # the token was reset

    # a new window (reset_after 0: it is over at once) restores the starts; a new token works again
    dsim.configure(tokens=[dsim.token], session_start_limit={"total": 2, "remaining": 0, "reset_after": 0})
    assert rest(dsim, "GET", "/gateway/bot").json["session_start_limit"]["remaining"] == 2


def test_identify_faster_than_max_concurrency_gets_invalid_session(dsim):
    dsim.configure(identify_spacing=30)

    async def two_identifies():
        async with RawGateway(dsim) as first:
            await first.login(dsim)
        async with RawGateway(dsim) as second:
            await second.hello()
            await second.identify(dsim)
            return await second.recv()

    answer = run(two_identifies())
    assert answer == {"op": 9, "d": False, "s": None, "t": None}
    assert dsim.counters()["identifies"] == 1


def test_gateway_faults_reach_the_client(dsim):
    dsim.configure(identify_spacing=0)

    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            dsim.send_reconnect()
            assert (await gw.recv())["op"] == 7
            dsim.send_invalid_session(resumable=True)
            assert await gw.recv() == {"op": 9, "d": True, "s": None, "t": None}
            dsim.send_raw({"op": 0, "t": "WEIRD", "s": None, "d": {"x": 1}})
            assert (await gw.recv())["t"] == "WEIRD"
            dsim.close_gateway(4009)
            return await gw.expect_close()

    assert run(scenario()) == 4009
    assert dsim.counters()["reconnects_sent"] == 1
    assert dsim.sessions() == []  # 4009 ends the session


def test_client_close_code_is_recorded(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            await gw.ws.close(code=4321)

    run(scenario())
    counters = dsim.wait_counter("last_client_close_code", equals=4321)
    assert counters["client_close_codes"] == [4321]
    assert [s["state"] for s in dsim.sessions()] == ["resumable"]  # only 1000/1001 end a session


def test_dispatch_filters_by_intent(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim, intents=1)  # GUILDS only: no message events
            dsim.post_user_message("peon", "hello")
            dsim.emit("TEST_MARKER", {})
            return await gw.recv()

    assert run(scenario())["t"] == "TEST_MARKER"


def test_message_content_is_privileged(dsim):
    async def content_seen(intents):
        async with RawGateway(dsim) as gw:
            await gw.login(dsim, intents=intents)
            dsim.post_user_message("peon", "!status")
            return (await gw.dispatch("MESSAGE_CREATE"))["d"]["content"]

    dsim.configure(identify_spacing=0)
    assert run(content_seen(1 | 512)) == ""
    assert run(content_seen(1 | 512 | 32768)) == "!status"


def test_events_have_increasing_sequence_and_serial(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            for n in range(5):
                dsim.emit("TEST_MARKER", {"n": n})
            return [await gw.dispatch("TEST_MARKER") for _ in range(5)]

    events = run(scenario())
    assert [e["d"]["n"] for e in events] == [0, 1, 2, 3, 4]
    seqs = [e["s"] for e in events]
    serials = [e["sim_serial"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert serials == sorted(set(serials))


def test_emit_raw_payload_text(dsim):
    async def scenario():
        async with RawGateway(dsim, compress=False) as gw:
            await gw.login(dsim)
            dsim.send_raw(text=json.dumps({"op": 0, "t": "RAW", "s": None, "d": {}}))
            return await gw.recv(), gw.frames[-1]

    payload, frame = run(scenario())
    assert payload["t"] == "RAW" and isinstance(frame, str)  # uncompressed connections get text frames


def test_connection_counters(dsim):
    async def scenario():
        async with RawGateway(dsim, compress=False) as gw:
            await gw.login(dsim)

    run(scenario())
    counters = dsim.counters()
    assert counters["connections"] == 1 and counters["compressed_connections"] == 0
    assert counters["connections_by_path"] == {"/": 1}
    assert counters["identifies"] == 1 and counters["ready_sent"] == 1


def test_serial_field_can_be_switched_off(dsim):
    dsim.configure(serial_field=None)

    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            return ready

    ready = run(scenario())
    assert set(ready) == {"op", "t", "s", "d"}


def test_reset_drops_connections_and_sessions(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            dsim.reset()
            return await gw.expect_close()

    code = run(scenario())
    assert code in (None, 1006)  # dropped: no close frame
    assert dsim.sessions() == [] and dsim.counters()["connections"] == 0
