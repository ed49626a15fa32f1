"""REST routes for the gateway URL, the bot user and application, guild channels and channel messages."""
from .bodies import read_body
from .errors import ApiError, FormErrors, json_response
from .snowflake import timestamp_ms
from .validate import CHANNEL_MESSAGE_FLAGS, check_message, check_text, message_is_empty
from .world import TEXT_TYPES

VIEW_CHANNEL, SEND_MESSAGES, MANAGE_MESSAGES, ATTACH_FILES, READ_HISTORY, MANAGE_CHANNELS = (
    1024, 2048, 8192, 32768, 65536, 16)
TWO_WEEKS_MS = 14 * 24 * 3600 * 1000
CREATABLE_CHANNEL_TYPES = (0, 2, 4, 5, 13, 15, 16)


def make_attachments(world, channel_id, files, declared=None):
    """Attachment objects for uploaded files[n]; `declared` is the body's attachments list (descriptions)."""
    by_index = {}
    for item in declared or []:
        if isinstance(item, dict) and str(item.get("id", "")).isdigit() and int(item["id"]) < 1000:
            by_index[int(item["id"])] = item
    out = []
    for upload in sorted(files, key=lambda f: f["index"]):
        attachment_id = world.ids.next()
        meta = by_index.get(upload["index"], {})
        filename = meta.get("filename") or upload["filename"]
        world.attachment_data[attachment_id] = upload["data"]
        attachment = {"id": attachment_id, "filename": filename, "size": len(upload["data"]),
                      "url": f"{world.urls.get('cdn', '')}/attachments/{channel_id}/{attachment_id}/{filename}",
                      "proxy_url": f"{world.urls.get('cdn', '')}/attachments/{channel_id}/{attachment_id}/{filename}",
                      "content_type": upload["content_type"]}
        if meta.get("description"):
            attachment["description"] = meta["description"]
        out.append(attachment)
    return out


def kept_attachments(existing, declared):
    """On edit, `attachments` lists which existing attachments stay (by id)."""
    keep = {str(a.get("id")) for a in declared or [] if isinstance(a, dict)}
    return [a for a in existing if a["id"] in keep]


class CoreRoutes:
    def __init__(self, world):
        self.world = world

    def routes(self):
        return [
            ("GET", "/gateway", self.get_gateway, False),
            ("GET", "/gateway/bot", self.get_gateway_bot, True),
            ("GET", "/users/@me", self.get_me, True),
            ("GET", "/users/{user_id}", self.get_user, True),
            ("GET", "/applications/@me", self.get_application, True),
            ("GET", "/oauth2/applications/@me", self.get_application, True),
            ("GET", "/guilds/{guild_id}", self.get_guild, True),
            ("GET", "/guilds/{guild_id}/roles", self.get_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member, True),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels, True),
            ("POST", "/guilds/{guild_id}/channels", self.create_guild_channel, True),
            ("GET", "/channels/{channel_id}", self.get_channel, True),
            ("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete, True),
            ("GET", "/channels/{channel_id}/messages", self.list_messages, True),
            ("POST", "/channels/{channel_id}/messages", self.create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message, True),
        ]

    # -- gateway, user, application
    async def get_gateway(self, request):
        return json_response(200, {"url": self.world.urls["gateway_bot"]})

    async def get_gateway_bot(self, request):
        world = self.world
        return json_response(200, {"url": world.urls["gateway_bot"], "shards": world.config["shards"],
                                   "session_start_limit": world.session_start_limit()})

    async def get_me(self, request):
        return json_response(200, self.world.bot_user)

    async def get_user(self, request):
        user_id = request.match_info["user_id"]
        if user_id == self.world.bot_user["id"]:
            return json_response(200, self.world.bot_user)
        user = self.world.users.get(user_id)
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(200, user)

    async def get_application(self, request):
        world = self.world
        owner = next(iter(world.users.values()), world.bot_user)
        return json_response(200, {
            "id": world.application_id, "name": world.config["application_name"], "icon": None,
            "description": "", "summary": "", "type": None, "hook": True, "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": world.gateway.application_flags(),
            "owner": owner, "team": None, "rpc_origins": [], "tags": [], "bot": world.bot_user,
            "approximate_guild_count": len(world.guilds), "interactions_endpoint_url": None,
            "redirect_uris": [], "install_params": {"scopes": ["bot", "applications.commands"],
                                                    "permissions": "277025778704"},
        })

    # -- guilds and channels
    async def get_guild(self, request):
        guild = self.world.guild(request.match_info["guild_id"])
        payload = self.world.guild_create_payload(guild)
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large",
                    "member_count", "stage_instances", "guild_scheduled_events", "soundboard_sounds", "lazy"):
            payload.pop(key, None)
        return json_response(200, payload)

    async def get_roles(self, request):
        guild = self.world.guild(request.match_info["guild_id"])
        return json_response(200, guild["roles"])

    async def get_member(self, request):
        guild = self.world.guild(request.match_info["guild_id"])
        user_id = request.match_info["user_id"]
        if user_id not in self.world.users:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(200, self.world.member(guild, user_id))

    async def get_guild_channels(self, request):
        world = self.world
        guild = world.guild(request.match_info["guild_id"])
        return json_response(200, [world.public_channel(world.channels[c]) for c in guild["channel_ids"]])

    async def create_guild_channel(self, request):
        world = self.world
        guild = world.guild(request.match_info["guild_id"])
        body, _ = await read_body(request)
        errors = FormErrors()
        name = check_text(errors, ("name",), body.get("name") if isinstance(body, dict) else None, 100, low=1,
                          required=True)
        kind = body.get("type", 0) if isinstance(body, dict) else 0
        if kind not in CREATABLE_CHANNEL_TYPES:
            errors.choices(("type",), list(CREATABLE_CHANNEL_TYPES))
        if isinstance(body, dict):
            check_text(errors, ("topic",), body.get("topic"), 1024)
            parent_id = body.get("parent_id")
            if parent_id is not None:
                parent = world.channels.get(str(parent_id))
                if parent is None or parent["guild_id"] != guild["id"] or parent["type"] != 4 or kind == 4:
                    errors.add(("parent_id",), "CHANNEL_PARENT_INVALID", "Not a category")
        errors.raise_if_any()
        if not guild["bot_permissions"] & (MANAGE_CHANNELS | 8):
            raise ApiError(403, 50013, "Missing Permissions")
        if len(guild["channel_ids"]) >= 500:
            raise ApiError(400, 30013, "Maximum number of guild channels reached (500)")
        if kind in (0, 5):
            name = "-".join(name.lower().split())  # Discord's text channel name normalisation
        spec = {"name": name, "type": kind, "topic": body.get("topic"),
                "permission_overwrites": body.get("permission_overwrites") or []}
        if body.get("position") is not None:
            spec["position"] = body["position"]
        channel = world.make_channel(guild["id"], spec, len(guild["channel_ids"]),
                                     parent_id=str(body["parent_id"]) if body.get("parent_id") else None)
        public = world.public_channel(channel)
        world.dispatch_event("CHANNEL_CREATE", public, guild_id=guild["id"], intent=1)
        world.touch()
        return json_response(201, public)

    async def get_channel(self, request):
        channel = self.world.channel(request.match_info["channel_id"])
        return json_response(200, self.world.public_channel(channel))

    # -- messages
    def _text_channel(self, request):
        channel = self.world.channel(request.match_info["channel_id"])
        if channel["type"] not in TEXT_TYPES:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        return channel

    async def create_message(self, request):
        world = self.world
        channel = self._text_channel(request)
        body, files = await read_body(request, multipart=True)
        errors = FormErrors()
        fields = check_message(errors, (), body, allowed_flags=CHANNEL_MESSAGE_FLAGS, partial=True)
        errors.raise_if_any()
        if message_is_empty(fields, len(files)):
            raise ApiError(400, 50006, "Cannot send an empty message")
        world.require_bot_permission(channel, VIEW_CHANNEL | SEND_MESSAGES | (ATTACH_FILES if files else 0))
        reference = fields.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id") and reference.get("fail_if_not_exists", True):
            if str(reference["message_id"]) not in world.messages.get(channel["id"], {}):
                raise ApiError(400, 50035, "Invalid Form Body", {"message_reference": {"_errors": [
                    {"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]}})
        message = world.make_message(channel["id"], fields, msg_type=19 if reference else 0,
                                     attachments=make_attachments(world, channel["id"], files,
                                                                  fields.get("attachments")))
        world.store_in_channel(message)
        return json_response(200, message)

    async def list_messages(self, request):
        world = self.world
        channel = world.channel(request.match_info["channel_id"])
        world.require_bot_permission(channel, VIEW_CHANNEL)
        query = request.query
        try:
            limit = int(query.get("limit", 50))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            errors = FormErrors()
            errors.add(("limit",), "NUMBER_TYPE_MAX" if limit > 100 else "NUMBER_TYPE_MIN",
                       "int value should be between 1 and 100.")
            errors.raise_if_any()
        if not world.bot_permissions(channel) & READ_HISTORY:
            return json_response(200, [])
        messages = list(world.messages.get(channel["id"], {}).values())  # oldest first
        if query.get("around"):
            pivot = int(query["around"])
            messages.sort(key=lambda m: abs(int(m["id"]) - pivot))
            picked = sorted(messages[:limit], key=lambda m: int(m["id"]), reverse=True)
            return json_response(200, picked)
        if query.get("before"):
            messages = [m for m in messages if int(m["id"]) < int(query["before"])]
        if query.get("after"):
            messages = [m for m in messages if int(m["id"]) > int(query["after"])]
            return json_response(200, list(reversed(messages[:limit])))
        return json_response(200, list(reversed(messages))[:limit])

    async def get_message(self, request):
        world = self.world
        channel = world.channel(request.match_info["channel_id"])
        world.require_bot_permission(channel, VIEW_CHANNEL | READ_HISTORY)
        return json_response(200, world.channel_message(channel["id"], request.match_info["message_id"]))

    async def edit_message(self, request):
        world = self.world
        channel = world.channel(request.match_info["channel_id"])
        message = world.channel_message(channel["id"], request.match_info["message_id"])
        body, files = await read_body(request, multipart=True)
        if message["author"]["id"] != world.bot_user["id"]:
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        errors = FormErrors()
        fields = check_message(errors, (), body, allowed_flags=CHANNEL_MESSAGE_FLAGS, partial=True)
        errors.raise_if_any()
        attachments = None
        if "attachments" in fields or files:
            kept = (kept_attachments(message["attachments"], fields.get("attachments"))
                    if "attachments" in fields else list(message["attachments"]))
            attachments = kept + make_attachments(world, channel["id"], files, fields.get("attachments"))
        merged = dict(message, **{k: v for k, v in fields.items() if k in ("content", "embeds", "components")})
        if attachments is not None:
            merged["attachments"] = attachments
        if message_is_empty(merged):
            raise ApiError(400, 50006, "Cannot send an empty message")
        world.edit_message(message, fields, attachments)
        return json_response(200, message)

    async def delete_message(self, request):
        world = self.world
        channel = world.channel(request.match_info["channel_id"])
        message = world.channel_message(channel["id"], request.match_info["message_id"])
        if message["author"]["id"] != world.bot_user["id"]:
            world.require_bot_permission(channel, VIEW_CHANNEL | MANAGE_MESSAGES)
        world.delete_message(message)
        return json_response(204, None)

    async def bulk_delete(self, request):
        world = self.world
        channel = world.channel(request.match_info["channel_id"])
        body, _ = await read_body(request)
        ids = body.get("messages") if isinstance(body, dict) else None
        errors = FormErrors()
        if ids is None:
            errors.required(("messages",))
        elif not isinstance(ids, list):
            errors.bad_type(("messages",), "array")
        elif not 2 <= len(ids) <= 100:
            errors.bad_length(("messages",), 2, 100)
        elif len({str(i) for i in ids}) != len(ids):
            errors.add(("messages",), "BASE_TYPE_DUPLICATES", "Duplicate values are not allowed.")
        errors.raise_if_any()
        world.require_bot_permission(channel, VIEW_CHANNEL | MANAGE_MESSAGES)
        now_ms = world.now_ms()
        if any(now_ms - timestamp_ms(i) > TWO_WEEKS_MS for i in ids):
            raise ApiError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        deleted = []
        for message_id in ids:
            message = world.messages.get(channel["id"], {}).pop(str(message_id), None)
            if message is not None:
                world.message_index.pop(message["id"], None)
                deleted.append(message["id"])
        if deleted:
            world.dispatch_event("MESSAGE_DELETE_BULK", {"ids": deleted, "channel_id": channel["id"],
                                                          "guild_id": channel["guild_id"]},
                                 guild_id=channel["guild_id"], intent=512)
        world.touch()
        return json_response(204, None)
