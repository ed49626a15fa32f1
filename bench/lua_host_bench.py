#!/usr/bin/python3
"""Lua host figures through the real binary against the Discord simulator: the dispatch overhead (from the
simulator sending INTERACTION_CREATE on the gateway to it receiving the callback POST, for /ping) as p50/p99
over many interactions sent one after another, and the time of a full /reload (the /reload round trip minus
the /ping one, and the bot's own figure when its reply gives one). Both include the simulator's side
(Python) of the exchange. Reports, never asserts.

    /usr/bin/python3 bench/lua_host_bench.py [--interactions 2000] [--reloads 20] [--binary build/peon-bot]
                                             [--scripts scripts]"""
import argparse
import pathlib
import re
import shutil
import statistics
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from botrun import FAKE_TOKEN, BotProcess  # noqa: E402
from fakediscord.client import start_simulator  # noqa: E402

ADMIN = "8"  # member.permissions of a server administrator, who may /reload
WARMUP = 50


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def answer_ms(sim, hit):
    record = sim.wait_initial(hit["id"], timeout=30)
    initial = record.get("initial")
    if initial is None:
        raise SystemExit(f"no answer for interaction {hit['id']}: {record}")
    return initial["after_ms"], initial


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=2000, help="/ping interactions to time")
    parser.add_argument("--reloads", type=int, default=20, help="/reload runs to time")
    parser.add_argument("--binary", default=str(REPO / "build" / "peon-bot"))
    parser.add_argument("--scripts", default=str(REPO / "scripts"),
                        help="scripts directory (copied; needs the ping and reload commands)")
    args = parser.parse_args()
    binary = str(pathlib.Path(args.binary).resolve())  # the bot runs in its own working directory
    work = pathlib.Path(tempfile.mkdtemp(prefix="peon-bench-"))
    scripts = work / "scripts"
    shutil.copytree(args.scripts, scripts)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "DISCORD_TOKEN": FAKE_TOKEN,
           "PEON_SCRIPTS_DIR": str(scripts), "PEON_DATA_DIR": str(work / "data"), "LOG_LEVEL": "warn"}
    with start_simulator(token=FAKE_TOKEN) as sim:
        env["DISCORD_API_BASE"] = sim.rest
        bot = BotProcess(binary, work, env).start()
        try:
            sim.wait_ready(timeout=30)
            ping_ms = []
            for i in range(WARMUP + args.interactions):
                ms, initial = answer_ms(sim, sim.command("ping"))
                if initial["type"] != 4:
                    raise SystemExit(f"/ping answered {initial}")
                if i >= WARMUP:
                    ping_ms.append(ms)
            reload_ms, reported = [], []
            for _ in range(args.reloads):
                ms, initial = answer_ms(sim, sim.command("reload", permissions=ADMIN))
                text = str(initial.get("data", {}))
                if "reloaded" not in text:
                    raise SystemExit(f"/reload did not reload: {initial}")
                reload_ms.append(ms)
                found = re.search(r"(\d+(?:\.\d+)?) ?ms", text)
                if found:
                    reported.append(float(found.group(1)))
        finally:
            bot.stop()
    commands = len(list((scripts / "commands").glob("*.lua")))
    print(f"dispatch /ping ({len(ping_ms)} interactions, one at a time): p50 {percentile(ping_ms, 50):.1f} ms  "
          f"p99 {percentile(ping_ms, 99):.1f} ms  max {max(ping_ms):.1f} ms")
    print(f"/reload of {commands} command scripts ({len(reload_ms)} runs): round trip p50 "
          f"{statistics.median(reload_ms):.1f} ms, minus the /ping round trip "
          f"{statistics.median(reload_ms) - statistics.median(ping_ms):.1f} ms"
          + (f"; the bot reports p50 {statistics.median(reported):.1f} ms" if reported else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
