#!/usr/bin/python3
"""Soak: the real binary with the repository's scripts against the Discord simulator and the orchestrator
simulator for a long while (one hour by default), with mixed interactions from several users at once, faults
on both sides and a /reload every few minutes.

Interactions (each user loops over them): /server info, /server start then /server stop confirmed with its
button (on the user's own server), /list servers, autocomplete of /server's server option, /peon in a game
channel and its info and restart buttons. Faults, one every --fault-every seconds, in turn: gateway (drop
without a close frame, close 1001, close 4000, op 7, op 9 resumable, a zombie phase without heartbeat ACKs)
and orchestrator (2-4 s latency for a while, 500s, dropped connections, requests hung for 5 s then dropped).
An admin runs /reload every --reload-every seconds.

An interaction fails when its first response is missing or later than Discord's 3 s, when the simulator
refused an answer (rejected, duplicate or late callback), or when a deferred one has no final answer within
45 s. An orchestrator failure shown to the user is an answer (and is counted). Memory: VmRSS sampled every
minute; first/last/max and the slope (least squares, KiB per minute) over the samples after the first
minute. Ends with the bot's /debug output, its log's warnings, and both simulators' counters.

    /usr/bin/python3 tests/soak/soak.py [--minutes 60] [--users 4] [--binary build/peon-bot]
                                        [--fault-every 20] [--reload-every 180]

Not part of ./test.sh. Exit status 0 when no interaction failed, memory stayed flat over the second half
of the run (slope under 16 KiB/min, last sample at most 1 MiB above that half's first; the heap takes a few
minutes to reach its working size), the bot is still connected with one IDENTIFY, and it exits 0 on
SIGTERM."""
import argparse
import asyncio
import collections
import json
import pathlib
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import aiohttp

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from botrun import ADMIN, FAKE_TOKEN, ORC_KEY  # noqa: E402
from fakediscord.client import start_simulator  # noqa: E402
from orcsim.client import start_orchestrator  # noqa: E402

DEADLINE_MS = 3000.0
# One server per user, of games whose ports collide neither with each other nor with the demo's running ones.
GAMES = ["ark", "rust", "vrising", "7dtd", "factorio", "enshrouded"]
FINAL_TIMEOUT = 45
GATEWAY_FAULTS = [{"action": "drop"}, {"action": "close", "code": 1001}, {"action": "close", "code": 4000},
                  {"action": "reconnect"}, {"action": "invalid_session", "resumable": True}, "zombie"]
ORC_FAULTS = ["latency", "fail", "drop", "hang"]


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def slope(points):
    """Least-squares slope of (minute, KiB) points, KiB per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def memory_verdict(rss):
    """Flat when, over the second half of the run (at least 5 samples, else the samples after the first
    minute), the slope stays under 16 KiB/min and the last sample is at most 1 MiB above the half's first
    one: the heap reaches its working size early (buckets, caches, allocator), a leak keeps climbing."""
    later = [(m, k) for m, k in rss if m >= 1.0] or rss
    second = later[len(later) // 2:] if len(later) >= 10 else later
    flat = second[-1][1] <= second[0][1] + 1024 and (len(second) < 5 or slope(second) < 16)
    return flat, second


def opts(**values):
    return [{"name": k, "type": 3, "value": v} for k, v in values.items()]


def final_event(summary):
    answer = None
    for event in summary.get("events", []):
        if (event["kind"] == "callback" and event.get("type") in (4, 7, 8, 9)) or \
                event["kind"] in ("edit_original", "followup"):
            answer = event
    return answer


def text_of(data):
    data = data or {}
    parts = [data.get("content") or ""]
    for e in data.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in e.get("fields") or []]
    return "\n".join(parts)


def components(data):
    return [c for row in (data or {}).get("components") or [] for c in row.get("components", [])]


class Soak:
    def __init__(self, sim, orc, args):
        self.sim, self.orc, self.args = sim, orc, args
        self.stats = collections.Counter()
        self.by_kind = collections.Counter()
        self.failures = []
        self.windows = []           # (start, end, fault) in time.monotonic()
        self.first_ms = []
        self.session = None
        self.stop_at = time.monotonic() + args.minutes * 60

    # ---- one interaction ----
    async def inject(self, spec):
        async with self.session.post(self.sim.control + "/interactions", json=spec) as res:
            return await res.json()

    async def read(self, iid, query=""):
        async with self.session.get(f"{self.sim.control}/interactions/{iid}?{query}") as res:
            return await res.json()

    async def interact(self, kind, spec):
        """Injects one interaction and follows it to its final answer; returns that answer's data or None."""
        sent_at = time.monotonic()
        injected = await self.inject(spec)
        iid = injected["id"]
        summary = await self.read(iid, "wait=initial&timeout=10")
        self.stats["interactions"] += 1
        self.by_kind[kind] += 1
        initial = summary.get("initial")
        if initial is None or initial["after_ms"] > DEADLINE_MS:
            return self.fail(kind, iid, "no first response within 3 s", summary, sent_at)
        self.first_ms.append(initial["after_ms"])
        deadline = time.monotonic() + FINAL_TIMEOUT
        while final_event(summary) is None and time.monotonic() < deadline:
            summary = await self.read(iid, f"wait=events&count={len(summary['events']) + 1}&timeout=10")
        answer = final_event(summary)
        bad = [e for e in summary["events"] if e["kind"].startswith(("rejected", "duplicate", "late"))]
        if bad:
            return self.fail(kind, iid, f"the simulator refused an answer: {bad[0]['kind']}", summary, sent_at)
        if answer is None:
            return self.fail(kind, iid, f"no final answer within {FINAL_TIMEOUT} s", summary, sent_at)
        if initial.get("type") in (5, 6):
            self.stats["deferred"] += 1
        if text_of(answer.get("data")).lstrip().startswith("❌") or "failed" in text_of(answer.get("data")):
            self.stats["failure shown to the user"] += 1
        return answer.get("data") or {}

    def fail(self, kind, iid, why, summary, sent_at):
        self.stats["failed"] += 1
        self.failures.append((sent_at, kind, iid, why, json.dumps(summary.get("events", []))[:300]))
        return None

    def during(self, sent_at):
        """The fault whose window (3 s before it until the bot resumed or the orchestrator recovered)
        covers a moment, or ''."""
        for start, end, name in self.windows:
            if start - DEADLINE_MS / 1000 <= sent_at <= end:
                return name
        return ""

    def elapsed_min(self):
        return (time.monotonic() - self.started) / 60

    # ---- the users ----
    async def user(self, number):
        rng = random.Random(number)
        user_id = str(500000000000000100 + number)
        mine = f"{GAMES[(number - 1) % len(GAMES)]}.soak{number}"
        who = {"user_id": user_id, "channel": "peon"}
        steps = ["info", "start_stop", "list", "autocomplete", "panel", "info", "autocomplete"]
        while time.monotonic() < self.stop_at:
            step = rng.choice(steps)
            if step == "info":
                uid = rng.choice(["valheim.bob", "palworld.alice", "minecraft.steve", mine])
                await self.interact("/server info", dict(who, type=2, name="server",
                                                         options=opts(action="info", server=uid)))
            elif step == "start_stop":
                await self.interact("/server start", dict(who, type=2, name="server",
                                                          options=opts(action="start", server=mine)))
                question = await self.interact("/server stop", dict(who, type=2, name="server",
                                                                    options=opts(action="stop", server=mine)))
                button = next((c["custom_id"] for c in components(question) if "server:stop:" in
                               c.get("custom_id", "")), None)
                if button:
                    await self.interact("stop confirmed (button)", dict(who, type=3, custom_id=button))
                elif question is not None:
                    self.stats["stop without a confirmation button (orchestrator fault)"] += 1
            elif step == "list":
                await self.interact("/list servers", dict(who, type=2, name="list", options=opts(type="servers")))
            elif step == "autocomplete":
                options = [{"name": "action", "type": 3, "value": "info"},
                           {"name": "server", "type": 3, "value": rng.choice(["", "val", "pal", "soak"]),
                            "focused": True}]
                await self.interact("autocomplete", dict(who, type=4, name="server", options=options))
            elif step == "panel":
                panel = await self.interact("/peon panel", dict(who, type=2, name="peon", options=[],
                                                                channel="valheim-bob"))
                for prefix in ("panel:info:", "panel:restart:"):
                    button = next((c["custom_id"] for c in components(panel) if c.get("custom_id", "")
                                   .startswith(prefix)), None)
                    if button:
                        await self.interact(f"panel button {prefix.split(':')[1]}",
                                            dict(who, type=3, custom_id=button, channel="valheim-bob"))
            await asyncio.sleep(self.args.pause)

    async def admin(self):
        """/reload every --reload-every seconds."""
        self.reload_ms = []
        while True:
            await asyncio.sleep(self.args.reload_every)
            if time.monotonic() >= self.stop_at:
                return
            data = await self.interact("/reload", {"type": 2, "name": "reload", "options": [], "channel": "peon",
                                                   "permissions": ADMIN})
            found = re.search(r"(\d+(?:\.\d+)?) ?ms", text_of(data))
            if found:
                self.reload_ms.append(float(found.group(1)))
            self.stats["reloads"] += 1

    # ---- faults ----
    async def faults(self):
        rng = random.Random(7)
        gateway_turn = True
        while True:
            await asyncio.sleep(self.args.fault_every)
            if time.monotonic() >= self.stop_at - 5:
                return
            if gateway_turn:
                await self.gateway_fault(rng.choice(GATEWAY_FAULTS))
            else:
                await self.orchestrator_fault(rng.choice(ORC_FAULTS), rng)
            gateway_turn = not gateway_turn

    async def in_thread(self, fn, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))

    async def gateway_fault(self, fault):
        before = (await self.in_thread(self.sim.counters))["resumes"]
        start = time.monotonic()
        if fault == "zombie":
            self.stats["gateway fault: zombie (no ACKs)"] += 1
            await self.in_thread(self.sim.gateway_fault, "no_ack")
            await self.wait_resume(before, 60)
            await self.in_thread(self.sim.gateway_fault, "ack")
        else:
            name = fault["action"] + (f" {fault['code']}" if "code" in fault else "")
            self.stats[f"gateway fault: {name}"] += 1
            await self.in_thread(self.sim.gateway_fault, **fault)
            await self.wait_resume(before, 30)
        self.windows.append((start, time.monotonic(), f"gateway {fault if fault == 'zombie' else name}"))

    async def wait_resume(self, before, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (await self.in_thread(self.sim.counters))["resumes"] > before:
                return
            await asyncio.sleep(0.1)
        self.stats["gateway faults without a resume"] += 1

    async def orchestrator_fault(self, kind, rng):
        self.stats[f"orchestrator fault: {kind}"] += 1
        start = time.monotonic()
        if kind == "latency":
            await self.in_thread(self.orc.set_latency, "*", rng.choice([2, 3, 4]))
            await asyncio.sleep(10)
            await self.in_thread(self.orc.clear_latency)
        elif kind == "fail":
            await self.in_thread(self.orc.fail_next, "*", count=3, status=500)
        elif kind == "drop":
            await self.in_thread(self.orc.drop, "*", count=2)
        elif kind == "hang":
            await self.in_thread(self.orc.hang, "*", count=1)
            await asyncio.sleep(5)
            await self.in_thread(self.orc.release, "drop")
        self.windows.append((start, time.monotonic() + 2, f"orchestrator {kind}"))

    # ---- memory ----
    async def sample_memory(self, pid):
        self.rss = []
        while time.monotonic() < self.stop_at:
            self.rss.append((round(self.elapsed_min(), 2), rss_kib(pid)))
            await self.in_thread(self.orc.clear_requests)  # the simulator's request log stays small
            await asyncio.sleep(60)
        self.rss.append((round(self.elapsed_min(), 2), rss_kib(pid)))

    async def run(self, pid):
        self.started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as self.session:
            tasks = [self.user(n) for n in range(1, self.args.users + 1)]
            tasks += [self.admin(), self.faults(), self.sample_memory(pid)]
            await asyncio.gather(*tasks)
            # quiet the orchestrator and ask the bot for its counters
            await self.in_thread(self.orc.clear_faults)
            await self.in_thread(self.orc.clear_latency)
            self.debug = await self.interact("/debug", {"type": 2, "name": "debug", "channel": "peon",
                                                        "options": opts(action="test_connectivity"),
                                                        "permissions": ADMIN})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=4, help="users interacting at once (at most 6)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds each user waits between steps")
    parser.add_argument("--fault-every", type=float, default=20.0, help="seconds between faults")
    parser.add_argument("--reload-every", type=float, default=180.0, help="seconds between /reloads")
    parser.add_argument("--heartbeat", type=int, default=5000, help="the simulator's heartbeat interval, ms")
    parser.add_argument("--binary", default=str(REPO / "build" / "peon-bot"))
    args = parser.parse_args()
    args.users = max(1, min(args.users, len(GAMES)))
    binary = str(pathlib.Path(args.binary).resolve())
    work = pathlib.Path(tempfile.mkdtemp(prefix="peon-soak-"))
    shutil.copytree(REPO / "scripts", work / "scripts")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "DISCORD_TOKEN": FAKE_TOKEN, "LOCAL_API_KEY": ORC_KEY,
           "PEON_SCRIPTS_DIR": str(work / "scripts"), "PEON_DATA_DIR": str(work / "data"), "LANG": "C.UTF-8"}
    with start_simulator(token=FAKE_TOKEN) as sim, start_orchestrator(api_key=ORC_KEY, tick_period=0) as orc:
        sim.configure(heartbeat_interval=args.heartbeat)
        for n in range(1, args.users + 1):
            orc.add_server(f"{GAMES[(n - 1) % len(GAMES)]}.soak{n}", state="exited")
        env.update(DISCORD_API_BASE=sim.rest, PEON_ORCHESTRATOR_URL=orc.url)
        log_path = work / "bot.log"
        with open(log_path, "wb") as log:
            bot = subprocess.Popen([binary], cwd=work, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            try:
                sim.wait_ready(timeout=30)
                time.sleep(2)
                soak = Soak(sim, orc, args)
                soak.debug = None
                asyncio.run(soak.run(bot.pid))
                counters = sim.counters()
                orc_counters = orc.counters()
                connected = any(s["connected"] for s in counters["sessions"])
            finally:
                if bot.poll() is None:
                    bot.send_signal(signal.SIGTERM)
                try:
                    status = bot.wait(30)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    status = bot.wait()
    log_text = log_path.read_text(errors="replace")
    report(soak, counters, orc_counters, connected, status, log_text, args)
    flat, _ = memory_verdict(soak.rss)
    ok = (soak.stats["failed"] == 0 and flat and connected and counters["identifies"] == 1 and status == 0)
    print(f"bot log and data: {work}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def report(soak, counters, orc_counters, connected, status, log_text, args):
    s = soak.stats
    first = sorted(soak.first_ms)
    pct = (lambda p: first[min(len(first) - 1, int(p / 100 * len(first)))]) if first else (lambda p: float("nan"))
    print(f"== soak: {args.minutes} min, {args.users} users, a fault every {args.fault_every:.0f} s, "
          f"/reload every {args.reload_every:.0f} s")
    print(f"interactions {s['interactions']}  failed {s['failed']}  deferred {s['deferred']}  "
          f"orchestrator failures shown to the user {s['failure shown to the user']}  "
          f"first response p50 {pct(50):.1f} ms p99 {pct(99):.1f} ms max {first[-1] if first else 0:.0f} ms")
    print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(soak.by_kind.items())))
    print("faults: " + ", ".join(f"{k.split(': ', 1)[1]} {v}" for k, v in sorted(s.items()) if "fault:" in k)
          + f"; gateway faults without a resume {s['gateway faults without a resume']}")
    if soak.reload_ms:
        print(f"/reload {s['reloads']} times, the bot's figure {min(soak.reload_ms):.1f}-{max(soak.reload_ms):.1f} ms")
    rss = soak.rss
    later = [(m, k) for m, k in rss if m >= 1.0] or rss
    flat, second = memory_verdict(rss)
    print(f"RSS (KiB, each minute): first {rss[0][1]}  at 1 min {later[0][1]}  last {rss[-1][1]}  "
          f"max {max(k for _, k in rss)}  slope after 1 min {slope(later):+.1f} KiB/min, over the second half "
          f"{slope(second):+.1f} KiB/min ({'flat' if flat else 'NOT flat'})")
    print("  samples: " + " ".join(str(k) for _, k in rss))
    print(f"discord simulator: connections {counters['connections']}  identifies {counters['identifies']}  "
          f"resumes {counters['resumes']}  dispatches {counters['dispatches']}  heartbeats {counters['heartbeats']}  "
          f"client close codes {collections.Counter(counters['client_close_codes']).most_common()}  "
          f"429s {counters['rest']['429']}  connected at the end {connected}")
    print(f"orchestrator simulator (since its last log clear): {json.dumps(orc_counters)[:400]}")
    print("/debug: " + text_of(soak.debug).replace("\n", " | ")[:1500] if soak.debug else "/debug: no answer")
    levels = collections.Counter()
    for line in log_text.splitlines():
        m = re.match(r"^(WARN|ERROR)\s+(\w+): (.*?)(?: \(\d\d:\d\d:\d\d\.\d+Z\))?$", line)
        if m:
            levels[f"{m.group(1)} {m.group(2)}: {re.sub(r'[0-9]+', 'N', m.group(3))[:110]}"] += 1
    print(f"bot log: {len(log_text.splitlines())} lines; warnings and errors by kind:")
    for text, count in levels.most_common(15):
        print(f"  {count:5d}  {text}")
    print(f"bot exit status on SIGTERM: {status}")
    for sent_at, kind, iid, why, events in soak.failures[:15]:
        during = soak.during(sent_at)
        print(f"FAILED at {(sent_at - soak.started) / 60:.2f} min {kind} {iid}: {why}"
              f"{' (during ' + during + ')' if during else ''}: {events}")
    if soak.failures:
        kinds = collections.Counter(soak.during(f[0]) or "no fault" for f in soak.failures)
        print("failures by the fault they overlapped: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))


if __name__ == "__main__":
    sys.exit(main())
