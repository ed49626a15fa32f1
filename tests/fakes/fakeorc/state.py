"""The orchestrator's world: server folders and containers, the schedule file with its 30 s ticker, a
clock tests can move, and the plans catalogue."""
import copy
import random
import re
import time

from . import plans as plan_data


class Server:
    def __init__(self, game_uid, name, description=None, settings=None):
        self.game_uid = game_uid
        self.name = name
        self.description = description
        self.settings = dict(settings or {})
        self.has_config = True      # config.json exists
        self.container = None       # None, or "created" / "running" / "exited" / "paused" / "restarting" / "dead"
        self.probe_fails = False    # running, but `docker exec` probing fails -> server_state "UNKNOWN"
        self.update_marker = False  # actions/.update present (set by an update that refreshes game files)
        self.data_wiped = False

    @property
    def uid(self):
        return f"{self.game_uid}.{self.name}"


class Orchestrator:
    def __init__(self, seed="demo", version="1.3.0"):
        self.version = version
        self.plans = copy.deepcopy(plan_data.PLANS)
        self.upstream = copy.deepcopy(plan_data.UPSTREAM_ONLY)
        self.servers = {}
        self.leftover_folders = set()   # server folders without config.json (pre-seeded or half-created)
        self.schedule = []              # {"server_uid", "time", "action"}
        self.clock_offset = 0.0
        self.host_dir_set = True
        self.time_scale = 1.0             # multiplies every simulated delay (0.5 s settle, latencies)
        self.backup_dir_ok = True
        self.random = random.Random(7)
        if seed == "demo":
            self.seed_demo()

    def now(self):
        return time.time() + self.clock_offset

    def seed_demo(self):
        bob = self.add_server("valheim", "bob", "Friday night Valheim",
                              {"SERVER_NAME": "Bob's world", "WORLD_NAME": "Dedicated", "PASSWORD": "secret1"})
        bob.container = "running"
        alice = self.add_server("palworld", "alice", None, {"SERVER_NAME": "Alice", "ADMIN_PASSWORD": "pw"})
        alice.container = "exited"
        steve = self.add_server("minecraft", "steve", "Creative builds", {"EULA": "TRUE"})
        steve.container = "running"
        self.schedule.append({"server_uid": steve.uid, "time": int(self.now()) + 3600, "action": "stop"})

    def add_server(self, game_uid, name, description=None, settings=None):
        server = Server(game_uid, name, description, settings)
        self.servers[server.uid] = server
        return server

    def generated_name(self):
        return self.random.choice(plan_data.PREFIXES) + self.random.choice(plan_data.SUFFIXES)

    # ---- server objects (§ 3) ----
    def pending_time(self, uid):
        found = None
        for entry in self.schedule:
            if entry["server_uid"] == uid:
                found = entry["time"]  # the last matching entry wins
        return found

    def server_object(self, server):
        running = server.container == "running"
        if running and server.probe_fails:
            config, state, ctype, build = {"state": "OFFLINE"}, "UNKNOWN", "unknown", "unknown"
        elif running:
            config = {"ip": "203.0.113.7", "state": "RUNNING"}
            state, ctype = "running", "steamcmd"
            build = self.plans.get(server.game_uid, {}).get("version", "unknown")
        else:
            config, state, ctype, build = {}, server.container, "unknown", "unknown"
        return {
            "game_uid": server.game_uid, "servername": server.name, "container_type": ctype,
            "build_version": build, "container_state": server.container, "server_state": state,
            "server_config": config,
            "description": server.description or "None - Please add a description",
            "time": self.pending_time(server.uid),
        }

    def listed(self):
        visible = [s for s in self.servers.values() if s.container is not None]
        visible.sort(key=lambda s: (s.game_uid, s.name))
        return [self.server_object(s) for s in visible]

    # ---- ports (the real check compares published host ports) ----
    def port_conflict(self, server):
        mine = set(plan_data.ports_of(self.plans[server.game_uid])) if server.game_uid in self.plans else set()
        for other in self.servers.values():
            if other is server or other.container != "running" or other.game_uid not in self.plans:
                continue
            if mine & set(plan_data.ports_of(self.plans[other.game_uid])):
                return other
        return None

    # ---- scheduler (§ 5) ----
    def schedule_stop(self, uid, body):
        """Applies interval/epoch_time. Returns None when neither was given, else ("ok", time) or
        ("error", text) or ("crash", text) where the real code raises (-> 500)."""
        if "interval" in body:
            value = body["interval"]
            match = re.search(r"(\d+)(\w)", value) if isinstance(value, str) else None
            if match is None:
                return "crash", "interval without digits"
            amount, unit = int(match.group(1)), match.group(2).lower()
            seconds = {"d": 86400, "h": 3600, "m": 60, "s": 1}.get(unit)
            self.schedule = [e for e in self.schedule if not (e["server_uid"] == uid and e["action"] == "stop")]
            if seconds is None:
                return "error", "Invalid time interval. Options are (d)ays,(h)ours,(m)inutes,(s)econds. e.g. 5h"
            when = int(self.now()) + amount * seconds
        elif "epoch_time" in body:
            value = body["epoch_time"]
            if not isinstance(value, str):
                return "crash", "epoch_time is not a string"
            if not re.fullmatch(r"[0-9]{10}", value):
                return "error", "Non-epoch time value provided for scheduler"
            self.schedule = [e for e in self.schedule if not (e["server_uid"] == uid and e["action"] == "stop")]
            when = value
        else:
            return None
        self.schedule.append({"server_uid": uid, "time": when, "action": "stop"})
        return "ok", when

    def clear_stops(self, uid):
        self.schedule = [e for e in self.schedule if not (e["server_uid"] == uid and e["action"] == "stop")]

    def tick(self):
        """One pass of the 30 s ticker; returns the actions it ran."""
        ran = []
        now = self.now()
        kept = []
        for entry in self.schedule:
            server = self.servers.get(entry["server_uid"])
            if server is None or server.container is None:
                continue
            if entry["action"] == "stop" and server.container == "exited":
                continue
            if entry["action"] == "start" and server.container == "running":
                continue
            if int(entry["time"]) <= now:
                if entry["action"] == "stop":
                    server.container = "exited"
                elif entry["action"] in ("start", "restart"):
                    if entry["action"] == "restart" or self.port_conflict(server) is None:
                        server.container = "running"
                ran.append(dict(entry))
                continue
            kept.append(entry)
        self.schedule = kept
        return ran
