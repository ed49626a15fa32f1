#!/usr/bin/python3
"""REST throughput through the real binary: scripts send messages over 5 channels (5 handlers at once)
against the Discord simulator with Discord's global limit of 50 requests/s. Prints messages/s, the share of
the global limit that achieves, and how many 429s the simulator served (the target is 0).

    /usr/bin/python3 bench/rest_throughput.py [--messages 100] [--binary build/peon-bot]"""
import argparse
import pathlib
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from botrun import FAKE_TOKEN, BotProcess  # noqa: E402
from fakediscord.client import start_simulator  # noqa: E402

CHANNELS = ["peon", "valheim-bob", "palworld-alice"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100, help="per handler (max 200)")
    parser.add_argument("--binary", default=str(REPO / "build" / "peon-bot"))
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="peon-bench-"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "DISCORD_TOKEN": FAKE_TOKEN,
           "PEON_SCRIPTS_DIR": str(REPO / "tests" / "integration" / "scripts_rest"),
           "PEON_DATA_DIR": str(work / "data")}
    with start_simulator(token=FAKE_TOKEN) as sim:
        env["DISCORD_API_BASE"] = sim.rest
        bot = BotProcess(args.binary, work, env).start()
        bot.wait_for_log("INFO  commands:", timeout=30)
        started = time.monotonic()
        hits = []
        for i, channel in enumerate(CHANNELS):
            options = [{"name": "count", "type": 4, "value": args.messages},
                       {"name": "tag", "type": 3, "value": f"t{i}"}, {"name": "channel", "type": 3, "value": channel}]
            hits.append(sim.command("burst", options, channel="peon"))
        for hit in hits:
            sim.wait_events(hit["id"], 2, timeout=600)
        elapsed = time.monotonic() - started
        rest = sim.counters()["rest"]
        bot.stop()
    total = args.messages * len(CHANNELS)
    rate = total / elapsed
    print(f"messages {total}  seconds {elapsed:.2f}  {rate:.1f} messages/s  ({rate / 50 * 100:.0f}% of the "
          f"50/s global limit)  429s served {sum(rest['429'].values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
