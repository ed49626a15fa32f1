"""The /_sim control API (no API key, JSON in and out). See README-orcsim.md for the list."""
import json

from aiohttp import web

from . import seeds
from .docker import PREFIX, Container
from .catalogue import make_plan
from .faults import Fault


class ControlError(ValueError):
    pass


def _ok(data=None, status=200):
    return web.json_response({"ok": True} if data is None else data, status=status)


async def _body(request):
    raw = await request.read()
    if not raw:
        return {}
    try:
        doc = json.loads(raw)
    except ValueError as err:
        raise ControlError(f"invalid JSON: {err}")
    if not isinstance(doc, dict):
        raise ControlError("body must be a JSON object")
    return doc


def _flag(request, name, default=True):
    value = request.query.get(name)
    if value is None:
        return default
    return value.lower() not in ("0", "false", "no")


class Control:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        r = web.RouteTableDef()
        p = "/_sim"
        handlers = [
            ("GET", "/health", self.health), ("GET", "/state", self.state),
            ("POST", "/reset", self.reset),
            ("GET", "/settings", self.get_settings), ("PATCH", "/settings", self.patch_settings),
            ("POST", "/servers", self.add_server), ("PATCH", "/servers/{uid}", self.patch_server),
            ("DELETE", "/servers/{uid}", self.remove_server),
            ("POST", "/plans", self.add_plan), ("DELETE", "/plans/{game_uid}", self.remove_plan),
            ("POST", "/plans/catalogue", self.plan_catalogue),
            ("POST", "/images", self.images), ("POST", "/foreign", self.foreign),
            ("POST", "/schedule", self.add_schedule), ("DELETE", "/schedule", self.clear_schedule),
            ("GET", "/latency", self.get_latency), ("POST", "/latency", self.set_latency),
            ("DELETE", "/latency", self.clear_latency),
            ("GET", "/faults", self.get_faults), ("POST", "/faults", self.add_fault),
            ("DELETE", "/faults", self.clear_faults), ("POST", "/release", self.release),
            ("GET", "/clock", self.get_clock), ("POST", "/clock", self.set_clock),
            ("POST", "/tick", self.tick),
            ("GET", "/requests", self.requests), ("DELETE", "/requests", self.clear_requests),
            ("GET", "/counters", self.counters), ("GET", "/inflight", self.inflight),
        ]
        for method, path, handler in handlers:
            r.route(method, p + path)(self._guard(handler))
        return r

    @staticmethod
    def _guard(handler):
        async def wrapped(request):
            try:
                return await handler(request)
            except (ControlError, seeds.ProvisionError, ValueError, KeyError, TypeError) as err:
                return web.json_response({"ok": False, "error": f"{err}"}, status=400)
        return wrapped

    @property
    def world(self):
        return self.sim.world

    # --- general ---
    async def health(self, request):
        return _ok({"ok": True, "version": self.world.settings.version})

    async def state(self, request):
        doc = self.world.describe()
        doc["faults"] = self.sim.faults.describe()
        doc["ticks"] = self.sim.ticks[-20:]
        return _ok(doc)

    async def reset(self, request):
        body = await _body(request)
        self.sim.reset(body.get("seed", "demo"))
        return _ok()

    async def get_settings(self, request):
        return _ok(self.world.settings.describe())

    async def patch_settings(self, request):
        body = await _body(request)
        if "time_scale" in body:
            self.world.clock.set_scale(float(body.pop("time_scale")))
        self.world.settings.update(body)
        if "name_seed" in body:
            self.world.rng.seed(body["name_seed"])
        return _ok(self.world.settings.describe())

    # --- servers ---
    async def add_server(self, request):
        body = await _body(request)
        seeds.provision(self.world, body["uid"], settings=body.get("settings"),
                        description=body.get("description"),
                        state=body.get("state", "running"), folder=body.get("folder", "full"),
                        user_files=body.get("files"))
        if "time" in body:
            self.world.schedule.append({"server_uid": body["uid"], "time": body["time"],
                                        "action": "stop"})
        return _ok(status=201)

    async def patch_server(self, request):
        uid = request.match_info["uid"]
        body = await _body(request)
        container = self.world.docker.find(PREFIX + uid)
        folder = self.world.folders.get(uid.replace(".", "/"))
        container_keys = {"container_state", "probe_ok", "stats_ok", "build_version",
                          "container_type"}
        if container_keys & set(body) and container is None:
            raise ControlError(f"{uid} has no container")
        if {"description", "server_config", "files"} & set(body) and folder is None:
            raise ControlError(f"{uid} has no folder")
        if "container_state" in body:
            if body["container_state"] not in seeds.CONTAINER_STATES:
                raise ControlError(f"container_state must be one of {seeds.CONTAINER_STATES}")
            container.state = body["container_state"]
            if container.state == "running":
                container.started_at = self.world.clock.now()
        for key, attr in (("probe_ok", "probe_ok"), ("stats_ok", "stats_ok"),
                          ("build_version", "image_version"),
                          ("container_type", "container_type")):
            if key in body:
                setattr(container, attr, body[key])
        if "description" in body:
            doc = folder.read_json("config.json")
            doc["metadata"]["description"] = body["description"]
            folder.write_json("config.json", doc)
        if "server_config" in body:
            folder.remove_children("config")
            folder.mkdir("config")
            for name, value in body["server_config"].items():
                folder.write(f"config/{name}", f"{value}\n")
        for path, text in (body.get("files") or {}).items():
            if text is None:
                folder.remove(path)
            else:
                folder.write(path, text)
        return _ok()

    async def remove_server(self, request):
        uid = request.match_info["uid"]
        if _flag(request, "container"):
            self.world.docker.remove(PREFIX + uid)
        if _flag(request, "folder"):
            self.world.folders.pop(uid.replace(".", "/"), None)
        return _ok()

    async def foreign(self, request):
        """A non-PEON container publishing ports (it still blocks PEON servers' ports)."""
        body = await _body(request)
        ports = []
        for spec in body.get("ports", []):
            port, _, proto = str(spec).partition("/")
            ports.append((port, proto or "tcp"))
        docker = self.world.docker
        docker._seq += 1
        container = Container(body["name"], body.get("image", "other/image"), "latest",
                              "other", ports, docker._seq)
        container.state = body.get("state", "running")
        docker.containers[container.name] = container
        return _ok(status=201)

    # --- plans, images, schedule ---
    async def add_plan(self, request):
        body = await _body(request)
        game_uid = body["game_uid"]
        plan = body.get("plan")
        if plan is None and ("ports" in body or "environment" in body):
            plan = make_plan(game_uid, body.get("description", ""),
                             body.get("ports", [[{"PORT": ["30000", "udp"]}]]),
                             body.get("environment", {"SERVER_NAME": None}),
                             mode=body.get("mode", "steamcmd"), image=body.get("image"))
        self.world.plans.add(game_uid, body.get("title", game_uid.title()), plan,
                             catalogue=body.get("catalogue", True),
                             folder=body.get("folder", True), pending=body.get("pending", False))
        return _ok(status=201)

    async def remove_plan(self, request):
        self.world.plans.remove(request.match_info["game_uid"],
                                catalogue=_flag(request, "catalogue"),
                                folder=_flag(request, "folder"),
                                upstream=_flag(request, "upstream"))
        return _ok()

    async def plan_catalogue(self, request):
        body = await _body(request)
        self.world.plans.set_local_catalogue(body.get("state"))
        return _ok()

    async def images(self, request):
        body = await _body(request)
        docker = self.world.docker
        if "registry_ok" in body:
            docker.registry_ok = bool(body.pop("registry_ok"))
        docker.registry.update({str(k): str(v) for k, v in body.items()})
        return _ok(docker.describe())

    async def add_schedule(self, request):
        body = await _body(request)
        entry = {"server_uid": body["server_uid"], "time": body["time"],
                 "action": body.get("action", "stop")}
        self.world.schedule.append(entry)
        return _ok(status=201)

    async def clear_schedule(self, request):
        self.world.schedule = []
        return _ok()

    # --- latency and faults ---
    async def get_latency(self, request):
        return _ok(self.sim.faults.describe()["latency"])

    async def set_latency(self, request):
        body = await _body(request)
        self.sim.faults.set_latency(body.get("route", "*"), float(body.get("seconds", 0)))
        return _ok(self.sim.faults.describe()["latency"])

    async def clear_latency(self, request):
        self.sim.faults.latency = []
        return _ok()

    async def get_faults(self, request):
        return _ok(self.sim.faults.describe())

    async def add_fault(self, request):
        body = await _body(request)
        fault = Fault(body.get("route", "*"), body.get("kind", "fail"), body.get("count", 1),
                      status=body.get("status", 500), body=body.get("body"), raw=body.get("raw"),
                      content_type=body.get("content_type"), apply=body.get("apply", False))
        self.sim.faults.add(fault)
        return _ok(fault.describe(), status=201)

    async def clear_faults(self, request):
        released = self.sim.faults.clear()
        return _ok({"ok": True, "released": released})

    async def release(self, request):
        body = await _body(request)
        return _ok({"ok": True, "released": self.sim.faults.release(body.get("mode", "drop"))})

    # --- clock ---
    async def get_clock(self, request):
        return _ok(self.world.clock.describe())

    async def set_clock(self, request):
        body = await _body(request)
        clock = self.world.clock
        if "time_scale" in body:
            clock.set_scale(float(body["time_scale"]))
        if "frozen" in body:
            clock.freeze(bool(body["frozen"]))
        if "set" in body:
            clock.set(float(body["set"]))
        if "advance" in body:
            clock.advance(float(body["advance"]))
        return _ok(clock.describe())

    async def tick(self, request):
        body = await _body(request)
        if "advance" in body:
            self.world.clock.advance(float(body["advance"]))
        return _ok(self.sim.tick())

    # --- request log ---
    async def requests(self, request):
        q = request.query
        entries = self.sim.log.query(since=int(q.get("since", 0)), method=q.get("method"),
                                     route=q.get("route"), path=q.get("path"))
        last = self.sim.log.entries[-1]["id"] if self.sim.log.entries else 0
        return _ok({"requests": entries, "last_id": last})

    async def clear_requests(self, request):
        self.sim.log.clear()
        return _ok()

    async def counters(self, request):
        return _ok(self.sim.log.counters())

    async def inflight(self, request):
        items = [{"id": e["id"], "method": e["method"], "path": e["path"], "route": e["route"],
                  "phase": e["phase"]} for e in self.sim.log.in_flight.values()]
        return _ok({"requests": items, "hung": self.sim.faults.hung_count()})
