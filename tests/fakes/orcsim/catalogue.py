"""Built-in plan catalogue (what the orchestrator's clone of peon-warplans holds).

Plan documents have the real plan.json layout: metadata, ports (groups of {NAME: [port, proto]},
proto tcp, udp or anything else = both), environment (null = required), volumes.
Ports and environment keys follow the real plans so create and port conflicts behave as in
production (e.g. satisfactory and terraria both want 7777).
"""
import copy

PLAN_URL = "https://github.com/the-peon-project/peon-warplans/tree/main/{}"

# Upstream image versions: what `docker compose pull` fetches (VERSION env of the image).
IMAGE_VERSIONS = {
    "umlatt/steamcmd": "1.4.2",
    "umlatt/steamcmd-proton": "1.1.0",
    "umlatt/steamcmd-winehq": "1.0.3",
    "umlatt/minecraft": "2.0.1",
}

# Word lists for generated server names (create called with only a game uid).
NAME_PREFIXES = ["amber", "ash", "bright", "copper", "dusk", "elder", "frost", "gold", "hollow",
                 "iron", "marsh", "north", "oak", "red", "salt", "storm", "thorn", "wild"]
NAME_SUFFIXES = ["barrow", "bay", "fall", "fell", "field", "gate", "harbor", "heath", "march",
                 "mere", "mill", "moor", "reach", "shire", "spire", "watch", "wood", "yard"]

_STEAM_VOLUMES = {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
                  "~!/config": "/home/steam/config"}


def make_plan(game_uid, description, ports, environment, *, mode="steamcmd", image=None,
              user_path="/home/steam/steamcmd/data/saves", version="1.0.0", files=None):
    """Build a plan.json document in the real layout."""
    volumes = dict(_STEAM_VOLUMES)
    if user_path:
        volumes["~!/user"] = user_path
    doc = {
        "metadata": {
            "game_uid": game_uid,
            "warcamp": "default",
            "version": version,
            "description": description,
            "mode": mode,
            "hostname": f"peon.warcamp.{game_uid}",
            "image": image or f"umlatt/{mode}",
        },
        "ports": ports,
        "environment": environment,
        "volumes": volumes,
    }
    if files:
        doc["files"] = files
    return doc


def _group(*ports):
    return [{name: [port, proto]} for name, port, proto in ports]


def builtin_plans():
    """game_uid -> plan document (the local plan folders)."""
    plans = {
        "valheim": make_plan(
            "valheim", "A Valheim game server for PEON.",
            [_group(("PORT", "2456", "udp")), _group(("PORT", "2457", "udp")),
             _group(("PORT", "2458", "udp"))],
            {"STEAM_ID": "896660", "SERVER_NAME": None, "WORLD_NAME": None, "PASSWORD": None},
            user_path="/home/steam/.config/unity3d/IronGate/Valheim"),
        "palworld": make_plan(
            "palworld", "A Palworld game server for PEON.",
            [_group(("PORT", "8211", "tcp"), ("PORTUDP", "8211", "udp"))],
            {"STEAM_ID": "2394010", "SERVER_NAME": None, "PASSWORD": None}),
        "minecraft": make_plan(
            "minecraft", "A PEON Minecraft Java Edition server.",
            [_group(("PORT", "25565", "tcp"), ("RCON_PORT", "25575", "tcp"))],
            {"SERVER_NAME": None, "EULA": "TRUE", "MEMORY": "4G", "GAME_MODE": "survival",
             "DIFFICULTY": "normal", "MAX_PLAYERS": "20", "MOTD": ""},
            mode="minecraft", user_path="/data/world"),
        "ark": make_plan(
            "ark", "A PEON ark game server.",
            [_group(("PORT", "7777", "udp"), ("PORT_RAW", "7778", "udp"),
                    ("PORT_QUERY", "27015", "udp"), ("PORT_RCON", "27020", "tcp")),
             _group(("PORT", "7779", "udp"), ("PORT_RAW", "7780", "udp"),
                    ("PORT_QUERY", "27016", "udp"), ("PORT_RCON", "27021", "tcp"))],
            {"STEAM_ID": "376030", "SERVER_NAME": None, "ADMIN_PASSWORD": None, "PASSWORD": None}),
        "cs2": make_plan(
            "cs2", "A PEON cs2 game server.",
            [_group(("CS2_PORT", "27015", "tcp/udp"), ("TV_PORT", "27020", "udp"))],
            {"STEAM_ID": "730", "SERVER_NAME": None, "STEAM_GSLT": None, "STEAMAPP": "cs2",
             "CS2_RCONPW": "", "CS2_PW": "", "CS2_MAXPLAYERS": "10", "CS2_GAMETYPE": "0",
             "CS2_GAMEMODE": "1", "CS2_STARTMAP": "de_inferno", "CS2_BOT_QUOTA": "6"},
            user_path=None,
            files={"~!/server.cfg": "/home/steam/data/cs2/cfg/server.cfg"}),
        "satisfactory": make_plan(
            "satisfactory", "A PEON Satisfactory game server.",
            [_group(("QUERYPORT", "15777", "udp"), ("BEACONPORT", "15000", "udp"),
                    ("PORT", "7777", "udp"), ("PORT", "7777", "tcp"), ("PORT", "8888", "udp"),
                    ("PORT", "8888", "tcp"))],
            {"STEAM_ID": "1690800", "SERVER_NAME": None},
            user_path="/home/steam/.config/Epic/FactoryGame/Saved/SaveGames"),
        "enshrouded": make_plan(
            "enshrouded", "A PEON Enshrouded game server.",
            [_group(("PORT", "15636", "tcp/udp"), ("QUERYPORT", "15637", "tcp/udp"))],
            {"STEAM_ID": "2278520", "SERVER_NAME": None, "PASSWORD": None},
            mode="steamcmd-proton", user_path="/home/steam/steamcmd/data/savegame"),
        "7dtd": make_plan(
            "7dtd", "A PEON 7 Days to Die dedicated server.",
            [_group(("PORT", "26900", "tcp/udp"), ("PORT_2", "26901", "udp"),
                    ("PORT_3", "26902", "udp"))],
            {"STEAM_ID": "294420", "SERVER_NAME": None},
            user_path="/home/steam/steamcmd/data/7DaysToDieServer"),
        "terraria": make_plan(
            "terraria", "A PEON Terraria dedicated server.",
            [_group(("PORT", "7777", "tcp"))],
            {"STEAM_ID": "105600", "SERVER_NAME": None, "PASSWORD": None},
            user_path="/home/steam/.local/share/Terraria"),
        "factorio": make_plan(
            "factorio", "A PEON Factorio dedicated server.",
            [_group(("PORT", "34197", "udp"), ("RCON_PORT", "27015", "tcp"))],
            {"STEAM_ID": "427520", "SERVER_NAME": None},
            user_path="/home/steam/.factorio"),
        "rust": make_plan(
            "rust", "A PEON Rust dedicated server.",
            [_group(("PORT", "28015", "udp"), ("RCON_PORT", "28016", "tcp"))],
            {"STEAM_ID": "258550", "SERVER_NAME": None, "WORLD_NAME": "Procedural Map",
             "WORLD_SIZE": "3000", "MAXPLAYERS": "50"},
            user_path="/home/steam/steamcmd/data/server"),
        "vrising": make_plan(
            "vrising", "A PEON vrising game server.",
            [_group(("PORT", "9876", "udp"), ("QUERYPORT", "9877", "udp"))],
            {"STEAM_ID": "1829350", "SERVER_NAME": None, "WORLD_NAME": None, "PASSWORD": None},
            mode="steamcmd-winehq", user_path="/home/steam/server_user_data"),
        # A folder that plans.json does not list (catalogue and folders are out of sync upstream).
        "actionhalflife": make_plan(
            "actionhalflife", "Untested PEON recipe scaffold for Action Half-Life.",
            [_group(("PORT", "27015", "tcp/udp"))],
            {"STEAM_ID": None, "SERVER_NAME": None, "STARTUP_COMMAND": "./start-server.sh",
             "NOTES": "Untested scaffold - set dedicated server app id, command, ports, "
                      "and volumes."},
            version="0.1.0-untested", user_path="/home/steam/steamcmd/data"),
    }
    return plans


# plans.json: titles as upstream; "csgo" is listed but has no plan folder here.
_TITLES = [
    ("ark", "Ark"), ("csgo", "Counterstrike Global Offensive (CS:GO)"), ("cs2", "Counter Strike 2"),
    ("enshrouded", "Enshrouded"), ("palworld", "Palworld"), ("satisfactory", "Satisfactory"),
    ("valheim", "Valheim"), ("vrising", "V Rising"), ("rust", "Rust"), ("7dtd", "7 Days to Die"),
    ("terraria", "Terraria"), ("factorio", "Factorio"), ("minecraft", "Minecraft"),
]


def catalogue_entry(game_uid, title):
    return {"title": title, "game_uid": game_uid, "plan_url": PLAN_URL.format(game_uid)}


def builtin_catalogue():
    """plans.json in file order (the API sorts it by title)."""
    return [catalogue_entry(g, t) for g, t in _TITLES]


def copy_plans(plans):
    return copy.deepcopy(plans)
