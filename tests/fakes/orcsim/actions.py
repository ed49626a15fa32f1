"""The route logic of api_v1.py, free of HTTP: each function returns a Reply, or raises
(Crash or any Python error) where the real handler raises and Flask answers 500."""
from dataclasses import dataclass, field

from . import compose, scheduler, servers
from .create import create_new_warcamp, generated_name
from .docker import PREFIX, NoSuchContainer
from .files import SERVERS_ROOT
from .world import Crash

GET_FAILED = {"status": "error", "info": "There was an issue getting the server."}


@dataclass
class Reply:
    status: int
    body: object = None              # JSON-serialisable, sent as Flask-RESTful does
    raw: bytes = None                # a file body instead of JSON
    headers: dict = field(default_factory=dict)


@dataclass
class PendingFetch:
    """A PUT action that ran; the handler sleeps, then answers from `result`."""
    result: dict
    uid: str
    clean_on_fail: bool
    args: dict


# --- /orchestrator, /servers ---

def orchestrator_info(world):
    return Reply(200, {"version": world.settings.version})


def list_servers(world):
    return Reply(200, _all_servers(world))


def import_servers(world):
    try:
        servers.import_folders(world)
    except RuntimeError as err:
        raise Crash(f"CalledProcessError: {err}")
    return Reply(200, _all_servers(world))


def _all_servers(world):
    try:
        return servers.all_servers(world)
    except IndexError as err:
        raise Crash(f"IndexError: container name without game/server parts ({err})")


# --- GET /server/<action>/<uid> ---

def get_server(world, action, uid):
    try:
        container = world.docker.get(PREFIX + uid)
        server = servers.server_object(world, container)
        if action == "stats":
            server["stats"] = servers.stats_or_unavailable(world, container)
        elif action == "save":
            backup = servers.make_backup(world, uid)
            if backup is None:
                raise RuntimeError("zip failed")
            name, data = backup
            return Reply(200, raw=data, headers={
                "Content-Type": "application/zip",
                "Content-Disposition": f"attachment; filename={name}",
                "Cache-Control": "no-cache"})
        return Reply(200, server)
    except Exception:
        return Reply(404, dict(GET_FAILED))


# --- PUT /server/<action>/<uid> ---

def put_begin(world, action, uid, args):
    """Everything up to the handler's time.sleep(0.5)."""
    result = {"status": "success"}
    clean_on_fail = False
    parts = uid.split(".")
    if not isinstance(args, dict):
        raise Crash(f"TypeError: JSON body is {type(args).__name__}, not an object")
    args["game_uid"] = parts[0]
    if len(parts) < 2:
        if "create" not in action:
            return Reply(400, {"status": "error", "info": f"For the requested action [{action}] "
                               f"a warcamp name is required. You only provided [{uid}]"})
        args["warcamp"] = generated_name(world)
        uid = f"{args['game_uid']}.{args['warcamp']}"
    else:
        args["warcamp"] = parts[1]
    args["server_path"] = f"{SERVERS_ROOT}/{args['game_uid']}/{args['warcamp']}"

    if action == "create":
        if not compose.dir_exists(world, f"{args['game_uid']}/{args['warcamp']}"):
            clean_on_fail = True
        result = create_new_warcamp(world, args)
        if "success" in result["status"]:
            if "start_later" in args and args["start_later"]:
                return Reply(200, {"status": "success", "info": f"The server files for "
                                   f"[{args['warcamp']}] were created, but the server was not "
                                   f"started, in accordance with the provided settings."})
            action = "start"
    if action == "update":
        mode = args["mode"] if "mode" in args else "full"
        if not isinstance(mode, str):
            raise Crash(f"AttributeError: mode {mode!r} has no lower()")
        result = update(world, uid, mode.lower())
        return Reply(200 if result["status"] == "success" else 400, result)
    if action == "start":
        result = scheduler.stop_request(world, uid, args)
        if "response" not in result:
            return Reply(400, result)
        result = start(world, uid)
    elif action == "stop":
        result = scheduler.stop_request(world, uid, args)
        if "response" in result and result["response"] == "NOW":
            scheduler.remove_stops(world, uid)
            result = compose.run(world, uid, "stop")
    elif action == "restart":
        result = compose.run(world, uid, "restart")
    elif action == "description":
        try:
            description = args["description"]
        except (KeyError, TypeError):
            return Reply(400, {"status": "error",
                               "info": "The description argument was incorrectly provided."})
        result = update_description(world, uid, description)
    elif action == "skip":
        pass
    else:
        if "info" not in result:
            raise Crash(f"KeyError 'info': unsupported action [{action}]")
        return Reply(404, {"status": "error", "info": result["info"]})
    return PendingFetch(result, uid, clean_on_fail, args)


def put_finish(world, pending):
    """After the sleep: the fresh server object, or 400 with the failure (and cleanup)."""
    result = pending.result
    if "status" not in result:
        raise Crash(f"KeyError 'status' in {result!r}")   # stop with a bad timer
    if "success" in result["status"]:
        try:
            container = world.docker.get(PREFIX + pending.uid)
        except NoSuchContainer as err:
            raise Crash(str(err))
        return Reply(200, servers.server_object(world, container))
    if pending.clean_on_fail:
        args = pending.args
        if not ("noclean" in args and args["noclean"]):
            rel = f"{args['game_uid']}/{args['warcamp']}"
            if world.folders.pop(rel, None) is None:
                raise Crash(f"rmtree: no such folder {rel}")
    return Reply(400, result)


def start(world, uid):
    check = compose.port_check(world, uid)
    if check["status"] != "success":
        return check
    return compose.run(world, uid, "up -d")


def update(world, uid, mode):
    compose.run(world, uid, "stop")                           # failure ignored
    folder = world.folders.get(compose.rel_path(uid))
    if mode == "reinit" and folder is not None:
        folder.remove_children("data")                        # keeps user/ and config/
    if mode in ("reinit", "full", "all", "image", "container"):
        compose.run(world, uid, "pull")                       # failure ignored
    if mode in ("reinit", "full", "all", "server", "game") and folder is not None:
        folder.remove("actions/.update")                      # game files refresh on start
    check = compose.port_check(world, uid)
    if check["status"] != "success":
        return check
    return compose.run(world, uid, "up -d")


def update_description(world, uid, description):
    rel = compose.rel_path(uid)
    path = f"{SERVERS_ROOT}/{rel}/config.json"
    folder = world.folders.get(rel)
    try:
        if folder is None or not folder.has("config.json"):
            raise FileNotFoundError(f"[Errno 2] No such file or directory: '{path}'")
        doc = folder.read_json("config.json")
        doc["metadata"]["description"] = description
        folder.write_json("config.json", doc)
        return {"status": "success"}
    except Exception as err:
        text = err.args[0] if isinstance(err, FileNotFoundError) else f"{err}"
        return {"status": "error", "info": "Could not update the desciption of the server.",
                "exception": text}


# --- DELETE /server/<action>/<uid> ---

def delete_server(world, action, uid, args):
    note = ""
    if action not in ["destroy", "eradicate"]:
        return Reply(404, {"error": f"Incorrect action [{action}] provided"})
    if action == "destroy":
        result = compose.run(world, uid, "down")
        if "success" not in result["status"]:
            return Reply(404, {"status": "error", "info": f"Failed to remove the server [{uid}].",
                               "exception": f"{result['exception']}"})
        note = f"Server {uid} was removed. "
    if eradicate_flag(args):
        delete_tree(world, compose.rel_path(uid))
        note = note + (f"All files for {uid} will be purged from the server. "
                       f"This may take a few moments.")
    return Reply(200, {"status": "success", "info": note})


def eradicate_flag(args):
    """`"eradicate" in args and args["eradicate"]` on whatever JSON came in: Python
    truthiness for objects; null, numbers, or lists/strings containing it raise (500)."""
    try:
        return bool("eradicate" in args and args["eradicate"])
    except TypeError as err:
        raise Crash(f"TypeError: {err}")


def delete_tree(world, rel):
    """rm -rf /home/peon/servers/<rel>: with a uid without a dot that is a whole game folder."""
    for key in [k for k in world.folders if k == rel or k.startswith(rel + "/")]:
        del world.folders[key]


# --- /plans, /plan ---

def list_plans(world):
    plans = world.plans.sorted_catalogue()
    if plans:
        return Reply(200, plans)
    return Reply(404, "There was an issue getting the local plans list.")


def pull_plans(world):
    old_plans = world.plans.sorted_catalogue()
    if world.settings.plans_pull_error:
        return Reply(404, {"status": "error", "info": world.settings.plans_pull_error})
    world.plans.pull()
    new_plans = world.plans.sorted_catalogue()
    differences = {}
    if new_plans is None or (old_plans is None and new_plans):
        raise Crash("TypeError: 'NoneType' object is not iterable (no plans.json)")
    for new_dict in new_plans:
        game_uid = new_dict["game_uid"]
        found = False
        for old_dict in old_plans:
            if old_dict["game_uid"] == game_uid:
                found = True
                break
        if not found:
            differences[game_uid] = new_dict
    return Reply(200, {"new_recipies": differences})


def plan_settings(world, game_uid):
    settings = world.plans.settings_for(game_uid)
    if settings:
        return Reply(200, settings)
    return Reply(404, f"Could not get the settings for [{game_uid}]")
