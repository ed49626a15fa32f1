"""Notifications through the real binary, both simulators and a local webhook receiver: a state change seen
by the poller reaches the configured channel (with only the configured role pinged) and the webhook; an
orchestrator is reported down only after 3 failed polls in a row and recovered after that; created,
deleted and crashed servers are reported; webhook URLs never show up in messages or logs; /notify add
refuses URLs that are not Discord webhooks."""
import threading
import time

from botrun import ADMIN, ORC_KEY, ThreadedServer, assert_clean_sanitizers, wait_until
from test_peon_board import board, channel
from test_peon_server import answer, embed_text, opts

TOKEN = "hK3vR9qL2xW7nB4mT8yC1dF6gJ0sA5pZ-eU_iO3lQ7rV2kN9wX4cH8bM1tY6fG0jD5aS"  # like Discord's 68 characters
MEMBER = "500000000000000042"


class WebhookReceiver(ThreadedServer):
    """Acts like Discord's Execute Webhook: the first request is answered 429 (as a busy webhook would), the
    rest 204; every JSON body is recorded."""

    def __init__(self):
        super().__init__()
        self.bodies = []
        self.attempts = 0
        self.lock = threading.Lock()

    def make_app(self):
        from aiohttp import web

        async def execute(request):
            with self.lock:
                self.attempts += 1
                first = self.attempts == 1
            if first:
                return web.json_response({"message": "You are being rate limited.", "retry_after": 0.2,
                                          "global": False}, status=429, headers={"Retry-After": "1"})
            body = await request.json()
            with self.lock:
                self.bodies.append(body)
            return web.Response(status=204)
        app = web.Application()
        app.router.add_post("/api/webhooks/{id}/{token}", execute)
        return app

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/api/webhooks/1177000000000000001/{TOKEN}"

    def titles(self):
        with self.lock:
            return [e["title"] for b in self.bodies for e in b.get("embeds", [])]


def notify(sim, sub, **options):
    kinds = {"channel": 7, "mention_role": 8, "id": 4}
    opts_list = [{"name": k, "type": kinds.get(k, 3), "value": v} for k, v in options.items()]
    return answer(sim, sim.command("notify", [{"name": sub, "type": 1, "options": opts_list}], permissions=ADMIN))


def roles(sim):
    return {r["name"]: r["id"] for r in sim.state()["guilds"][0]["roles"]}


def titles(sim, channel_id):
    return [e["title"] for m in sim.messages(channel_id) for e in m["embeds"]]


def everything_the_bot_said(sim):
    texts = []
    for guild in sim.state()["guilds"]:
        for c in guild["channels"]:
            texts += [str(m) for m in sim.messages(c["id"])]
    return "\n".join(texts)


def finish(process):
    assert process.stop() == 0
    err = process.stderr()
    assert ORC_KEY not in err and TOKEN not in err
    assert_clean_sanitizers(err)


def test_state_change_reaches_the_channel_and_the_webhook(peon, sim, orc):
    with WebhookReceiver() as hook:
        process = peon()
        alerts = channel(sim, "peon")
        players = roles(sim)["Players"]
        added = notify(sim, "add", channel=alerts, mention_role=players)
        text = embed_text(added)
        assert "Target **#1**" in text and f"<#{alerts}>" in text and "`all`" in text and added["flags"] & 64
        added = notify(sim, "add", webhook_url=hook.url, events="states")
        text = embed_text(added)
        assert "Target **#2**" in text and "webhook …/" + TOKEN[-4:] in text and TOKEN not in text
        assert "started,stopped,crashed" in text

        answer(sim, sim.command("server", opts(action="start", server="palworld.alice")))
        message = wait_until(lambda: [m for m in sim.messages(alerts) if m["embeds"]
                                      and m["embeds"][0]["title"] == "🟢 palworld.alice started"], 20)
        assert message, titles(sim, alerts)
        assert message[0]["content"] == f"<@&{players}>"
        assert message[0]["allowed_mentions"] == {"parse": [], "roles": [players]}
        assert wait_until(lambda: "🟢 palworld.alice started" in hook.titles(), 20), hook.bodies
        assert hook.attempts >= 2  # the 429 was waited out and the notification sent again
        body = hook.bodies[0]
        assert body["allowed_mentions"] == {"parse": []} and "content" not in body
        assert "local" in body["embeds"][0]["description"]

        listed = embed_text(notify(sim, "list"))
        assert "**#1**" in listed and "**#2**" in listed and "webhook …/" + TOKEN[-4:] in listed
        assert hook.url not in listed and TOKEN not in listed
        tested = embed_text(notify(sim, "test", id=2))
        assert "Test sent to target **#2**" in tested
        assert wait_until(lambda: "🔔 Test notification" in hook.titles(), 10)

        removed = embed_text(notify(sim, "remove", id=2))
        assert "**#2**" in removed and TOKEN not in removed
        assert "**#2**" not in embed_text(notify(sim, "list"))
        assert TOKEN not in everything_the_bot_said(sim)
        finish(process)


def test_orchestrator_down_only_after_three_failed_polls_then_recovered(peon, sim, orc):
    process = peon()
    alerts = channel(sim, "peon")
    notify(sim, "add", channel=alerts, events="orchestrators")
    board(sim, "refresh")  # a good poll first
    orc.fail_next("GET /servers", count=None, status=500)

    def failed_polls():
        return len([r for r in orc.requests(route="GET /servers") if r["status"] == 500])

    def down_notices():
        return [t for t in titles(sim, alerts) if "is not answering" in t]
    for _ in range(2):
        board(sim, "refresh")
    assert 2 <= failed_polls()
    if failed_polls() < 3:  # (a background poll may have added one)
        time.sleep(0.5)  # notices go out from a task of their own: give a wrong one the time to show
        assert down_notices() == []
    while failed_polls() < 5:
        board(sim, "refresh")
    assert wait_until(down_notices, 10)
    assert down_notices() == ["⚠️ Orchestrator local is not answering"]
    [message] = [m for m in sim.messages(alerts) if m["embeds"][0]["title"].endswith("is not answering")]
    assert "HTTP 500" in message["embeds"][0]["description"] and orc.url not in str(message)

    orc.clear_faults()
    board(sim, "refresh")
    assert wait_until(lambda: "✅ Orchestrator local is back" in titles(sim, alerts), 10)
    board(sim, "refresh")
    assert len(down_notices()) == 1 and titles(sim, alerts).count("✅ Orchestrator local is back") == 1
    finish(process)


def test_created_deleted_and_crashed_servers_are_reported(peon, sim, orc):
    process = peon()
    alerts = channel(sim, "peon")
    notify(sim, "add", channel=alerts, events="servers")
    board(sim, "refresh")
    orc.add_server("valheim.newcamp", state="exited")
    orc.modify_server("valheim.bob", probe_ok=False)  # running, but the probe fails: UNKNOWN
    orc.remove_server("palworld.alice")
    board(sim, "refresh")
    expected = ["✨ valheim.newcamp was created", "⚠️ valheim.bob is unknown", "🗑️ palworld.alice was deleted"]
    assert wait_until(lambda: all(t in titles(sim, alerts) for t in expected), 10), titles(sim, alerts)
    board(sim, "refresh")
    assert len(titles(sim, alerts)) == 3  # nothing twice
    finish(process)


def test_notify_add_refuses_urls_that_are_not_discord_webhooks(peon, sim, orc):
    process = peon()
    for url in ("https://example.com/api/webhooks/1/" + TOKEN, "https://discord.com.evil.example/api/webhooks/1/x",
                "http://discord.com/api/webhooks/1/" + TOKEN, "http://10.0.0.1:8080/api/webhooks/1/" + TOKEN,
                "https://discord.com/api/channels/1/messages"):
        refused = embed_text(notify(sim, "add", webhook_url=url))
        assert "not a Discord webhook URL" in refused and url not in refused and TOKEN not in refused
    assert "No targets yet" in embed_text(notify(sim, "list"))
    accepted = embed_text(notify(sim, "add", webhook_url="https://discord.com/api/webhooks/1177/" + TOKEN))
    assert "Target **#1**" in accepted and TOKEN not in accepted
    bad = embed_text(notify(sim, "add", events="started,exploded"))
    assert "`exploded` is not an event" in bad
    member = answer(sim, sim.command("notify", [{"name": "list", "type": 1, "options": []}], user_id=MEMBER,
                                     permissions="0"))
    assert "'manage' capability" in (member.get("content") or "")
    finish(process)
