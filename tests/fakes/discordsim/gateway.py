"""Gateway v10 over aiohttp websockets: HELLO, IDENTIFY/RESUME rules and close codes, READY and
GUILD_CREATE, heartbeats, per-session sequence numbers with replay on RESUME, zlib-stream framing and the
faults tests ask for.

Each connection has one writer task fed by an outbox, so payload order is the order of dispatch and
faults (close, drop) take effect after what was queued before them.
"""
import asyncio
import collections
import json
import logging
import secrets
import time

from aiohttp import WSMsgType, web

from .framing import ZlibStream, split_message
from .world import PRIVILEGED_INTENTS

log = logging.getLogger("discordsim.gateway")

KNOWN_INTENTS = (1 << 17) - 1 | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25)
GUILDS_INTENT = 1
# Close codes after which Discord wants a new IDENTIFY: the session is gone.
SESSION_ENDING_CODES = {4003, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014}
CLOSE_REASONS = {
    4000: "Unknown error.", 4001: "Unknown opcode.", 4002: "Decode error.", 4003: "Not authenticated.",
    4004: "Authentication failed.", 4005: "Already authenticated.", 4007: "Invalid seq.",
    4008: "Rate limited.", 4009: "Session timed out.", 4010: "Invalid shard.", 4011: "Sharding required.",
    4012: "Invalid API version.", 4013: "Invalid intent(s).", 4014: "Disallowed intent(s).",
}
MAX_PAYLOAD = 4096
LOG_LIMIT = 20000  # dispatches kept per session for replay


def _dump(payload):
    return json.dumps(payload, separators=(",", ":"))


class LogEntry:
    __slots__ = ("seq", "serial", "event", "text", "sends", "interaction_id")

    def __init__(self, seq, serial, event, text, interaction_id=None):
        self.seq, self.serial, self.event, self.text = seq, serial, event, text
        self.sends = 0
        self.interaction_id = interaction_id


class Session:
    def __init__(self, token, intents, shard):
        self.id = secrets.token_hex(16)
        self.token = token
        self.intents = intents
        self.shard = shard            # (id, count) or None
        self.seq = 0
        self.log = []
        self.connection = None
        self.state = "active"         # active | resumable | dead
        self.resumable_until = None
        self.ready_written = False
        self.ready_seq = None         # seq of the last GUILD_CREATE (or READY): "ready" once written
        self.created = time.monotonic()

    def routes_guild(self, guild_id):
        """Discord's sharding formula; events without a guild go to shard 0."""
        if self.shard is None:
            return True
        if guild_id is None:
            return self.shard[0] == 0
        return (int(guild_id) >> 22) % self.shard[1] == self.shard[0]

    def alive(self):
        if self.state == "resumable" and time.monotonic() > self.resumable_until:
            self.state = "dead"
        return self.state != "dead"

    def summary(self):
        return {"session_id": self.id, "state": self.state if self.alive() else "dead", "seq": self.seq,
                "intents": self.intents, "shard": list(self.shard) if self.shard else None,
                "connected": self.connection is not None, "ready": self.ready_written,
                "dispatches": [{"seq": e.seq, "serial": e.serial, "t": e.event, "sends": e.sends}
                               for e in self.log]}


class Connection:
    def __init__(self, ws, transport, path, compress):
        self.ws = ws
        self.transport = transport
        self.path = path
        self.stream = ZlibStream() if compress else None
        self.outbox = collections.deque()
        self.wake = asyncio.Event()
        self.session = None
        self.sends = collections.deque()
        self.last_heartbeat = time.monotonic()
        self.server_close_code = None
        self.client_close_code = None
        self.finished = False

    def put(self, item):
        if not self.finished:
            self.outbox.append(item)
            self.wake.set()


class Gateway:
    def __init__(self, world):
        self.world = world
        world.gateway = self
        self.sessions = {}
        self.connections = set()
        self.serial = 0
        self.framing = {"split": 1, "pack": 1}
        self.acks_enabled = True
        self.identify_times = collections.defaultdict(list)  # rate_limit_key -> monotonic times

    # ---------------------------------------------------------------------------------------------------
    # websocket endpoint

    async def handle(self, request):
        query = request.query
        compress = query.get("compress") or None
        ws = web.WebSocketResponse(max_msg_size=1 << 20, autoclose=True, autoping=True, timeout=3.0)
        transport = request.transport
        await ws.prepare(request)
        conn = Connection(ws, transport, request.path, compress == "zlib-stream")
        counters = self.world.counters
        counters["connections"] += 1
        counters["connections_by_path"][request.path] = counters["connections_by_path"].get(request.path, 0) + 1
        if conn.stream:
            counters["compressed_connections"] += 1
        self.connections.add(conn)
        writer = asyncio.create_task(self._writer(conn))
        watchdog = asyncio.create_task(self._heartbeat_watchdog(conn))
        try:
            problem = self._query_problem(query)
            if problem:
                self._close(conn, problem[0], problem[1])
            else:
                interval = self.world.config["heartbeat_interval"]
                conn.put(("payload", _dump({"op": 10, "d": {"heartbeat_interval": interval,
                                                             "_trace": ["[\"discordsim\"]"]},
                                            "s": None, "t": None}), None))
            await self._read_loop(conn)
        finally:
            conn.finished = True
            watchdog.cancel()
            conn.wake.set()
            try:
                await asyncio.wait_for(writer, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                writer.cancel()
            self._detach(conn)
            self.connections.discard(conn)
            self.world.counters["disconnects"] += 1
            self.world.touch()
        return ws

    @staticmethod
    def _query_problem(query):
        if query.get("v") not in ("9", "10"):
            return 4012, "Invalid API version."
        if query.get("encoding", "json") != "json":
            return 4002, "discordsim supports encoding=json only."
        if query.get("compress") not in (None, "", "zlib-stream"):
            return 4002, "discordsim supports compress=zlib-stream only."
        return None

    async def _read_loop(self, conn):
        ws = conn.ws
        while True:
            msg = await ws.receive()
            if msg.type == WSMsgType.TEXT:
                await self._on_text(conn, msg.data)
            elif msg.type == WSMsgType.BINARY:
                self._close(conn, 4002, "Binary frames are not JSON.")
            elif msg.type == WSMsgType.CLOSE:
                if conn.server_close_code is None:
                    conn.client_close_code = msg.data
                    self.world.counters["client_close_codes"].append(msg.data)
                    self.world.counters["last_client_close_code"] = msg.data
                return
            else:  # CLOSING (we are closing), CLOSED or ERROR (transport gone)
                return

    def _detach(self, conn):
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        ended_by_client = conn.client_close_code in (1000, 1001)
        ended_by_server = conn.server_close_code in SESSION_ENDING_CODES
        if ended_by_client or ended_by_server or session.state == "dead":
            session.state = "dead"
            self.sessions.pop(session.id, None)
        else:
            session.state = "resumable"
            session.resumable_until = time.monotonic() + self.world.config["resume_window"]

    # ---------------------------------------------------------------------------------------------------
    # writing

    async def _writer(self, conn):
        loop = asyncio.get_running_loop()
        try:
            while True:
                while not conn.outbox:
                    if conn.finished:
                        return
                    conn.wake.clear()
                    await conn.wake.wait()
                item = conn.outbox.popleft()
                kind = item[0]
                if kind == "payload":
                    batch = [item]
                    pack = self.framing["pack"] if conn.stream else 1
                    deadline = loop.time() + 0.1
                    while len(batch) < pack:
                        if conn.outbox:
                            if conn.outbox[0][0] != "payload":
                                break
                            batch.append(conn.outbox.popleft())
                            continue
                        remaining = deadline - loop.time()
                        if remaining <= 0:
                            break
                        conn.wake.clear()
                        try:
                            await asyncio.wait_for(conn.wake.wait(), remaining)
                        except asyncio.TimeoutError:
                            break
                    await self._write(conn, batch)
                elif kind == "close":
                    await conn.ws.close(code=item[1], message=item[2].encode()[:120])
                    return
                elif kind == "drop":
                    self.world.counters["drops"] += 1
                    if conn.transport is not None:
                        conn.transport.abort()
                    return
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            return
        except Exception:  # a writer bug must not hang the connection silently
            log.exception("gateway writer failed")
            if conn.transport is not None:
                conn.transport.abort()

    async def _write(self, conn, batch):
        texts = [item[1] for item in batch]
        if conn.stream:
            data = conn.stream.encode(texts)
            for chunk in split_message(data, self.framing["split"]):
                await conn.ws.send_bytes(chunk)
        else:
            for text in texts:
                await conn.ws.send_str(text)
        for item in batch:
            entry = item[2]
            if entry is not None:
                self._on_dispatch_written(conn, entry)

    def _on_dispatch_written(self, conn, entry):
        counters = self.world.counters
        counters["dispatches_sent"] += 1
        entry.sends += 1
        if entry.sends > 1:
            counters["dispatches_replayed"] += 1
        if entry.event == "READY":
            counters["ready_sent"] += 1
        session = conn.session
        if session is not None and session.ready_seq is not None and entry.seq >= session.ready_seq:
            session.ready_written = True
        if entry.interaction_id is not None:
            interaction = self.world.interactions.get(entry.interaction_id)
            if interaction is not None and interaction.sent_at is None:
                interaction.sent_at = time.monotonic()
        self.world.touch()

    def _close(self, conn, code, reason=None):
        if conn.server_close_code is None:
            conn.server_close_code = code
            self.world.counters["server_close_codes"].append(code)
        conn.put(("close", code, reason or CLOSE_REASONS.get(code, "")))

    # ---------------------------------------------------------------------------------------------------
    # reading

    async def _on_text(self, conn, text):
        counters = self.world.counters
        counters["gateway_messages_received"] += 1
        if conn.server_close_code is not None:
            return  # already closing: ignore what is still in flight
        now = time.monotonic()
        limit = self.world.config["gateway_send_limit"]
        conn.sends.append(now)
        while conn.sends and conn.sends[0] < now - limit["window"]:
            conn.sends.popleft()
        if len(conn.sends) > limit["count"]:
            return self._close(conn, 4008)
        if len(text.encode("utf-8")) > MAX_PAYLOAD:
            return self._close(conn, 4002, "Payload too large.")
        try:
            payload = json.loads(text)
        except ValueError:
            return self._close(conn, 4002)
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            return self._close(conn, 4002)
        op = payload["op"]
        if op == 1:
            self._on_heartbeat(conn)
        elif op == 2:
            self._on_identify(conn, payload.get("d"))
        elif op == 6:
            self._on_resume(conn, payload.get("d"))
        elif op in (3, 4, 8, 31, 43):
            if conn.session is None:
                self._close(conn, 4003)
            # presence, voice, member and channel-info requests are accepted and ignored
        else:
            self._close(conn, 4001)

    def _on_heartbeat(self, conn):
        self.world.counters["heartbeats_received"] += 1
        conn.last_heartbeat = time.monotonic()
        if self.acks_enabled:
            self.world.counters["heartbeat_acks_sent"] += 1
            conn.put(("payload", _dump({"op": 11, "d": None, "s": None, "t": None}), None))
        self.world.touch()

    def _identify_problem(self, conn, d):
        world = self.world
        if conn.session is not None:
            return 4005
        if not isinstance(d, dict):
            return 4001
        if not world.token_valid(d.get("token")):
            return 4004
        intents = d.get("intents")
        if isinstance(intents, bool) or not isinstance(intents, int) or intents < 0 or intents & ~KNOWN_INTENTS:
            return 4013
        if intents & PRIVILEGED_INTENTS & ~world.config["allowed_intents"]:
            return 4014
        props = d.get("properties")
        if not isinstance(props, dict) or not all(isinstance(props.get(k), str) for k in ("os", "browser", "device")):
            return 4001
        shard = d.get("shard")
        if shard is not None:
            if (not isinstance(shard, list) or len(shard) != 2 or not all(isinstance(x, int) for x in shard)
                    or shard[1] < 1 or not 0 <= shard[0] < shard[1]):
                return 4010
        required = world.config["required_shards"]
        if required and (shard[1] if shard else 1) < required:
            return 4011
        threshold = d.get("large_threshold")
        if threshold is not None and (not isinstance(threshold, int) or not 50 <= threshold <= 250):
            return 4001
        return None

    def _on_identify(self, conn, d):
        world = self.world
        problem = self._identify_problem(conn, d)
        if problem:
            world.counters["identify_rejections"] += 1
            return self._close(conn, problem)
        shard = tuple(d["shard"]) if d.get("shard") is not None else None
        if not self._identify_slot_free(shard):
            # Too many IDENTIFYs for this max_concurrency bucket in the window: Discord answers op 9.
            world.counters["identify_rejections"] += 1
            return self._invalid_session(conn, False)
        if not world.consume_session_start():
            # Out of session starts: Discord resets the token and ends every session using it.
            token = d["token"]
            world.revoked_tokens.add(token)
            world.counters["token_resets"] += 1
            for other in list(self.connections):
                if other.session is not None and other.session.token == token:
                    self._close(other, 4004)
            return self._close(conn, 4004)
        world.counters["identifies"] += 1
        session = Session(d["token"], d["intents"], shard)
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        self._send_ready(session)

    def _identify_slot_free(self, shard):
        spacing = self.world.config["identify_spacing"]
        if not spacing:
            return True
        concurrency = max(1, self.world.config["session_start_limit"]["max_concurrency"])
        key = (shard[0] if shard else 0) % concurrency
        now = time.monotonic()
        times = [t for t in self.identify_times[key] if t > now - spacing]
        if times:
            self.identify_times[key] = times
            return False
        self.identify_times[key] = [now]
        return True

    def _send_ready(self, session):
        world = self.world
        guilds = [g for g in world.guilds.values() if session.routes_guild(g["id"])]
        ready = {
            "v": 10, "user_settings": {}, "user": dict(world.bot_user),
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": session.id, "session_type": "normal",
            "resume_gateway_url": world.urls.get("resume_gateway", ""),
            "application": {"id": world.application_id, "flags": self.application_flags()},
            "private_channels": [], "relationships": [], "presences": [], "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"], "auth": {}, "_trace": ["[\"discordsim\"]"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        last = self._emit(session, "READY", ready)
        if session.intents & GUILDS_INTENT:
            for guild in guilds:
                last = self._emit(session, "GUILD_CREATE", world.guild_create_payload(guild))
        session.ready_seq = last.seq

    def application_flags(self):
        # GATEWAY_PRESENCE_LIMITED, GATEWAY_GUILD_MEMBERS_LIMITED, GATEWAY_MESSAGE_CONTENT_LIMITED
        allowed = self.world.config["allowed_intents"]
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for intent, flag in ((256, 1 << 13), (2, 1 << 15), (32768, 1 << 19)):
            if allowed & intent:
                flags |= flag
        return flags

    def _on_resume(self, conn, d):
        world = self.world
        if conn.session is not None:
            return self._close(conn, 4005)
        if not isinstance(d, dict) or not isinstance(d.get("session_id"), str):
            return self._close(conn, 4001)
        if not world.token_valid(d.get("token")):
            return self._close(conn, 4004)
        session = self.sessions.get(d["session_id"])
        seq = d.get("seq") or 0
        if session is None or not session.alive() or session.token != d["token"] or not isinstance(seq, int):
            world.counters["resume_failures"] += 1
            return self._invalid_session(conn, False)
        if seq > session.seq:
            return self._close(conn, 4007)
        if session.log and seq < session.log[0].seq - 1:
            world.counters["resume_failures"] += 1
            return self._invalid_session(conn, False)
        old = session.connection
        if old is not None:
            old.session = None  # a zombie socket: hand the session over, then close the old one
            self._close(old, 4000, "Session resumed elsewhere.")
        session.connection = conn
        session.state = "active"
        conn.session = session
        for entry in session.log:
            if entry.seq > seq:
                conn.put(("payload", entry.text, entry))
        world.counters["resumes"] += 1
        self._emit(session, "RESUMED", {"_trace": ["[\"discordsim\"]"]})
        world.touch()

    def _invalid_session(self, conn, resumable):
        self.world.counters["invalid_sessions_sent"] += 1
        conn.put(("payload", _dump({"op": 9, "d": bool(resumable), "s": None, "t": None}), None))
        if not resumable and conn.session is not None:
            session = conn.session
            session.state = "dead"
            self.sessions.pop(session.id, None)
            session.connection = None
            conn.session = None

    async def _heartbeat_watchdog(self, conn):
        """Closes a connection that stopped heartbeating; the session stays resumable (close 4000)."""
        while True:
            config = self.world.config
            timeout = config["heartbeat_timeout"]
            if timeout is None:
                timeout = config["heartbeat_interval"] * 1.5 + 1000
            if not timeout:
                await asyncio.sleep(0.5)
                continue
            due = conn.last_heartbeat + timeout / 1000
            now = time.monotonic()
            if now >= due:
                self._close(conn, 4000, "Heartbeat timeout.")
                return
            await asyncio.sleep(min(due - now, 0.5))

    # ---------------------------------------------------------------------------------------------------
    # dispatching

    def next_serial(self):
        self.serial += 1
        return self.serial

    def _emit(self, session, event, data, interaction_id=None):
        session.seq += 1
        serial = self.next_serial()
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        serial_field = self.world.config["serial_field"]
        if serial_field:
            payload[serial_field] = serial
        text = _dump(payload)
        entry = LogEntry(session.seq, serial, event, text, interaction_id)
        session.log.append(entry)
        if len(session.log) > LOG_LIMIT:
            del session.log[: len(session.log) - LOG_LIMIT]
        self.world.counters["dispatches_emitted"] += 1
        if session.connection is not None:
            session.connection.put(("payload", text, entry))
        return entry

    def live_sessions(self):
        return [s for s in list(self.sessions.values()) if s.alive()]

    def dispatch(self, event, data, *, guild_id=None, intent=None, session_id=None, transform=None):
        """Sends a dispatch to every live session that should see it; returns [(session id, serial, seq)]."""
        out = []
        for session in self.live_sessions():
            if session_id is not None and session.id != session_id:
                continue
            if session_id is None and not session.routes_guild(guild_id):
                continue
            if intent is not None and not session.intents & intent:
                continue
            entry = self._emit(session, event, transform(session, data) if transform else data)
            out.append({"session_id": session.id, "serial": entry.serial, "seq": entry.seq})
        return out

    def pick_session(self, guild_id, session_id=None):
        """The one session an interaction goes to: the newest connected one for the guild's shard."""
        candidates = [s for s in self.live_sessions() if session_id in (None, s.id) and s.routes_guild(guild_id)]
        candidates.sort(key=lambda s: (s.connection is not None, s.created))
        return candidates[-1] if candidates else None

    def dispatch_interaction(self, session, payload):
        return self._emit(session, "INTERACTION_CREATE", payload, interaction_id=payload["id"])

    # ---------------------------------------------------------------------------------------------------
    # faults and raw sends (control API)

    def targets(self, session_id=None):
        conns = [c for c in self.connections if not c.finished]
        if session_id is not None:
            conns = [c for c in conns if c.session is not None and c.session.id == session_id]
        return conns

    def fault(self, action, *, session_id=None, code=None, reason=None, resumable=None):
        conns = self.targets(session_id)
        counters = self.world.counters
        if action == "stop_acks":
            self.acks_enabled = False
        elif action == "resume_acks":
            self.acks_enabled = True
        for conn in conns:
            if action == "close":
                self._close(conn, int(code), reason)
            elif action == "drop":
                conn.put(("drop",))
            elif action == "reconnect":
                counters["reconnects_sent"] += 1
                conn.put(("payload", _dump({"op": 7, "d": None, "s": None, "t": None}), None))
            elif action == "invalid_session":
                self._invalid_session(conn, bool(resumable))
            elif action == "heartbeat_request":
                counters["heartbeat_requests_sent"] += 1
                conn.put(("payload", _dump({"op": 1, "d": None, "s": None, "t": None}), None))
            elif action not in ("stop_acks", "resume_acks"):
                raise ValueError(f"unknown gateway fault {action!r}")
        return len(conns)

    def send_raw(self, text, session_id=None):
        conns = self.targets(session_id)
        for conn in conns:
            conn.put(("payload", text, None))
        return len(conns)

    async def reset(self):
        """Drops every connection (no close frame: quick and certain) and forgets all sessions."""
        for conn in list(self.connections):
            conn.session = None
            conn.put(("drop",))
        for _ in range(100):
            if not self.connections:
                break
            await asyncio.sleep(0.02)
        self.sessions.clear()
        self.serial = 0
        self.framing = {"split": 1, "pack": 1}
        self.acks_enabled = True
        self.identify_times.clear()

    async def shutdown(self):
        for conn in list(self.connections):
            self._close(conn, 1001, "Simulator stopping.")
        for _ in range(50):
            if not self.connections:
                return
            await asyncio.sleep(0.02)
