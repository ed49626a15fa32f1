"""/debug against the real binary and both simulators: refused to members without Manage Server (nothing
sent to any orchestrator); for admins every orchestrator checked at once (reachable, latency, version, plan
count) plus the bot's own REST and script counters; list_plans gives each orchestrator's game_uids."""
from orcsim.client import free_port, start_orchestrator

from botrun import ADMIN, ORC_KEY, register_orchestrator
from peon_answers import answer, assert_no_key, finish, opts, settle, text_of

SECOND_KEY = "second-orc-key-Xq81"


def test_debug_is_refused_to_members(peon, sim, orc):
    process = peon()
    before = settle(orc)
    total = orc.counters()["total"]
    message = answer(sim, sim.command("debug", opts(action="test_connectivity")))
    assert "capability" in text_of(message) and message["flags"] & 64
    assert orc.counters()["total"] == total and orc.count("GET /orchestrator") == before["GET /orchestrator"]
    finish(process)


def test_connectivity_of_every_orchestrator_and_the_bot(peon, sim, orc, tmp_path):
    process = peon()
    before = settle(orc)
    with start_orchestrator(api_key=SECOND_KEY, seed="empty", version="2.0.1", tick_period=0) as second:
        second.set_plan_catalogue("empty")
        register_orchestrator(tmp_path / "data", "second", second.url, SECOND_KEY)
        register_orchestrator(tmp_path / "data", "down", f"http://127.0.0.1:{free_port()}", "down-key-55")
        injected = sim.command("debug", opts(action="test_connectivity"), permissions=ADMIN)
        message = answer(sim, injected)
        assert sim.wait_initial(injected["id"])["initial"]["data"]["flags"] & 64
        fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
        local = fields["🟢 local"]
        assert "Reachable: yes" in local and "Version: 1.3.0" in local and "Plans: 13" in local
        assert "Latency: " in local and " ms" in local
        assert "Version: 2.0.1" in fields["🟢 second"] and "Plans: not readable" in fields["🟢 second"]
        assert "Reachable: no" in fields["🔴 down"] and "Could not reach orchestrator **down**" in fields["🔴 down"]
        bot = fields["Discord and the bot"]
        assert "REST: " in bot and "Rate limits: " in bot and "Scripts: " in bot
        assert "Gateway: heartbeat" in bot and "1/1 shards ready" in bot
        # Each orchestrator asked once for its version and once for its plans.
        assert orc.count("GET /orchestrator") == before["GET /orchestrator"] + 1
        assert orc.count("GET /plans") == before["GET /plans"] + 1
        assert second.count("GET /orchestrator") == 1 and second.count("GET /plans") == 1
        assert_no_key(sim, process, injected["id"], keys=(ORC_KEY, SECOND_KEY, "down-key-55"))
    finish(process)


def test_list_plans_gives_each_orchestrators_game_uids(peon, sim, orc):
    process = peon()
    message = answer(sim, sim.command("debug", opts(action="list_plans"), permissions=ADMIN))
    text = text_of(message)
    assert "local · 13 plans" in text
    assert "`7dtd`, `ark`, `cs2`, `csgo`, `enshrouded`" in text and "`valheim`, `vrising`" in text
    finish(process)
