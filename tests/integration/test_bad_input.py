"""Bad input against every command the bot registers: each string option fed empty, huge, unicode, control
characters and injection-like text (as an administrator, so the capability check is not what stops it).
The user always gets an answer that is not a crash notice, nothing reaches an orchestrator as an action,
no message pings anyone, and autocomplete providers answer with valid choices whatever is typed."""
import json

from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers

BAD = ["", "   ", "x" * 100_000, "ü😀∑ 漢字", "\x00\x01\x1b[31mred\x7f", "../../etc/passwd", "; rm -rf /",
       "{{}}", "@everyone", "<@&1234567890>", "valheim.bob; DROP TABLE schedules", "%s%n%d", "valheim..bob",
       "\u202e\u200b"]

TYPES = {3: "string", 4: "integer", 5: "boolean", 6: "user", 7: "channel", 8: "role", 10: "number"}


def option_value(sim, spec, bad):
    kind = spec["type"]
    if spec.get("choices"):
        return spec["choices"][0]["value"]
    if kind == 3:
        return bad
    if kind == 4:
        return spec.get("min_value", 1)
    if kind == 10:
        return 1.5
    if kind == 5:
        return True
    if kind == 8:
        return sim.state()["guilds"][0]["roles"][-1]["id"]
    if kind == 6:
        return "500000000000000077"
    if kind == 7:
        return sim.state()["guilds"][0]["channels"][0]["id"]
    return bad


def invocations(sim, command, bad):
    """(options list for sim.command, the leaf option specs) for the command and each of its subcommands."""
    options = command.get("options") or []
    subs = [o for o in options if o["type"] in (1, 2)]
    if not subs:
        yield [{"name": o["name"], "type": o["type"], "value": option_value(sim, o, bad)} for o in options], options
        return
    for sub in subs:
        leaves = [sub] if sub["type"] == 1 else sub.get("options", [])
        for leaf in leaves:
            values = [{"name": o["name"], "type": o["type"], "value": option_value(sim, o, bad)}
                      for o in leaf.get("options") or []]
            inner = {"name": leaf["name"], "type": 1, "options": values}
            wrapped = inner if sub["type"] == 1 else {"name": sub["name"], "type": 2, "options": [inner]}
            yield [wrapped], leaf.get("options") or []


def final_messages(sim, iid):
    record = sim.interaction(iid)
    messages = []
    for event in record["events"]:
        data = event.get("data") or {}
        if event["kind"] == "callback" and event.get("type") == 9:
            messages.append({"modal": data})
        elif isinstance(data, dict) and ("content" in data or "embeds" in data):
            messages.append(data)
    return record, messages


def check_answer(sim, iid, where):
    record = sim.wait_initial(iid, timeout=20)
    assert record["initial"] is not None, f"{where}: no answer"
    if record["initial"]["type"] == 5:
        sim.wait_events(iid, 2, timeout=30)
    record, messages = final_messages(sim, iid)
    rejected = [e for e in record["events"] if e["kind"].startswith("rejected")]
    assert not rejected, f"{where}: Discord refused the answer: {json.dumps(rejected, ensure_ascii=False)[:600]}"
    for message in messages:
        text = json.dumps(message, ensure_ascii=False)
        assert "Something went wrong" not in text, f"{where}: the handler crashed: {text[:500]}"
        assert ORC_KEY not in text
        if "modal" not in message:
            assert message.get("allowed_mentions", {}).get("parse") == [], f"{where}: may ping: {text[:300]}"


def test_every_option_of_every_command_survives_bad_input(peon, sim, orc):
    process = peon()
    commands = sim.state()["commands"]["global"]
    assert len(commands) >= 10
    for bad in BAD:
        for command in commands:
            for options, _ in invocations(sim, command, bad):
                where = f"/{command['name']} {json.dumps(options, ensure_ascii=False)[:160]}"
                check_answer(sim, sim.command(command["name"], options, permissions=ADMIN)["id"], where)
    acting = [r for r in orc.requests() if r["method"] in ("PUT", "DELETE")]
    assert not acting, f"sent to the orchestrator: {[(r['method'], r['path']) for r in acting]}"
    assert process.stop() == 0
    assert ORC_KEY not in process.stderr()
    assert_clean_sanitizers(process.stderr())


def test_autocomplete_answers_whatever_is_typed(peon, sim, orc):
    process = peon()
    for command in sim.state()["commands"]["global"]:
        for options, leaves in invocations(sim, command, "valheim"):
            for spec in leaves:
                if not spec.get("autocomplete"):
                    continue
                for typed in BAD:
                    focused = json.loads(json.dumps(options))
                    target = focused
                    while target and target[0]["type"] in (1, 2):
                        target = target[0]["options"]
                    for o in target:
                        if o["name"] == spec["name"]:
                            o["value"], o["focused"] = typed, True
                    record = sim.wait_initial(sim.autocomplete(command["name"], focused, permissions=ADMIN)["id"])
                    choices = record["initial"]["data"]["choices"]
                    assert isinstance(choices, list) and len(choices) <= 25, (command["name"], spec["name"])
                    for choice in choices:
                        assert 1 <= len(choice["name"]) <= 100, choice
    assert not [r for r in orc.requests() if r["method"] in ("PUT", "DELETE")]
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
