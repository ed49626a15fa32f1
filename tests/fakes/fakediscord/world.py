"""Everything the simulated Discord knows: the bot, its guilds, commands, messages, gateway sessions and
interactions, plus the settings tests change. One instance per simulator process; all access happens on
the simulator's asyncio loop."""
import asyncio
import time
import uuid

from .snowflake import new_id

PRIVILEGED_INTENTS = 2 | 256 | 32768
KNOWN_INTENTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) \
    | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 20) \
    | (1 << 21) | (1 << 24) | (1 << 25)


def default_settings():
    return {
        "heartbeat_interval": 41250,
        "deadline_s": 3.0,
        "token_lifetime_s": 900.0,
        "resume_window_s": 120.0,
        "allowed_intents": KNOWN_INTENTS,      # privileged ones too unless a test narrows it
        "shards": 1,                            # recommended count in /gateway/bot
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 86400000, "max_concurrency": 1},
        "max_global_commands": 100,
    }


class Session:
    def __init__(self, shard, intents):
        self.id = uuid.uuid4().hex
        self.shard = shard                      # [id, count]
        self.intents = intents
        self.seq = 0
        self.events = []                        # (seq, name, data) for replay
        self.conn = None
        self.invalid = False
        self.resumable_until = None
        self.ready = asyncio.Event()
        self.presence = None                    # the latest presence set on this session


class Interaction:
    def __init__(self, payload):
        self.payload = payload
        self.id = payload["id"]
        self.token = payload["token"]
        self.type = payload["type"]
        self.created = time.monotonic()
        self.dispatched_at = None
        self.initial = None                     # {"type", "data", "after_ms"}
        self.original = None                    # the message @original refers to
        self.events = []                        # every answer in order: {"kind", "type"?, "data", "after_ms"}
        self.changed = asyncio.Event()

    def after_ms(self):
        start = self.dispatched_at if self.dispatched_at is not None else self.created
        return round((time.monotonic() - start) * 1000, 1)

    def record(self, kind, data, callback_type=None):
        event = {"kind": kind, "data": data, "after_ms": self.after_ms()}
        if callback_type is not None:
            event["type"] = callback_type
        self.events.append(event)
        self.changed.set()
        self.changed = asyncio.Event()
        return event

    def summary(self):
        return {"id": self.id, "token": self.token, "type": self.type, "initial": self.initial,
                "events": self.events, "dispatched": self.dispatched_at is not None,
                # the id of the message @original is (a channel message unless ephemeral), once there is one
                "original_id": (self.original or {}).get("id")}


class World:
    def __init__(self, token, app_id=None):
        self.settings = default_settings()
        self.limit_reset_at = time.monotonic() + self.settings["session_start_limit"]["reset_after"] / 1000
        self.tokens = {token}
        self.app_id = app_id or new_id()
        self.bot_user = {"id": self.app_id, "username": "peon-test", "discriminator": "0", "global_name": None,
                         "avatar": None, "bot": True, "flags": 0}
        self.guilds = {}
        self.channels = {}
        self.messages = {}                      # channel id -> [message]
        self.commands = {}                      # "global" or guild id -> {name: command}
        self.command_creates = 0
        self.sessions = {}
        self.interactions = {}
        self.by_token = {}
        self.counters = {"connections": 0, "compressed_connections": 0, "identifies": 0, "resumes": 0, "resume_connections": 0,
                         "heartbeats": 0, "acks": 0, "dispatches": 0, "client_close_codes": [],
                         "invalid_sessions": 0, "identify_over_limit": 0, "missing_user_agent": 0,
                         "gateway_sends_refused": 0}
        self.no_ack = False
        self.framing = {"split": 1, "pack": False}
        self.ready_waiters = []
        self.connections = set()
        self.message_added = asyncio.Event()
        self.presences = []                     # every presence the bot set: IDENTIFY's and op 3's
        self.add_guild("PEON Test")

    # ---- guilds and channels ----
    def add_guild(self, name, channels=None, roles=None):
        gid = new_id()
        category = {"id": new_id(), "type": 4, "name": "game-servers", "parent_id": None}
        defaults = [
            {"id": new_id(), "type": 0, "name": "peon", "parent_id": None},
            category,
            {"id": new_id(), "type": 0, "name": "valheim-bob", "parent_id": category["id"]},
            {"id": new_id(), "type": 0, "name": "palworld-alice", "parent_id": category["id"]},
        ]
        guild = {
            "id": gid, "name": name, "icon": None, "owner_id": new_id(), "member_count": 3, "large": False,
            "joined_at": "2026-01-01T00:00:00.000000+00:00", "unavailable": False, "features": [], "emojis": [],
            "stickers": [], "threads": [], "stage_instances": [], "guild_scheduled_events": [], "voice_states": [],
            "presences": [], "members": [], "premium_tier": 0, "preferred_locale": "en-US", "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "system_channel_flags": 0, "max_members": 500000,
            "roles": roles or [
                {"id": gid, "name": "@everyone", "permissions": "2248473465835073", "position": 0, "color": 0,
                 "hoist": False, "managed": False, "mentionable": False, "flags": 0},
                {"id": new_id(), "name": "Admins", "permissions": "8", "position": 2, "color": 15158332,
                 "hoist": True, "managed": False, "mentionable": False, "flags": 0},
                {"id": new_id(), "name": "Players", "permissions": "2248473465835073", "position": 1,
                 "color": 3066993, "hoist": False, "managed": False, "mentionable": True, "flags": 0},
            ],
            "channels": [],
        }
        self.guilds[gid] = guild
        for spec in channels or defaults:
            self.add_channel(gid, spec)
        return guild

    def add_channel(self, guild_id, spec):
        channel = {"id": spec.get("id") or new_id(), "type": spec.get("type", 0), "name": spec["name"],
                   "parent_id": spec.get("parent_id"), "guild_id": guild_id, "position": len(self.channels),
                   "permission_overwrites": [], "nsfw": False, "topic": None, "last_message_id": None,
                   "rate_limit_per_user": 0}
        self.channels[channel["id"]] = channel
        self.guilds[guild_id]["channels"].append(channel)
        self.messages.setdefault(channel["id"], [])
        return channel

    def first_guild(self):
        return next(iter(self.guilds.values()))

    def channel_named(self, name):
        for channel in self.channels.values():
            if channel["name"] == name:
                return channel
        return None

    # ---- gateway ----
    def start_limit(self):
        """session_start_limit as of now: the window refills `total` starts once reset_after has passed."""
        limit = self.settings["session_start_limit"]
        now = time.monotonic()
        if now >= self.limit_reset_at:
            limit["remaining"] = limit["total"]
            self.limit_reset_at = now + 86400
        limit["reset_after"] = int((self.limit_reset_at - now) * 1000)
        return limit

    def shard_of(self, guild_id, count):
        return (int(guild_id) >> 22) % count if guild_id else 0

    def guilds_for(self, session):
        shard_id, count = session.shard
        return [g for g in self.guilds.values() if self.shard_of(g["id"], count) == shard_id]

    async def emit(self, name, data, guild_id=None, session=None):
        """Dispatches an event to every session whose shard owns the guild (or to one session)."""
        targets = [session] if session else [
            s for s in self.sessions.values()
            if not s.invalid and self.shard_of(guild_id, s.shard[1]) == s.shard[0]]
        for s in targets:
            s.seq += 1
            s.events.append((s.seq, name, data))
            if len(s.events) > 20000:
                del s.events[:10000]
            self.counters["dispatches"] += 1
            if s.conn is not None:
                await s.conn.send({"op": 0, "s": s.seq, "t": name, "d": data})
        return len(targets)

    def record_presence(self, session, op, presence):
        self.presences.append({"op": op, "session": session.id, "shard": session.shard, "d": presence,
                               "at": time.time()})
        session.presence = presence

    # ---- interactions ----
    def add_interaction(self, payload):
        record = Interaction(payload)
        self.interactions[record.id] = record
        self.by_token[record.token] = record
        return record
