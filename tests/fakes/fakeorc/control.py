"""The control API (under /_sim, no API key): seeds, servers and plans, latency, failures and hangs, the
single-threaded switch, the clock and the ticker, and the request log."""
import asyncio
import re

from aiohttp import web

from .state import Orchestrator


class Sim:
    """What the control API changes; `orc` is the orchestrator's own state."""

    def __init__(self, api_key, version, seed):
        self.api_key = api_key
        self.version = version
        self.orc = Orchestrator(seed=seed, version=version)
        self.lock = asyncio.Lock()
        self.single_threaded = True
        self.latency = []          # (method or None, compiled regex, seconds)
        self.faults = []           # dicts: method, regex, count, status, body, hang
        self.log = []
        self.ticker = None

    def latency_for(self, method, path):
        for m, regex, seconds in self.latency:
            if (m is None or m == method) and regex.search(path):
                return seconds * self.orc.time_scale
        return 0.0

    def take_fault(self, method, path):
        for fault in self.faults:
            if fault["count"] > 0 and (fault["method"] is None or fault["method"] == method) \
                    and fault["regex"].search(path):
                fault["count"] -= 1
                return fault
        return None


async def body_of(request):
    return await request.json() if request.can_read_body else {}


def sim_of(request):
    return request.app["sim"]


async def reset(request):
    sim = sim_of(request)
    body = await body_of(request)
    sim.orc = Orchestrator(seed=body.get("seed", "demo"), version=sim.version)
    sim.latency.clear()
    sim.faults.clear()
    sim.log.clear()
    sim.single_threaded = True
    return web.json_response({"ok": True})


async def settings(request):
    sim = sim_of(request)
    body = await body_of(request)
    for key in ("single_threaded",):
        if key in body:
            setattr(sim, key, bool(body[key]))
    for key in ("host_dir_set", "backup_dir_ok"):
        if key in body:
            setattr(sim.orc, key, bool(body[key]))
    if "time_scale" in body:
        sim.orc.time_scale = float(body["time_scale"])
    if "version" in body:
        sim.orc.version = sim.version = body["version"]
    if "api_key" in body:
        sim.api_key = body["api_key"]
    return web.json_response({"ok": True})


async def latency(request):
    body = await body_of(request)
    sim_of(request).latency.insert(0, (body.get("method"), re.compile(body.get("path", ".*")),
                                       float(body["seconds"])))
    return web.json_response({"ok": True})


async def fault(request):
    body = await body_of(request)
    sim_of(request).faults.append({"method": body.get("method"), "regex": re.compile(body.get("path", ".*")),
                                   "count": int(body.get("count", 1)), "status": int(body.get("status", 500)),
                                   "body": body.get("body", {"message": "Internal Server Error"}),
                                   "hang": bool(body.get("hang", False))})
    return web.json_response({"ok": True})


async def put_server(request):
    """Adds or changes a server directly: {game_uid, servername, container, description, settings,
    has_config, probe_fails, leftover}."""
    orc = sim_of(request).orc
    body = await body_of(request)
    uid = f"{body['game_uid']}.{body['servername']}"
    if body.get("leftover"):
        orc.leftover_folders.add(uid)
        return web.json_response({"ok": True})
    server = orc.servers.get(uid) or orc.add_server(body["game_uid"], body["servername"])
    for key in ("description", "settings", "has_config", "probe_fails"):
        if key in body:
            setattr(server, key, body[key])
    if "container" in body:
        server.container = body["container"]
    return web.json_response(orc.server_object(server) if server.container else {"uid": uid})


async def delete_server(request):
    orc = sim_of(request).orc
    orc.servers.pop(request.match_info["uid"], None)
    return web.json_response({"ok": True})


async def add_plan(request):
    """{game_uid, title, environment, ports, description, upstream}: upstream plans appear on PUT /plans."""
    orc = sim_of(request).orc
    body = await body_of(request)
    plan = {"title": body["title"], "description": body.get("description", ""), "version": "1.0.0",
            "environment": body.get("environment", {}), "ports": body.get("ports", [])}
    (orc.upstream if body.get("upstream") else orc.plans)[body["game_uid"]] = plan
    return web.json_response({"ok": True})


async def clear_plans(request):
    sim_of(request).orc.plans.clear()
    return web.json_response({"ok": True})


async def clock(request):
    """{"advance": seconds} moves the orchestrator's clock; {"tick": true} then runs the ticker once."""
    orc = sim_of(request).orc
    body = await body_of(request)
    orc.clock_offset += float(body.get("advance", 0))
    ran = orc.tick() if body.get("tick", True) else []
    return web.json_response({"now": orc.now(), "ran": ran, "schedule": orc.schedule})


async def state(request):
    sim = sim_of(request)
    orc = sim.orc
    return web.json_response({
        "servers": {uid: {"container": s.container, "has_config": s.has_config, "description": s.description,
                          "settings": s.settings, "update_marker": s.update_marker, "data_wiped": s.data_wiped}
                    for uid, s in orc.servers.items()},
        "schedule": orc.schedule, "plans": sorted(orc.plans), "now": orc.now(),
    })


async def log(request):
    return web.json_response(sim_of(request).log)


def add_routes(app):
    r = app.router
    r.add_post("/_sim/reset", reset)
    r.add_post("/_sim/settings", settings)
    r.add_post("/_sim/latency", latency)
    r.add_post("/_sim/fault", fault)
    r.add_post("/_sim/servers", put_server)
    r.add_delete("/_sim/servers/{uid}", delete_server)
    r.add_post("/_sim/plans", add_plan)
    r.add_delete("/_sim/plans", clear_plans)
    r.add_post("/_sim/clock", clock)
    r.add_get("/_sim/state", state)
    r.add_get("/_sim/log", log)


async def run_ticker(app, period):
    """The real ticker runs every 30 s; period is configurable so tests need not wait."""
    while True:
        await asyncio.sleep(period)
        app["sim"].orc.tick()
