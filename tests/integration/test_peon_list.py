"""/list against the real binary and both simulators: servers of every orchestrator fetched at once, an
unreachable orchestrator shown as such while the others are still listed, long lists paged with buttons
that fetch again, orchestrator health with URLs for admins only, and the union of every orchestrator's plans."""
from orcsim.client import free_port, start_orchestrator

from botrun import ADMIN, ORC_KEY, register_orchestrator
from peon_answers import answer, assert_no_key, buttons, finish, opts, settle, text_of

SECOND_KEY = "second-orc-key-Xq81"


def second_orchestrator(tmp_path):
    return start_orchestrator(api_key=SECOND_KEY, seed="empty", tick_period=0)


def test_servers_of_every_orchestrator_with_one_down(peon, sim, orc, tmp_path):
    process = peon()
    before = settle(orc)
    with second_orchestrator(tmp_path) as second:
        second.add_server("terraria.remote", state="running")
        second.add_server("vrising.night", state="paused")
        register_orchestrator(tmp_path / "data", "second", second.url, SECOND_KEY)
        register_orchestrator(tmp_path / "data", "down", f"http://127.0.0.1:{free_port()}", "down-key-55")
        injected = sim.command("list", opts(type="servers"))
        message = answer(sim, injected)
        text = text_of(message)
        # Every orchestrator asked once, the unreachable one named with why, the others listed in full.
        assert orc.count("GET /servers") == before["GET /servers"] + 1 and second.count("GET /servers") == 1
        assert "🏢 **local** · 4 servers" in text, text
        assert "🟢 **valheim.bob** · running" in text and "🔴 **palworld.alice** · exited" in text
        assert "🏢 **second** · 2 servers" in text
        assert "🟢 **terraria.remote** · running" in text and "🟡 **vrising.night** · paused" in text
        assert "🏢 **down** · not reachable" in text and "Could not reach orchestrator **down**" in text
        assert "🔴 **satisfactory.factory** · created" in text
        assert "1 not reachable" in text and "Page 1/1" in text and "6 servers on 3 orchestrator(s)" in text
        assert "127.0.0.1" not in text  # no orchestrator address in a public message, not even in an error
        assert buttons(message) == []
        # Each list lists its own servers under its own header.
        assert text.index("valheim.bob") < text.index("**second**") < text.index("terraria.remote")
        assert_no_key(sim, process, injected["id"], keys=(ORC_KEY, SECOND_KEY, "down-key-55"))
    finish(process)


def test_long_server_list_pages_with_buttons_that_fetch_again(peon, sim, orc):
    for i in range(70):
        orc.add_server(f"terraria.camp{i:03d}", state="exited")
    process = peon()
    settle(orc)
    first = answer(sim, sim.command("list", opts(type="servers")))
    text = text_of(first)
    assert "Page 1/" in text and "74 servers" in text
    pages = int(text.split("Page 1/")[1].split(" ")[0])
    assert pages >= 2
    for embed in first["embeds"]:
        assert len(embed["description"]) < 4096
    previous, following = buttons(first)
    assert previous["disabled"] and not following.get("disabled")
    assert following["custom_id"] == "list_pages:show:servers:2"
    before = orc.count("GET /servers")

    pressed = sim.component(following["custom_id"], message={"id": "1", "channel_id": "1", "flags": 0})
    second = answer(sim, pressed)
    assert orc.count("GET /servers") == before + 1  # a press shows the orchestrator's list as it is now
    page2 = text_of(second)
    assert f"Page 2/{pages}" in page2
    seen1 = {line for line in first["embeds"][0]["description"].split("\n") if "camp" in line}
    seen2 = {line for line in second["embeds"][0]["description"].split("\n") if "camp" in line}
    assert seen2 and not seen1 & seen2
    assert "(continued)" in page2  # the group header comes along onto the next page
    previous, following = buttons(second)
    assert previous["custom_id"] == "list_pages:show:servers:1" and not previous.get("disabled")

    # Every server is on some page, exactly once.
    listed = set()
    for page in range(1, pages + 1):
        shown = answer(sim, sim.component(f"list_pages:show:servers:{page}"))
        listed |= {line for line in shown["embeds"][0]["description"].split("\n") if "terraria.camp" in line}
    assert len(listed) == 70
    finish(process)


def test_orchestrator_health_shows_urls_to_admins_only(peon, sim, orc, tmp_path):
    process = peon()
    before = settle(orc)
    down_url = f"http://127.0.0.1:{free_port()}"
    register_orchestrator(tmp_path / "data", "down", down_url, "down-key-55")

    member = sim.command("list", opts(type="orchestrators"))
    text = text_of(answer(sim, member))
    assert "🟢 **local** · version 1.3.0 ·" in text and " ms" in text
    assert "🔴 **down**" in text and "Could not reach orchestrator **down**" in text
    assert "127.0.0.1" not in text and down_url not in text
    assert sim.wait_initial(member["id"])["initial"]["data"]["flags"] & 64  # always a private answer

    admin = sim.command("list", opts(type="orchestrators"), permissions=ADMIN)
    text = text_of(answer(sim, admin))
    assert f"`{orc.url}`" in text and f"`{down_url}`" in text
    assert orc.count("GET /orchestrator") == before["GET /orchestrator"] + 2
    assert_no_key(sim, process, member["id"], admin["id"], keys=(ORC_KEY, "down-key-55"))
    finish(process)


def test_plans_union_says_which_orchestrator_has_each(peon, sim, orc, tmp_path):
    process = peon()
    before = settle(orc)
    with second_orchestrator(tmp_path) as second:
        second.add_plan("sunkenland", "Sunkenland")
        second.remove_plan("valheim")
        register_orchestrator(tmp_path / "data", "second", second.url, SECOND_KEY)
        message = answer(sim, sim.command("list", opts(type="plans")))
        text = text_of(message)
        assert orc.count("GET /plans") == before["GET /plans"] + 1 and second.count("GET /plans") == 1
        assert "🎮 **Valheim** (`valheim`) · on local\n" in text + "\n", text
        assert "🎮 **Sunkenland** (`sunkenland`) · on second" in text
        assert "🎮 **Palworld** (`palworld`) · on local, second" in text
        assert "14 games on 2 orchestrator(s)" in text
        # Sorted by title.
        assert text.index("**Ark**") < text.index("**Palworld**") < text.index("**Valheim**")
    finish(process)


def test_no_orchestrator_says_how_to_add_one(bot, sim, tmp_path):
    from botrun import FAKE_TOKEN
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_DATA_DIR=str(tmp_path / "data")).start()
    sim.wait_ready()
    process.wait_for_log("INFO  commands:")
    text = text_of(answer(sim, sim.command("list", opts(type="servers"))))
    assert "No orchestrator is registered yet" in text and "PEON_ORCHESTRATOR_URL" in text
    finish(process)
