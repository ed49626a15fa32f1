"""The README's two commands, verbatim: the Quick start table names exactly `./run.sh` and `./test.sh`, CI runs
the test command, and `./run.sh` works from a clean clone of the repository (it builds, and without a token
opens the playground, which a closed stdin leaves at once with status 0). `./test.sh` itself is what CI
runs on a clean clone, so running it again from inside the suite would only recurse."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from botrun import REPO


def quick_start_commands():
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| ([^|]+?) \| `([^`]+)` \|$", section, re.M))


def test_the_readme_names_the_two_commands_and_ci_runs_the_test_one():
    commands = quick_start_commands()
    assert commands == {"build and run the bot": "./run.sh", "run every test": "./test.sh"}, commands
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^exec \./test\.sh$", ci, re.M), ci
    for script in ("run.sh", "test.sh", ".ci/run"):
        assert os.access(REPO / script, os.X_OK), f"{script} is not executable"


@pytest.mark.skipif(not (REPO / ".git").exists() or shutil.which("git") is None, reason="not a git checkout")
def test_run_sh_verbatim_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone with space"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True, timeout=300)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    run = subprocess.run(["./run.sh"], cwd=clone, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=1800)
    output = run.stdout.decode("utf-8", "replace")
    assert run.returncode == 0, output[-3000:]
    assert (clone / "build" / "peon-bot").exists()
    assert "playground" in output.lower(), output[-3000:]
    assert "DISCORD_TOKEN" not in env
