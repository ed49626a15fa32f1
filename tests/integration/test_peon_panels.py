"""/peon and the server panel against the real binary and both simulators: which panel each channel gets,
and every button, select, modal and confirmation of the server panel, asserting what the orchestrator
received and what the user saw. Panels have no timeout and survive a restart of the bot."""
import re
import time

from botrun import ADMIN, ORC_KEY, REPO, assert_clean_sanitizers
from panelkit import (Session, answer, bound, components, create_channel, custom_id, embed_text, is_private,
                      modal_inputs, modal_of)

USER = "500000000000000042"
OTHER = "500000000000000099"
BUTTONS = ["start", "restart", "stop", "info", "update", "backup", "describe", "delete"]


def finish(process, session):
    assert process.stop() == 0
    err = process.stderr()
    assert ORC_KEY not in err
    assert_clean_sanitizers(err)
    session.assert_never_sent(ORC_KEY)


def puts(orc, action):
    return orc.requests(route=f"PUT /server/{action}")


def panel_of(session, channel, **extra):
    panel = session.peon(channel, **extra)
    assert not is_private(panel) and len(components(panel)) == 8
    return panel


def test_game_channel_gets_that_servers_panel(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    text = embed_text(panel)
    assert "valheim.bob" in text and "local" in text and "Friday night Valheim" in text
    assert panel["embeds"][0]["description"].startswith("*")  # the peon's line
    ids = [c["custom_id"] for c in components(panel)]
    assert ids == [f"panel:{b}:valheim.bob@local" for b in BUTTONS]
    assert not orc.requests(method="PUT") and not orc.requests(method="DELETE")
    finish(process, session)


def test_control_channel_gets_the_admin_panel_for_admins_only(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    refused = session.peon("peon")
    assert is_private(refused) and "administrators" in embed_text(refused) and not components(refused)
    panel = session.peon("peon", permissions=ADMIN)
    assert not is_private(panel) and "PEON control" in embed_text(panel)
    assert all(c["custom_id"].startswith("admin:") for c in components(panel)) and len(components(panel)) == 7
    finish(process, session)


def test_other_channels_get_an_explanation_never_the_admin_panel(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    create_channel(sim, "general")
    create_channel(sim, "valheim-nobody")
    for permissions in (None, ADMIN):
        message = session.peon("general", permissions=permissions)
        assert is_private(message) and not components(message)
        assert "no panel for this channel" in embed_text(message) and "#peon" in embed_text(message)
    forced = session.peon("general", channel_type="server")
    assert "not a game server's channel" in embed_text(forced) and not components(forced)
    forced = session.peon("general", channel_type="admin")
    assert "administrators" in embed_text(forced) and not components(forced)
    unknown = session.peon("valheim-nobody")
    assert 'No orchestrator has a server "valheim.nobody"' in embed_text(unknown) and not components(unknown)
    admin = session.peon("general", channel_type="admin", permissions=ADMIN)
    assert "PEON control" in embed_text(admin) and len(components(admin)) == 7
    finish(process, session)


def test_start_button_starts_the_server_on_its_orchestrator(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "palworld-alice")
    result = answer(sim, session.press(custom_id(panel, "panel:start:")))
    text = embed_text(result)
    assert "palworld.alice is starting" in text and f"<@{USER}>" in text and "local" in text
    sent = puts(orc, "start")
    assert [r["path"] for r in sent] == ["/api/v1/server/start/palworld.alice"] and sent[0]["body"] == {}
    assert not is_private(result)
    finish(process, session)


def test_a_slow_orchestrator_is_answered_after_the_guards_acknowledgement(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "palworld-alice")
    orc.set_latency("PUT /server/start/*", 4)
    pressed = session.press(custom_id(panel, "panel:start:"))
    assert sim.wait_initial(pressed["id"])["initial"]["type"] == 6  # acknowledged within Discord's 3 s
    result = answer(sim, pressed, timeout=20)
    assert "palworld.alice is starting" in embed_text(result) and not is_private(result)
    finish(process, session)


def test_an_orchestrator_failure_is_shown_as_one(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    orc.fail_next("PUT /server/restart/*", status=400,
                  body={"status": "error", "info": "Could not complete the requested action for [valheim.bob]."})
    result = answer(sim, session.press(custom_id(panel, "panel:restart:")))
    text = embed_text(result)
    assert "Restart of valheim.bob failed" in text and "Could not complete the requested action" in text
    assert f"<@{USER}>" in text
    finish(process, session)


def test_restart_button(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    result = answer(sim, session.press(custom_id(panel, "panel:restart:")))
    assert "valheim.bob is restarting" in embed_text(result)
    assert [r["path"] for r in puts(orc, "restart")] == ["/api/v1/server/restart/valheim.bob"]
    finish(process, session)


def test_info_button_reads_with_get_and_answers_privately(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    orc.clear_requests()
    result = answer(sim, session.press(custom_id(panel, "panel:info:")))
    assert is_private(result) and "running" in embed_text(result) and "valheim.bob" in embed_text(result)
    assert [r["method"] for r in orc.requests(path="/api/v1/server/get/valheim.bob")] == ["GET"]
    assert not orc.requests(method="PUT")
    finish(process, session)


def test_stop_opens_a_modal_and_a_timer_goes_through_a_confirmation(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    modal = modal_of(sim, session.press(custom_id(panel, "panel:stop:")))
    assert modal["custom_id"] == "panel:stop_at:valheim.bob@local" and "timer" in modal_inputs(modal)
    assert modal_inputs(modal)["timer"]["required"] is False

    before = int(time.time())
    question = answer(sim, session.submit(modal["custom_id"], {"timer": "15m"}))
    assert "Stop valheim.bob at" in embed_text(question) and not puts(orc, "stop")

    refused = answer(sim, session.press(custom_id(question, "server:stop:"), user_id=OTHER))
    assert is_private(refused) and f"<@{USER}>" in refused["content"] and not puts(orc, "stop")

    result = answer(sim, session.press(custom_id(question, "server:stop:")))
    assert "valheim.bob will stop at" in embed_text(result) and result["components"] == []
    epoch = puts(orc, "stop")[0]["body"]["epoch_time"]
    assert len(epoch) == 10 and before + 890 <= int(epoch) <= int(time.time()) + 910
    finish(process, session)


def test_stop_with_an_empty_timer_stops_now_after_the_confirmation(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    question = answer(sim, session.submit("panel:stop_at:valheim.bob@local", {"timer": ""}))
    assert "Stop valheim.bob now?" in embed_text(question) and not puts(orc, "stop")
    cancelled = answer(sim, session.press(custom_id(question, "server:cancel:")))
    assert "nothing was done" in embed_text(cancelled) and not puts(orc, "stop")

    question = answer(sim, session.submit(modal_of(sim, session.press(custom_id(panel, "panel:stop:")))["custom_id"],
                                          {"timer": "  "}))
    result = answer(sim, session.press(custom_id(question, "server:stop:")))
    assert "valheim.bob stopped" in embed_text(result)
    assert [r["body"] for r in puts(orc, "stop")] == [{}]
    finish(process, session)


def test_a_bad_timer_is_refused_with_the_formats_and_nothing_is_sent(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    refused = answer(sim, session.submit("panel:stop_at:valheim.bob@local", {"timer": "tonight"}))
    text = embed_text(refused)
    assert is_private(refused) and '"tonight" is not a time' in text and "15m" in text and "22:30" in text
    assert not components(refused) and not puts(orc, "stop")
    refused = answer(sim, session.submit("panel:stop_at:valheim.bob@local", {"timer": "2020-01-01.10:00"}))
    assert "in the past" in embed_text(refused) and not puts(orc, "stop")
    finish(process, session)


def test_update_select_then_confirmation_sends_the_mode(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = panel_of(session, "valheim-bob")
    chooser = answer(sim, session.press(custom_id(panel, "panel:update:")))
    select = components(chooser)[0]
    assert [o["value"] for o in select["options"]] == ["server", "image", "full", "reinit"]
    assert all("risk" in o["description"].lower() for o in select["options"])

    refused = answer(sim, session.press(select["custom_id"], ["image"], user_id=OTHER))
    assert is_private(refused) and not puts(orc, "update")

    question = answer(sim, session.press(select["custom_id"], ["image"]))
    assert "Container image for valheim.bob?" in embed_text(question) and "Medium" in embed_text(question)
    assert not puts(orc, "update")
    result = answer(sim, session.press(custom_id(question, "server:update:")), timeout=30)
    assert "valheim.bob is updating" in embed_text(result) and result["components"] == []
    assert [r["body"] for r in puts(orc, "update")] == [{"mode": "image"}]
    finish(process, session)


def test_reinit_warns_that_server_files_are_deleted(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = panel_of(session, "valheim-bob")
    chooser = answer(sim, session.press(custom_id(panel, "panel:update:")))
    question = answer(sim, session.press(components(chooser)[0]["custom_id"], ["reinit"]))
    text = embed_text(question)
    assert "DELETES" in text and "Saves" in text and "Very high" in text
    answer(sim, session.press(custom_id(question, "server:update:")), timeout=30)
    assert [r["body"] for r in puts(orc, "update")] == [{"mode": "reinit"}]
    finish(process, session)


def test_backup_attaches_the_archive(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "valheim-bob")
    result = answer(sim, session.press(custom_id(panel, "panel:backup:"), channel="valheim-bob"), timeout=20)
    assert not is_private(result) and result["attachments"][0]["filename"].startswith("valheim.bob")
    assert result["attachments"][0]["filename"].endswith(".zip")
    assert "Backup of valheim.bob" in embed_text(result) and f"<@{USER}>" in embed_text(result)
    assert [r["method"] for r in orc.requests(path="/api/v1/server/save/valheim.bob")] == ["GET"]
    finish(process, session)


def test_description_modal_is_prefilled_and_sends_the_new_text(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = panel_of(session, "valheim-bob")
    modal = modal_of(sim, session.press(custom_id(panel, "panel:describe:")))
    field = modal_inputs(modal)["description"]
    assert field["value"] == "Friday night Valheim" and field["max_length"] == 200 and field["style"] == 2
    result = answer(sim, session.submit(modal["custom_id"], {"description": "  Saturday raids  "}))
    assert "Description of valheim.bob updated" in embed_text(result)
    assert [r["body"] for r in puts(orc, "description")] == [{"description": "Saturday raids"}]
    finish(process, session)


def test_delete_container_only_keeps_the_files(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = panel_of(session, "valheim-bob")
    question = answer(sim, session.press(custom_id(panel, "panel:delete:")))
    assert "Delete valheim.bob?" in embed_text(question) and len(components(question)) == 3
    container = custom_id(question, "panel:destroy:valheim.bob@local:container")

    refused = answer(sim, session.press(container, user_id=OTHER, permissions=ADMIN))
    assert is_private(refused) and not orc.requests(method="DELETE")

    result = answer(sim, session.press(container))
    assert "valheim.bob deleted" in embed_text(result) and result["components"] == []
    sent = orc.requests(method="DELETE")
    assert [(r["path"], r["body"]) for r in sent] == [("/api/v1/server/destroy/valheim.bob", {})]
    # The old panel now says where the server went instead of acting on nothing.
    gone = answer(sim, session.press(custom_id(panel, "panel:start:")))
    assert is_private(gone) and "no longer has a server valheim.bob" in embed_text(gone)
    assert not puts(orc, "start")
    finish(process, session)


def test_delete_everything_sends_eradicate(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = panel_of(session, "palworld-alice")
    question = answer(sim, session.press(custom_id(panel, "panel:delete:")))
    result = answer(sim, session.press(custom_id(question, "panel:destroy:palworld.alice@local:all")))
    assert "palworld.alice deleted" in embed_text(result)
    sent = orc.requests(method="DELETE")
    assert [(r["path"], r["body"]) for r in sent] == [("/api/v1/server/destroy/palworld.alice", {"eradicate": True})]
    finish(process, session)


def test_delete_cancel_sends_nothing(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    question = answer(sim, session.press("panel:delete:valheim.bob@local"))
    result = answer(sim, session.press(custom_id(question, "panel:cancel:")))
    assert "nothing was done to valheim.bob" in embed_text(result) and result["components"] == []
    # The delete itself only runs from a confirmation's bound button, never from a bare custom_id.
    bare = answer(sim, session.press("panel:destroy:valheim.bob@local:all"))
    assert is_private(bare) and "not a confirmation" in embed_text(bare)
    bare = answer(sim, session.press("panel:update_mode:valheim.bob@local", ["reinit"]))
    assert is_private(bare) and "not a confirmation" in embed_text(bare)
    assert not orc.requests(method="DELETE")
    finish(process, session)


def test_members_without_the_capability_are_refused_and_nothing_is_sent(peon, sim, orc):
    process = peon()
    session = Session(sim, USER)  # neither Administrator nor Manage Server
    panel = panel_of(session, "valheim-bob")
    for button in ("update", "describe", "delete"):
        refused = answer(sim, session.press(custom_id(panel, f"panel:{button}:")))
        assert is_private(refused) and "may not" in embed_text(refused) and not components(refused), button
    refused = answer(sim, session.submit("panel:describe_set:valheim.bob@local", {"description": "x"}))
    assert is_private(refused) and "may not" in embed_text(refused)
    # A delete confirmation bound to this very user, who still lacks the capability when pressing it.
    refused = answer(sim, session.press(bound(USER, "panel:destroy:valheim.bob@local:all")))
    assert is_private(refused) and "may not" in embed_text(refused)
    assert not orc.requests(method="PUT") and not orc.requests(method="DELETE")
    finish(process, session)


def test_a_panel_keeps_working_after_the_bot_restarts(peon, sim, orc):
    first = peon()
    session = Session(sim, USER)
    panel = panel_of(session, "palworld-alice")
    assert first.stop() == 0
    second = peon()
    second.wait_for_log("ready (session established)")  # the new process's own gateway session
    result = answer(sim, session.press(custom_id(panel, "panel:start:")))
    assert "palworld.alice is starting" in embed_text(result)
    assert [r["path"] for r in puts(orc, "start")] == ["/api/v1/server/start/palworld.alice"]
    assert ORC_KEY not in first.stderr()
    finish(second, session)



def test_the_panels_speak_german_to_german_clients(peon, sim, orc):
    process = peon()
    session = Session(sim, USER, permissions=ADMIN)
    panel = session.peon("valheim-bob", locale="de")
    labels = [c["label"] for c in components(panel)]
    assert labels[:3] == ["Starten", "Neustart", "Stoppen"] and "[[" not in embed_text(panel)
    admin = session.peon("peon", locale="de")
    assert "PEON-Steuerung" in embed_text(admin) and "Orchestrator registrieren" in [c["label"] for c in
                                                                                     components(admin)]
    refused = answer(sim, session.submit("panel:stop_at:valheim.bob@local", {"timer": "heute"}, locale="de"))
    assert "keine Zeit" in embed_text(refused) and "[[" not in embed_text(refused)
    finish(process, session)


def test_english_and_german_panel_tables_have_the_same_keys():
    base = REPO / "scripts" / "lib" / "i18n"

    def keys(path):
        return set(re.findall(r'(?:^\s+|,\s+)(\w+)\s*=\s*"', path.read_text(), re.M))
    for domain in ("peon", "panel", "admin"):
        english, german = keys(base / "en" / f"{domain}.lua"), keys(base / "de" / f"{domain}.lua")
        assert len(english) > 10 and english == german, (domain, english ^ german)
