"""discordsim as a process: one JSON line on stdout once it listens, loopback only, clean exit on
SIGTERM/SIGINT, tokens and settings from the command line."""
import json
import os
import shutil
import signal
import subprocess

import pytest

from discordsim.client import FAKES_DIR, SimError, _python, _read_line, start_simulator
from dsim_raw import rest


def spawn(*args):
    env = dict(os.environ, PYTHONPATH=str(FAKES_DIR))
    return subprocess.Popen([_python(), "-m", "discordsim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_line_and_exits_cleanly(signum):
    process = spawn("--port", "0", "--token", "a")
    try:
        line = _read_line(process.stdout, 15)
        urls = json.loads(line)
        assert set(urls) == {"rest", "gateway", "control"}
        assert urls["rest"].startswith("http://127.0.0.1:") and urls["rest"].endswith("/api/v10")
        assert urls["gateway"].startswith("ws://127.0.0.1:") and urls["control"].endswith("/_sim")
        process.send_signal(signum)
        assert process.wait(10) == 0
        assert process.stdout.read() == b""  # nothing after the one line
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        process.stdout.close()
        process.stderr.close()


def test_refuses_non_loopback_addresses():
    process = spawn("--host", "0.0.0.0")
    _, err = process.communicate(timeout=15)
    assert process.returncode == 2 and b"loopback" in err


def test_tokens_and_settings_from_the_command_line():
    with start_simulator("first", tokens=["second"], config={"heartbeat_interval": 777}) as sim:
        assert rest(sim, "GET", "/users/@me", token="first").status == 200
        assert rest(sim, "GET", "/users/@me", token="second").status == 200
        assert rest(sim, "GET", "/users/@me", token="third").status == 401
        assert sim.config()["heartbeat_interval"] == 777
        sim.reset()  # a reset goes back to the command line's settings, not the defaults
        assert sim.config()["heartbeat_interval"] == 777
        with pytest.raises(SimError) as refused:
            sim.configure(no_such_setting=1)
        assert refused.value.status == 400
        process = sim.process
    assert process.returncode == 0


def test_start_simulator_reports_a_failed_start(monkeypatch):
    monkeypatch.setenv("DISCORDSIM_PYTHON", shutil.which("false"))  # exits at once, prints nothing
    with pytest.raises(RuntimeError) as failed:
        with start_simulator(startup_timeout=10):
            pass
    assert "discordsim did not start" in str(failed.value)
