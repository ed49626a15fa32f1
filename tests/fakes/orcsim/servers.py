"""Reading servers: the server object, the list, stats, backups, and the folder import."""
import datetime
import json

from . import compose
from .docker import PREFIX
from .files import BACKUP_ROOT

NO_DESCRIPTION = "None - Please add a description"


def server_object(world, container):
    """server_get_server: built from the container name, the folder and the schedule."""
    parts = container.name.split(".")
    game_uid, servername = parts[2], parts[3]     # IndexError -> 500, as in the real code
    folder = world.folders.get(f"{game_uid}/{servername}")
    try:
        description = folder.read_json("config.json")["metadata"]["description"]
    except Exception:
        description = NO_DESCRIPTION
    container_type = build_version = "unknown"
    server_state = container.state
    server_config = {}
    if container.state == "running":
        if container.probe_ok:
            container_type = container.container_type
            build_version = container.image_version
        if not container.probe_ok or folder is None or not folder.has_dir("config"):
            server_state = "UNKNOWN"           # docker exec or listing config/ failed
            server_config = {"state": "OFFLINE"}
        else:
            compose.refresh_game_state(world, container, folder)
            for name in folder.list_files("config"):
                server_config[name] = folder.read_text(f"config/{name}").strip()
    pending = None
    for entry in world.schedule:
        if entry.get("server_uid") == f"{game_uid}.{servername}":
            pending = entry.get("time")
    return {
        "game_uid": game_uid,
        "servername": servername,
        "container_type": container_type,
        "build_version": build_version,
        "container_state": container.state,
        "server_state": server_state,
        "server_config": dict(server_config),
        "description": description,
        "time": pending,
    }


def all_servers(world):
    """servers_get_all: containers whose name contains the prefix, sorted by (game, name)."""
    servers = [server_object(world, c) for c in world.docker.listing() if PREFIX in c.name]
    return sorted(servers, key=lambda s: (s["game_uid"], s["servername"]))


def running_count(world):
    return sum(1 for c in world.docker.listing() if PREFIX in c.name and c.state == "running")


def import_folders(world):
    """servers_import: `compose create` in every <game>/<name>/ folder holding a compose file."""
    for rel in sorted(world.folders):
        if rel.count("/") == 1 and world.folders[rel].has("docker-compose.yml"):
            try:
                compose.create(world, rel.replace("/", "."))
            except compose.ComposeFailed as err:
                raise RuntimeError(str(err))   # execute_shell raises: the route answers 500


def stats_document(world, container):
    """Docker's one-shot stats: real numbers while running, zeros otherwise."""
    if container.state != "running":
        zero_cpu = {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0,
                                  "usage_in_usermode": 0},
                    "throttling_data": {"periods": 0, "throttled_periods": 0,
                                        "throttled_time": 0}}
        return {"read": "0001-01-01T00:00:00Z", "preread": "0001-01-01T00:00:00Z",
                "pids_stats": {}, "blkio_stats": {"io_service_bytes_recursive": None},
                "num_procs": 0, "storage_stats": {}, "cpu_stats": zero_cpu,
                "precpu_stats": zero_cpu, "memory_stats": {},
                "name": "/" + container.name, "id": container.id}
    now = world.clock.now()
    uptime = max(1, int(now - (container.started_at or now)))
    read = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    cpu_total = 4_000_000_000 + uptime * 350_000_000
    return {
        "read": read.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "preread": (read - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "pids_stats": {"current": 42, "limit": 18446744073709551615},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "read", "value": 52_428_800},
            {"major": 8, "minor": 0, "op": "write", "value": 10_485_760}]},
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": {"cpu_usage": {"total_usage": cpu_total,
                                    "usage_in_kernelmode": cpu_total // 5,
                                    "usage_in_usermode": cpu_total * 4 // 5},
                      "system_cpu_usage": 900_000_000_000 + uptime * 4_000_000_000,
                      "online_cpus": 4,
                      "throttling_data": {"periods": 0, "throttled_periods": 0,
                                          "throttled_time": 0}},
        "precpu_stats": {"cpu_usage": {"total_usage": cpu_total - 350_000_000,
                                       "usage_in_kernelmode": (cpu_total - 350_000_000) // 5,
                                       "usage_in_usermode": (cpu_total - 350_000_000) * 4 // 5},
                         "system_cpu_usage": 900_000_000_000 + (uptime - 1) * 4_000_000_000,
                         "online_cpus": 4,
                         "throttling_data": {"periods": 0, "throttled_periods": 0,
                                             "throttled_time": 0}},
        "memory_stats": {"usage": 2_147_483_648, "stats": {"active_anon": 1_900_000_000,
                                                           "file": 120_000_000},
                         "limit": 16_777_216_000},
        "name": "/" + container.name,
        "id": container.id,
        "networks": {"eth0": {"rx_bytes": 1200 * uptime, "rx_packets": 10 * uptime,
                              "rx_errors": 0, "rx_dropped": 0, "tx_bytes": 3400 * uptime,
                              "tx_packets": 12 * uptime, "tx_errors": 0, "tx_dropped": 0}},
    }


def stats_or_unavailable(world, container):
    return stats_document(world, container) if container.stats_ok else "Not available"


def make_backup(world, uid):
    """server_backup: (file name, zip bytes), or None when zip fails."""
    folder = world.folders.get(uid.replace(".", "/"))
    if folder is None or not world.settings.backup_dir_ok:
        return None
    data = folder.zip_bytes()
    if data is None:
        return None
    stamp = datetime.datetime.fromtimestamp(world.clock.now(), datetime.timezone.utc)
    name = f"{uid}-{stamp.strftime('%Y%m%d-%H%M%S')}.zip"
    world.backups.append({"name": name, "path": f"{BACKUP_ROOT}/{name}", "size": len(data)})
    return name, data


def config_doc(folder):
    try:
        return folder.read_json("config.json")
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError):
        return None
