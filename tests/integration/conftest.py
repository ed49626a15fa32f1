"""Fixtures for running the real peon-bot binary (helpers live in botrun.py).

Every test gets a private working directory (so a developer's own .env never leaks in), a clean
environment, and runs once per binary listed in PEON_BOT_BINARIES (the normal and the ASan+UBSan
build when started from test.sh).
"""
import os
import pathlib

import pytest

from botrun import FAKE_TOKEN, ORC_KEY, BotProcess, binaries, closed_port, REPO
from fakediscord.client import start_simulator


def pytest_generate_tests(metafunc):
    if "bot_binary" in metafunc.fixturenames:
        paths = binaries()
        ids = [pathlib.Path(p).parent.name for p in paths]
        metafunc.parametrize("bot_binary", paths, ids=ids)


@pytest.fixture(scope="session")
def discord_sim():
    """One Discord simulator for the session; tests that need a clean world call sim.reset()."""
    with start_simulator(token=FAKE_TOKEN) as simulator:
        yield simulator


@pytest.fixture
def sim(discord_sim):
    discord_sim.reset()
    return discord_sim


@pytest.fixture
def bot_env(tmp_path):
    """A minimal, explicit environment: nothing from the developer's shell but PATH and HOME."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PEON_SCRIPTS_DIR": str(REPO / "scripts"),
        "PEON_DATA_DIR": str(tmp_path / "data"),
        # Never the real Discord: a loopback port nothing listens on, unless a test brings a simulator.
        "DISCORD_API_BASE": f"http://127.0.0.1:{closed_port()}/api/v10",
        "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=98",
    }


@pytest.fixture
def bot(bot_binary, bot_env, tmp_path):
    """Factory: bot(**extra_env) -> BotProcess (not started). Processes are killed after the test."""
    started = []

    def make(**extra):
        env = dict(bot_env)
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        workdir = tmp_path / f"run{len(started)}"
        workdir.mkdir()
        process = BotProcess(bot_binary, workdir, env)
        started.append(process)
        return process

    yield make
    for process in started:
        process.kill()


@pytest.fixture(scope="session")
def orchestrator_sim():
    """One PEON orchestrator simulator (tests/fakes/orcsim) for the session, seeded with the demo servers
    (valheim.bob running, palworld.alice exited, minecraft.steve running with a pending stop)."""
    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key=ORC_KEY, tick_period=0) as simulator:
        yield simulator


@pytest.fixture
def orc(orchestrator_sim):
    """The orchestrator simulator, back to the demo seed with no faults, latency or logged requests."""
    orchestrator_sim.reset("demo")
    orchestrator_sim.clear_faults()
    orchestrator_sim.clear_latency()
    orchestrator_sim.clear_requests()
    return orchestrator_sim


@pytest.fixture
def peon(bot, sim, orc, tmp_path):
    """Factory: peon(**extra_env) -> a started bot with the repository's scripts, connected to the Discord
    simulator, with the orchestrator simulator registered as "local"; returns once commands are synced."""
    def start(**extra):
        env = dict(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_ORCHESTRATOR_URL=orc.url,
                   LOCAL_API_KEY=ORC_KEY, PEON_DATA_DIR=str(tmp_path / "data"))
        env.update(extra)
        process = bot(**env).start()
        sim.wait_ready()
        process.wait_for_log("INFO  commands:")
        return process
    return start
