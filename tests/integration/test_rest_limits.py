"""The real binary's Discord REST path against the simulator's rate limits: buckets are waited out instead
of hit, a 429 is retried without the script noticing, a POST is never repeated after a 5xx, a 401 makes
later requests fail locally, and a Cloudflare ban is named in the log. Scripts reach REST through
discord.send_message, so this also covers the Lua binding."""
import pathlib
import time

import pytest

from botrun import assert_clean_sanitizers
from discordsim.client import start_simulator

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_rest"
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GrestX.peon-rest-test-token-never-valid-012345"
MESSAGES = "POST /channels/{channel_id}/messages"


@pytest.fixture(scope="module")
def dsim_server():
    with start_simulator(token=TOKEN) as simulator:
        yield simulator


@pytest.fixture
def dsim(dsim_server):
    dsim_server.reset()
    dsim_server.configure(identify_spacing=0)
    return dsim_server


class Run:
    def __init__(self, bot, sim, tmp_path):
        self.sim = sim
        self.process = bot(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(SCRIPTS),
                           PEON_DATA_DIR=str(tmp_path / "data")).start()
        sim.wait_ready(timeout=20)
        self.process.wait_for_log("ready (session established)")
        self.process.wait_for_log("INFO  commands:")

    def burst(self, count, tag, timeout=20):
        hit = self.sim.inject_command("burst", {"count": count, "tag": tag}, channel="general")
        record = self.sim.wait_events(hit["id"], count=2, timeout=timeout)  # the defer, then the answer
        assert [e["kind"] for e in record["events"]] == ["callback", "edit_original"], record["events"]
        sent, _, error = record["original"]["content"].partition("|")
        return int(sent.split()[1]), error

    def posted(self, tag):
        return [m["content"] for m in self.sim.messages("general") if m["content"].startswith(tag + " ")]

    def requests(self, route):
        return self.sim.counters()["rest"]["requests"].get(route, 0)

    def stop(self):
        assert self.process.stop() == 0
        assert_clean_sanitizers(self.process.stderr())


def test_bucket_limit_is_waited_out_not_hit(bot, dsim, tmp_path):
    dsim.set_bucket(MESSAGES, 2, 1.0)
    run = Run(bot, dsim, tmp_path)
    started = time.monotonic()
    assert run.burst(6, "w") == (6, "none")
    # Six messages at two per second take at least two full windows when nothing is hit.
    assert time.monotonic() - started >= 1.8
    assert run.posted("w") == [f"w {i} @everyone" for i in range(1, 7)]
    assert dsim.counters()["rest"]["ratelimited"]["user"] == 0
    run.stop()


def test_messages_from_scripts_ping_nobody(bot, dsim, tmp_path):
    run = Run(bot, dsim, tmp_path)
    assert run.burst(1, "m") == (1, "none")
    message = [m for m in dsim.messages("general") if m["content"].startswith("m ")][0]
    assert message["mention_everyone"] is False
    run.stop()


def test_a_429_is_retried_and_the_script_never_sees_it(bot, dsim, tmp_path):
    run = Run(bot, dsim, tmp_path)
    dsim.rest_fault(MESSAGES, kind="429", count=1, retry_after=0.4)
    assert run.burst(2, "r") == (2, "none")
    assert run.posted("r") == ["r 1 @everyone", "r 2 @everyone"]  # each exactly once, in order
    assert dsim.counters()["rest"]["ratelimited"]["user"] == 1
    run.process.wait_for_log("rate limited (429")
    run.stop()


def test_a_post_is_not_repeated_after_a_5xx(bot, dsim, tmp_path):
    run = Run(bot, dsim, tmp_path)
    before = run.requests(MESSAGES)
    dsim.rest_fault(MESSAGES, kind="5xx", status=502, count=1)
    sent, error = run.burst(1, "f")
    assert sent == 0 and "502" in error
    assert run.requests(MESSAGES) == before + 1
    assert run.posted("f") == []
    run.stop()


def test_after_a_401_requests_fail_locally(bot, dsim, tmp_path):
    run = Run(bot, dsim, tmp_path)
    dsim.rest_fault(MESSAGES, kind="5xx", status=401, count=1)
    sent, error = run.burst(3, "u")
    assert sent == 0 and "401" in error
    # The first send met the 401; the two after it never reached Discord.
    assert run.requests(MESSAGES) == 1
    run.process.wait_for_log("bot token is invalid or was reset")
    assert "DISCORD_TOKEN" in run.burst(1, "u2")[1]
    assert run.requests(MESSAGES) == 1
    run.stop()


def test_a_cloudflare_ban_is_named_and_nothing_more_is_sent(bot, dsim, tmp_path):
    run = Run(bot, dsim, tmp_path)
    dsim.rest_fault(MESSAGES, kind="cloudflare", count=1)
    hit = dsim.inject_command("burst", {"count": 2, "tag": "c"}, channel="general")
    run.process.wait_for_log("Cloudflare blocked this IP")
    # The banned request and everything after it would wait minutes: they fail locally, nothing is re-sent.
    run.process.wait_for_log("not sent: would wait")
    # Interaction tokens are credentials for 15 minutes: paths in the log carry a mask instead.
    assert "/webhooks/" in run.process.stderr()
    assert dsim.interaction(hit["id"])["token"] not in run.process.stderr()
    assert run.requests(MESSAGES) == 1
    assert run.posted("c") == []
    run.stop()
