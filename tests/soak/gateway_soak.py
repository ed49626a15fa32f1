#!/usr/bin/python3
"""Gateway soak: the real binary against the Discord simulator for a while, with a resumable fault every few
seconds (silent drop, close 1001/4000, op 7, op 9 true, a zombie phase) and numbered events emitted all along.
Ends by checking that the bot is connected, identified once, saw every event exactly once, and that its
memory stayed flat. Not part of ./test.sh; run it by hand:

    /usr/bin/python3 tests/soak/gateway_soak.py [--minutes 10] [--binary build/peon-bot] [--every 4]

Exit status 0 when every check holds; the figures are printed either way."""
import argparse
import os
import pathlib
import random
import sqlite3
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from botrun import FAKE_TOKEN, BotProcess, wait_until  # noqa: E402
from fakediscord.client import start_simulator  # noqa: E402

FAULTS = [{"action": "drop"}, {"action": "close", "code": 1001}, {"action": "close", "code": 4000},
          {"action": "reconnect"}, {"action": "invalid_session", "resumable": True}, "zombie"]


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0




def recorded(data_dir):
    with sqlite3.connect(data_dir / "peon.db") as db:
        return {int(k): int(v) for k, v in db.execute("SELECT key, value FROM kv WHERE ns = 'events'")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=4.0, help="seconds between faults")
    parser.add_argument("--binary", default=str(REPO / "build" / "peon-bot"))
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="peon-soak-"))
    data = work / "data"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "DISCORD_TOKEN": FAKE_TOKEN,
           "PEON_SCRIPTS_DIR": str(REPO / "tests" / "integration" / "scripts_gateway"),
           "PEON_DATA_DIR": str(data)}
    rng = random.Random(1)
    with start_simulator(token=FAKE_TOKEN) as sim:
        sim.configure(heartbeat_interval=2000)
        env["DISCORD_API_BASE"] = sim.rest
        bot = BotProcess(args.binary, work, env).start()
        bot.wait_for_log("ready (session established)", timeout=30)
        time.sleep(1)
        rss_start = rss_kib(bot.proc.pid)
        emitted, faults, resumes_expected = 0, 0, 0
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end:
            for _ in range(20):
                sim.emit("PEON_TEST", {"n": emitted})
                emitted += 1
            fault = rng.choice(FAULTS)
            if fault == "zombie":
                sim.gateway_fault("no_ack")
                wait_until(lambda: sim.counters()["resumes"] > resumes_expected, 15)
                sim.gateway_fault("ack")
            else:
                sim.gateway_fault(**fault)
            faults += 1
            resumes_expected += 1
            for _ in range(20):
                sim.emit("PEON_TEST", {"n": emitted})
                emitted += 1
            if not wait_until(lambda: sim.counters()["resumes"] >= resumes_expected, 30):
                print(f"no resume after fault {faults} ({fault})")
                break
            time.sleep(max(0.0, args.every - 0.5))
        complete = wait_until(lambda: len(recorded(data)) >= emitted, 30)
        seen = recorded(data)
        rss_end = rss_kib(bot.proc.pid)
        counters = sim.counters()
        connected = any(s["connected"] for s in counters["sessions"])
        status = bot.stop()
    lost = [n for n in range(emitted) if n not in seen]
    duplicated = [n for n, count in seen.items() if count != 1]
    print(f"minutes {args.minutes}  faults {faults}  events {emitted}  lost {len(lost)}  duplicated "
          f"{len(duplicated)}  identifies {counters['identifies']}  resumes {counters['resumes']}  "
          f"connected {connected}  RSS start {rss_start} KiB  end {rss_end} KiB  exit {status}")
    ok = (complete and not lost and not duplicated and counters["identifies"] == 1 and connected and status == 0
          and rss_end <= rss_start + 1024)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
