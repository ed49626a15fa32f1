"""/create against the real binary and both simulators: the plan's settings asked in a modal (required ones
first, optional ones prefilled), the create request with exactly those settings, who created what where;
bad or taken names refused before anything reaches the orchestrator; a failed create shows what the
orchestrator said; more than five required settings take a second form; the orchestrator is chosen, or
asked for when several offer the game; autocomplete answers from the cache."""
from orcsim.client import start_orchestrator

from botrun import ADMIN, ORC_KEY, register_orchestrator, wait_until
from peon_answers import answer, assert_no_key, buttons, finish, opts, settle, text_of

SECOND_KEY = "second-orc-key-Xq81"
USER = "500000000000000042"


def create(sim, **options):
    return sim.command("create", opts(**options), permissions=ADMIN, user_id=USER)


def modal_inputs(modal):
    return [row["components"][0] for row in modal["components"]]


def puts(orc):
    return orc.requests(route="PUT /server/create")


def test_required_settings_asked_in_a_modal_then_created(peon, sim, orc):
    process = peon()
    settle(orc)
    injected = create(sim, game_type="palworld", server_name="  My Camp ", description="Weekend fun")
    initial = sim.wait_initial(injected["id"])["initial"]
    assert initial["type"] == 9, initial
    modal = initial["data"]
    assert modal["title"] == "Create palworld.my_camp"
    inputs = modal_inputs(modal)
    assert [(i["label"], i["required"]) for i in inputs] == [("SERVER_NAME", True), ("PASSWORD", True)]
    assert orc.requests(route="GET /plan") and not puts(orc)  # nothing created before the form is filled in

    submitted = sim.modal_submit(modal["custom_id"], {"s1": "Alice's world", "s2": "hunter2"}, user_id=USER)
    message = answer(sim, submitted, timeout=30)
    assert sim.wait_initial(submitted["id"])["initial"]["type"] == 5  # deferred: creating takes a while
    text = text_of(message)
    assert "🎉 Server created" in text
    assert f"<@{USER}> created **palworld.my\\_camp** on orchestrator **local**" in text, text
    assert "only orchestrator registered" in text and "🟢 running" in text and "Weekend fun" in text
    sent = puts(orc)
    assert len(sent) == 1 and sent[0]["path"] == "/api/v1/server/create/palworld.my_camp"
    assert sent[0]["body"] == {"SERVER_NAME": "Alice's world", "PASSWORD": "hunter2", "description": "Weekend fun"}
    # The cache learns about the new server without waiting for its next round.
    assert wait_until(lambda: orc.requests(route="GET /servers")[-1]["id"] > sent[0]["id"])
    assert_no_key(sim, process, injected["id"], submitted["id"])
    finish(process)


def test_bad_server_names_are_refused_with_nothing_sent(peon, sim, orc):
    process = peon()
    settle(orc)
    total = orc.counters()["total"]
    for name, why in (("my.server", "contains a dot"), ("café", "characters a server name cannot use"),
                      ("x" * 41, "at most 40 characters"), ("a/b", "characters a server name cannot use")):
        message = answer(sim, create(sim, game_type="valheim", server_name=name))
        assert why in text_of(message) and message["flags"] & 64, (name, text_of(message))
    assert orc.counters()["total"] == total
    finish(process)


def test_an_existing_server_name_is_refused(peon, sim, orc):
    process = peon()
    settle(orc)
    message = answer(sim, create(sim, game_type="valheim", server_name="Bob"))
    assert "A server **valheim.bob** already exists on **local**" in text_of(message)
    assert not orc.requests(route="GET /plan") and not puts(orc)
    finish(process)


def test_a_failed_create_shows_what_the_orchestrator_said(peon, sim, orc):
    process = peon()
    settle(orc)
    modal = answer(sim, create(sim, game_type="minecraft", server_name="blocks"))
    inputs = modal_inputs(modal)
    # Required settings first, in the plan's order, then optional ones with their defaults.
    assert [i["label"] for i in inputs] == ["SERVER_NAME", "MOTD", "EULA", "MEMORY", "GAME_MODE"]
    assert [i["required"] for i in inputs] == [True, True, False, False, False]
    assert inputs[3]["value"] == "4G" and "value" not in inputs[0]
    submitted = sim.modal_submit(modal["custom_id"], {"s1": "Blocks", "s2": "Hi", "s3": "TRUE", "s4": "8G",
                                                      "s5": ""}, user_id=USER)
    text = text_of(answer(sim, submitted, timeout=30))
    # minecraft.steve already holds the port: the orchestrator refuses to start the new server.
    assert "Could not create minecraft.blocks" in text and "minecraft.steve" in text, text
    assert "Fix what the orchestrator names" in text
    sent = puts(orc)
    assert len(sent) == 1
    assert sent[0]["body"] == {"SERVER_NAME": "Blocks", "MOTD": "Hi", "EULA": "TRUE", "MEMORY": "8G",
                               "description": "A PEON Minecraft Java Edition server."}
    finish(process)


def test_more_than_five_required_settings_take_a_second_form(peon, sim, orc):
    environment = {f"SETTING_{i}": None for i in range(1, 8)}
    environment["EXTRA"] = "yes"
    orc.add_plan("bigcamp", "Big Camp", environment=environment, ports=[[{"PORT": ["30100", "udp"]}]])
    process = peon()
    settle(orc)
    first = answer(sim, create(sim, game_type="bigcamp", server_name="huge"))
    assert first["title"].startswith("(1/2)")
    assert [i["label"] for i in modal_inputs(first)] == [f"SETTING_{i}" for i in range(1, 6)]
    step1 = sim.modal_submit(first["custom_id"], {f"s{i}": f"v{i}" for i in range(1, 6)}, user_id=USER)
    reply = answer(sim, step1)
    assert "Part 1 of 2 saved" in text_of(reply) and reply["flags"] & 64
    (button,) = buttons(reply)
    assert not puts(orc)

    second = answer(sim, sim.component(button["custom_id"], user_id=USER))
    assert [i["label"] for i in modal_inputs(second)] == ["SETTING_6", "SETTING_7", "EXTRA"]
    step2 = sim.modal_submit(second["custom_id"], {"s1": "v6", "s2": "v7", "s3": "yes"}, user_id=USER)
    assert "🎉 Server created" in text_of(answer(sim, step2, timeout=30))
    body = puts(orc)[0]["body"]
    assert body == dict({f"SETTING_{i}": f"v{i}" for i in range(1, 8)}, EXTRA="yes", description=body["description"])

    # The form was used up: pressing Continue again cannot send a second create.
    again = answer(sim, sim.component(button["custom_id"], user_id=USER))
    assert "expired" in text_of(again) and len(puts(orc)) == 1
    finish(process)


def test_orchestrator_chosen_or_asked_for(peon, sim, orc, tmp_path):
    process = peon()
    settle(orc)
    with start_orchestrator(api_key=SECOND_KEY, seed="empty", tick_period=0) as second:
        second.add_plan("sunkenland", "Sunkenland", environment={"SERVER_NAME": None})
        register_orchestrator(tmp_path / "data", "second", second.url, SECOND_KEY)
        # Both offer palworld: the user has to say where.
        message = answer(sim, create(sim, game_type="palworld", server_name="twin"))
        assert "Several orchestrators offer `palworld` (local, second)" in text_of(message)
        assert not second.requests(route="GET /plan") and not orc.requests(route="GET /plan")
        # Said explicitly: the form comes from that orchestrator.
        modal = answer(sim, create(sim, game_type="palworld", server_name="twin", orchestrator="second"))
        assert modal["title"] == "Create palworld.twin" and second.requests(route="GET /plan")
        # Only one offers sunkenland: chosen for the user, and the answer says so.
        modal = answer(sim, create(sim, game_type="sunkenland", server_name="isle"))
        submitted = sim.modal_submit(modal["custom_id"], {"s1": "Isle"}, user_id=USER)
        text = text_of(answer(sim, submitted, timeout=30))
        assert "on orchestrator **second**" in text and "only orchestrator that offers `sunkenland`" in text
        assert [r["path"] for r in puts(second)] == ["/api/v1/server/create/sunkenland.isle"] and not puts(orc)
        assert_no_key(sim, process, submitted["id"], keys=(ORC_KEY, SECOND_KEY))
    finish(process)


def test_autocomplete_answers_from_the_cache(peon, sim, orc):
    process = peon()
    settle(orc)
    total = orc.counters()["total"]
    typed = sim.autocomplete("create", [{"name": "game_type", "type": 3, "value": "VAL", "focused": True}],
                             permissions=ADMIN)
    choices = sim.wait_initial(typed["id"])["initial"]["data"]["choices"]
    assert choices == [{"name": "Valheim (valheim)", "value": "valheim"}]
    typed = sim.autocomplete("create", [{"name": "game_type", "type": 3, "value": "palworld"},
                                        {"name": "server_name", "type": 3, "value": "x"},
                                        {"name": "orchestrator", "type": 3, "value": "", "focused": True}],
                             permissions=ADMIN)
    choices = sim.wait_initial(typed["id"])["initial"]["data"]["choices"]
    assert choices == [{"name": "local (offers palworld)", "value": "local"}]
    assert orc.counters()["total"] == total  # no request per keystroke
    finish(process)


def test_a_slow_orchestrator_gets_the_form_behind_a_button(peon, sim, orc):
    process = peon()
    settle(orc)
    # The checks before the form outlast Discord's 3 s, so the modal cannot be the first answer any more.
    orc.set_latency("GET /servers", 1.5)
    orc.set_latency("GET /plan/*", 1.5)
    injected = create(sim, game_type="palworld", server_name="patient")
    record = sim.wait_initial(injected["id"])
    assert record["initial"]["type"] == 5 and record["initial"]["data"]["flags"] & 64
    message = answer(sim, injected)
    assert "press the button to fill them in" in text_of(message)
    (button,) = buttons(message)
    orc.clear_latency()
    modal = answer(sim, sim.component(button["custom_id"], user_id=USER))
    assert modal["title"] == "Create palworld.patient"
    submitted = sim.modal_submit(modal["custom_id"], {"s1": "Patient", "s2": "pw"}, user_id=USER)
    assert "🎉 Server created" in text_of(answer(sim, submitted, timeout=30))
    assert [r["path"] for r in puts(orc)] == ["/api/v1/server/create/palworld.patient"]
    finish(process)


def test_someone_else_cannot_use_anothers_form(peon, sim, orc):
    process = peon()
    settle(orc)
    modal = answer(sim, create(sim, game_type="palworld", server_name="mine"))
    stranger = sim.modal_submit(modal["custom_id"], {"s1": "x", "s2": "y"}, user_id="500000000000000666")
    assert "expired" in text_of(answer(sim, stranger)) and not puts(orc)
    finish(process)
