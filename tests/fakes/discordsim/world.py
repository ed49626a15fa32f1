"""The simulated Discord world: configuration, the bot, guilds/channels/roles/members, messages, counters.

Everything lives in one asyncio loop, so plain dicts are enough; `touch()` wakes every long-poll waiter
after a change and waiters re-check their own condition.
"""
import asyncio
import copy
import datetime
import time

from .commands import CommandStore
from .errors import ApiError, unknown, UNKNOWN_CHANNEL, UNKNOWN_GUILD, UNKNOWN_MESSAGE
from .snowflake import SnowflakeFactory

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 51) - 1
# VIEW_CHANNEL|SEND_MESSAGES|MANAGE_MESSAGES|EMBED_LINKS|ATTACH_FILES|READ_MESSAGE_HISTORY|
# USE_EXTERNAL_EMOJIS|USE_APPLICATION_COMMANDS|SEND_MESSAGES_IN_THREADS plus MANAGE_CHANNELS.
DEFAULT_BOT_PERMISSIONS = 277025778688 | 16
EVERYONE_PERMISSIONS = 1024 | 2048 | 65536 | 16384 | 32768 | (1 << 31) | (1 << 6)
PRIVILEGED_INTENTS = 2 | 256 | 32768
TEXT_TYPES = (0, 5, 10, 11, 12)

DEFAULT_GUILDS = [{
    "name": "PEON Test",
    "roles": [{"name": "Admin", "permissions": str(ADMINISTRATOR)},
              {"name": "Player", "permissions": "0"}],
    "channels": [{"name": "peon", "type": 0, "topic": "PEON control channel"},
                 {"name": "game-servers", "type": 4},
                 {"name": "valheim-bob", "type": 0, "parent": "game-servers"},
                 {"name": "minecraft-alice", "type": 0, "parent": "game-servers"},
                 {"name": "general", "type": 0}],
}]
DEFAULT_USERS = [{"username": "bob", "roles": ["Player"]},
                 {"username": "alice", "roles": ["Admin"]}]

DEFAULT_CONFIG = {
    "tokens": ["discordsim-token"],
    "bot_name": "peon-test",
    "application_name": "PEON",
    "allowed_intents": PRIVILEGED_INTENTS,      # privileged intents "enabled in the portal"
    "heartbeat_interval": 41250,                 # ms, sent in HELLO
    "heartbeat_timeout": None,                   # ms without a heartbeat before closing; None = 1.5 x interval + 1 s, 0 = off
    "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 86400000, "max_concurrency": 1},
    "identify_spacing": 5.0,                     # seconds per max_concurrency IDENTIFYs; 0 = unchecked
    "resume_window": 300.0,                      # seconds a dropped session stays resumable
    "gateway_send_limit": {"count": 120, "window": 60.0},
    "shards": 1,                                 # recommended count in /gateway/bot
    "required_shards": None,                     # IDENTIFY with fewer shards gets 4011
    "interaction_deadline": 3.0,                 # seconds for the initial response
    "token_lifetime": 900.0,                     # seconds @original/followups keep working
    "global_limit": {"limit": 50, "window": 1.0},
    "default_bucket": {"limit": 1000, "window": 1.0},
    "buckets": {},                               # "METHOD /template": {limit, window, bucket?, scope?}
    "daily_command_creates": 200,
    "max_chat_commands": 100,
    "followup_edits_loading": True,              # legacy: first followup after a defer edits the loading message
    "serial_field": "sim_serial",                # top-level key carrying the sim-wide dispatch number; None = off
    "guilds": DEFAULT_GUILDS,
    "users": DEFAULT_USERS,
}


def iso_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def new_counters():
    return {
        "connections": 0, "disconnects": 0, "connections_by_path": {}, "compressed_connections": 0,
        "identifies": 0, "identify_rejections": 0, "resumes": 0, "resume_failures": 0,
        "heartbeats_received": 0, "heartbeat_acks_sent": 0, "heartbeat_requests_sent": 0,
        "dispatches_emitted": 0, "dispatches_sent": 0, "dispatches_replayed": 0,
        "invalid_sessions_sent": 0, "reconnects_sent": 0, "ready_sent": 0,
        "client_close_codes": [], "last_client_close_code": None, "server_close_codes": [],
        "drops": 0, "token_resets": 0, "gateway_messages_received": 0,
        "rest": {"requests": {}, "statuses": {}, "ratelimited": {"user": 0, "global": 0, "shared": 0, "cloudflare": 0},
                 "invalid_requests": 0, "faults_served": 0, "hangs": 0},
        "interactions_injected": 0, "interaction_callbacks": 0, "late_callbacks": 0, "duplicate_callbacks": 0,
    }


class World:
    def __init__(self, config=None):
        self.base_config = copy.deepcopy(DEFAULT_CONFIG)
        self.base_config.update(copy.deepcopy(config or {}))
        self._waiters = []
        self.urls = {}
        self.gateway = None  # set by the gateway module
        self.reset()

    # ---------------------------------------------------------------------------------------------------
    # lifecycle

    def reset(self):
        self.config = copy.deepcopy(self.base_config)
        self.ids = SnowflakeFactory()
        self.application_id = self.ids.next()
        self.bot_user = {"id": self.application_id, "username": self.config["bot_name"], "discriminator": "0000",
                         "global_name": None, "avatar": None, "bot": True, "verified": True, "flags": 0,
                         "mfa_enabled": False, "email": None, "public_flags": 0}
        self.revoked_tokens = set()
        self.counters = new_counters()
        self.commands = CommandStore(self.ids, self.application_id, self.config)
        self.messages = {}          # channel id -> {message id -> message} (insertion = creation order)
        self.message_index = {}     # message id -> message (also ephemeral ones)
        self.interactions = {}      # id -> Interaction
        self.interactions_by_token = {}
        self.attachment_data = {}   # attachment id -> uploaded bytes
        self.start_limit_reset_at = time.monotonic() + self.config["session_start_limit"]["reset_after"] / 1000
        self._build_users(self.config["users"])
        self._build_guilds(self.config["guilds"])
        self.touch()

    def apply_config(self, changes):
        """Partial update; guilds/users rebuild the world's guilds, session_start_limit restarts its window."""
        for key, value in changes.items():
            if key not in DEFAULT_CONFIG:
                raise ValueError(f"unknown setting {key!r}")
            if isinstance(DEFAULT_CONFIG[key], dict) and key not in ("buckets",) and isinstance(value, dict):
                self.config[key] = dict(self.config[key], **value)
            else:
                self.config[key] = copy.deepcopy(value)
        if "session_start_limit" in changes:
            self.start_limit_reset_at = time.monotonic() + self.config["session_start_limit"]["reset_after"] / 1000
        if "tokens" in changes:
            self.revoked_tokens -= set(self.config["tokens"])
        if "users" in changes or "guilds" in changes:
            self._build_users(self.config["users"])
            self._build_guilds(self.config["guilds"])
        if "bot_name" in changes:
            self.bot_user["username"] = self.config["bot_name"]
        self.touch()

    @staticmethod
    def now_ms():
        return time.time() * 1000

    # ---------------------------------------------------------------------------------------------------
    # waiting

    def touch(self):
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    async def wait_until(self, predicate, timeout):
        """Returns predicate()'s first truthy value, or None after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            future = loop.create_future()
            self._waiters.append(future)
            try:
                await asyncio.wait_for(future, min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass  # re-check: time-based conditions (expiry) change without a touch()

    # ---------------------------------------------------------------------------------------------------
    # tokens and session starts

    def token_valid(self, token):
        return token in self.config["tokens"] and token not in self.revoked_tokens

    def session_start_limit(self):
        limit = self.config["session_start_limit"]
        now = time.monotonic()
        if now >= self.start_limit_reset_at:
            limit["remaining"] = limit["total"]
            self.start_limit_reset_at = now + 86400.0
        return {"total": limit["total"], "remaining": limit["remaining"],
                "reset_after": max(0, int((self.start_limit_reset_at - now) * 1000)),
                "max_concurrency": limit["max_concurrency"]}

    def consume_session_start(self):
        """False when none are left: the caller then revokes the token, as Discord does."""
        if self.session_start_limit()["remaining"] <= 0:
            return False
        self.config["session_start_limit"]["remaining"] -= 1
        return True

    # ---------------------------------------------------------------------------------------------------
    # users, guilds, channels

    def _build_users(self, specs):
        self.users = {}
        self.user_roles = {}  # user id -> role names
        for spec in specs:
            user_id = str(spec.get("id") or self.ids.next())
            self.users[user_id] = {"id": user_id, "username": spec["username"], "discriminator": "0",
                                   "global_name": spec.get("global_name", spec["username"].title()),
                                   "avatar": None, "public_flags": 0, "flags": 0, "bot": False}
            self.user_roles[user_id] = list(spec.get("roles", []))

    def _build_guilds(self, specs):
        self.guilds = {}
        self.channels = {}
        for spec in specs:
            guild_id = str(spec.get("id") or self.ids.next())
            roles = [{"id": guild_id, "name": "@everyone", "permissions": str(spec.get("everyone_permissions",
                                                                                          EVERYONE_PERMISSIONS)),
                      "position": 0}]
            for position, role in enumerate(spec.get("roles", []), start=1):
                roles.append({"id": str(role.get("id") or self.ids.next()), "name": role["name"],
                              "permissions": str(role.get("permissions", "0")), "position": position})
            for role in roles:
                role.update({"color": 0, "hoist": False, "icon": None, "unicode_emoji": None, "managed": False,
                             "mentionable": False, "flags": 0})
            guild = {"id": guild_id, "name": spec["name"], "roles": roles, "channel_ids": [],
                     "bot_permissions": int(spec.get("bot_permissions", DEFAULT_BOT_PERMISSIONS)),
                     "joined_at": iso_now(), "locale": spec.get("locale", "en-US")}
            self.guilds[guild_id] = guild
            by_name = {}
            for position, channel_spec in enumerate(spec.get("channels", [])):
                parent = channel_spec.get("parent")
                channel = self.make_channel(guild_id, channel_spec, position,
                                            parent_id=by_name[parent]["id"] if parent in by_name else None)
                by_name[channel["name"]] = channel
        self.messages = {cid: self.messages.get(cid, {}) for cid in self.channels}

    def make_channel(self, guild_id, spec, position, parent_id=None):
        kind = spec.get("type", 0)
        channel = {"id": str(spec.get("id") or self.ids.next()), "type": kind, "guild_id": guild_id,
                   "name": spec["name"], "position": spec.get("position", position), "parent_id": parent_id,
                   "permission_overwrites": spec.get("permission_overwrites", []), "flags": 0, "nsfw": False}
        if kind in TEXT_TYPES:
            channel.update({"topic": spec.get("topic"), "last_message_id": None, "rate_limit_per_user": 0})
        if kind in (2, 13):
            channel.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
        if spec.get("bot_permissions") is not None:
            channel["_bot_permissions"] = int(spec["bot_permissions"])
        self.channels[channel["id"]] = channel
        self.guilds[guild_id]["channel_ids"].append(channel["id"])
        self.messages.setdefault(channel["id"], {})
        return channel

    @staticmethod
    def public_channel(channel):
        return {k: v for k, v in channel.items() if not k.startswith("_")}

    def guild(self, guild_id):
        guild = self.guilds.get(str(guild_id))
        if guild is None:
            raise unknown(UNKNOWN_GUILD)
        return guild

    def channel(self, channel_id):
        channel = self.channels.get(str(channel_id))
        if channel is None:
            raise unknown(UNKNOWN_CHANNEL)
        return channel

    def find_guild(self, ref=None):
        """A guild by id or name; the first one when ref is None."""
        if ref is None:
            return next(iter(self.guilds.values()))
        for guild in self.guilds.values():
            if str(ref) in (guild["id"], guild["name"]):
                return guild
        raise KeyError(f"no guild {ref!r}")

    def find_channel(self, ref=None, guild=None):
        """A channel by id or name; defaults to the guild's first text channel (the control channel)."""
        guild = guild or self.find_guild()
        for channel_id in guild["channel_ids"]:
            channel = self.channels[channel_id]
            if ref is None and channel["type"] in TEXT_TYPES:
                return channel
            if ref is not None and str(ref) in (channel["id"], channel["name"]):
                return channel
        if ref is not None and str(ref) in self.channels:
            return self.channels[str(ref)]
        raise KeyError(f"no channel {ref!r}")

    def find_user(self, ref=None):
        if ref is None:
            return next(iter(self.users.values()))
        for user in self.users.values():
            if str(ref) in (user["id"], user["username"]):
                return user
        raise KeyError(f"no user {ref!r}")

    def role_ids(self, guild, user_id):
        names = self.user_roles.get(user_id, [])
        return [r["id"] for r in guild["roles"] if r["name"] in names or r["id"] in names]

    def member_permissions(self, guild, user_id):
        perms = 0
        wanted = set(self.role_ids(guild, user_id)) | {guild["id"]}
        for role in guild["roles"]:
            if role["id"] in wanted:
                perms |= int(role["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def member(self, guild, user_id, *, with_user=True, permissions=None):
        member = {"roles": self.role_ids(guild, user_id), "nick": None, "avatar": None, "premium_since": None,
                  "joined_at": guild["joined_at"], "pending": False, "mute": False, "deaf": False, "flags": 0,
                  "communication_disabled_until": None}
        if with_user:
            member["user"] = dict(self.users[user_id])
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def bot_permissions(self, channel):
        if "_bot_permissions" in channel:
            return channel["_bot_permissions"]
        perms = self.guilds[channel["guild_id"]]["bot_permissions"]
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def require_bot_permission(self, channel, bits):
        perms = self.bot_permissions(channel)
        if not perms & 1024:
            raise ApiError(403, 50001, "Missing Access")
        if perms & bits != bits:
            raise ApiError(403, 50013, "Missing Permissions")

    def guild_create_payload(self, guild):
        channels = [self.public_channel(self.channels[c]) for c in guild["channel_ids"]]
        for channel in channels:
            channel.pop("guild_id", None)  # GUILD_CREATE channels carry no guild_id
        members = [self.member(guild, uid) for uid in self.users]
        members.append({"user": dict(self.bot_user), "roles": [], "nick": None, "avatar": None,
                        "premium_since": None, "joined_at": guild["joined_at"], "pending": False,
                        "mute": False, "deaf": False, "flags": 0, "communication_disabled_until": None})
        return {
            "id": guild["id"], "name": guild["name"], "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": next(iter(self.users), self.bot_user["id"]), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [dict(r) for r in guild["roles"]], "emojis": [], "stickers": [], "features": [],
            "mfa_level": 0, "application_id": None, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None, "banner": None,
            "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": guild["locale"],
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
            "max_members": 500000, "max_video_channel_users": 25, "safety_alerts_channel_id": None,
            "joined_at": guild["joined_at"], "large": False, "unavailable": False,
            "member_count": len(members), "voice_states": [], "members": members, "channels": channels,
            "threads": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [], "lazy": True,
        }

    # ---------------------------------------------------------------------------------------------------
    # messages

    def make_message(self, channel_id, fields, *, author=None, msg_type=0, attachments=(), extra=None):
        message = {
            "id": self.ids.next(), "type": msg_type, "channel_id": str(channel_id),
            "author": dict(author or self.bot_user), "content": fields.get("content") or "",
            "timestamp": iso_now(), "edited_timestamp": None, "tts": bool(fields.get("tts", False)),
            "mention_everyone": False, "mentions": [], "mention_roles": [], "mention_channels": [],
            "attachments": list(attachments), "embeds": [dict(e, type="rich") for e in fields.get("embeds") or []],
            "components": list(fields.get("components") or []), "pinned": False, "flags": fields.get("flags", 0),
        }
        if fields.get("message_reference"):
            message["message_reference"] = fields["message_reference"]
        message.update(extra or {})
        self.message_index[message["id"]] = message
        return message

    def store_in_channel(self, message):
        channel = self.channels.get(message["channel_id"])
        self.messages.setdefault(message["channel_id"], {})[message["id"]] = message
        if channel is not None:
            channel["last_message_id"] = message["id"]
        self.dispatch_message("MESSAGE_CREATE", message)
        self.touch()

    def edit_message(self, message, fields, attachments=None):
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in fields:
                message[key] = ([dict(e, type="rich") for e in fields[key]] if key == "embeds" else fields[key])
        if attachments is not None:
            message["attachments"] = attachments
        message.pop("allowed_mentions", None)
        message["edited_timestamp"] = iso_now()
        if message["id"] in self.messages.get(message["channel_id"], {}):
            self.dispatch_message("MESSAGE_UPDATE", message)
        self.touch()

    def delete_message(self, message):
        in_channel = self.messages.get(message["channel_id"], {}).pop(message["id"], None)
        self.message_index.pop(message["id"], None)
        if in_channel is not None:
            data = {"id": message["id"], "channel_id": message["channel_id"]}
            guild_id = self.channels.get(message["channel_id"], {}).get("guild_id")
            if guild_id:
                data["guild_id"] = guild_id
            self.dispatch_event("MESSAGE_DELETE", data, guild_id=guild_id, intent=512)
        self.touch()

    def channel_message(self, channel_id, message_id):
        message = self.messages.get(str(channel_id), {}).get(str(message_id))
        if message is None:
            raise unknown(UNKNOWN_MESSAGE)
        return message

    def dispatch_message(self, event, message):
        channel = self.channels.get(message["channel_id"])
        data = dict(message)
        if channel is not None:
            data["guild_id"] = channel["guild_id"]
            if message["author"]["id"] in self.users:
                data["member"] = self.member(self.guilds[channel["guild_id"]], message["author"]["id"],
                                             with_user=False)
        bot_id = self.bot_user["id"]

        def without_content(session, payload):
            # MESSAGE_CONTENT is privileged: without it, others' messages arrive with empty content
            # unless they mention the bot.
            if (session.intents & 32768 or payload["author"]["id"] == bot_id
                    or f"<@{bot_id}>" in payload.get("content", "")):
                return payload
            return dict(payload, content="", embeds=[], attachments=[], components=[])

        self.dispatch_event(event, data, guild_id=data.get("guild_id"), intent=512, transform=without_content)

    def dispatch_event(self, event, data, *, guild_id=None, intent=None, transform=None):
        if self.gateway is not None:
            self.gateway.dispatch(event, data, guild_id=guild_id, intent=intent, transform=transform)
