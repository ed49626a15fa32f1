"""The heartbeat file (core/health_file.c) that the Docker image's HEALTHCHECK reads: written into
PEON_DATA_DIR as soon as the bot runs, private, holding the current Unix time, and accepted by the
Dockerfile's own HEALTHCHECK command."""
import importlib.util
import json
import os
import stat
import subprocess
import time

from botrun import FAKE_TOKEN, REPO, assert_clean_sanitizers

_spec = importlib.util.spec_from_file_location("check_dockerfile", REPO / "tools" / "check_dockerfile.py")
checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checker)


def dockerfile_healthcheck():
    """The runtime stage's HEALTHCHECK CMD as an argv."""
    runtime = checker.parse_dockerfile(REPO / "Dockerfile")[-1]
    text = runtime.last("HEALTHCHECK").text
    form = text[text.index("CMD") + 3:].strip()
    return json.loads(form) if form.startswith("[") else ["/bin/sh", "-c", form]


def test_running_bot_keeps_a_heartbeat_the_healthcheck_accepts(bot, tmp_path):
    data = tmp_path / "data"
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, PEON_DATA_DIR=str(data)).start()
    process.wait_for_log("running")
    health = data / "health"
    deadline = time.monotonic() + 5
    while not health.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    beat = int(health.read_text())
    assert abs(beat - time.time()) < 5
    assert stat.S_IMODE(os.stat(health).st_mode) == 0o600

    env = {"PATH": "/usr/bin:/bin", "PEON_DATA_DIR": str(data)}
    result = subprocess.run(dockerfile_healthcheck(), env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr

    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
    health.write_text(f"{int(time.time()) - 600}\n")
    result = subprocess.run(dockerfile_healthcheck(), env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 1  # ten minutes without a beat: the loop is stuck or the bot is gone
