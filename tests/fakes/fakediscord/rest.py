"""REST v10: the routes peon-bot and discord.py use, with Discord's auth, validation, interaction rules
(3 s deadline, one initial response, 15 min token) and rate-limit headers applied by the middleware."""
import asyncio
import json
import time

from aiohttp import web

from . import limits
from .errors import error, json_response, not_found, unauthorized
from .ratelimit import route_key
from .snowflake import new_id

EPHEMERAL, LOADING = 64, 128
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def json_or_none(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return ...


async def read_body(request):
    """Returns (payload dict or None, files) for JSON or multipart bodies; raises web.HTTPException."""
    ctype = request.content_type
    if ctype == "multipart/form-data":
        payload, files = None, []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()
            if part.name == "payload_json":
                payload = json_or_none(data.decode())
            else:
                files.append({"name": part.name, "filename": part.filename, "size": len(data)})
        return payload, files
    text = await request.text()
    if not text:
        return None, []
    if ctype != "application/json":
        raise _Abort(error(400, 50035, "Invalid Form Body", {"_errors": [
            {"code": "CONTENT_TYPE_INVALID", "message": "Expected \"Content-Type\" header to be one of "
             "{'application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'}."}]}))
    payload = json_or_none(text)
    if payload is ...:
        raise _Abort(error(400, 50109, "The request body contains invalid JSON."))
    return payload, []


class _Abort(Exception):
    """Ends a request early with a Discord-shaped error response (caught by the middleware)."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def is_token_route(path):
    return path.startswith("/api/v10/interactions/") or path.startswith("/api/v10/webhooks/")


@web.middleware
async def discord_rules(request, handler):
    world = request.app["world"]
    limits_state = request.app["ratelimits"]
    path = request.path
    if not path.startswith("/api/"):
        return await handler(request)
    if not path.startswith("/api/v10/") and not path.startswith("/api/v9/"):
        return error(400, 0, "400: Bad Request (unsupported API version)")
    sub = path.split("/", 3)[3] if path.count("/") >= 3 else ""
    api_path = "/" + sub
    if "User-Agent" not in request.headers:
        world.counters["missing_user_agent"] += 1
    fault = limits_state.take_fault(request.method, api_path)
    if fault is not None:
        response = await apply_fault(limits_state, fault)
        if response is not None:
            return response
    if not is_token_route(path):
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot ") or auth[4:] not in world.tokens:
            limits_state.counters["invalid"] += 1
            return unauthorized()
    status, body, headers = limits_state.check(request.method, api_path)
    if status == 429:
        return json_response(body, status=429, headers=headers)
    try:
        response = await handler(request)
    except _Abort as abort:
        response = abort.response
    if response.status in (401, 403):
        limits_state.counters["invalid"] += 1
    for name, value in headers.items():
        response.headers[name] = value
    return response


async def apply_fault(limits_state, fault):
    if fault.get("hang"):
        await asyncio.sleep(float(fault["hang"]))
        if not fault.get("status"):
            return None
    status = int(fault.get("status") or 429)
    if status == 429:
        scope = fault.get("scope", "user")
        retry = float(fault.get("retry_after", 1.0))
        if fault.get("html"):
            limits_state.counters["429"]["cloudflare"] += 1
            return web.Response(status=429, content_type="text/html",
                                text="<html><head><title>Error 1015</title></head><body>You are being rate "
                                     "limited</body></html>", headers={"Retry-After": str(int(retry + 0.999))})
        limits_state.counters["429"][scope] = limits_state.counters["429"].get(scope, 0) + 1
        if scope != "shared":
            limits_state.counters["invalid"] += 1
        headers = {"Retry-After": str(int(retry + 0.999)), "X-RateLimit-Scope": scope, "Via": "1.1 google"}
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset-After": f"{retry:.3f}",
                            "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                            "X-RateLimit-Bucket": fault.get("bucket", "fault")})
        return json_response({"message": "You are being rate limited.", "retry_after": retry,
                                  "global": scope == "global"}, status=429, headers=headers)
    limits_state.counters["5xx"] += 1
    return json_response({"message": f"{status}: Server Error", "code": 0}, status=status)


# ---- bot, gateway, application ----

async def get_gateway(request):
    return json_response({"url": f"ws://{request.host}/"})


async def get_gateway_bot(request):
    world = request.app["world"]
    return json_response({"url": f"ws://{request.host}/", "shards": world.settings["shards"],
                              "session_start_limit": dict(world.start_limit())})


async def get_me(request):
    return json_response(request.app["world"].bot_user)


async def get_application(request):
    world = request.app["world"]
    return json_response({"id": world.app_id, "name": "peon-test", "icon": None, "description": "",
                              "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                              "flags": 0, "owner": world.bot_user, "team": None, "summary": "",
                              "rpc_origins": []})


# ---- application commands ----

def scope_of(request):
    world = request.app["world"]
    if request.match_info["app"] != world.app_id:
        raise _Abort(not_found(10002, "Unknown Application"))
    guild = request.match_info.get("guild")
    if guild is not None and guild not in world.guilds:
        raise _Abort(error(403, 50001, "Missing Access"))
    return guild or "global"


def stored_command(world, scope, command, existing):
    old = existing.get(command["name"])
    if old is None:
        world.command_creates += 1
    stored = dict(command)
    stored.setdefault("type", 1)
    stored["id"] = old["id"] if old else new_id()
    stored["application_id"] = world.app_id
    stored["version"] = new_id()
    stored.setdefault("default_member_permissions", None)
    if scope != "global":
        stored["guild_id"] = scope
    return stored


async def list_commands(request):
    world = request.app["world"]
    scope = scope_of(request)
    return json_response(list(world.commands.get(scope, {}).values()))


async def put_commands(request):
    world = request.app["world"]
    scope = scope_of(request)
    body, _ = await read_body(request)
    if not isinstance(body, list):
        return error(400, 50035, "Invalid Form Body", {"_errors": [{"code": "BASE_TYPE_ARRAY",
                                                                    "message": "Must be an array."}]})
    from .errors import Invalid
    bad = Invalid()
    for i, command in enumerate(body):
        problems = limits.check_command(command if isinstance(command, dict) else {}, path=(i,),
                                        guild_scoped=scope != "global")
        for path, node in _flatten(problems.tree):
            for e in node:
                bad.add(path, e["code"], e["message"])
    if len([c for c in body if c.get("type", 1) == 1]) > world.settings["max_global_commands"]:
        return error(400, 30032, "Maximum number of application commands reached (100)")
    if bad:
        return bad.response()
    existing = world.commands.get(scope, {})
    fresh = {}
    for command in body:
        fresh[command["name"]] = stored_command(world, scope, command, existing)
    world.commands[scope] = fresh
    return json_response(list(fresh.values()))


def _flatten(tree, path=()):
    for key, value in tree.items():
        if key == "_errors":
            yield path, value
        else:
            yield from _flatten(value, (*path, key))


async def post_command(request):
    world = request.app["world"]
    scope = scope_of(request)
    body, _ = await read_body(request)
    bad = limits.check_command(body or {}, guild_scoped=scope != "global")
    if bad:
        return bad.response()
    existing = world.commands.setdefault(scope, {})
    was = body["name"] in existing
    existing[body["name"]] = stored_command(world, scope, body, existing)
    return json_response(existing[body["name"]], status=200 if was else 201)


async def patch_command(request):
    world = request.app["world"]
    scope = scope_of(request)
    body, _ = await read_body(request)
    for name, command in world.commands.get(scope, {}).items():
        if command["id"] == request.match_info["command"]:
            command.update(body or {})
            return json_response(command)
    return not_found(10063, "Unknown application command")


async def delete_command(request):
    world = request.app["world"]
    scope = scope_of(request)
    commands = world.commands.get(scope, {})
    for name, command in list(commands.items()):
        if command["id"] == request.match_info["command"]:
            del commands[name]
            return web.Response(status=204)
    return not_found(10063, "Unknown application command")


# ---- messages and channels ----

def pings_everyone(data):
    """Discord pings @everyone/@here when the content says so and allowed_mentions does not forbid it."""
    content = data.get("content") or ""
    if "@everyone" not in content and "@here" not in content:
        return False
    allowed = data.get("allowed_mentions")
    return allowed is None or "everyone" in (allowed.get("parse") or [])


def make_message(world, channel_id, data, author=None, flags=0):
    message = {"id": new_id(), "channel_id": channel_id, "author": author or world.bot_user,
               "content": data.get("content") or "", "embeds": data.get("embeds") or [],
               "components": data.get("components") or [], "attachments": [], "mentions": [],
               "mention_roles": [], "mention_everyone": pings_everyone(data), "pinned": False, "tts": False, "type": 0,
               "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
               "edited_timestamp": None, "flags": (data.get("flags") or 0) | flags,
               "allowed_mentions": data.get("allowed_mentions")}
    if channel_id in world.channels:
        message["guild_id"] = world.channels[channel_id]["guild_id"]
    return message


def channel_or_404(world, channel_id):
    channel = world.channels.get(channel_id)
    if channel is None:
        raise _Abort(not_found(10003, "Unknown Channel"))
    return channel


def message_problems(data, require_content=True):
    checked = limits.check_message(data, require_content)
    if checked == "empty":
        return error(400, 50006, "Cannot send an empty message")
    if checked:
        return checked.response()
    return None


async def post_message(request):
    world = request.app["world"]
    channel = channel_or_404(world, request.match_info["channel"])
    data, files = await read_body(request)
    data = data or {}
    if files:
        data.setdefault("attachments", files)
    problem = message_problems(data)
    if problem is not None:
        return problem
    message = make_message(world, channel["id"], data)
    message["attachments"] = files
    world.messages[channel["id"]].append(message)
    world.message_added.set()
    world.message_added = asyncio.Event()
    return json_response(message)


async def list_messages(request):
    world = request.app["world"]
    channel = channel_or_404(world, request.match_info["channel"])
    limit = min(100, max(1, int(request.query.get("limit", "50"))))
    messages = list(reversed(world.messages[channel["id"]]))
    if "before" in request.query:
        messages = [m for m in messages if int(m["id"]) < int(request.query["before"])]
    if "after" in request.query:
        messages = [m for m in messages if int(m["id"]) > int(request.query["after"])]
    return json_response(messages[:limit])


def find_message(world, channel_id, message_id):
    for message in world.messages.get(channel_id, []):
        if message["id"] == message_id:
            return message
    raise _Abort(not_found(10008, "Unknown Message"))


async def get_message(request):
    world = request.app["world"]
    channel_or_404(world, request.match_info["channel"])
    return json_response(find_message(world, request.match_info["channel"], request.match_info["message"]))


async def patch_message(request):
    world = request.app["world"]
    channel_or_404(world, request.match_info["channel"])
    message = find_message(world, request.match_info["channel"], request.match_info["message"])
    data, _ = await read_body(request)
    problem = message_problems(data or {}, require_content=False)
    if problem is not None:
        return problem
    for key in ("content", "embeds", "components", "flags"):
        if key in (data or {}):
            message[key] = data[key]
    message["edited_timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())
    return json_response(message)


async def delete_message(request):
    world = request.app["world"]
    channel_or_404(world, request.match_info["channel"])
    message = find_message(world, request.match_info["channel"], request.match_info["message"])
    world.messages[request.match_info["channel"]].remove(message)
    return web.Response(status=204)


async def bulk_delete(request):
    world = request.app["world"]
    channel = channel_or_404(world, request.match_info["channel"])
    data, _ = await read_body(request)
    ids = (data or {}).get("messages") or []
    if not 2 <= len(ids) <= 100 or len(set(ids)) != len(ids):
        return error(400, 50035, "Invalid Form Body", {"messages": {"_errors": [
            {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 2 and 100 in length."}]}})
    world.messages[channel["id"]] = [m for m in world.messages[channel["id"]] if m["id"] not in ids]
    return web.Response(status=204)


async def get_channel(request):
    world = request.app["world"]
    return json_response(channel_or_404(world, request.match_info["channel"]))


async def guild_channels(request):
    world = request.app["world"]
    guild = world.guilds.get(request.match_info["guild"])
    if guild is None:
        return not_found(10004, "Unknown Guild")
    return json_response(guild["channels"])


async def create_channel(request):
    world = request.app["world"]
    guild = world.guilds.get(request.match_info["guild"])
    if guild is None:
        return not_found(10004, "Unknown Guild")
    data, _ = await read_body(request)
    name = (data or {}).get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        return error(400, 50035, "Invalid Form Body", {"name": {"_errors": [
            {"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}]}})
    channel = world.add_channel(guild["id"], {"name": name.lower().replace(" ", "-"), "type": data.get("type", 0),
                                              "parent_id": data.get("parent_id")})
    await world.emit("CHANNEL_CREATE", channel, guild_id=guild["id"])
    return json_response(channel, status=201)


# ---- interactions ----

def interaction_for(world, interaction_id, token):
    record = world.by_token.get(token)
    if record is None or (interaction_id is not None and record.id != interaction_id):
        raise _Abort(not_found(10062, "Unknown interaction"))
    return record


def check_callback_data(kind, data):
    if kind in (4, 7):
        return message_problems(data or {}, require_content=(kind == 4))
    if kind == 9:
        bad = limits.check_modal(data or {})
        return bad.response() if bad else None
    if kind == 8:
        bad = limits.check_choices(data or {})
        return bad.response() if bad else None
    return None


async def interaction_callback(request):
    world = request.app["world"]
    record = interaction_for(world, request.match_info["id"], request.match_info["token"])
    body, files = await read_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("type"), int):
        return error(400, 50035, "Invalid Form Body", {"type": {"_errors": [
            {"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}})
    elapsed = record.after_ms() / 1000
    if elapsed > world.settings["deadline_s"]:
        record.record("late_callback", body)
        return not_found(10062, "Unknown interaction")
    if record.initial is not None:
        record.record("duplicate_callback", body)
        return error(400, 40060, "Interaction has already been acknowledged.")
    kind = body["type"]
    if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
        return error(400, 50035, "Invalid Form Body", {"type": {"_errors": [
            {"code": "INTERACTION_RESPONSE_TYPE_INVALID",
             "message": f"Interaction response type {kind} is not allowed for interaction type {record.type}"}]}})
    data = body.get("data")
    problem = check_callback_data(kind, data)
    if problem is not None:
        record.record("rejected_callback", body)
        return problem
    event = record.record("callback", data, callback_type=kind)
    event["authorization_header"] = "Authorization" in request.headers
    if files:
        event["files"] = files  # what was uploaded: [{name, filename, size}]
    record.initial = event
    channel_id = record.payload.get("channel_id")
    if kind in (4, 5):
        flags = LOADING if kind == 5 else 0
        record.original = make_message(world, channel_id, data or {}, flags=flags)
        if not ((data or {}).get("flags", 0) & EPHEMERAL) and channel_id in world.messages:
            world.messages[channel_id].append(record.original)
    elif kind in (6, 7):
        record.original = record.payload.get("message") or make_message(world, channel_id, {})
        if kind == 7:
            for key in ("content", "embeds", "components"):
                if key in (data or {}):
                    record.original[key] = data[key]
    if request.query.get("with_response") in ("true", "True", "1"):
        resource = {"type": kind}
        if record.original is not None:
            resource["message"] = record.original
        return json_response({"interaction": {"id": record.id, "type": record.type,
                                                  "response_message_id": (record.original or {}).get("id")},
                                  "resource": resource})
    return web.Response(status=204)


def webhook_record(request):
    world = request.app["world"]
    if request.match_info["app"] != world.app_id:
        raise _Abort(not_found(10015, "Unknown Webhook"))
    record = world.by_token.get(request.match_info["token"])
    if record is None:
        raise _Abort(error(401, 50027, "Invalid Webhook Token"))
    if time.monotonic() - record.created > world.settings["token_lifetime_s"]:
        raise _Abort(error(401, 50027, "Invalid Webhook Token"))
    return world, record


async def original(request):
    world, record = webhook_record(request)
    if record.initial is None or record.original is None:
        return not_found(10008, "Unknown Message")
    if request.method == "GET":
        return json_response(record.original)
    if request.method == "DELETE":
        record.record("delete_original", None)
        return web.Response(status=204)
    data, files = await read_body(request)
    problem = message_problems(data or {}, require_content=False)
    if problem is not None:
        record.record("rejected_edit", data)
        return problem
    for key in ("content", "embeds", "components"):
        if key in (data or {}):
            record.original[key] = data[key]
    record.original["flags"] = record.original.get("flags", 0) & ~LOADING
    event = record.record("edit_original", data)
    if files:
        event["files"] = files
    return json_response(record.original)


async def followup(request):
    world, record = webhook_record(request)
    if record.initial is None:
        return not_found(10015, "Unknown Webhook")
    data, files = await read_body(request)
    problem = message_problems(data or {})
    if problem is not None:
        record.record("rejected_followup", data)
        return problem
    message = make_message(world, record.payload.get("channel_id"), data or {})
    event = record.record("followup", data)
    event["message_id"] = message["id"]
    if files:
        event["files"] = files
    record.followups = getattr(record, "followups", {})
    record.followups[message["id"]] = message
    return json_response(message)


async def followup_message(request):
    world, record = webhook_record(request)
    messages = getattr(record, "followups", {})
    message = messages.get(request.match_info["message"])
    if message is None:
        return not_found(10008, "Unknown Message")
    if request.method == "GET":
        return json_response(message)
    if request.method == "DELETE":
        del messages[message["id"]]
        record.record("delete_followup", {"id": message["id"]})
        return web.Response(status=204)
    data, _ = await read_body(request)
    problem = message_problems(data or {}, require_content=False)
    if problem is not None:
        return problem
    message.update({k: v for k, v in (data or {}).items() if k in ("content", "embeds", "components")})
    record.record("edit_followup", data)
    return json_response(message)


def add_routes(app):
    r = app.router
    base = "/api/v{version:(?:9|10)}"
    r.add_get(base + "/gateway", get_gateway)
    r.add_get(base + "/gateway/bot", get_gateway_bot)
    r.add_get(base + "/users/@me", get_me)
    r.add_get(base + "/applications/@me", get_application)
    r.add_get(base + "/oauth2/applications/@me", get_application)
    for prefix in (base + "/applications/{app}", base + "/applications/{app}/guilds/{guild}"):
        r.add_get(prefix + "/commands", list_commands)
        r.add_put(prefix + "/commands", put_commands)
        r.add_post(prefix + "/commands", post_command)
        r.add_patch(prefix + "/commands/{command}", patch_command)
        r.add_delete(prefix + "/commands/{command}", delete_command)
    r.add_post(base + "/interactions/{id}/{token}/callback", interaction_callback)
    r.add_route("*", base + "/webhooks/{app}/{token}/messages/@original", original)
    r.add_post(base + "/webhooks/{app}/{token}", followup)
    r.add_route("*", base + "/webhooks/{app}/{token}/messages/{message}", followup_message)
    r.add_post(base + "/channels/{channel}/messages", post_message)
    r.add_get(base + "/channels/{channel}/messages", list_messages)
    r.add_post(base + "/channels/{channel}/messages/bulk-delete", bulk_delete)
    r.add_get(base + "/channels/{channel}/messages/{message}", get_message)
    r.add_patch(base + "/channels/{channel}/messages/{message}", patch_message)
    r.add_delete(base + "/channels/{channel}/messages/{message}", delete_message)
    r.add_get(base + "/channels/{channel}", get_channel)
    r.add_get(base + "/guilds/{guild}/channels", guild_channels)
    r.add_post(base + "/guilds/{guild}/channels", create_channel)


__all__ = ["add_routes", "discord_rules", "route_key"]
