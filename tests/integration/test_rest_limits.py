"""The real binary's Discord REST path against the simulator's rate limits: buckets are waited out instead
of hit, a 429 is retried without the script noticing, a POST is never repeated after a 5xx, a 401 makes
later requests fail locally, and a Cloudflare ban is named in the log. Scripts reach REST through
discord.send_message, so this also covers the Lua binding. Last, a script that hogs the event loop is named
(file:line) by the loop watchdog."""
import json
import pathlib
import time
import urllib.request

from botrun import FAKE_TOKEN, assert_clean_sanitizers

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_rest"
MESSAGES = "POST /channels/{id}/messages"     # the simulator's route key
MESSAGES_PATH = r"^/channels/\d+/messages$"  # what its faults match


class Run:
    def __init__(self, bot, sim, tmp_path):
        self.sim = sim
        self.process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(SCRIPTS),
                           PEON_DATA_DIR=str(tmp_path / "data")).start()
        sim.wait_ready()
        self.process.wait_for_log("ready (session established)")
        self.process.wait_for_log("INFO  commands:")

    def burst(self, count, tag, timeout=20):
        record = self.sim.wait_events(self.inject(count, tag)["id"], 2, timeout=timeout)  # defer, then answer
        assert [e["kind"] for e in record["events"]] == ["callback", "edit_original"], record["events"]
        sent, _, error = record["events"][1]["data"]["content"].partition("|")
        return int(sent.split()[1]), error

    def inject(self, count, tag, channel=None):
        options = [{"name": "count", "type": 4, "value": count}, {"name": "tag", "type": 3, "value": tag}]
        if channel:
            options.append({"name": "channel", "type": 3, "value": channel})
        return self.sim.command("burst", options, channel="peon")

    def posted(self, tag, channel="peon"):
        return [m["content"] for m in self.sim.messages(channel) if m["content"].startswith(tag + " ")]

    def requests(self, route):
        return self.sim.counters()["rest"]["requests"].get(route, 0)

    def rate_limited(self, scope):
        return self.sim.counters()["rest"]["429"][scope]

    def stop(self):
        assert self.process.stop() == 0
        assert_clean_sanitizers(self.process.stderr())


def test_bucket_limit_is_waited_out_not_hit(bot, sim, tmp_path):
    sim.ratelimits(buckets=[{"routes": [MESSAGES], "limit": 2, "window": 1.0}])
    run = Run(bot, sim, tmp_path)
    started = time.monotonic()
    assert run.burst(6, "w") == (6, "none")
    # Six messages at two per second take at least two full windows when nothing is hit.
    assert time.monotonic() - started >= 1.8
    assert run.posted("w") == [f"w {i} @everyone" for i in range(1, 7)]
    assert run.rate_limited("user") == 0
    run.stop()


def create_channel(sim, name):
    """Through the simulator's REST API, as an admin would: the bot learns it from CHANNEL_CREATE."""
    guild = sim.state()["guilds"][0]["id"]
    request = urllib.request.Request(f"{sim.rest}/guilds/{guild}/channels", method="POST",
                                     data=json.dumps({"name": name, "type": 0}).encode(),
                                     headers={"Authorization": f"Bot {FAKE_TOKEN}", "Content-Type": "application/json",
                                              "User-Agent": "peon-bot tests"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def test_500_sends_over_5_channels_all_delivered_in_order_without_a_429(bot, sim, tmp_path):
    sim.ratelimits(buckets=[{"routes": [MESSAGES], "limit": 5, "window": 2.0}])
    run = Run(bot, sim, tmp_path)
    channels = ["peon", "valheim-bob", "palworld-alice", "extra-one", "extra-two"]
    for name in channels[3:]:
        create_channel(sim, name)
    time.sleep(0.5)  # CHANNEL_CREATE reaches the bot's cache
    hits = [run.inject(100, f"c{i}", channel) for i, channel in enumerate(channels)]
    for hit in hits:  # 100 per channel at 5 per 2 s: about 40 s, the five channels in parallel
        record = sim.wait_events(hit["id"], 2, timeout=90)
        assert record["events"][1]["data"]["content"] == "sent 100|none"
    for i, channel in enumerate(channels):
        assert run.posted(f"c{i}", channel) == [f"c{i} {n} @everyone" for n in range(1, 101)]
    assert run.rate_limited("user") == 0 and run.rate_limited("global") == 0
    run.stop()


def test_a_global_429_pauses_and_loses_nothing(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(MESSAGES_PATH, count=1, status=429, scope="global", retry_after=1.0)
    started = time.monotonic()
    assert run.burst(3, "g") == (3, "none")
    assert time.monotonic() - started >= 0.9  # the pause was honoured
    assert run.posted("g") == ["g 1 @everyone", "g 2 @everyone", "g 3 @everyone"]
    assert run.rate_limited("global") == 1
    run.stop()


def test_a_read_is_retried_after_502s(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(r"^/channels/\d+$", count=2, status=502)
    hit = sim.command("channel", channel="valheim-bob")
    assert sim.wait_initial(hit["id"])["initial"]["data"]["content"] == "name valheim-bob"
    assert sim.counters()["rest"]["5xx"] == 2
    run.stop()


def test_messages_from_scripts_ping_nobody(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    assert run.burst(1, "m") == (1, "none")
    message = [m for m in sim.messages("peon") if m["content"].startswith("m ")][0]
    assert message["mention_everyone"] is False and message["allowed_mentions"] == {"parse": []}
    run.stop()


def test_a_429_is_retried_and_the_script_never_sees_it(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(MESSAGES_PATH, count=1, status=429, retry_after=0.4)
    assert run.burst(2, "r") == (2, "none")
    assert run.posted("r") == ["r 1 @everyone", "r 2 @everyone"]  # each exactly once, in order
    assert run.rate_limited("user") == 1
    run.process.wait_for_log("rate limited (429")
    run.stop()


def test_a_post_is_not_repeated_after_a_5xx(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(MESSAGES_PATH, count=1, status=502)
    sent, error = run.burst(1, "f")
    assert sent == 0 and "502" in error
    counters = sim.counters()["rest"]
    assert counters["5xx"] == 1 and counters["requests"].get(MESSAGES, 0) == 0  # sent once, never again
    assert run.posted("f") == []
    run.stop()


def test_after_a_401_requests_fail_locally(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(MESSAGES_PATH, count=1, status=401)
    sent, error = run.burst(3, "u")
    assert sent == 0 and "401" in error
    # The first send met the 401; the two after it never reached Discord.
    assert sim.counters()["rest"]["5xx"] == 1 and run.requests(MESSAGES) == 0
    run.process.wait_for_log("bot token is invalid or was reset")
    assert "DISCORD_TOKEN" in run.burst(1, "u2")[1]
    assert run.requests(MESSAGES) == 0
    run.stop()


def test_a_cloudflare_ban_is_named_and_nothing_more_is_sent(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    sim.rest_fault(MESSAGES_PATH, count=1, status=429, html=True)
    hit = run.inject(2, "c")
    run.process.wait_for_log("Cloudflare blocked this IP")
    # The banned request and everything after it would wait minutes: they fail locally, nothing is re-sent.
    run.process.wait_for_log("not sent: would wait")
    # Interaction tokens are credentials for 15 minutes: paths in the log carry a mask instead.
    assert "/webhooks/" in run.process.stderr()
    assert sim.interaction(hit["id"])["token"] not in run.process.stderr()
    assert run.rate_limited("cloudflare") == 1 and run.requests(MESSAGES) == 0
    assert run.posted("c") == []
    run.stop()


def test_a_blocked_loop_is_reported_with_the_script_line(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    hit = sim.command("hog", channel="peon")
    run.process.wait_for_log("the event loop is blocked")
    run.process.wait_for_log("the event loop was blocked for")
    lines = [line for line in run.process.stderr().splitlines() if "event loop" in line]
    assert len(lines) == 2 and all("commands/hog.lua:" in line and "(/hog)" in line for line in lines), lines
    # The core still answered: late, but the guard's deferral and the handler's reply went out.
    assert sim.wait_events(hit["id"], 1)["events"]
    run.stop()


def test_files_from_a_script_go_as_multipart_attachments(bot, sim, tmp_path):
    run = Run(bot, sim, tmp_path)
    hit = sim.command("attach", channel="peon")
    assert sim.wait_initial(hit["id"])["initial"]["data"]["content"] == "posted 2"
    message = [m for m in sim.messages("peon") if m["content"] == "logs attached"][0]
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("server.log", 5000), ("notes.txt", 5)]
    run.stop()
