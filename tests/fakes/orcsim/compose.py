"""`docker compose -p <game>_<name> <action>` run in the server folder, as the orchestrator
shells out to it, plus what the game container itself does once it runs."""
from .files import SERVERS_ROOT

STDOUT_EMPTY = "[]"   # compose prints progress on stderr; captured stdout is an empty list


class ComposeFailed(Exception):
    """CalledProcessError text: the only detail the orchestrator passes on."""


def rel_path(uid):
    return uid.replace(".", "/")


def shell_command(uid, action):
    return (f"cd {SERVERS_ROOT}/{rel_path(uid)} && chown -R 1000:1000 . && "
            f"docker compose -p {uid.replace('.', '_')} {action}")


def _fail(uid, action, code):
    raise ComposeFailed(f"Command '{shell_command(uid, action)}' returned non-zero exit "
                        f"status {code}.")


def dir_exists(world, rel):
    return any(k == rel or k.startswith(rel + "/") for k in world.folders)


def parse_ports(manifest):
    """[(port, proto)] of the compose service ("2456:2456/udp" -> ("2456", "udp"))."""
    ports = []
    for service in manifest.get("services", {}).values():
        for spec in service.get("ports", []):
            host = str(spec).split(":")[0]
            proto = str(spec).rsplit("/", 1)[1] if "/" in str(spec) else "tcp"
            ports.append((host, proto))
    return ports


def _service(manifest):
    return next(iter(manifest["services"].values()))


def _project(world, uid, action):
    """The folder and its compose manifest, or the shell failure the real command would hit."""
    folder = world.folders.get(rel_path(uid))
    if folder is None:
        # cd fails (2) unless the path is a parent folder such as the game folder (1)
        _fail(uid, action, 1 if dir_exists(world, rel_path(uid)) else 2)
    manifest = getattr(folder, "manifest", None)
    if not folder.has("docker-compose.yml") or not manifest:
        _fail(uid, action, 1)            # no configuration file provided
    return folder, manifest


def _container_for(world, manifest):
    return world.docker.find(_service(manifest)["container_name"])


def _start(world, uid, action, folder, manifest, container):
    conflict = world.docker.bind_conflict(container.ports, container.name)
    if conflict is not None:
        _fail(uid, action, 1)            # Bind for 0.0.0.0:<port> failed: port is already allocated
    container.state = "running"
    container.started_at = world.clock.now()
    game_started(world, uid, folder)


def up(world, uid):
    action = "up -d"
    folder, manifest = _project(world, uid, action)
    service = _service(manifest)
    image = service["image"]
    container = _container_for(world, manifest)
    local = world.docker.local_images.get(image)
    if container is not None and local is not None and container.image_version != local:
        world.docker.remove(container.name)      # newer image pulled: compose recreates
        container = None
    if container is None:
        container = world.docker.create(service["container_name"], image,
                                        image.split("/")[-1].split(":")[0],
                                        parse_ports(manifest))
        if container is None:
            _fail(uid, action, 1)        # image pull failed
    if container.state != "running":
        _start(world, uid, action, folder, manifest, container)
    return STDOUT_EMPTY


def stop(world, uid):
    _, manifest = _project(world, uid, "stop")
    container = _container_for(world, manifest)
    if container is not None and container.state in ("running", "paused", "restarting"):
        container.state = "exited"
    return STDOUT_EMPTY


def restart(world, uid):
    folder, manifest = _project(world, uid, "restart")
    container = _container_for(world, manifest)
    if container is not None:
        if container.state == "running":
            container.started_at = world.clock.now()
            game_started(world, uid, folder)
        else:
            _start(world, uid, "restart", folder, manifest, container)
    return STDOUT_EMPTY


def down(world, uid):
    _, manifest = _project(world, uid, "down")
    container = _container_for(world, manifest)
    if container is not None:
        world.docker.remove(container.name)
    return STDOUT_EMPTY


def pull(world, uid):
    _, manifest = _project(world, uid, "pull")
    if not world.docker.pull(_service(manifest)["image"]):
        _fail(uid, "pull", 1)
    return STDOUT_EMPTY


def create(world, uid):
    """`docker compose create`: the container exists afterwards, nothing starts."""
    _, manifest = _project(world, uid, "create")
    service = _service(manifest)
    if _container_for(world, manifest) is None:
        image = service["image"]
        if world.docker.create(service["container_name"], image,
                               image.split("/")[-1].split(":")[0], parse_ports(manifest)) is None:
            _fail(uid, "create", 1)
    return STDOUT_EMPTY


def run(world, uid, action):
    """docker_compose_do: the orchestrator's result dict for one compose call."""
    ops = {"up -d": up, "stop": stop, "restart": restart, "down": down, "pull": pull,
           "create": create}
    try:
        stdout = ops[action](world, uid)
        return {"status": "success", "info": f"{uid}", "stdout": stdout}
    except ComposeFailed as err:
        return {"status": "error", "info": f"Could not complete the requested action for [{uid}].",
                "exception": f"{err}"}


# --- the game container's own side effects (it writes into the mounted folder) ---

def game_started(world, uid, folder):
    """Install game files when the .update marker is missing, then report state and ip."""
    if not folder.has("actions/.update"):
        folder.write("data/server.bin", f"game files for {uid}\n" * 8)
        folder.write("data/steamapps/manifest.acf", f'"AppState" {{ "name" "{uid}" }}\n')
        folder.write("actions/.update", "")
        world.installs[uid] = world.installs.get(uid, 0) + 1
    booting = world.settings.boot_seconds > 0
    folder.write("config/state", "STARTING\n" if booting else "RUNNING\n")
    folder.write("config/ip", f"{world.settings.public_ip}\n")


def refresh_game_state(world, container, folder):
    """A booting game flips its state file to RUNNING once boot_seconds have passed."""
    if folder is None or container.state != "running" or container.started_at is None:
        return
    if folder.has("config/state") and folder.read_text("config/state").strip() == "STARTING":
        if world.clock.now() >= container.started_at + world.settings.boot_seconds:
            folder.write("config/state", "RUNNING\n")


def port_check(world, uid):
    """server_port_check: first host port of each compose service against the digits of every
    port published by any container. The last matching container decides (docker lists newest
    first); the server's own container counts as "already running"."""
    folder = world.folders.get(rel_path(uid))
    path = f"{SERVERS_ROOT}/{rel_path(uid)}/docker-compose.yml"
    if folder is None or not folder.has("docker-compose.yml"):
        return {"status": "error", "exception": f"[Errno 2] No such file or directory: '{path}'"}
    manifest = getattr(folder, "manifest", None) or {}
    wanted = []
    for service in manifest.get("services", {}).values():
        specs = service.get("ports") or []
        if specs:
            wanted.append(str(specs[0]).split(":")[0])
    result = {"status": "success"}
    for container in world.docker.listing():
        for key in container.port_keys():
            if "".join(ch for ch in key if ch.isdigit()) in wanted:
                other = ".".join(container.name.split(".")[-2:])
                if other != uid:
                    result = {"status": "error",
                              "info": f"Server [{other}] is using one or more of the ports "
                                      f"required by [{uid}]",
                              "err_code": "srv.portsused"}
                else:
                    result = {"status": "success", "data": "Server is already running."}
    return result
