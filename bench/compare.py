#!/usr/bin/python3
"""peon-bot against a discord.py peer (bench/peer_discordpy/bot.py), one after the other, against the same
Discord simulator (tests/fakes/fakediscord) and orchestrator simulator (tests/fakes/orcsim), both reset
between bots. Prints one table with both columns, the ratio and peon-bot's targets (reported, never asserted).

Measured per bot, each on a fresh process:
  * time from process start to READY (the simulator has sent READY; polled every 5 ms);
  * idle RSS (VmRSS of /proc/<pid>/status) after READY and a settle period;
  * first response (the simulator dispatching INTERACTION_CREATE -> it receiving the first callback) and
    the full answer (-> the status embed arrived), p50/p99 over --latency interactions one at a time, with
    the orchestrator simulator's own time per GET; the same for /ping (no orchestrator: dispatch alone);
  * interactions/s with a correct answer (the embed of valheim.bob, state running) over --throughput
    interactions with at most --concurrency in flight, and the bot's CPU time per interaction; RSS after;
  * with the orchestrator answering GET /server/get/* in 2 s (orcsim latency; threaded, so the 50 requests
    overlap), how many of --slow simultaneous /server info get a first response within 3 s, and how many end
    with the correct embed;
  * the time of a full /reload (peon-bot only: the time the bot reports in its reply, and the round trip).

    /usr/bin/python3 bench/compare.py [--quick] [--runs 3] [--pin] [--binary build-bench/peon-bot] [--json out.json]

Without --binary, a Release build in build-bench/ is used (configured and built first if missing)."""
import argparse
import asyncio
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import aiohttp

REPO = pathlib.Path(__file__).resolve().parents[1]
BOT_CPUS = None  # --pin: the CPUs the bot under test may run on
sys.path.insert(0, str(REPO / "tests" / "integration"))
from botrun import ADMIN, FAKE_TOKEN, ORC_KEY  # noqa: E402
from fakediscord.client import start_simulator  # noqa: E402
from orcsim.client import start_orchestrator  # noqa: E402

PYTHON = "/usr/bin/python3"
PEER = REPO / "bench" / "peer_discordpy" / "bot.py"
UID = "valheim.bob"
INFO = [{"name": "action", "type": 3, "value": "info"}, {"name": "server", "type": 3, "value": UID}]
WARMUP = 50
DEADLINE_MS = 3000.0


# ---- process figures ----

def proc_status(pid):
    """VmRSS, RssAnon, RssFile in KiB."""
    out = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(line.split()[1])
    return out


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def simulators_cpu(bot_pid):
    """CPU seconds of this script's other children (the two simulators) and of this script itself."""
    total = 0.0
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != bot_pid:
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total + sum(os.times()[:2])


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def release_binary():
    build = REPO / "build-bench"
    binary = build / "peon-bot"
    if not binary.exists():
        print("building a Release peon-bot in build-bench/ ...", flush=True)
        subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build), "--target", "peon-bot", "-j2"], check=True,
                       stdout=subprocess.DEVNULL)
    return binary


# ---- talking to the Discord simulator ----

def final_event(summary):
    """The answer the user ends up seeing: a message callback, or the last edit/followup after a defer."""
    answer = None
    for event in summary.get("events", []):
        if (event["kind"] == "callback" and event.get("type") in (4, 7)) or \
                event["kind"] in ("edit_original", "followup"):
            answer = event
    return answer


def correct(event):
    """The status embed of valheim.bob, with its state."""
    if not event or not isinstance(event.get("data"), dict):
        return False
    for embed in event["data"].get("embeds") or []:
        if UID in (embed.get("title") or "") and any(
                f.get("name") == "State" and f.get("value") == "running" for f in embed.get("fields") or []):
            return True
    return False


class Driver:
    """Injects interactions through the simulator's control API (keep-alive, asyncio) and waits for answers."""

    def __init__(self, sim):
        self.control = sim.control
        self.session = None

    async def __aenter__(self):
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256),
                                             timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *exc):
        await self.session.close()

    async def inject(self, spec):
        async with self.session.post(self.control + "/interactions", json=spec) as res:
            return await res.json()

    async def read(self, iid, query):
        async with self.session.get(f"{self.control}/interactions/{iid}?{query}") as res:
            return await res.json()

    async def run(self, spec, timeout=15):
        """One interaction: returns (first response ms or None, answer ms or None, answer correct)."""
        iid = (await self.inject(spec))["id"]
        summary = await self.read(iid, f"wait=initial&timeout={timeout}")
        initial = summary.get("initial")
        if initial is None:
            return None, None, False
        if initial.get("type") in (5, 6):
            summary = await self.read(iid, f"wait=events&count=2&timeout={timeout}")
        answer = final_event(summary)
        rejected = [e for e in summary.get("events", []) if e["kind"] != "callback" and e["kind"].startswith(
            ("rejected", "late", "duplicate"))]
        return initial["after_ms"], answer["after_ms"] if answer else None, correct(answer) and not rejected

    async def many(self, count, concurrency, spec):
        results = []
        queue = iter(range(count))

        async def worker():
            for _ in queue:
                results.append(await self.run(spec))
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results


def info_spec():
    return {"type": 2, "name": "server", "options": INFO, "channel": "peon"}


def wait_ready_fine(sim, proc, timeout=60):
    """Seconds until the simulator has sent READY (some session has a sequence number), polled every 5 ms."""
    url = urllib.parse.urlsplit(sim.control)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            conn.request("GET", url.path + "/counters")
            data = json.loads(conn.getresponse().read())
            if any(s["seq"] >= 1 for s in data["sessions"]):
                return time.monotonic()
            if proc.poll() is not None:
                raise SystemExit(f"the bot exited with {proc.returncode} before READY")
            time.sleep(0.005)
    finally:
        conn.close()
    raise SystemExit("no READY within %d s" % timeout)


# ---- one bot ----

class Bot:
    def __init__(self, kind, binary, sim, orc, work, peer_mode):
        self.kind, self.sim, self.orc = kind, sim, orc
        self.work = work
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "DISCORD_TOKEN": FAKE_TOKEN,
               "DISCORD_API_BASE": sim.rest, "PEON_ORCHESTRATOR_URL": orc.url, "LOCAL_API_KEY": ORC_KEY,
               "LANG": "C.UTF-8"}
        if kind == "peon":
            scripts = work / "scripts"
            shutil.copytree(REPO / "scripts", scripts)
            env.update(PEON_SCRIPTS_DIR=str(scripts), PEON_DATA_DIR=str(work / "data"))
            self.argv = [str(binary)]
        else:
            env["PEER_DEFER"] = "0" if peer_mode == "direct" else "1"
            self.argv = [PYTHON, str(PEER)]
        self.env = env
        self.proc = None
        self.log = open(work / f"{kind}.log", "wb")

    def start(self):
        started = time.monotonic()
        cpus = BOT_CPUS
        self.proc = subprocess.Popen(self.argv, cwd=self.work, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        return (wait_ready_fine(self.sim, self.proc) - started) * 1000

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


async def measure(bot, args):
    fig = {}
    fig["ready_ms"] = bot.start()
    time.sleep(args.settle)
    idle = proc_status(bot.proc.pid)
    fig["idle_rss_kib"], fig["idle_anon_kib"], fig["idle_file_kib"] = idle["VmRSS"], idle["RssAnon"], idle["RssFile"]
    async with Driver(bot.sim) as driver:
        warm = [await driver.run(info_spec()) for _ in range(WARMUP)]
        if not all(ok for _, _, ok in warm):
            raise SystemExit(f"{bot.kind}: wrong answers during the warm-up: {warm[:3]} (log {bot.work})")

        first, answer, bad = [], [], 0
        for _ in range(args.latency):
            f, a, ok = await driver.run(info_spec())
            bad += not ok
            if f is not None:
                first.append(f)
            if a is not None:
                answer.append(a)
        fig["first_p50"], fig["first_p99"] = percentile(first, 50), percentile(first, 99)
        fig["answer_p50"], fig["answer_p99"] = percentile(answer, 50), percentile(answer, 99)
        fig["latency_wrong"] = bad
        served = [r["t_finished"] - r["t_received"] for r in bot.orc.requests(route="GET /server/get")
                  if r.get("t_finished") and r.get("t_received")]
        fig["orc_ms"] = statistics.median(served) * 1000 if served else None
        bot.orc.clear_requests()

        pings = []
        for _ in range(args.latency):
            iid = (await driver.inject({"type": 2, "name": "ping", "options": [], "channel": "peon"}))["id"]
            initial = (await driver.read(iid, "wait=initial&timeout=15")).get("initial") or {}
            if initial.get("type") == 4 and "Pong" in json.dumps(initial.get("data")):
                pings.append(initial["after_ms"])
        fig["ping_p50"], fig["ping_p99"] = percentile(pings, 50), percentile(pings, 99)

        cpu0, others0, t0 = cpu_seconds(bot.proc.pid), simulators_cpu(bot.proc.pid), time.monotonic()
        results = await driver.many(args.throughput, args.concurrency, info_spec())
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(bot.proc.pid) - cpu0
        fig["sim_cpu_ms_per_interaction"] = (simulators_cpu(bot.proc.pid) - others0) * 1000 / len(results)
        good = sum(1 for f, _, ok in results if ok and f is not None and f <= DEADLINE_MS)
        fig["ips"] = good / elapsed
        fig["throughput_wrong"] = len(results) - good
        fig["cpu_ms_per_interaction"] = cpu * 1000 / len(results)
        fig["served"] = WARMUP + args.latency + args.throughput
        fig["rss_after_kib"] = proc_status(bot.proc.pid)["VmRSS"]
        bot.orc.clear_requests()

        bot.orc.set_single_threaded(False)
        bot.orc.set_latency("GET /server/get/*", 2)
        try:
            slow = await asyncio.gather(*(driver.run(info_spec(), timeout=30) for _ in range(args.slow)))
        finally:
            bot.orc.clear_latency()
            bot.orc.set_single_threaded(True)
        fig["slow_in_time"] = sum(1 for f, _, _ in slow if f is not None and f <= DEADLINE_MS)
        fig["slow_correct"] = sum(1 for _, _, ok in slow if ok)
        fig["slow_first_max"] = max((f for f, _, _ in slow if f is not None), default=None)
        bot.orc.clear_requests()

        if bot.kind == "peon":
            reported, trips = [], []
            for _ in range(args.reloads):
                iid = (await driver.inject({"type": 2, "name": "reload", "options": [], "channel": "peon",
                                            "permissions": ADMIN}))["id"]
                summary = await driver.read(iid, "wait=initial&timeout=30")
                initial = summary.get("initial") or {}
                text = json.dumps(initial.get("data") or {}, ensure_ascii=False)
                found = re.search(r"(\d+(?:\.\d+)?) ?ms", text)
                if "reloaded" not in text.lower() and not found:
                    raise SystemExit(f"/reload did not reload: {initial}")
                trips.append(initial["after_ms"])
                if found:
                    reported.append(float(found.group(1)))
            fig["reload_ms"] = statistics.median(reported) if reported else None
            fig["reload_trip_ms"] = statistics.median(trips)
    return fig


def run_bot(kind, binary, sim, orc, args):
    sim.reset()
    orc.reset("demo")
    orc.clear_faults()
    orc.clear_latency()
    orc.clear_requests()
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"peon-compare-{kind}-"))
    bot = Bot(kind, binary, sim, orc, work, args.peer_mode)
    try:
        fig = asyncio.run(measure(bot, args))
    finally:
        bot.stop()
    shutil.rmtree(work, ignore_errors=True)
    return fig


# ---- the table ----

ROWS = [
    # key, label, unit format, ratio sense ("peer/peon": bigger is worse for the peer), target text, target check
    ("idle_rss_kib", "idle RSS after READY", lambda v: f"{v / 1024:.1f} MB", "peer/peon", "≤ 6 MB",
     lambda v: v <= 6 * 1024),
    ("idle_anon_kib", "  of which anonymous (heap, stacks, data)", lambda v: f"{v / 1024:.1f} MB", "peer/peon", "",
     None),
    ("idle_file_kib", "  of which file-backed (code of the libraries)", lambda v: f"{v / 1024:.1f} MB",
     "peer/peon", "", None),
    ("rss_after_kib", "RSS after {served} interactions", lambda v: f"{v / 1024:.1f} MB", "peer/peon", "", None),
    ("ready_ms", "process start -> READY", lambda v: f"{v:.0f} ms", "peer/peon", "", None),
    ("first_p50", "first response p50 ({latency} one at a time)", lambda v: f"{v:.1f} ms", "peer/peon", "",
     None),
    ("first_p99", "first response p99", lambda v: f"{v:.1f} ms", "peer/peon", "≤ 2 ms", lambda v: v <= 2.0),
    ("orc_ms", "  of which the orchestrator simulator (p50)", lambda v: f"{v:.1f} ms", None, "", None),
    ("ping_p50", "/ping first response p50 (dispatch only)", lambda v: f"{v:.1f} ms", "peer/peon", "", None),
    ("ping_p99", "/ping first response p99", lambda v: f"{v:.1f} ms", "peer/peon", "≤ 2 ms", lambda v: v <= 2.0),
    ("answer_p50", "status embed received p50", lambda v: f"{v:.1f} ms", "peer/peon", "", None),
    ("answer_p99", "status embed received p99", lambda v: f"{v:.1f} ms", "peer/peon", "", None),
    ("ips", "interactions/s, correct answer ({concurrency} in flight)", lambda v: f"{v:.0f}/s", "peon/peer", "",
     None),
    ("cpu_ms_per_interaction", "bot CPU time per interaction", lambda v: f"{v:.2f} ms", "peer/peon", "", None),
    ("sim_cpu_ms_per_interaction", "  simulators + driver CPU per interaction", lambda v: f"{v:.2f} ms",
     "peer/peon", "", None),
    ("slow_in_time", "orchestrator 2 s: first response ≤ 3 s", lambda v: f"{v:.0f}/{{slow}}", None,
     "{slow}/{slow}", lambda v, n=None: True),
    ("slow_correct", "orchestrator 2 s: correct status embed", lambda v: f"{v:.0f}/{{slow}}", None, "", None),
    ("reload_ms", "full /reload (bot's own figure)", lambda v: f"{v:.1f} ms", None, "≤ 20 ms", lambda v: v <= 20),
    ("reload_trip_ms", "  /reload round trip", lambda v: f"{v:.1f} ms", None, "", None),
]


def cell(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    mid = statistics.median(values)
    text = fmt(mid)
    if len(values) > 1 and min(values) != max(values):
        lo, hi = fmt(min(values)), fmt(max(values))
        unit = lo.split(" ", 1)[1] if " " in lo else ""
        text += f" [{lo.split(' ')[0]}–{hi.split(' ')[0]}{(' ' + unit) if unit else ''}]"
    return text


def table(results, args):
    names = {"served": results["peon"][0]["served"] if results.get("peon") else "?", "latency": args.latency,
             "concurrency": args.concurrency, "slow": args.slow}
    header = ("metric", "peon-bot", "discord.py peer", "ratio", "peon-bot target")
    lines = []
    for key, label, fmt, sense, target, check in ROWS:
        peon = [r.get(key) for r in results.get("peon", [])]
        peer = [r.get(key) for r in results.get("peer", [])]
        ratio = ""
        p_ok = [v for v in peon if v is not None]
        q_ok = [v for v in peer if v is not None]
        if sense and p_ok and q_ok and statistics.median(p_ok) and statistics.median(q_ok):
            a, b = statistics.median(p_ok), statistics.median(q_ok)
            ratio = f"{(b / a if sense == 'peer/peon' else a / b):.1f}x"
        mark = ""
        if target and p_ok and key != "slow_in_time":
            mark = " ok" if check(statistics.median(p_ok)) else " MISSED"
        if key == "slow_in_time" and p_ok:
            mark = " ok" if min(p_ok) >= args.slow else " MISSED"
        lines.append((label.format(**names), cell(peon, fmt).replace("{slow}", str(args.slow)),
                      cell(peer, fmt).replace("{slow}", str(args.slow)) if key not in ("reload_ms", "reload_trip_ms")
                      else "n/a (no equivalent)", ratio, (target.format(**names) + mark) if target else ""))
    widths = [max(len(row[i]) for row in lines + [header]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in lines]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short counts (300 latency, 1000 throughput, 5 "
                                                             "reloads, 2 s settle)")
    parser.add_argument("--runs", type=int, default=1, help="repeat everything; cells show median [min-max]")
    parser.add_argument("--latency", type=int, default=2000, help="interactions timed one at a time")
    parser.add_argument("--throughput", type=int, default=10000, help="interactions for the rate and the RSS")
    parser.add_argument("--concurrency", type=int, default=32, help="interactions in flight at most")
    parser.add_argument("--slow", type=int, default=50, help="simultaneous /server info, orchestrator at 2 s")
    parser.add_argument("--reloads", type=int, default=20)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after READY before the idle RSS")
    parser.add_argument("--binary", help="peon-bot binary (default: build-bench/peon-bot, built if missing)")
    parser.add_argument("--peer-mode", choices=("defer", "direct"), default="defer",
                        help="the peer defers before the orchestrator call (default) or answers directly")
    parser.add_argument("--only", choices=("peon", "peer"), help="measure one bot")
    parser.add_argument("--json", help="write every figure of every run here")
    parser.add_argument("--pin", action="store_true",
                        help="the bot alone on the last CPU, the simulators and this driver on the others "
                             "(so the bot's latency is not the scheduling of four processes on shared cores)")
    args = parser.parse_args()
    global BOT_CPUS
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            parser.error("--pin needs at least 2 CPUs")
        BOT_CPUS = {cpus[-1]}
        os.sched_setaffinity(0, set(cpus[:-1]))  # the simulators started below inherit it
    if args.quick:
        args.latency, args.throughput, args.reloads, args.settle = 300, 1000, 5, 2.0
    binary = pathlib.Path(args.binary).resolve() if args.binary else release_binary()
    kinds = [args.only] if args.only else ["peon", "peer"]
    results = {k: [] for k in kinds}
    loads = [os.getloadavg()]
    began = time.monotonic()
    with start_simulator(token=FAKE_TOKEN) as sim, start_orchestrator(api_key=ORC_KEY, tick_period=0) as orc:
        for run in range(args.runs):
            order = kinds if run % 2 == 0 else list(reversed(kinds))
            for kind in order:
                print(f"run {run + 1}/{args.runs}: {kind} ...", file=sys.stderr, flush=True)
                results[kind].append(run_bot(kind, binary, sim, orc, args))
                loads.append(os.getloadavg())
    import discord
    print(f"peon-bot {binary} (Release) vs discord.py {discord.__version__} peer ({args.peer_mode}), "
          f"{args.runs} run(s), {time.monotonic() - began:.0f} s; {os.cpu_count()} cores, loopback; "
          f"1-min load average {min(l[0] for l in loads):.2f}-{max(l[0] for l in loads):.2f}"
          + (f"; bot pinned to CPU {sorted(BOT_CPUS)}, the rest to the others" if BOT_CPUS else ""))
    print(table(results, args))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"args": vars(args), "loads": loads, "results": results},
                                                      indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
