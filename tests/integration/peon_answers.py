"""Helpers for the tests of /list, /about, /help, /debug, /create and the legacy prefix answers: read what
the user ended up seeing, flatten it to text, and check that no API key leaked anywhere."""
import json

from botrun import ORC_KEY, assert_clean_sanitizers, wait_until


def opts(**values):
    """String options of a slash command, as Discord sends them."""
    return [{"name": k, "type": 3, "value": v} for k, v in values.items()]


def answer(sim, injected, timeout=20):
    """The message the user ends up seeing: the initial response, or the last edit/followup after a defer."""
    iid = injected["id"]
    initial = sim.wait_initial(iid, timeout=timeout)["initial"]
    assert initial is not None, sim.interaction(iid)
    if initial["type"] in (4, 7, 9):
        return initial["data"]

    def final():
        events = sim.interaction(iid)["events"]
        rejected = [e for e in events if e["kind"].startswith("rejected")]
        assert not rejected, rejected
        edits = [e for e in events if e["kind"] in ("edit_original", "followup", "callback")
                 and e.get("type") not in (5, 6)]
        return edits[-1]["data"] if edits else None
    message = wait_until(final, timeout)
    assert message is not None, f"no answer after the defer: {sim.interaction(iid)}"
    return message


def text_of(message):
    """Content, embed titles/descriptions/fields/footers and button labels as one string."""
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields") or []]
        parts.append((e.get("footer") or {}).get("text") or "")
    for row in message.get("components") or []:
        parts += [c.get("label") or "" for c in row.get("components", [])]
    return "\n".join(parts)


def buttons(message):
    return [c for row in message.get("components") or [] for c in row.get("components", []) if c["type"] == 2]


def assert_no_key(sim, process, *interaction_ids, keys=(ORC_KEY,), channels=()):
    """No API key in anything the bot sent to Discord (the interactions' answers, channel messages) nor in
    its log; then the sanitizer check."""
    sent = [json.dumps(sim.interaction(i)) for i in interaction_ids]
    sent += [json.dumps(sim.messages(c)) for c in channels]
    for key in keys:
        for text in sent:
            assert key not in text
        assert key not in process.stderr()
    assert_clean_sanitizers(process.stderr())


def finish(process):
    assert process.stop() == 0
    assert ORC_KEY not in process.stderr()
    assert_clean_sanitizers(process.stderr())


def settle(orc, timeout=5):
    """Waits for the fleet cache's start-up refresh (GET /servers then GET /plans on every orchestrator), so
    that the requests a test counts afterwards are the ones its command caused."""
    wait_until(lambda: orc.count("GET /plans") >= 1, timeout)
    return {route: orc.count(route) for route in ("GET /servers", "GET /plans", "GET /orchestrator")}
