"""The real binary against the Discord simulator's gateway: READY, resumes after every kind of fault with
no event lost or duplicated, invalid sessions, fatal close codes, a 2 MB GUILD_CREATE over many frames,
the session start limit, and a clean 1000 close on SIGTERM."""
import pathlib
import sqlite3
import time

import pytest

from botrun import FAKE_TOKEN, assert_clean_sanitizers, wait_until

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_gateway"




class Run:
    def __init__(self, bot, sim, tmp_path, **env):
        self.sim = sim
        self.data = tmp_path / "data"
        self.process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(SCRIPTS),
                           PEON_DATA_DIR=str(self.data), LOG_LEVEL="debug", **env).start()
        self.emitted = 0

    def ready(self, sessions=1):
        assert self.sim.wait_ready(count=sessions).get("identifies", 0) >= 1
        self.process.wait_for_log("ready (session established)")

    def emit(self, count):
        for _ in range(count):
            self.sim.emit("PEON_TEST", {"n": self.emitted})
            self.emitted += 1

    def recorded(self):
        with sqlite3.connect(self.data / "peon.db") as db:
            rows = db.execute("SELECT key, value FROM kv WHERE ns = 'events'").fetchall()
        return {int(k): int(v) for k, v in rows}

    def wait_recorded(self):
        expected = {n: 1 for n in range(self.emitted)}
        got = wait_until(lambda: self.recorded() if len(self.recorded()) >= self.emitted else None)
        assert got == expected, f"lost or duplicated events: {sorted(set(expected) ^ set(got or {}))}"

    def stop(self):
        status = self.process.stop()
        assert_clean_sanitizers(self.process.stderr())
        return status


def test_ready_interaction_and_channel_cache(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    run.ready()
    channel = next(c for c in sim.state()["guilds"][0]["channels"] if c["name"] == "valheim-bob")
    injected = sim.command("where", channel_id=channel["id"])
    record = sim.wait_initial(injected["id"])
    assert record["initial"]["data"]["content"] == f"valheim-bob|{channel['id']}"
    assert record["initial"]["after_ms"] < 1000
    counters = sim.counters()
    assert counters["identifies"] == 1 and counters["compressed_connections"] == 1
    session = counters["sessions"][0]
    assert session["intents"] == 1  # GUILDS only without legacy commands
    assert run.stop() == 0
    assert wait_until(lambda: 1000 in sim.counters()["client_close_codes"], timeout=5)


@pytest.mark.parametrize("fault", [
    {"action": "drop"}, {"action": "close", "code": 1001}, {"action": "close", "code": 4000},
    {"action": "reconnect"}, {"action": "invalid_session", "resumable": True},
])
def test_resume_after_fault_loses_nothing(bot, sim, tmp_path, fault):
    run = Run(bot, sim, tmp_path)
    run.ready()
    run.emit(20)
    sim.gateway_fault(**fault)
    run.emit(30)  # while the bot is away: buffered and replayed on resume
    assert wait_until(lambda: sim.counters()["resumes"] >= 1)
    run.emit(20)
    run.wait_recorded()
    counters = sim.counters()
    assert counters["identifies"] == 1 and counters["resumes"] == 1 and counters["invalid_sessions"] == 0
    assert run.stop() == 0


def test_zombie_connection_is_detected_and_resumed(bot, sim, tmp_path):
    sim.configure(heartbeat_interval=1000)
    run = Run(bot, sim, tmp_path)
    run.ready()
    run.emit(5)
    sim.gateway_fault("no_ack")
    run.process.wait_for_log("no heartbeat ACK", timeout=10)
    sim.gateway_fault("ack")
    assert wait_until(lambda: sim.counters()["resumes"] >= 1)
    run.emit(5)
    run.wait_recorded()
    counters = sim.counters()
    assert counters["identifies"] == 1
    assert 4000 in counters["client_close_codes"]  # closed without ending the session
    assert run.stop() == 0


def test_many_faults_one_identify(bot, sim, tmp_path):
    sim.configure(heartbeat_interval=2000)
    run = Run(bot, sim, tmp_path)
    run.ready()
    faults = [{"action": "drop"}, {"action": "reconnect"}, {"action": "close", "code": 4000},
              {"action": "close", "code": 1001}, {"action": "drop"}]
    for i, fault in enumerate(faults, start=1):
        run.emit(10)
        sim.gateway_fault(**fault)
        run.emit(10)
        assert wait_until(lambda: sim.counters()["resumes"] >= i), f"no resume after {fault}"
    run.emit(10)
    run.wait_recorded()
    assert sim.counters()["identifies"] == 1
    assert run.stop() == 0


def test_invalid_session_identifies_again(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    run.ready()
    sim.gateway_fault("invalid_session", resumable=False)
    assert wait_until(lambda: sim.counters()["identifies"] == 2, timeout=15)
    run.process.wait_for_log("identifying again after a short wait")
    assert run.stop() == 0


def test_bad_token_close_exits_3(bot, sim, tmp_path):
    sim.configure(tokens=[FAKE_TOKEN, "other"])  # REST accepts the token ...
    run = Run(bot, sim, tmp_path)
    run.ready()
    sim.gateway_fault("close", code=4004)  # ... then the gateway says it is bad
    run.process.proc.wait(timeout=15)
    assert run.process.proc.returncode == 3
    assert "Reset Token" in run.process.stderr()


def test_privileged_intent_refused_exits_3_naming_it(bot, sim, tmp_path):
    sim.configure(allowed_intents=1 | 512)
    run = Run(bot, sim, tmp_path, ENABLE_LEGACY_COMMANDS="1")
    run.process.proc.wait(timeout=15)
    assert run.process.proc.returncode == 3
    assert "MESSAGE CONTENT INTENT" in run.process.stderr()
    assert sim.counters()["sessions"] == []


def test_big_guild_create_split_over_many_frames(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    run.ready()
    sim.framing(split=64)
    guild = sim.state()["guilds"][0]
    channels = [{"id": str(10**17 + i), "type": 0, "name": f"channel-{i:05d}-" + "x" * 60, "parent_id": None,
                 "guild_id": guild["id"]} for i in range(24000)]
    big = dict(guild, id="999999999999999999", channels=channels, roles=guild["roles"])
    sim.emit("GUILD_CREATE", big, guild_id=guild["id"])
    sim.framing(split=1)

    def stored():
        with sqlite3.connect(run.data / "peon.db") as db:
            row = db.execute("SELECT value FROM kv WHERE ns='guilds' AND key='999999999999999999'").fetchone()
        return row and row[0]
    assert wait_until(stored, timeout=20) == "24000"
    run.emit(3)
    run.wait_recorded()
    assert sim.counters()["identifies"] == 1
    assert run.stop() == 0


def test_session_start_limit_makes_the_bot_wait(bot, sim, tmp_path):
    sim.configure(session_start_limit={"remaining": 0, "reset_after": 2500, "total": 1000, "max_concurrency": 1})
    started = time.monotonic()
    run = Run(bot, sim, tmp_path)
    run.process.wait_for_log("before identifying (session start limit")
    assert sim.counters()["identifies"] == 0
    run.ready()
    assert time.monotonic() - started >= 2.0
    assert sim.counters()["identify_over_limit"] == 0
    assert run.stop() == 0
