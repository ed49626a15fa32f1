"""The interaction path end to end: the real Lua host (via the interaction_driver tool) answers injected
interactions through real HTTP to the Discord simulator, which enforces the 3 s deadline, single initial
response and message validation. Proves the deadline guard, answer routing, and the error/no-answer fallbacks."""
import json
import os
import pathlib
import subprocess
import time

import pytest

from botrun import assert_clean_sanitizers

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_interactions"
APP_ID = "1000000000000000001"


@pytest.fixture(params=["build", "build-asan"])
def driver_path(request):
    binaries = os.environ.get("PEON_BOT_BINARIES")
    if binaries and request.param not in [pathlib.Path(b).parent.name for b in binaries.split(":")]:
        pytest.skip(f"{request.param} not built for this run")
    path = REPO / request.param / "tests" / "interaction_driver"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return path


def run_session(driver_path, tmp_path, sim, specs, wait=6.0):
    """Registers each interaction with the simulator (without the gateway), hands its payload to the real
    Lua host through the driver, and returns (records by name, driver stats)."""
    proc = subprocess.Popen([str(driver_path), str(SCRIPTS), sim.rest, str(tmp_path / "data")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
    assert json.loads(proc.stdout.readline()) == {"ready": True}
    ids = {}
    for name, spec in specs.items():
        injected = sim.call("POST", "/interactions", dict(spec, dispatch=False))
        ids[name] = injected["id"]
        proc.stdin.write(json.dumps(injected["payload"]) + "\n")
        proc.stdin.flush()
    time.sleep(wait)
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=30)
    assert_clean_sanitizers(err)
    assert proc.returncode == 0, err
    stats = json.loads(out.strip().splitlines()[-1])
    return {name: sim.interaction(iid) for name, iid in ids.items()}, stats


def answers(record):
    return [e for e in record["events"] if e["kind"] in ("callback", "edit_original", "followup")]


def test_answers_routing_guard_and_fallbacks(driver_path, tmp_path, sim):
    specs = {
        "fast": {"type": 2, "name": "fast"},
        "slow": {"type": 2, "name": "slow"},
        "modal": {"type": 2, "name": "late_modal"},
        "boom": {"type": 2, "name": "boom"},
        "silent": {"type": 2, "name": "silent"},
        "spin": {"type": 2, "name": "spin"},
        "unknown": {"type": 2, "name": "nosuch"},
        "auto": {"type": 4, "name": "pick", "options": [{"name": "server", "type": 3, "value": "val",
                                                         "focused": True}]},
        "button": {"type": 3, "custom_id": "panel:start:valheim.bob"},
        "stale": {"type": 3, "custom_id": "gone:start:x"},
    }
    records, stats = run_session(driver_path, tmp_path, sim, specs)

    # Nothing missed the deadline, was answered twice, or was rejected by Discord's validation.
    for name, record in records.items():
        kinds = [e["kind"] for e in record["events"]]
        assert not {"late_callback", "duplicate_callback", "rejected_callback", "rejected_edit",
                    "rejected_followup"} & set(kinds), (name, record["events"])
        assert record["initial"] is not None, name
        assert record["initial"]["after_ms"] < 3000, name
        assert record["initial"]["authorization_header"] is False  # interaction routes carry no bot token

    fast = records["fast"]["initial"]
    assert fast["type"] == 4 and fast["data"]["content"] == "hello bob @everyone"
    assert fast["data"]["allowed_mentions"] == {"parse": []}  # no surprise pings
    assert fast["after_ms"] < 1000

    slow = answers(records["slow"])
    assert [e["kind"] for e in slow] == ["callback", "edit_original", "followup"]
    assert slow[0]["type"] == 5 and slow[0]["data"] == {"flags": 64}  # the guard kept it private
    assert 2300 < slow[0]["after_ms"] < 3000
    assert slow[1]["data"]["content"] == "finally"
    assert slow[2]["data"]["content"] == "and a followup"

    modal = answers(records["modal"])
    assert modal[0]["type"] == 5
    assert modal[1]["kind"] == "edit_original" and "too late to open a modal" in json.dumps(modal[1]["data"])

    boom = records["boom"]["initial"]
    assert boom["type"] == 4 and boom["data"]["flags"] == 64
    assert "attempt to index a nil value" in boom["data"]["embeds"][0]["description"]

    silent = records["silent"]["initial"]
    assert silent["type"] == 4 and silent["data"]["flags"] == 64

    spin = records["spin"]["initial"]
    assert spin["type"] == 4 and spin["data"]["flags"] == 64
    assert "script stopped" in json.dumps(spin)

    unknown = records["unknown"]["initial"]
    assert "not loaded" in unknown["data"]["content"] and unknown["data"]["flags"] == 64

    auto = records["auto"]["initial"]
    assert auto["type"] == 8
    choices = auto["data"]["choices"]
    assert len(choices) == 25 and choices[0]["value"] == "s1"
    assert all(len(c["name"]) <= 100 for c in choices)

    button = records["button"]["initial"]
    assert button["type"] == 7 and button["data"]["content"] == "starting valheim.bob for 500000000000000001"
    assert button["data"]["components"] == []

    stale = records["stale"]["initial"]
    assert stale["type"] == 4 and "no longer exists" in stale["data"]["content"]

    assert stats["interactions"] == len(specs)
    assert stats["tasks_killed"] == 1
    assert stats["guard_defers"] == 2  # slow and late_modal; the runaway is stopped well before 2.5 s
