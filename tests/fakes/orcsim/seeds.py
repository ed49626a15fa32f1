"""Starting states, and direct server provisioning for the control API.

Servers are built through the same create/compose code the API uses, so their folders,
config.json and docker-compose.yml look exactly like ones made by PUT /server/create."""
import json

from . import compose
from .create import create_new_warcamp
from .docker import PREFIX
from .files import SERVERS_ROOT, ServerFolder

SEEDS = ("demo", "empty")
CONTAINER_STATES = ("created", "running", "paused", "restarting", "removing", "exited", "dead")


class ProvisionError(ValueError):
    pass


def provision(world, uid, *, settings=None, description=None, state="running",
              folder="full", user_files=None):
    """Put a server into a given state without going through HTTP.

    folder: "full" (what a create writes), "leftover" (what a failed create leaves: plan copy
    with config.json, no compose file), "bare" (a folder without config.json) or "none".
    state: a Docker container state, or None for no container.
    """
    if "." not in uid:
        raise ProvisionError("uid must be <game_uid>.<servername>")
    game_uid, name = uid.split(".", 1)
    rel = uid.replace(".", "/")
    if rel in world.folders or world.docker.find(PREFIX + uid):
        raise ProvisionError(f"{uid} already exists")
    if state is not None and state not in CONTAINER_STATES:
        raise ProvisionError(f"state must be one of {CONTAINER_STATES} or null")
    plan = world.plans.plan(game_uid)
    if plan is None and folder in ("full", "leftover"):
        raise ProvisionError(f"no local plan for {game_uid}")
    if folder == "full":
        args = {"game_uid": game_uid, "warcamp": name,
                "server_path": f"{SERVERS_ROOT}/{game_uid}/{name}"}
        for key, value in plan["environment"].items():
            if value is None:
                args[key] = f"{name}-{key.lower()}"
        args.update(settings or {})
        if description is not None:
            args["description"] = description
        result = create_new_warcamp(world, args)
        if result["status"] != "success":
            world.folders.pop(rel, None)
            raise ProvisionError(result.get("info", "create failed"))
    elif folder == "leftover":
        leftover = ServerFolder()
        text = json.dumps(plan, indent=4)
        leftover.write("plan.json", text)
        leftover.write("config.json", text)
        world.folders[rel] = leftover
    elif folder == "bare":
        bare = ServerFolder()
        bare.write("user/README.txt", "pre-seeded files\n")
        world.folders[rel] = bare
    elif folder != "none":
        raise ProvisionError("folder must be full, leftover, bare or none")
    for path, text in (user_files or {}).items():
        world.folders[rel].write(path, text)
    if state is not None:
        _make_container(world, uid, plan, state)


def _make_container(world, uid, plan, state):
    folder = world.folders.get(uid.replace(".", "/"))
    if folder is not None and folder.manifest and folder.has("docker-compose.yml"):
        compose.create(world, uid)
    else:
        # A container whose compose file is gone (or never existed here).
        if plan is None:
            raise ProvisionError("a container without a folder needs a known plan")
        image = plan["metadata"]["image"]
        ports = []
        for entry in plan["ports"][0]:
            port, proto = list(entry.values())[0]
            protos = [proto.lower()] if proto.lower() in ("tcp", "udp") else ["tcp", "udp"]
            ports += [(str(port), p) for p in protos]
        if world.docker.create(PREFIX + uid, image, image.split("/")[-1], ports) is None:
            raise ProvisionError("image not available")
    container = world.docker.get(PREFIX + uid)
    if state == "running" and folder is not None and folder.manifest:
        if compose.run(world, uid, "up -d")["status"] != "success":
            raise ProvisionError(f"{uid} could not start (ports in use?)")
    elif state in ("running", "exited", "paused", "restarting"):
        # it ran at some point: game files installed, status files written
        container.started_at = world.clock.now()
        if folder is not None:
            compose.game_started(world, uid, folder)
    container.state = state


def apply_seed(world, seed):
    if seed not in SEEDS:
        raise ProvisionError(f"seed must be one of {SEEDS}")
    if seed == "empty":
        return
    provision(world, "valheim.bob", description="Friday night Valheim",
              settings={"SERVER_NAME": "Bob's Hall", "WORLD_NAME": "Midgard",
                        "PASSWORD": "hunter22"},
              user_files={"user/worlds_local/Midgard.db": "valheim world data\n"})
    provision(world, "palworld.alice", state="exited",
              settings={"SERVER_NAME": "Alice's Pals", "PASSWORD": "pals4ever"})
    provision(world, "minecraft.steve", description="Creative build server",
              settings={"SERVER_NAME": "Steve's Blocks", "GAME_MODE": "creative"})
    world.schedule.append({"server_uid": "minecraft.steve",
                           "time": world.clock.now_int() + 2 * 3600, "action": "stop"})
    provision(world, "satisfactory.factory", state="created",
              settings={"SERVER_NAME": "Ficsit HQ"})
    # Files only (created with start_later): invisible until started or imported.
    provision(world, "enshrouded.embervale", state=None,
              settings={"SERVER_NAME": "Embervale", "PASSWORD": "flame"})
