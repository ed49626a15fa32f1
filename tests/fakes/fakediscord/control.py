"""The control API tests use (under /_sim, no auth): configure, inject interactions and events, inject
faults, wait for and read what the bot did, read counters."""
import asyncio
import time

from aiohttp import web

from .snowflake import new_id
from .world import Interaction

# ---- helpers ----


async def body_of(request):
    if not request.can_read_body:
        return {}
    return await request.json()


def timeout_of(request, default=10.0):
    return min(float(request.query.get("timeout", default)), 120.0)


async def wait_for(predicate, changed, timeout):
    """Waits until predicate() is true, re-checking whenever changed() hands a new event."""
    deadline = time.monotonic() + timeout
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(changed().wait(), timeout=min(remaining, 0.2))
        except asyncio.TimeoutError:
            pass
    return True


# ---- configuration ----

async def reset(request):
    from .world import World
    old = request.app["world"]
    for conn in list(old.connections):
        conn.drop()
    request.app["world"] = World(request.app["token"], app_id=old.app_id)
    from .ratelimit import RateLimits
    request.app["ratelimits"] = RateLimits()
    return web.json_response({"ok": True})


async def configure(request):
    world = request.app["world"]
    body = await body_of(request)
    for key, value in body.items():
        if key == "tokens":
            world.tokens = set(value)
        elif key == "session_start_limit":
            world.settings["session_start_limit"].update(value)
            world.limit_reset_at = time.monotonic() + world.settings["session_start_limit"]["reset_after"] / 1000
        elif key in world.settings:
            world.settings[key] = value
        else:
            return web.json_response({"error": f"unknown setting {key}"}, status=400)
    return web.json_response(world.settings)


async def ratelimits(request):
    request.app["ratelimits"].configure(await body_of(request))
    return web.json_response({"ok": True})


async def rest_fault(request):
    request.app["ratelimits"].add_fault(await body_of(request))
    return web.json_response({"ok": True})


async def framing(request):
    world = request.app["world"]
    world.framing.update(await body_of(request))
    return web.json_response(world.framing)


def live_connections(world):
    return [s.conn for s in world.sessions.values() if s.conn is not None and not s.conn.closed] or \
        [c for c in world.connections if not c.closed]


async def gateway_fault(request):
    """action: close (code), drop, no_ack, ack, reconnect (op 7), invalid_session (resumable), heartbeat."""
    world = request.app["world"]
    body = await body_of(request)
    action = body.get("action")
    conns = live_connections(world)
    if action == "no_ack":
        world.no_ack = True
    elif action == "ack":
        world.no_ack = False
    elif action == "close":
        for conn in conns:
            await conn.close(int(body.get("code", 4000)), body.get("reason", ""))
    elif action == "drop":
        for conn in conns:
            conn.drop()
    elif action == "reconnect":
        for conn in conns:
            await conn.send({"op": 7, "d": None})
    elif action == "invalid_session":
        resumable = bool(body.get("resumable", False))
        for conn in conns:
            if not resumable and conn.session is not None:
                conn.session.invalid = True
            await conn.send({"op": 9, "d": resumable})
    elif action == "heartbeat":
        for conn in conns:
            await conn.send({"op": 1, "d": conn.session.seq if conn.session else None})
    else:
        return web.json_response({"error": f"unknown action {action}"}, status=400)
    return web.json_response({"ok": True, "connections": len(conns)})


# ---- injection ----

def build_interaction(world, spec):
    guild = world.guilds.get(spec.get("guild_id")) or world.first_guild()
    channel = world.channel_named(spec["channel"]) if spec.get("channel") else None
    channel = channel or world.channels.get(spec.get("channel_id")) or \
        next(c for c in guild["channels"] if c["type"] == 0)
    user = {"id": spec.get("user_id", "500000000000000001"), "username": spec.get("username", "bob"),
            "discriminator": "0", "global_name": spec.get("username", "bob"), "avatar": None,
            "public_flags": 0}
    kind = int(spec["type"])
    iid = new_id()
    payload = {
        "id": iid, "application_id": world.app_id, "type": kind, "token": f"aW50ZXJhY3Rpb246{iid}:" + "x" * 140,
        "version": 1, "guild_id": guild["id"], "channel_id": channel["id"],
        "channel": {"id": channel["id"], "type": channel["type"], "name": channel["name"],
                    "guild_id": guild["id"], "parent_id": channel.get("parent_id")},
        "guild": {"id": guild["id"], "locale": "en-US", "features": []},
        "member": {"user": user, "roles": spec.get("roles", []), "permissions": str(spec.get("permissions",
                                                                                              "2248473465835073")),
                   "nick": None, "avatar": None, "joined_at": "2026-01-01T00:00:00.000000+00:00",
                   "premium_since": None, "deaf": False, "mute": False, "pending": False, "flags": 0,
                   "communication_disabled_until": None},
        "app_permissions": "2248473465835073", "locale": spec.get("locale", "en-US"), "guild_locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {"0": guild["id"]}, "context": 0,
        "attachment_size_limit": 10485760,
    }
    if kind in (2, 4):
        scope = world.commands.get(guild["id"], {}) or {}
        command = scope.get(spec["name"]) or world.commands.get("global", {}).get(spec["name"]) or {}
        payload["data"] = {"id": command.get("id", new_id()), "name": spec["name"], "type": 1,
                           "options": spec.get("options", []), "guild_id": guild["id"]}
        if spec.get("resolved"):
            payload["data"]["resolved"] = spec["resolved"]
    elif kind == 3:
        payload["data"] = {"custom_id": spec["custom_id"], "component_type": spec.get("component_type", 2)}
        if "values" in spec:
            payload["data"]["values"] = spec["values"]
        payload["message"] = spec.get("message") or {
            "id": new_id(), "channel_id": channel["id"], "author": world.bot_user, "content": "panel",
            "embeds": [], "components": [], "attachments": [], "mentions": [], "mention_roles": [],
            "pinned": False, "tts": False, "type": 0, "flags": 0, "mention_everyone": False,
            "timestamp": "2026-01-01T00:00:00.000000+00:00", "edited_timestamp": None}
    elif kind == 5:
        payload["data"] = {"custom_id": spec["custom_id"], "components": spec.get("components", [])}
    else:
        raise ValueError(f"unsupported interaction type {kind}")
    return payload, guild


async def inject_interaction(request):
    world = request.app["world"]
    spec = await body_of(request)
    try:
        payload, guild = build_interaction(world, spec)
    except (KeyError, ValueError, StopIteration) as exc:
        return web.json_response({"error": f"bad interaction spec: {exc}"}, status=400)
    record = world.add_interaction(payload)
    record.dispatched_at = time.monotonic()
    # dispatch: false registers it without the gateway, for a test that hands the payload to the bot itself.
    sent = await world.emit("INTERACTION_CREATE", payload, guild_id=guild["id"]) if spec.get("dispatch", True) else 0
    return web.json_response({"id": record.id, "token": record.token, "sessions": sent, "payload": payload})


async def read_interaction(request):
    world = request.app["world"]
    record = world.interactions.get(request.match_info["id"])
    if record is None:
        return web.json_response({"error": "unknown interaction"}, status=404)
    wait = request.query.get("wait")
    if wait:
        want = int(request.query.get("count", "1"))

        def done():
            if wait == "initial":
                return record.initial is not None or any(e["kind"] == "late_callback" for e in record.events)
            return len(record.events) >= want
        ok = await wait_for(done, lambda: record.changed, timeout_of(request))
        if not ok:
            return web.json_response(dict(record.summary(), timed_out=True), status=408)
    return web.json_response(record.summary())


async def emit_event(request):
    world = request.app["world"]
    body = await body_of(request)
    guild_id = body.get("guild_id") or world.first_guild()["id"]
    sent = await world.emit(body["t"], body.get("d", {}), guild_id=guild_id)
    return web.json_response({"sessions": sent})


# ---- reading ----

async def counters(request):
    world = request.app["world"]
    data = dict(world.counters)
    data["rest"] = request.app["ratelimits"].snapshot()
    data["command_creates"] = world.command_creates
    data["sessions"] = [{"id": s.id, "shard": s.shard, "seq": s.seq, "connected": s.conn is not None,
                         "invalid": s.invalid, "intents": s.intents} for s in world.sessions.values()]
    data["session_start_limit"] = dict(world.settings["session_start_limit"])
    return web.json_response(data)


async def state(request):
    world = request.app["world"]
    return web.json_response({
        "app_id": world.app_id, "bot_user": world.bot_user,
        "guilds": [{"id": g["id"], "name": g["name"], "channels": g["channels"], "roles": g["roles"]}
                   for g in world.guilds.values()],
        "commands": {scope: list(cmds.values()) for scope, cmds in world.commands.items()},
    })


async def channel_messages(request):
    world = request.app["world"]
    channel = world.channels.get(request.match_info["channel"]) or world.channel_named(request.match_info["channel"])
    if channel is None:
        return web.json_response({"error": "unknown channel"}, status=404)
    count = int(request.query.get("count", "0"))
    if count:
        await wait_for(lambda: len(world.messages[channel["id"]]) >= count, lambda: world.message_added,
                       timeout_of(request))
    return web.json_response(world.messages[channel["id"]])


async def presences(request):
    """Every presence the bot set, oldest first: {op (2 = in IDENTIFY, 3 = Presence Update), session, shard,
    d, at}."""
    return web.json_response(request.app["world"].presences)


async def remove_message(request):
    """Deletes a message as a member with Manage Messages would (no bot token, no rate limit)."""
    world = request.app["world"]
    messages = world.messages.get(request.match_info["channel"], [])
    kept = [m for m in messages if m["id"] != request.match_info["message"]]
    if len(kept) == len(messages):
        return web.json_response({"error": "unknown message"}, status=404)
    world.messages[request.match_info["channel"]] = kept
    return web.json_response({"ok": True})


async def wait_ready(request):
    """Waits until `count` sessions (default 1) have been READY, then returns the counters."""
    world = request.app["world"]
    want = int(request.query.get("count", "1"))
    deadline = time.monotonic() + timeout_of(request)
    while sum(1 for s in world.sessions.values() if s.ready.is_set()) < want:
        if time.monotonic() > deadline:
            return web.json_response({"error": "not ready", "sessions": len(world.sessions)}, status=408)
        await asyncio.sleep(0.02)
    return await counters(request)


def add_routes(app):
    r = app.router
    r.add_post("/_sim/reset", reset)
    r.add_post("/_sim/config", configure)
    r.add_post("/_sim/ratelimits", ratelimits)
    r.add_post("/_sim/faults/rest", rest_fault)
    r.add_post("/_sim/faults/gateway", gateway_fault)
    r.add_post("/_sim/framing", framing)
    r.add_post("/_sim/interactions", inject_interaction)
    r.add_get("/_sim/interactions/{id}", read_interaction)
    r.add_post("/_sim/emit", emit_event)
    r.add_get("/_sim/counters", counters)
    r.add_get("/_sim/state", state)
    r.add_get("/_sim/messages/{channel}", channel_messages)
    r.add_get("/_sim/wait/ready", wait_ready)
    r.add_get("/_sim/presences", presences)
    r.add_delete("/_sim/messages/{channel}/{message}", remove_message)


__all__ = ["add_routes", "Interaction"]
