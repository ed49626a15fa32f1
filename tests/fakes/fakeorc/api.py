"""The orchestrator's /api/v1 routes, answering exactly as the real Flask app does (bare-string bodies,
404s for create failures, 500s where it crashes). A lock serialises handlers like the real single-threaded
Werkzeug server, so a slow update really does block a quick GET."""
import asyncio
import io
import json
import time
import zipfile

from aiohttp import web

from . import plans as plan_data

BAD_REQUEST = {"message": "The browser (or proxy) sent a request that this server could not understand."}
SERVER_ERROR = {"message": "Internal Server Error"}
GET_FAILED = {"status": "error", "info": "There was an issue getting the server."}


def reply(data, status=200, headers=None):
    return web.Response(body=(json.dumps(data) + "\n").encode(), status=status,
                        headers=dict({"Content-Type": "application/json"}, **(headers or {})))


class Crash(Exception):
    """Where the real handler raises: Flask-RESTful answers 500 with its generic body."""


async def json_body(request):
    """The real app reads a body only for a JSON content type; an empty or broken one is a 400."""
    if request.content_type != "application/json":
        return {}
    text = await request.text()
    try:
        data = json.loads(text)
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps(BAD_REQUEST), content_type="application/json") from None
    if not isinstance(data, dict):
        raise Crash("body is not an object")
    return data


@web.middleware
async def orchestrator_rules(request, handler):
    sim = request.app["sim"]
    if not request.path.startswith("/api/"):
        return await handler(request)
    entry = {"method": request.method, "path": request.path, "api_key_present": "X-Api-Key" in request.headers,
             "body": None, "status": None, "at": time.time()}
    sim.log.append(entry)
    lock = sim.lock if sim.single_threaded else None
    if lock is not None:
        await lock.acquire()
    try:
        fault = sim.take_fault(request.method, request.path)
        if fault and fault.get("hang"):
            await asyncio.sleep(3600)
        if request.headers.get("X-Api-Key") != sim.api_key:
            entry["status"] = 401
            return reply("Not authorized", 401)
        if request.can_read_body and request.content_type == "application/json":
            entry["body"] = await request.text()
        delay = sim.latency_for(request.method, request.path)
        if delay:
            await asyncio.sleep(delay)
        if fault:
            entry["status"] = fault.get("status", 500)
            body = fault.get("body", SERVER_ERROR)
            return reply(body, fault.get("status", 500))
        try:
            response = await handler(request)
        except Crash:
            response = reply(SERVER_ERROR, 500)
        except web.HTTPException as exc:
            response = web.Response(status=400, text=exc.text, content_type="application/json")
        entry["status"] = response.status
        return response
    finally:
        if lock is not None:
            lock.release()


def orc(request):
    return request.app["sim"].orc


async def get_orchestrator(request):
    return reply({"version": orc(request).version})


async def get_servers(request):
    return reply(orc(request).listed())


async def import_servers(request):
    world = orc(request)
    for server in world.servers.values():
        if server.has_config and server.container is None:
            server.container = "created"
    return reply(world.listed())


def split_uid(uid, action):
    parts = uid.split(".")
    if len(parts) < 2 and "create" not in action:
        return None
    return parts[0], (parts[1] if len(parts) > 1 else None)


async def get_server(request):
    world = orc(request)
    action, uid = request.match_info["action"], request.match_info["uid"]
    server = world.servers.get(uid)
    if server is None or server.container is None:
        return reply(GET_FAILED, 404)
    obj = world.server_object(server)
    if action == "stats":
        obj["stats"] = stats_document(server) if server.container == "running" else "Not available"
        return reply(obj)
    if action == "save":
        if not world.backup_dir_ok:
            return reply(GET_FAILED, 404)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(world.now()))
        name = f"{uid}-{stamp}.zip"
        return web.Response(body=backup_zip(server), headers={
            "Content-Type": "application/zip", "Content-Disposition": f"attachment; filename={name}"})
    return reply(obj)


def stats_document(server):
    return {"read": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime()), "name": f"/peon.warcamp.{server.uid}",
            "cpu_stats": {"cpu_usage": {"total_usage": 123456789}, "system_cpu_usage": 987654321000,
                          "online_cpus": 2},
            "memory_stats": {"usage": 734003200, "limit": 8589934592},
            "networks": {"eth0": {"rx_bytes": 1048576, "tx_bytes": 2097152}}}


def backup_zip(server):
    """The real backup: the server folder without any path containing "data/"."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps({"metadata": {"warcamp": server.name,
                                                                 "description": server.description},
                                                    "environment": server.settings}, indent=2))
        archive.writestr("docker-compose.yml", f"services:\n  {server.name}:\n    image: peon/{server.game_uid}\n")
        archive.writestr("user/notes.txt", "player notes\n")
        archive.writestr("config/state", "RUNNING\n")
    return buffer.getvalue()


def action_error(uid, exception):
    return reply({"status": "error", "info": f"Could not complete the requested action for [{uid}].",
                  "exception": exception}, 400)


def port_error(other, uid):
    return reply({"status": "error", "info": f"Server [{other.uid}] is using one or more of the ports required by "
                                             f"[{uid}]", "err_code": "srv.portsused"}, 400)


async def put_server(request):
    world = orc(request)
    action, uid = request.match_info["action"], request.match_info["uid"]
    parts = split_uid(uid, action)
    if parts is None:
        return reply({"status": "error", "info": f"For the requested action [{action}] a warcamp name is required. "
                                                 f"You only provided [{uid}]"}, 400)
    body = await json_body(request)
    game_uid, name = parts
    if action == "create":
        return await create(world, game_uid, name or world.generated_name(), body)
    server = world.servers.get(f"{game_uid}.{name}")
    if action == "start":
        return await start(world, server, f"{game_uid}.{name}", body)
    if action == "stop":
        return stop(world, server, f"{game_uid}.{name}", body)
    if action == "restart":
        if server is None or server.container is None:
            return action_error(uid, "no such service")
        server.container = "running"
        return await settled(world, server)
    if action == "update":
        return update(world, server, uid, body)
    if action == "description":
        if "description" not in body:
            return reply({"status": "error", "info": "The description argument was incorrectly provided."}, 400)
        if server is None or not server.has_config:
            return reply({"status": "error", "info": "Could not update the desciption of the server.",
                          "exception": f"[Errno 2] No such file or directory: '/home/peon/servers/{game_uid}/"
                                       f"{name}/config.json'"}, 400)
        server.description = body["description"]
        return await settled(world, server)
    if action == "skip":
        return await settled(world, server)
    raise Crash(f"unsupported action {action}")  # the handler reads a missing 'info' key


async def settled(world, server):
    """The real code sleeps 0.5 s, then reads the container fresh; no container is a crash (500)."""
    await asyncio.sleep(0.5 * world.time_scale)
    if server is None or server.container is None:
        raise Crash("container not found")
    return reply(world.server_object(server))


async def start(world, server, uid, body):
    scheduled = world.schedule_stop(uid, body)
    if scheduled is not None:
        outcome, detail = scheduled
        if outcome == "crash":
            raise Crash(detail)
        if outcome == "error":
            return reply({"error": detail}, 400)
    if server is None or not server.has_config:
        return reply({"status": "error", "exception": f"[Errno 2] No such file or directory: "
                                                      f"'/home/peon/servers/{uid.replace('.', '/')}/docker-compose.yml'"},
                     400)
    other = world.port_conflict(server)
    if other is not None:
        return port_error(other, uid)
    server.container = "running"
    server.update_marker = False
    return await settled(world, server)


def stop(world, server, uid, body):
    scheduled = world.schedule_stop(uid, body)
    if scheduled is not None:
        outcome, detail = scheduled
        if outcome != "ok":
            raise Crash(detail)  # the stop handler reads 'status' from an {"error": ...} result
        if server is None or server.container is None:
            raise Crash("container not found")
        return reply(world.server_object(server))
    world.clear_stops(uid)
    if server is None or server.container is None:
        return action_error(uid, "no such service")
    server.container = "exited"
    return reply(world.server_object(server))


def update(world, server, uid, body):
    if server is None or server.container is None:
        return reply({"status": "error", "exception": f"no such service: {uid}"}, 400)
    mode = str(body.get("mode", "full")).lower()
    server.container = "exited"
    steps = ["Stopping " + uid]
    if mode in ("image", "container", "full", "all", "reinit"):
        steps.append(f"Pulling {server.game_uid} ... done")
    if mode in ("server", "game", "full", "all", "reinit"):
        server.update_marker = True
        steps.append("Removed actions/.update")
    if mode == "reinit":
        server.data_wiped = True
        steps.append("Wiped data/")
    other = world.port_conflict(server)
    if other is not None:
        return port_error(other, uid)  # left stopped: the stop already ran
    server.container = "running"
    steps.append(f"Container peon.warcamp.{uid} Started")
    return reply({"status": "success", "info": uid, "stdout": repr(steps)})


async def create(world, game_uid, name, body):
    uid = f"{game_uid}.{name}"
    plan = world.plans.get(game_uid)
    existing = world.servers.get(uid)
    if existing is not None and existing.has_config:
        return reply({"status": "error", "info": f"There is already a config.json file for [{game_uid}] [{name}]. "
                                                 f"Please run update on the game/server instead. (Can be added in a "
                                                 f"future release.)"}, 404)
    if plan is None:
        return reply({"status": "error", "info": f"There is no local default plan for {game_uid}."}, 404)
    if uid in world.leftover_folders:
        raise Crash("copytree: destination exists")
    required = [k for k, v in plan["environment"].items() if v is None and k != "STEAM_ID"]
    provided = [k for k in required if k in body]
    if required and not provided:  # the real check passes when any one required key is present
        server = world.add_server(game_uid, name, body.get("description"))
        server.has_config = True  # the copied folder stays behind: the next create says "already a config.json"
        return reply({"status": "error", "info": f"Not all required server settings were provided. Namely: "
                                                 f"{required!r}"}, 404)
    if not world.host_dir_set:
        return reply({"status": "error", "info": "PEON_DIRECTORY not configured in .env file. (HOST_DIR env var "
                                                 "is empty)"}, 404)
    settings = {k: body[k] for k in plan["environment"] if k in body and k != "STEAM_ID"}
    server = world.add_server(game_uid, name, body.get("description"), settings)
    if body.get("start_later"):
        return reply({"status": "success", "info": f"The server files for [{name}] were created, but the server "
                                                   f"was not started, in accordance with the provided settings."})
    response = await start(world, server, uid, body)
    if response.status != 200 and not body.get("noclean"):
        del world.servers[uid]  # the folder is deleted again (it did not exist before the call)
    return response


async def delete_server(request):
    world = orc(request)
    action, uid = request.match_info["action"], request.match_info["uid"]
    body = await json_body(request)
    eradicate = bool(body.get("eradicate"))
    purge = f"All files for {uid} will be purged from the server. This may take a few moments." if eradicate else ""
    server = world.servers.get(uid)
    if action == "destroy":
        if server is None or server.container is None:
            return reply({"status": "error", "info": f"Failed to remove the server [{uid}].",
                          "exception": "no such service"}, 404)
        server.container = None
        world.clear_stops(uid)
        if eradicate:
            del world.servers[uid]
        return reply({"status": "success", "info": f"Server {uid} was removed. " + purge})
    if action == "eradicate":
        if eradicate and server is not None:
            server.has_config = False  # files gone, the container (if any) stays
            if server.container is None:
                del world.servers[uid]
        return reply({"status": "success", "info": purge})
    return reply({"error": f"Incorrect action [{action}] provided"}, 404)


async def get_plans(request):
    world = orc(request)
    if not world.plans:
        return reply("There was an issue getting the local plans list.", 404)
    entries = [plan_data.catalogue_entry(uid, plan) for uid, plan in world.plans.items()]
    return reply(sorted(entries, key=lambda e: e["title"]))


async def pull_plans(request):
    world = orc(request)
    fresh = {}
    for uid, plan in list(world.upstream.items()):
        if uid not in world.plans:
            world.plans[uid] = plan
            fresh[uid] = plan_data.catalogue_entry(uid, plan)
    world.upstream.clear()
    return reply({"new_recipies": fresh})


async def get_plan(request):
    world = orc(request)
    game_uid = request.match_info["game_uid"]
    plan = world.plans.get(game_uid)
    if plan is None:
        return reply(f"Could not get the settings for [{game_uid}]", 404)
    return reply(plan_data.settings_view(game_uid, plan))


def add_routes(app):
    r = app.router
    r.add_get("/api/v1/orchestrator", get_orchestrator)
    r.add_get("/api/v1/servers", get_servers)
    r.add_put("/api/v1/servers", import_servers)
    r.add_get("/api/v1/server/{action}/{uid}", get_server)
    r.add_put("/api/v1/server/{action}/{uid}", put_server)
    r.add_delete("/api/v1/server/{action}/{uid}", delete_server)
    r.add_get("/api/v1/plans", get_plans)
    r.add_put("/api/v1/plans", pull_plans)
    r.add_get("/api/v1/plan/{game_uid}", get_plan)

