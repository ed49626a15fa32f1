"""The admin panel against the real binary and orchestrator simulators: registering (verified before it is
saved), removing with a confirmation, health, import, plan updates, create and system info; every button
is for admins only, and no API key ever reaches Discord or the log."""
from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers, closed_port, register_orchestrator
from panelkit import Session, answer, bound, components, custom_id, embed_text, is_private, modal_inputs, modal_of

USER = "500000000000000042"
OTHER = "500000000000000099"
SECOND_KEY = "second-key-9Lw4"


def finish(process, session, *secrets):
    assert process.stop() == 0
    err = process.stderr()
    for secret in (ORC_KEY,) + secrets:
        assert secret not in err
    assert_clean_sanitizers(err)
    session.assert_never_sent(ORC_KEY, *secrets)


def admin_session(sim):
    return Session(sim, USER, permissions=ADMIN)


def health(sim, session):
    return embed_text(answer(sim, session.press("admin:list")))


def test_register_a_second_orchestrator_through_the_modal(peon, sim, orc):
    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key=SECOND_KEY, seed="empty", tick_period=0, version="2.0.1") as second:
        second.add_server("valheim.carl", state="exited")
        process = peon()
        session = admin_session(sim)
        panel = session.peon("peon")
        modal = modal_of(sim, session.press(custom_id(panel, "admin:register")))
        assert set(modal_inputs(modal)) == {"name", "url", "key"}
        result = answer(sim, session.submit(modal["custom_id"], {"name": "north", "url": second.url + "/",
                                                                  "key": SECOND_KEY}))
        text = embed_text(result)
        assert is_private(result) and "north registered" in text and "2.0.1" in text and second.url in text
        assert [r["path"] for r in second.requests()][:1] == ["/api/v1/orchestrator"]

        listed = health(sim, session)
        assert "🟢 **north** — version 2.0.1" in listed and "🟢 **local**" in listed and "2/2 online" in listed
        servers = answer(sim, session.command("list", [{"name": "type", "type": 3, "value": "servers"}]))
        assert "valheim.carl" in embed_text(servers)
        finish(process, session, SECOND_KEY)


def test_register_with_a_wrong_key_says_401_and_saves_nothing(peon, sim, orc):
    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key=SECOND_KEY, seed="empty", tick_period=0) as second:
        process = peon()
        session = admin_session(sim)
        wrong = "wrong-key-Zq81"
        result = answer(sim, session.submit("admin:register_set", {"name": "north", "url": second.url,
                                                                   "key": wrong}))
        text = embed_text(result)
        assert "north was not registered" in text and "refused the bot's API key (HTTP 401)" in text
        assert "Nothing was saved" in text
        assert "north" not in health(sim, session)
        finish(process, session, wrong, SECOND_KEY)


def test_register_refuses_bad_input_without_calling_anything(peon, sim, orc):
    process = peon()
    session = admin_session(sim)
    result = answer(sim, session.submit("admin:register_set", {"name": "north", "url": "not a url",
                                                               "key": "k"}))
    assert "north was not registered" in embed_text(result) and "http://host:5000" in embed_text(result)
    result = answer(sim, session.submit("admin:register_set", {"name": "local", "url": orc.url, "key": "k"}))
    assert "already registered" in embed_text(result)
    finish(process, session)


def test_remove_goes_through_a_confirmation(peon, sim, orc, tmp_path):
    process = peon()
    register_orchestrator(tmp_path / "data", "north", f"http://127.0.0.1:{closed_port()}", SECOND_KEY)
    session = admin_session(sim)
    picker = answer(sim, session.press("admin:remove"))
    select = components(picker)[0]
    assert is_private(picker) and [o["value"] for o in select["options"]] == ["local", "north"]
    assert SECOND_KEY not in embed_text(picker)

    question = answer(sim, session.press(select["custom_id"], ["north"]))
    assert "Remove orchestrator north?" in embed_text(question)
    refused = answer(sim, session.press(custom_id(question, "admin:remove_confirmed:"), user_id=OTHER))
    assert is_private(refused) and "north" in health(sim, session)
    bare = answer(sim, session.press("admin:remove_confirmed:north"))
    assert "not a confirmation" in embed_text(bare) and "north" in health(sim, session)

    done = answer(sim, session.press(custom_id(question, "admin:remove_confirmed:")))
    assert "Orchestrator north removed" in embed_text(done) and done["components"] == []
    assert "north" not in health(sim, session)
    finish(process, session, SECOND_KEY)


def test_remove_cancel_keeps_the_registry(peon, sim, orc, tmp_path):
    process = peon()
    register_orchestrator(tmp_path / "data", "north", f"http://127.0.0.1:{closed_port()}", SECOND_KEY)
    session = admin_session(sim)
    question = answer(sim, session.press("admin:remove_pick", ["north"]))
    done = answer(sim, session.press(custom_id(question, "admin:cancel")))
    assert "registry is unchanged" in embed_text(done) and "north" in health(sim, session)
    finish(process, session, SECOND_KEY)


def test_the_environments_orchestrator_cannot_be_removed_here(peon, sim, orc):
    process = peon()
    session = admin_session(sim)
    picker = answer(sim, session.press("admin:remove"))
    assert components(picker)[0]["options"][0]["description"] == "from PEON_ORCHESTRATOR_URL"
    refused = answer(sim, session.press(components(picker)[0]["custom_id"], ["local"]))
    text = embed_text(refused)
    assert "PEON_ORCHESTRATOR_URL" in text and "every start" in text and refused["components"] == []
    # Even a confirmation made by hand for it is refused.
    refused = answer(sim, session.press(bound(USER, "admin:remove_confirmed:local")))
    assert "PEON_ORCHESTRATOR_URL" in embed_text(refused) and refused["components"] == []
    assert "🟢 **local**" in health(sim, session)
    finish(process, session)


def test_list_shows_health_and_urls(peon, sim, orc, tmp_path):
    process = peon()
    down = f"http://127.0.0.1:{closed_port()}"
    register_orchestrator(tmp_path / "data", "south", down, SECOND_KEY)
    session = admin_session(sim)
    result = answer(sim, session.press("admin:list"))
    text = embed_text(result)
    assert is_private(result)
    assert "🟢 **local** — version" in text and orc.url in text and "(environment)" in text
    assert "🔴 **south**" in text and down in text and "Could not reach orchestrator **south**" in text
    assert "1/2 online" in text
    finish(process, session, SECOND_KEY)


def test_import_puts_servers_on_every_orchestrator(peon, sim, orc):
    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key=SECOND_KEY, seed="empty", tick_period=0) as second:
        second.add_server("valheim.carl", state="exited")
        process = peon()
        session = admin_session(sim)
        register = session.submit("admin:register_set", {"name": "north", "url": second.url, "key": SECOND_KEY})
        assert "registered" in embed_text(answer(sim, register))
        orc.clear_requests()
        result = answer(sim, session.press("admin:import"))
        text = embed_text(result)
        assert "✅ **local**: 5 server(s)" in text and "✅ **north**: 1 server(s)" in text
        assert "2/2 orchestrators imported" in text
        assert orc.count("PUT /servers") == 1 and second.count("PUT /servers") == 1
        finish(process, session, SECOND_KEY)


def test_update_plans_reports_new_games_then_up_to_date(peon, sim, orc):
    process = peon()
    session = admin_session(sim)
    orc.add_plan("zugland", "Zug Land", pending=True)
    result = answer(sim, session.press("admin:plans"))
    text = embed_text(result)
    assert "local**: 1 new game(s): Zug Land" in text and "1 new game(s) in all" in text
    again = embed_text(answer(sim, session.press("admin:plans")))
    assert "local**: up to date" in again
    assert orc.count("PUT /plans") == 2
    finish(process, session)


def test_create_and_system_info(peon, sim, orc):
    process = peon()
    session = admin_session(sim)
    create = answer(sim, session.press("admin:create"))
    assert is_private(create) and "/create" in embed_text(create)
    system = embed_text(answer(sim, session.press("admin:system")))
    assert "Bot version: 0." in system and "Orchestrators online: 1/1" in system
    finish(process, session)


def test_non_admins_are_refused_by_every_admin_button(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    for action in ("register", "remove", "list", "import", "plans", "create", "system"):
        refused = answer(sim, session.press(f"admin:{action}"))
        assert is_private(refused) and "Only administrators" in embed_text(refused), action
        assert not components(refused)
    refused = answer(sim, session.submit("admin:register_set", {"name": "x1", "url": orc.url, "key": ORC_KEY}))
    assert "Only administrators" in embed_text(refused)
    refused = answer(sim, session.press("admin:remove_pick", ["local"]))
    assert "Only administrators" in embed_text(refused)
    assert not orc.requests(method="PUT") and not orc.requests(path="/api/v1/orchestrator")
    finish(process, session)
