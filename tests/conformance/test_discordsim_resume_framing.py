"""discordsim's zlib-stream framing (one compressor per connection, sync-flush markers, split and packed
messages) and RESUME: replay of missed dispatches in order, then RESUMED; the cases that refuse it."""
import zlib

from dsim_raw import SYNC, Closed, RawGateway, run


def test_zlib_stream_one_context_per_connection(dsim):
    text = " ".join(f"word{n}" for n in range(400))  # ~3.5 kB that compresses poorly on its own

    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            sizes = []
            for n in range(2):
                dsim.emit("TEST_MARKER", {"text": text})
                event = await gw.dispatch("TEST_MARKER")
                assert event["d"]["text"] == text
                sizes.append(len(gw.frames[-1]))
            return list(gw.frames), sizes

    frames, sizes = run(scenario())
    assert all(isinstance(f, bytes) and f.endswith(SYNC) for f in frames)
    assert frames[0][:1] == b"\x78"  # the zlib header, once, at the start
    # The second copy refers back to the first through the shared window: a per-message (or reset)
    # context could not make it this small.
    assert sizes[1] < sizes[0] / 4, sizes
    # and a message cannot be inflated without the stream before it
    fresh = zlib.decompressobj()
    try:
        fresh.decompress(frames[-1])
        inflated_alone = True
    except zlib.error:
        inflated_alone = False
    assert not inflated_alone


def test_split_payloads_arrive_over_several_messages(dsim):
    dsim.set_framing(split=3)

    async def scenario():
        async with RawGateway(dsim) as gw:
            hello = await gw.hello()
            return hello, list(gw.frames)

    hello, frames = run(scenario())
    assert hello["op"] == 10
    assert len(frames) == 3
    assert not frames[0].endswith(SYNC) and not frames[1].endswith(SYNC) and frames[2].endswith(SYNC)


def test_several_payloads_packed_into_one_message(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            await gw.login(dsim)
            before = len(gw.frames)
            dsim.set_framing(pack=3)
            dsim.call("POST", "/dispatch", {"event": "TEST_MARKER", "data": {"n": 0}})
            # three dispatches queued at once go out as one websocket message
            for n in (1, 2):
                dsim.emit("TEST_MARKER", {"n": n})
            events = [await gw.dispatch("TEST_MARKER") for _ in range(3)]
            return events, gw.frames[before:]

    events, frames = run(scenario())
    assert [e["d"]["n"] for e in events] == [0, 1, 2]
    assert 1 <= len(frames) <= 3
    assert all(f.endswith(SYNC) for f in frames)
    assert any(f.count(SYNC) >= 2 for f in frames)  # at least one message carried several flushes


def test_resume_replays_missed_dispatches_in_order_then_resumed(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            dsim.emit("TEST_MARKER", {"n": 0})
            seen = await gw.dispatch("TEST_MARKER")
            session_id, resume_url = ready["d"]["session_id"], ready["d"]["resume_gateway_url"]
            last_seq = gw.seq
            await gw.ws.close(code=4000)  # anything but 1000/1001 keeps the session
        dsim.wait_counter("last_client_close_code", equals=4000)
        missed = [dsim.emit("TEST_MARKER", {"n": n})["sent"][0] for n in (1, 2, 3)]
        assert resume_url.endswith("/resume")
        async with RawGateway(dsim, path="/resume") as gw:
            await gw.hello()
            await gw.send({"op": 6, "d": {"token": dsim.token, "session_id": session_id, "seq": last_seq}})
            replay = await gw.recv_until(lambda p: p.get("t") == "RESUMED")
            dsim.emit("TEST_MARKER", {"n": 4})
            after = await gw.dispatch("TEST_MARKER")
        return seen, missed, replay, after

    seen, missed, replay, after = run(scenario())
    markers = [p for p in replay if p.get("t") == "TEST_MARKER"]
    assert [p["d"]["n"] for p in markers] == [1, 2, 3]
    assert [p["sim_serial"] for p in markers] == [m["serial"] for m in missed]
    assert [p["s"] for p in markers] == [seen["s"] + 1, seen["s"] + 2, seen["s"] + 3]
    assert replay[-1]["s"] == seen["s"] + 4  # RESUMED continues the sequence
    assert after["s"] == seen["s"] + 5 and after["d"]["n"] == 4
    counters = dsim.counters()
    assert counters["resumes"] == 1 and counters["identifies"] == 1
    assert counters["connections_by_path"] == {"/": 1, "/resume": 1}
    assert counters["dispatches_replayed"] == 0  # they were never sent before, so not re-sent


def test_resume_after_a_drop_resends_what_may_have_been_lost(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            session_id = ready["d"]["session_id"]
            gw.drop()
        counters = dsim.wait_counter("disconnects", 1)
        assert counters["drops"] == 0 and counters["client_close_codes"] == []  # no close frame was sent
        assert [s["state"] for s in dsim.sessions()] == ["resumable"]
        async with RawGateway(dsim, path="/resume") as gw:
            await gw.hello()
            # resuming from seq 1 (READY) asks for the GUILD_CREATE again
            await gw.send({"op": 6, "d": {"token": dsim.token, "session_id": session_id, "seq": 1}})
            return await gw.recv_until(lambda p: p.get("t") == "RESUMED")

    replay = run(scenario())
    assert [p["t"] for p in replay] == ["GUILD_CREATE", "RESUMED"]
    assert dsim.counters()["dispatches_replayed"] == 1


def test_interaction_created_while_disconnected_is_replayed(dsim):
    dsim.configure(interaction_deadline=30)  # keep the deadline out of this test

    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            last_seq = gw.seq
            await gw.ws.close(code=4000)
        dsim.wait_counter("last_client_close_code", equals=4000)
        hit = dsim.inject_command("ping", allow_unregistered=True)
        assert dsim.interaction(hit["id"])["delivered"] is False
        async with RawGateway(dsim, path="/resume") as gw:
            await gw.hello()
            await gw.send({"op": 6, "d": {"token": dsim.token, "session_id": ready["d"]["session_id"],
                                          "seq": last_seq}})
            event = await gw.dispatch("INTERACTION_CREATE")
        return hit, event

    hit, event = run(scenario())
    assert event["d"]["id"] == hit["id"] and event["sim_serial"] == hit["serial"]
    assert dsim.interaction(hit["id"])["delivered"] is True


def _resume_attempt(dsim, session_id, seq, token=None):
    async def scenario():
        async with RawGateway(dsim, path="/resume") as gw:
            await gw.hello()
            await gw.send({"op": 6, "d": {"token": token or dsim.token, "session_id": session_id, "seq": seq}})
            try:
                return await gw.recv()
            except Closed as closed:
                return closed.code

    return run(scenario())


def _session_closed_with(dsim, code):
    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            await gw.ws.close(code=code)
            return ready["d"]["session_id"], gw.seq

    session = run(scenario())
    dsim.wait_counter("last_client_close_code", equals=code)
    return session


def test_a_clean_close_ends_the_session(dsim):
    dsim.configure(identify_spacing=0)
    for code in (1000, 1001):
        session_id, seq = _session_closed_with(dsim, code)
        assert _resume_attempt(dsim, session_id, seq) == {"op": 9, "d": False, "s": None, "t": None}
    assert dsim.counters()["resume_failures"] == 2


def test_resume_refusals(dsim):
    session_id, seq = _session_closed_with(dsim, 4000)
    assert _resume_attempt(dsim, session_id, seq + 5) == 4007            # seq from the future
    assert _resume_attempt(dsim, "0" * 32, seq)["op"] == 9              # unknown session
    assert _resume_attempt(dsim, session_id, seq, token="wrong") == 4004
    # still resumable after those refusals
    assert _resume_attempt(dsim, session_id, seq)["t"] == "RESUMED"


def test_sessions_stop_being_resumable_after_the_window(dsim):
    dsim.configure(resume_window=0)
    session_id, seq = _session_closed_with(dsim, 4000)
    assert _resume_attempt(dsim, session_id, seq) == {"op": 9, "d": False, "s": None, "t": None}


def test_invalid_session_fault_false_ends_the_session(dsim):
    async def scenario():
        async with RawGateway(dsim) as gw:
            ready, _ = await gw.login(dsim)
            dsim.send_invalid_session(resumable=False)
            assert await gw.recv() == {"op": 9, "d": False, "s": None, "t": None}
            return ready["d"]["session_id"], gw.seq

    session_id, seq = run(scenario())
    assert _resume_attempt(dsim, session_id, seq)["d"] is False
