"""A small plans catalogue shaped like peon-warplans: environment (None = required), ports, description."""

PLANS = {
    "valheim": {
        "title": "Valheim", "description": "A Valheim game server for PEON.", "version": "1.4.2",
        "environment": {"STEAM_ID": "896660", "SERVER_NAME": None, "WORLD_NAME": None, "PASSWORD": None,
                        "PUBLIC": 1, "CROSSPLAY": False},
        "ports": [[{"GAME": [2456, "udp"]}, {"QUERY": [2457, "udp"]}]],
    },
    "palworld": {
        "title": "Palworld", "description": "", "version": "0.3.1",
        "environment": {"STEAM_ID": "2394010", "SERVER_NAME": None, "ADMIN_PASSWORD": None, "MAX_PLAYERS": 16},
        "ports": [[{"GAME": [8211, "udp"]}]],
    },
    "minecraft": {
        "title": "Minecraft (Java)", "description": "A vanilla Minecraft server.", "version": "1.21.1",
        "environment": {"EULA": None, "MOTD": "A PEON server", "MEMORY": "4G", "DIFFICULTY": "normal"},
        "ports": [[{"GAME": [25565, "tcp"]}]],
    },
    "ark": {
        "title": "Ark", "description": "ARK: Survival Evolved.", "version": "2.0.0",
        "environment": {"STEAM_ID": "376030", "SESSION_NAME": None, "ADMIN_PASSWORD": None, "MAP": "TheIsland"},
        "ports": [[{"GAME": [7777, "udp"]}, {"RAW": [7778, "udp"]}, {"QUERY": [27015, "udp"]}]],
    },
    "cs2": {
        "title": "Counter Strike 2", "description": "Counter-Strike 2 dedicated server.", "version": "1.0.0",
        "environment": {"STEAM_ID": "730", "SERVER_NAME": None, "GSLT": None, "MAP": "de_dust2"},
        "ports": [[{"GAME": [27015, "both"]}]],
    },
    "satisfactory": {
        "title": "Satisfactory", "description": "Satisfactory dedicated server.", "version": "1.0.0",
        "environment": {"STEAM_ID": "1690800", "MAX_PLAYERS": 4},
        "ports": [[{"GAME": [7777, "both"]}, {"BEACON": [15000, "udp"]}]],
    },
    "enshrouded": {
        "title": "Enshrouded", "description": "Enshrouded dedicated server.", "version": "0.7.0",
        "environment": {"STEAM_ID": "2278520", "SERVER_NAME": None, "PASSWORD": "", "SLOTS": 16},
        "ports": [[{"GAME": [15636, "udp"]}, {"QUERY": [15637, "udp"]}]],
    },
    "7dtd": {
        "title": "7 Days to Die", "description": "7 Days to Die dedicated server.", "version": "1.0.0",
        "environment": {"STEAM_ID": "294420", "SERVER_NAME": None, "SERVER_PASSWORD": ""},
        "ports": [[{"GAME": [26900, "both"]}, {"QUERY": [26901, "udp"]}]],
    },
}

# Plans that appear on the next PUT /plans (tests add more through the control API).
UPSTREAM_ONLY = {
    "terraria": {
        "title": "Terraria", "description": "Terraria dedicated server.", "version": "1.4.4",
        "environment": {"WORLD_NAME": None, "MAX_PLAYERS": 8},
        "ports": [[{"GAME": [7777, "tcp"]}]],
    },
}

PREFIXES = ["black", "cliff", "storm", "iron", "frost", "ember", "raven", "moss", "stone", "thorn"]
SUFFIXES = ["brook", "crest", "hollow", "watch", "fall", "gate", "haven", "ridge", "mire", "keep"]


def catalogue_entry(game_uid, plan):
    return {"title": plan["title"], "game_uid": game_uid,
            "plan_url": f"https://github.com/the-peon-project/peon-warplans/tree/main/{game_uid}"}


def ports_of(plan):
    """Every published port number of the plan."""
    numbers = []
    for group in plan["ports"]:
        for mapping in group:
            for port, _proto in mapping.values():
                numbers.append(port)
    return numbers


def settings_view(game_uid, plan):
    """GET /plan/<game>: required keys (None or "") first as "", then optional defaults as str(), then
    description; STEAM_ID is left out."""
    env = {k: v for k, v in plan["environment"].items() if k != "STEAM_ID"}
    required = [k for k, v in env.items() if v is None or v == ""]
    optional = [k for k, v in env.items() if not (v is None or v == "")]
    out = {k: "" for k in required}
    out.update({k: str(env[k]) for k in optional})
    out["description"] = plan["description"] or f"A PEON game server for {game_uid}."
    return out
