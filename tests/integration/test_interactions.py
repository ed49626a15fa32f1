"""The interaction path end to end: the real Lua host (via the interaction_driver tool) answers injected
interactions through real HTTP to a REST fake that enforces Discord's 3 s deadline and single initial
response. Proves the deadline guard, answer routing, and the error/no-answer fallbacks."""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import assert_clean_sanitizers
from restfake import RestFake

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_interactions"
APP_ID = "1000000000000000001"


def snowflake_now():
    return str((int(time.time() * 1000) - 1420070400000) << 22)


@pytest.fixture(params=["build", "build-asan"])
def driver_path(request):
    binaries = os.environ.get("PEON_BOT_BINARIES")
    if binaries and request.param not in [pathlib.Path(b).parent.name for b in binaries.split(":")]:
        pytest.skip(f"{request.param} not built for this run")
    path = REPO / request.param / "tests" / "interaction_driver"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return path


def interaction(kind, token, data, **extra):
    payload = {"id": snowflake_now(), "application_id": APP_ID, "type": kind, "token": token, "data": data,
               "guild_id": "300000000000000001", "channel_id": "400000000000000001",
               "channel": {"id": "400000000000000001", "type": 0},
               "member": {"user": {"id": "500000000000000001", "username": "bob"}, "roles": [],
                          "permissions": "2147483648"},
               "locale": "en-US", "version": 1}
    payload.update(extra)
    return payload


def run_session(driver_path, tmp_path, items, wait=6.0):
    """Injects each (payload) as its own line; returns (fake, stats, stderr)."""
    with RestFake() as fake:
        proc = subprocess.Popen([str(driver_path), str(SCRIPTS), f"http://127.0.0.1:{fake.port}/api/v10",
                                 str(tmp_path / "data")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
        assert json.loads(proc.stdout.readline()) == {"ready": True}
        for payload in items:
            fake.injected[payload["token"]] = time.monotonic()
            proc.stdin.write(json.dumps(payload) + "\n")
            proc.stdin.flush()
        time.sleep(wait)
        proc.stdin.close()
        out = proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=30)
        assert_clean_sanitizers(err)
        assert proc.returncode == 0, err
        stats = json.loads(out.strip().splitlines()[-1])
        return fake, stats, err


def test_answers_routing_guard_and_fallbacks(driver_path, tmp_path):
    items = [
        interaction(2, "t-fast", {"name": "fast"}),
        interaction(2, "t-slow", {"name": "slow"}),
        interaction(2, "t-modal", {"name": "late_modal"}),
        interaction(2, "t-boom", {"name": "boom"}),
        interaction(2, "t-silent", {"name": "silent"}),
        interaction(2, "t-spin", {"name": "spin"}),
        interaction(2, "t-unknown", {"name": "nosuch"}),
        interaction(4, "t-auto", {"name": "pick", "options": [{"name": "server", "type": 3, "value": "val",
                                                                "focused": True}]}),
        interaction(3, "t-button", {"custom_id": "panel:start:valheim.bob", "component_type": 2}),
        interaction(3, "t-stale", {"custom_id": "gone:start:x", "component_type": 2}),
    ]
    fake, stats, err = run_session(driver_path, tmp_path, items)

    # Nothing ever missed the deadline, and every interaction got exactly one initial response.
    assert not [e for e in fake.events if e["kind"] == "late_callback"], fake.events
    for item in items:
        callbacks = [e for e in fake.of(item["token"]) if e["kind"] == "callback"]
        assert len(callbacks) == 1, (item["token"], fake.of(item["token"]))
        assert callbacks[0]["delay"] < 3.0
        assert callbacks[0]["auth"] is None  # interaction routes carry no bot token

    fast = fake.of("t-fast")[0]
    assert fast["type"] == 4 and fast["data"]["content"] == "hello bob @everyone"
    assert fast["data"]["allowed_mentions"] == {"parse": []}  # no surprise pings
    assert fast["delay"] < 1.0

    slow = fake.of("t-slow")
    assert [e["kind"] for e in slow] == ["callback", "edit", "followup"]
    assert slow[0]["type"] == 5 and slow[0]["data"] == {"flags": 64}  # the guard kept it private
    assert 2.3 < slow[0]["delay"] < 3.0
    assert slow[1]["data"]["content"] == "finally"
    assert slow[2]["data"]["content"] == "and a followup"

    modal = fake.of("t-modal")
    assert modal[0]["type"] == 5
    assert modal[1]["kind"] == "edit" and "too late to open a modal" in json.dumps(modal[1]["data"])

    boom = fake.of("t-boom")[0]
    assert boom["type"] == 4 and boom["data"]["flags"] == 64
    assert "attempt to index a nil value" in boom["data"]["embeds"][0]["description"]

    silent = fake.of("t-silent")[0]
    assert silent["type"] == 4 and silent["data"]["flags"] == 64

    spin = fake.of("t-spin")
    assert spin[0]["type"] == 4 and spin[0]["data"]["flags"] == 64
    assert "script stopped" in json.dumps(spin)

    unknown = fake.of("t-unknown")[0]
    assert "not loaded" in unknown["data"]["content"] and unknown["data"]["flags"] == 64

    auto = fake.of("t-auto")[0]
    assert auto["type"] == 8
    choices = auto["data"]["choices"]
    assert len(choices) == 25 and choices[0]["value"] == "s1"
    assert all(len(c["name"]) <= 100 for c in choices)

    button = fake.of("t-button")[0]
    assert button["type"] == 7 and button["data"]["content"] == "starting valheim.bob for 500000000000000001"

    stale = fake.of("t-stale")[0]
    assert stale["type"] == 4 and "no longer exists" in stale["data"]["content"]

    assert stats["interactions"] == len(items)
    assert stats["tasks_killed"] == 1
    assert stats["guard_defers"] == 2  # slow and late_modal; the runaway is stopped well before 2.5 s
