"""The /api/v1 surface as Flask + Flask-RESTful serve it: routing, 404/405 pages, JSON body
parsing, the X-Api-Key check, JSON output, and 500 for unhandled errors."""
import asyncio
import json
import re
import time
import traceback

from aiohttp import web

from . import actions, servers
from .faults import match_key
from .world import Crash

SERVER_HEADER = "Werkzeug/3.0.6 Python/3.11.2"
NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n")
NOT_ALLOWED = {"message": "The method is not allowed for the requested URL."}
SERVER_ERROR = {"message": "Internal Server Error"}

# (path regex, allowed methods, parses the JSON body in the resource constructor)
ROUTES = [
    ("orchestrator", re.compile(r"^/api/v1/orchestrator$"), ("GET",), True),
    ("servers", re.compile(r"^/api/v1/servers$"), ("GET", "PUT"), False),
    ("server", re.compile(r"^/api/v1/server/([^/]+)/([^/]+)$"), ("GET", "PUT", "DELETE"), True),
    ("plans", re.compile(r"^/api/v1/plans$"), ("GET", "PUT"), False),
    ("plan", re.compile(r"^/api/v1/plan/([^/]+)$"), ("GET",), False),
]


class BadJson(Exception):
    pass


def is_json_type(content_type):
    """Flask's request.is_json: application/json or application/*+json."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and
                                           mime.endswith("+json"))


def parse_args(raw, content_type):
    if not is_json_type(content_type):
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise BadJson(f"Failed to decode JSON object: {err}")


def json_response(status, body, keep_alive):
    resp = web.Response(status=status, body=(json.dumps(body) + "\n").encode("utf-8"),
                        headers={"Content-Type": "application/json", "Server": SERVER_HEADER})
    if not keep_alive:
        resp.force_close()
    return resp


def to_response(reply, keep_alive):
    if reply.raw is not None:
        headers = {"Server": SERVER_HEADER, **reply.headers}
        resp = web.Response(status=reply.status, body=reply.raw, headers=headers)
        if not keep_alive:
            resp.force_close()
        return resp
    return json_response(reply.status, reply.body, keep_alive)


class ApiHandler:
    def __init__(self, sim):
        self.sim = sim

    @property
    def world(self):
        return self.sim.world

    async def handle(self, request):
        sim = self.sim
        raw = await request.read()
        entry = sim.log.begin(request, raw, sim.world.clock.now())
        status = None
        try:
            if sim.world.settings.single_threaded:
                async with sim.lock:
                    resp = await self._serve(request, raw, entry)
            else:
                resp = await self._serve(request, raw, entry)
            status = resp.status if resp is not None else None
            if resp is None:
                return self._drop(request)
            return resp
        finally:
            sim.log.finish(entry, status)

    def _drop(self, request):
        """Close the connection without an answer."""
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)

    async def _serve(self, request, raw, entry):
        sim = self.sim
        settings = self.world.settings
        entry["t_served"] = time.monotonic()
        key = match_key(request.method, request.path)
        fault = sim.faults.take(key)
        latency = sim.faults.latency_for(key)
        if entry["route"] in ("GET /servers", "PUT /servers"):
            latency += settings.list_cost_per_running * servers.running_count(self.world)
        entry["latency"] = latency
        if latency > 0:
            entry["phase"] = "latency"
            await asyncio.sleep(self.world.clock.real_seconds(latency))
        if fault is not None:
            entry["fault"] = fault.kind
            if not fault.apply:
                if fault.kind != "hang":
                    return self._fault_response(fault)
                if await self._hang(entry) == "drop":
                    return None
                fault = None                 # released with "answer": serve it normally
        entry["phase"] = "handling"
        resp = await self._dispatch(request, raw, entry)
        if fault is not None and fault.apply:
            if fault.kind == "hang":
                return resp if await self._hang(entry) == "answer" else None
            return self._fault_response(fault)
        return resp

    async def _hang(self, entry):
        entry["phase"] = "hung"
        return await self.sim.faults.hang()

    def _fault_response(self, fault):
        """An injected answer; None means: drop the connection."""
        keep_alive = self.world.settings.keep_alive
        if fault.kind == "drop":
            return None
        if fault.raw is not None:
            resp = web.Response(status=fault.status, body=fault.raw.encode("utf-8"),
                                headers={"Content-Type": fault.content_type or "text/html",
                                         "Server": SERVER_HEADER})
            if not keep_alive:
                resp.force_close()
            return resp
        return json_response(fault.status, fault.body, keep_alive)

    async def _dispatch(self, request, raw, entry):
        keep_alive = self.world.settings.keep_alive
        method = "GET" if request.method == "HEAD" else request.method
        for name, pattern, methods, parses_body in ROUTES:
            match = pattern.match(request.path)
            if not match:
                continue
            allow = ", ".join(sorted(set(methods) | {"HEAD", "OPTIONS"}))
            if method == "OPTIONS":
                resp = web.Response(status=200, headers={"Allow": allow, "Server": SERVER_HEADER,
                                                         "Content-Type": "text/html"})
                return resp
            if method not in methods:
                resp = json_response(405, NOT_ALLOWED, keep_alive)
                resp.headers["Allow"] = allow
                return resp
            try:
                args = parse_args(raw, request.headers.get("Content-Type")) if parses_body else {}
                if request.headers.get("X-Api-Key") != self.world.settings.api_key:
                    return json_response(401, "Not authorized", keep_alive)
                reply = await self._call(name, method, match.groups(), args)
            except BadJson as err:
                return json_response(400, {"message": str(err)}, keep_alive)
            except Exception as err:   # Crash = where the real code raises; others are sim bugs
                reason = f"{type(err).__name__}: {err}"
                entry["crash"] = reason
                self.world.crashes.append({"request": entry["id"], "path": request.path,
                                           "reason": reason,
                                           "intended": isinstance(err, Crash),
                                           "traceback": traceback.format_exc(limit=6)})
                return json_response(500, SERVER_ERROR, keep_alive)
            return to_response(reply, keep_alive)
        resp = web.Response(status=404, body=NOT_FOUND_HTML.encode(),
                            headers={"Content-Type": "text/html; charset=utf-8",
                                     "Server": SERVER_HEADER})
        if not keep_alive:
            resp.force_close()
        return resp

    async def _call(self, name, method, groups, args):
        world = self.world
        if name == "orchestrator":
            return actions.orchestrator_info(world)
        if name == "servers":
            return actions.list_servers(world) if method == "GET" else actions.import_servers(world)
        if name == "plans":
            return actions.list_plans(world) if method == "GET" else actions.pull_plans(world)
        if name == "plan":
            return actions.plan_settings(world, groups[0])
        action, uid = groups
        if method == "GET":
            return actions.get_server(world, action, uid)
        if method == "DELETE":
            return actions.delete_server(world, action, uid, args)
        outcome = actions.put_begin(world, action, uid, args)
        if isinstance(outcome, actions.Reply):
            return outcome
        pause = world.settings.action_pause
        if pause > 0:
            await asyncio.sleep(world.clock.real_seconds(pause))
        return actions.put_finish(world, outcome)

