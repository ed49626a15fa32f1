"""/server against the real binary, the Discord simulator and the orchestrator simulator: each action goes
to the orchestrator that hosts the server, with the body the orchestrator expects, and the user sees who
did what and what the orchestrator said; bad input is refused before anything is sent."""
import time

from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers, register_orchestrator, wait_until


def opts(**values):
    return [{"name": k, "type": 3, "value": v} for k, v in values.items()]


def answer(sim, injected, timeout=15):
    """The message the user ends up seeing: the initial response, or the edit after a defer."""
    iid = injected["id"]
    initial = sim.wait_initial(iid, timeout=timeout)["initial"]
    if initial["type"] in (4, 7):
        return initial["data"]

    def final():
        events = sim.interaction(iid)["events"]
        rejected = [e for e in events if e["kind"].startswith("rejected")]
        assert not rejected, rejected
        edits = [e for e in events if e["kind"] in ("edit_original", "followup")]
        return edits[-1]["data"] if edits else None
    message = wait_until(final, timeout)
    assert message is not None, f"no answer after the defer: {sim.interaction(iid)}"
    return message


def embed_text(message):
    parts = [message.get("content") or ""]
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
    return "\n".join(parts)


def puts(orc, action):
    return orc.requests(route=f"PUT /server/{action}")


def finish(process):
    assert process.stop() == 0
    err = process.stderr()
    assert ORC_KEY not in err
    assert_clean_sanitizers(err)


def test_info_reads_with_get_and_shows_the_status(peon, sim, orc):
    process = peon()
    message = answer(sim, sim.command("server", opts(action="info", server="valheim.bob")))
    text = embed_text(message)
    assert "valheim.bob" in text and "running" in text and "Friday night Valheim" in text
    assert [r["method"] for r in orc.requests(path="/api/v1/server/get/valheim.bob")] == ["GET"]
    assert not orc.requests(method="PUT")
    finish(process)


def test_server_found_from_the_channel_name(peon, sim, orc):
    process = peon()
    message = answer(sim, sim.command("server", opts(action="info"), channel="palworld-alice"))
    assert "palworld.alice" in embed_text(message) and "exited" in embed_text(message)
    finish(process)


def test_start_reports_who_and_the_new_state(peon, sim, orc):
    process = peon()
    message = answer(sim, sim.command("server", opts(action="start", server="palworld.alice"),
                                      user_id="500000000000000042"))
    text = embed_text(message)
    assert "palworld.alice is starting" in text and "<@500000000000000042>" in text and "local" in text
    assert "running" in text
    sent = puts(orc, "start")
    assert len(sent) == 1 and sent[0]["path"] == "/api/v1/server/start/palworld.alice" and sent[0]["body"] == {}
    finish(process)


def test_stop_needs_the_invokers_confirmation(peon, sim, orc):
    process = peon()
    question = answer(sim, sim.command("server", opts(action="stop", server="valheim.bob"),
                                       user_id="500000000000000042"))
    assert "Stop valheim.bob now?" in embed_text(question)
    button = question["components"][0]["components"][0]
    assert not puts(orc, "stop")  # asking sends nothing

    other = sim.wait_initial(sim.component(button["custom_id"], user_id="500000000000000099")["id"])["initial"]
    assert other["data"]["flags"] & 64 and "<@500000000000000042>" in other["data"]["content"]
    assert not puts(orc, "stop")

    pressed = sim.component(button["custom_id"], user_id="500000000000000042")
    assert wait_until(lambda: puts(orc, "stop"), 10)
    assert puts(orc, "stop")[0]["body"] == {}
    result = answer(sim, pressed)
    assert "valheim.bob stopped" in embed_text(result) and result["components"] == []
    finish(process)


def test_stop_timer_becomes_an_epoch_and_bad_timers_send_nothing(peon, sim, orc):
    process = peon()
    refused = answer(sim, sim.command("server", opts(action="stop", server="valheim.bob", timer="tonight")))
    assert "not a time" in embed_text(refused) and refused["flags"] & 64
    assert "15m" in embed_text(refused)  # the accepted formats are listed

    before = int(time.time())
    question = answer(sim, sim.command("server", opts(action="stop", server="valheim.bob", timer="15m")))
    assert "Stop valheim.bob at" in embed_text(question)
    sim.component(question["components"][0]["components"][0]["custom_id"])
    assert wait_until(lambda: puts(orc, "stop"), 10)
    epoch = puts(orc, "stop")[0]["body"]["epoch_time"]
    assert len(epoch) == 10 and before + 890 <= int(epoch) <= int(time.time()) + 910
    assert not orc.requests(path="/api/v1/server/stop/minecraft.steve")
    finish(process)


def test_bad_and_unknown_names_are_refused_without_a_request(peon, sim, orc):
    process = peon()
    for name, expected in (("valheim", "not a server name"), ("../etc", "not a server name"),
                           ("valheim.nobody", "No orchestrator has a server")):
        message = answer(sim, sim.command("server", opts(action="start", server=name)))
        assert expected in embed_text(message), embed_text(message)
    assert not orc.requests(method="PUT")
    finish(process)


def test_orchestrator_failures_are_shown_as_failures(peon, sim, orc):
    process = peon()
    orc.fail_next("PUT /server/restart/*", status=400,
                  body={"status": "error", "info": "Could not complete the requested action for [valheim.bob]."})
    message = answer(sim, sim.command("server", opts(action="restart", server="valheim.bob")))
    text = embed_text(message)
    assert "Restart of valheim.bob failed" in text and "Could not complete the requested action" in text
    finish(process)


def test_wrong_api_key_says_so(peon, sim, orc):
    process = peon(LOCAL_API_KEY="not-the-key")
    message = answer(sim, sim.command("server", opts(action="info", server="valheim.bob")))
    text = embed_text(message)
    assert "No orchestrator has a server" in text and "Orchestrator **local** refused the bot's API key" in text
    assert "HTTP 401" in text and ORC_KEY not in text and "not-the-key" not in text
    finish(process)


def test_update_needs_manage_and_reinit_asks_first(peon, sim, orc):
    process = peon()
    refused = answer(sim, sim.command("server", opts(action="update", server="valheim.bob", mode="image")))
    assert "may not update" in embed_text(refused)
    message = answer(sim, sim.command("server", opts(action="update", server="valheim.bob", mode="image"),
                                      permissions=ADMIN))
    assert "valheim.bob is updating" in embed_text(message)
    assert puts(orc, "update")[0]["body"] == {"mode": "image"}
    question = answer(sim, sim.command("server", opts(action="update", server="valheim.bob", mode="reinit"),
                                       permissions=ADMIN))
    assert "Reinstall valheim.bob?" in embed_text(question)
    assert len(puts(orc, "update")) == 1
    finish(process)


def test_slow_orchestrator_is_answered_through_a_defer(peon, sim, orc):
    process = peon()
    orc.set_latency("PUT /server/start/*", 4)
    injected = sim.command("server", opts(action="start", server="palworld.alice"))
    first = sim.wait_initial(injected["id"])["initial"]
    assert first["type"] == 5  # "thinking..." within Discord's 3 s
    message = answer(sim, injected, timeout=20)
    assert "palworld.alice is starting" in embed_text(message)
    finish(process)


def test_autocomplete_answers_from_the_cache(peon, sim, orc):
    process = peon()
    assert wait_until(lambda: orc.count("GET /servers") >= 1, 10)
    before = orc.count("GET /servers")
    for typed in ("val", "valh", "valheim"):
        record = sim.wait_initial(sim.autocomplete("server", [
            {"name": "action", "type": 3, "value": "start"},
            {"name": "server", "type": 3, "value": typed, "focused": True}])["id"])
        choices = record["initial"]["data"]["choices"]
        assert [c["value"] for c in choices] == ["valheim.bob"]
    assert orc.count("GET /servers") == before
    finish(process)


def test_two_orchestrators_each_action_goes_to_the_owner(peon, sim, orc, tmp_path):
    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key="second-key-5xT", seed="empty", tick_period=0) as second:
        second.add_server("valheim.carl", state="exited")
        second.add_server("valheim.bob", state="exited")  # the same uid as on "local"
        process = peon()
        register_orchestrator(tmp_path / "data", "north", second.url, "second-key-5xT")

        message = answer(sim, sim.command("server", opts(action="start", server="valheim.carl")))
        assert "valheim.carl is starting" in embed_text(message) and "north" in embed_text(message)
        assert [r["path"] for r in second.requests(method="PUT")] == ["/api/v1/server/start/valheim.carl"]
        assert not orc.requests(method="PUT")

        ambiguous = answer(sim, sim.command("server", opts(action="restart", server="valheim.bob")))
        text = embed_text(ambiguous)
        assert "Several orchestrators" in text and "valheim.bob@local" in text and "valheim.bob@north" in text
        assert not orc.requests(method="PUT") and len(second.requests(method="PUT")) == 1

        message = answer(sim, sim.command("server", opts(action="info", server="valheim.bob@north")))
        assert "exited" in embed_text(message)  # north's copy: stopped; local's is running
        assert second.requests(path="/api/v1/server/get/valheim.bob")
        assert not orc.requests(path="/api/v1/server/get/valheim.bob")

        choices = sim.wait_initial(sim.autocomplete("server", [
            {"name": "action", "type": 3, "value": "info"},
            {"name": "server", "type": 3, "value": "valheim", "focused": True}])["id"])["initial"]["data"]["choices"]
        assert sorted(c["value"] for c in choices) == ["valheim.bob@local", "valheim.bob@north", "valheim.carl"]
        finish(process)
        assert "second-key-5xT" not in process.stderr()


def test_unreachable_orchestrator_is_named(peon, sim, orc):
    process = peon()
    orc.fail_next("PUT /server/start/*", status=500)
    message = answer(sim, sim.command("server", opts(action="start", server="palworld.alice")))
    assert "Start of palworld.alice failed" in embed_text(message) and "HTTP 500" in embed_text(message)
    orc.drop("PUT /server/start/*")
    message = answer(sim, sim.command("server", opts(action="start", server="palworld.alice")))
    assert "Could not reach orchestrator **local**" in embed_text(message)
    assert "127.0.0.1" not in embed_text(message) and orc.url not in embed_text(message)  # no address shown
    finish(process)


def test_backup_is_attached_to_the_answer(peon, sim, orc):
    process = peon()
    injected = sim.command("server", opts(action="backup", server="valheim.bob"))
    message = answer(sim, injected)
    text = embed_text(message)
    assert "Backup of valheim.bob" in text and "attached" in text
    attachments = message.get("attachments") or []
    assert len(attachments) == 1 and attachments[0]["filename"].startswith("valheim.bob-")
    assert attachments[0]["filename"].endswith(".zip") and attachments[0].get("size", 1) > 0
    assert orc.requests(path="/api/v1/server/save/valheim.bob")[0]["method"] == "GET"
    finish(process)


def test_malformed_answers_and_past_dates_are_refused_clearly(peon, sim, orc):
    process = peon()
    orc.fail_next("GET /server/get/*", status=200, raw="<html>proxy error</html>", content_type="text/html")
    message = answer(sim, sim.command("server", opts(action="info", server="valheim.bob")))
    text = embed_text(message)
    assert "Info of valheim.bob failed" in text and "cannot read" in text and "proxy error" in text
    past = answer(sim, sim.command("server", opts(action="stop", server="valheim.bob", timer="2020-01-01.10:00")))
    assert "in the past" in embed_text(past) and past["flags"] & 64
    assert not orc.requests(method="PUT")
    finish(process)
