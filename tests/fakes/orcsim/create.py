"""create_new_warcamp: copy the plan folder, check settings, write config.json and
docker-compose.yml. Failures after the copy leave the folder behind, as the real code does."""
import json

from . import servers
from .catalogue import NAME_PREFIXES, NAME_SUFFIXES
from .files import SERVERS_ROOT, ServerFolder, to_yaml
from .world import Crash


def generated_name(world):
    return world.rng.choice(NAME_PREFIXES) + world.rng.choice(NAME_SUFFIXES)


def _error(info):
    return {"status": "error", "info": info}


def create_new_warcamp(world, args):
    game_uid, warcamp = args["game_uid"], args["warcamp"]
    rel = f"{game_uid}/{warcamp}"
    folder = world.folders.get(rel)
    if folder is not None and servers.config_doc(folder) is not None:
        return _error(f"There is already a config.json file for [{game_uid}] [{warcamp}]. Please "
                      f"run update on the game/server instead. (Can be added in a future release.)")
    plan = world.plans.plan(game_uid)
    if plan is None:
        return _error(f"There is no local default plan for {game_uid}.")
    if folder is not None:
        # shutil.copytree onto an existing folder
        raise Crash(f"[Errno 17] File exists: '{SERVERS_ROOT}/{rel}'")
    folder = ServerFolder()
    plan_text = json.dumps(plan, indent=4)
    folder.write("plan.json", plan_text)
    folder.write("config.json", plan_text)       # config.json starts as a copy of plan.json
    world.folders[rel] = folder
    template = json.loads(plan_text)

    # Required = plan values that are JSON null; passing ANY one of them is enough (real bug).
    required = [key for key, value in template["environment"].items() if value is None]
    if required and not any(key in list(args.keys()) for key in required):
        return _error(f"Not all required server settings were provided. Namely: {required}")
    meta = plan["metadata"]
    meta["warcamp"] = warcamp
    if "description" in args:
        meta["description"] = args["description"]
    meta["hostname"] = f"peon.warcamp.{game_uid}.{meta['warcamp']}"
    meta["container_name"] = meta["hostname"]
    for key in plan["environment"]:
        if key in args and key not in ["STEAM_ID"]:
            plan["environment"][key] = args[key]
    try:
        plan["ports"] = template["ports"][0]        # only the first port group is used
    except (IndexError, KeyError, TypeError) as err:
        raise Crash(f"plan has no port group: {err!r}")
    folder.write("config.json", json.dumps(plan, indent=4))

    result = write_compose(world, folder, f"{SERVERS_ROOT}/{rel}", plan)
    if "success" not in result["status"]:
        return result
    for name in ("actions", "config", "data", "user"):
        folder.mkdir(name)
    return {"status": "success", "game_uid": f"{game_uid}", "warcamp": f"{warcamp}",
            "server_path": f"{SERVERS_ROOT}/{rel}"}


def write_compose(world, folder, server_path, plan):
    """update_build_file: the compose manifest from config.json."""
    meta = plan["metadata"]
    service = {"container_name": meta["container_name"], "hostname": meta["hostname"],
               "image": meta["image"]}
    ports, env = [], []
    try:
        for group_entry in plan["ports"]:
            name = list(group_entry.keys())[0].upper()
            value, proto = group_entry[name][0], group_entry[name][1].lower()
            if proto in ("tcp", "udp"):
                ports.append(f"{value}:{value}/{proto}")
            else:
                ports.append(f"{value}:{value}/tcp")
                ports.append(f"{value}:{value}/udp")
            env.append(f"{name}={value}")
    except (KeyError, IndexError, AttributeError, TypeError) as err:
        raise Crash(f"bad port entry in plan: {err!r}")
    service["ports"] = ports
    for key, value in plan["environment"].items():
        env.append(f"{key}={value}")
    service["environment"] = env
    host_dir = world.settings.host_dir
    if not host_dir:
        return _error("PEON_DIRECTORY not configured in .env file. (HOST_DIR env var is empty)")
    host_path = server_path.replace(SERVERS_ROOT, f"{host_dir}/servers")
    mounts = []
    for source, target in plan.get("volumes", {}).items():
        mounts.append(f"{source.replace('~!', host_path)}:{target}")
    for source, target in plan.get("files", {}).items():
        source = source.replace("~!/", "")
        if folder.has(source):
            mounts.append(f"{host_path}/{source}:{target}")
    service["volumes"] = mounts
    service["user"] = "1000:1000"
    service["networks"] = ["zugnet"]
    parts = server_path.split("/")
    manifest = {"services": {"server": service},
                "networks": {"zugnet": {"name": f"{parts[-2]}_{parts[-1]}"}}}
    if not world.settings.compose_writable:
        return _error(f"Could not create the `docker-compose.yml` file. [Errno 13] Permission "
                      f"denied: '{server_path}/docker-compose.yml'")
    folder.write("docker-compose.yml", to_yaml(manifest) + "\n")
    folder.manifest = manifest
    return {"status": "success", "manifest": manifest}
