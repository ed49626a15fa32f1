"""The gateway v10 websocket: HELLO, IDENTIFY/RESUME checks, heartbeats, READY and GUILD_CREATE, sequence
numbers, replay on RESUME, close codes, and zlib-stream transport compression (one compressor per
connection, every payload ending in a Z_SYNC_FLUSH, optionally split over several messages or packed)."""
import asyncio
import json
import time
import zlib

from aiohttp import WSMsgType, web

from .world import KNOWN_INTENTS, PRIVILEGED_INTENTS, Session

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME, OP_RECONNECT, OP_INVALID_SESSION, OP_HELLO, OP_ACK = \
    0, 1, 2, 6, 7, 9, 10, 11
OP_PRESENCE = 3
SEND_LIMIT, SEND_WINDOW = 120, 60.0
PRESENCE_STATUSES = ("online", "dnd", "idle", "invisible", "offline")


class Connection:
    def __init__(self, world, ws, request, compress):
        self.world = world
        self.ws = ws
        self.request = request
        self.compressor = zlib.compressobj() if compress else None
        self.lock = asyncio.Lock()
        self.session = None
        self.sent_times = []
        self.closed = False
        self.close_done = None

    async def send(self, payload):
        await self.send_many([payload])

    async def send_many(self, payloads):
        if self.closed:
            return
        async with self.lock:
            texts = [json.dumps(p, separators=(",", ":")) for p in payloads]
            try:
                if self.compressor is None:
                    for text in texts:
                        await self.ws.send_str(text)
                    return
                chunks = [self.compressor.compress(t.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                          for t in texts]
                framing = self.world.framing
                messages = [b"".join(chunks)] if framing["pack"] else chunks
                for data in messages:
                    parts = max(1, int(framing["split"]))
                    step = -(-len(data) // parts)
                    for i in range(0, len(data), step):
                        await self.ws.send_bytes(data[i:i + step])
            except (ConnectionResetError, RuntimeError):
                self.closed = True

    async def close(self, code, message=""):
        """Sends a close frame with `code`. The handler task waits for this to finish before it returns,
        or aiohttp would end the socket with its own 1000 first."""
        self.closed = True
        self.close_done = asyncio.Event()
        try:
            await self.ws.close(code=code, message=message.encode())
        finally:
            self.close_done.set()

    def drop(self):
        """Ends the TCP connection without a close frame, as a network failure would."""
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    def count_send(self):
        now = time.monotonic()
        self.sent_times = [t for t in self.sent_times if now - t < SEND_WINDOW]
        self.sent_times.append(now)
        return len(self.sent_times) <= SEND_LIMIT


async def handle(world, request):
    ws = web.WebSocketResponse(autoclose=False, max_msg_size=16 * 1024 * 1024)
    await ws.prepare(request)
    compress = request.query.get("compress") == "zlib-stream"
    conn = Connection(world, ws, request, compress)
    world.counters["connections"] += 1
    if compress:
        world.counters["compressed_connections"] += 1
    if request.path.startswith("/resume"):
        world.counters["resume_connections"] += 1
    if request.query.get("v") not in (None, "10", "9"):
        await conn.close(4012, "Invalid API version")
        return ws
    world.connections.add(conn)
    await conn.send({"op": OP_HELLO, "d": {"heartbeat_interval": world.settings["heartbeat_interval"]},
                     "s": None, "t": None})
    try:
        while True:
            msg = await ws.receive()
            if msg.type == WSMsgType.CLOSE:
                world.counters["client_close_codes"].append(msg.data)
                detach(world, conn, msg.data)
                await ws.close()
                break
            if msg.type in (WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                if conn.close_done is not None:  # we are closing it ourselves: let the close frame go out
                    await asyncio.wait_for(conn.close_done.wait(), timeout=5)
                    detach(world, conn, None)
                    break
                world.counters["client_close_codes"].append(None)
                detach(world, conn, None)
                break
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                continue
            if not await on_payload(world, conn, msg.data):
                detach(world, conn, None)
                break
    finally:
        world.connections.discard(conn)
        if conn.session is not None and conn.session.conn is conn:
            detach(world, conn, None)
    return ws


def detach(world, conn, code):
    """The socket is gone: the session stays resumable unless the client closed with 1000/1001."""
    session = conn.session
    conn.closed = True
    if session is None or session.conn is not conn:
        return
    session.conn = None
    if code in (1000, 1001):
        session.invalid = True
    else:
        session.resumable_until = time.monotonic() + world.settings["resume_window_s"]


async def on_payload(world, conn, raw):
    """Returns False when the connection was closed."""
    if len(raw) > 4096:
        await conn.close(4002, "Decode error")
        return False
    if not conn.count_send():
        world.counters["gateway_sends_refused"] += 1
        await conn.close(4008, "Rate limited.")
        return False
    try:
        payload = json.loads(raw)
        op = payload["op"]
    except (ValueError, KeyError, TypeError):
        await conn.close(4002, "Decode error")
        return False
    if op == OP_HEARTBEAT:
        world.counters["heartbeats"] += 1
        if not world.no_ack:
            world.counters["acks"] += 1
            await conn.send({"op": OP_ACK})
        return True
    if op == OP_IDENTIFY:
        return await identify(world, conn, payload.get("d") or {})
    if op == OP_RESUME:
        return await resume(world, conn, payload.get("d") or {})
    if op == OP_PRESENCE:
        return await presence_update(world, conn, payload.get("d"))
    if op in (4, 8, 31, 43):
        return True  # voice, member requests: accepted and ignored
    await conn.close(4001, "Unknown opcode")
    return False


async def identify(world, conn, d):
    if conn.session is not None:
        await conn.close(4005, "Already authenticated.")
        return False
    if d.get("token") not in world.tokens:
        await conn.close(4004, "Authentication failed.")
        return False
    intents = d.get("intents")
    if not isinstance(intents, int) or intents & ~KNOWN_INTENTS:
        await conn.close(4013, "Invalid intent(s).")
        return False
    if intents & PRIVILEGED_INTENTS & ~world.settings["allowed_intents"]:
        await conn.close(4014, "Disallowed intent(s).")
        return False
    if not isinstance(d.get("properties"), dict):
        await conn.close(4001, "Unknown opcode")  # Discord rejects an IDENTIFY without properties as bad payload
        return False
    shard = d.get("shard", [0, 1])
    if (not isinstance(shard, list) or len(shard) != 2 or not all(isinstance(x, int) for x in shard)
            or shard[1] < 1 or not 0 <= shard[0] < shard[1]):
        await conn.close(4010, "Invalid shard.")
        return False
    if "presence" in d and presence_problem(d["presence"]):
        await conn.close(4002, "Decode error")
        return False
    limit = world.start_limit()
    world.counters["identifies"] += 1
    if limit["remaining"] <= 0:
        world.counters["identify_over_limit"] += 1
    else:
        limit["remaining"] -= 1
    session = Session(shard, intents)
    world.sessions[session.id] = session
    if "presence" in d:
        world.record_presence(session, 2, d["presence"])
    session.conn = conn
    conn.session = session
    guilds = world.guilds_for(session)
    await world.emit("READY", {
        "v": 10, "user": world.bot_user, "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
        "session_id": session.id, "resume_gateway_url": f"ws://127.0.0.1:{conn.request.app['port']}/resume",
        "shard": shard, "application": {"id": world.app_id, "flags": 0}, "private_channels": [],
        "relationships": [], "user_settings": {}, "presences": [], "session_type": "normal",
    }, session=session)
    for guild in guilds:
        await world.emit("GUILD_CREATE", guild, session=session)
    session.ready.set()
    for waiter in list(world.ready_waiters):
        if not waiter.done():
            waiter.set_result(session.id)
    return True


async def resume(world, conn, d):
    world.counters["resumes"] += 1
    session = world.sessions.get(d.get("session_id"))
    now = time.monotonic()
    usable = (session is not None and not session.invalid and d.get("token") in world.tokens
              and (session.conn is None or session.conn.closed)
              and (session.resumable_until is None or now <= session.resumable_until))
    if not usable:
        world.counters["invalid_sessions"] += 1
        await conn.send({"op": OP_INVALID_SESSION, "d": False})
        return True
    seq = d.get("seq")
    if not isinstance(seq, int) or seq > session.seq:
        await conn.close(4007, "Invalid seq.")
        return False
    session.conn = conn
    session.resumable_until = None
    conn.session = session
    missed = [{"op": 0, "s": s, "t": t, "d": data} for (s, t, data) in session.events if s > seq]
    if missed:
        await conn.send_many(missed)
    await world.emit("RESUMED", {}, session=session)
    return True


def presence_problem(d):
    """What is wrong with a presence object (Gateway Presence Update structure), or None. Bots may set
    activity types 0-5; a custom status (4) shows its `state` (128 characters at most)."""
    if not isinstance(d, dict):
        return "not an object"
    if "since" in d and d["since"] is not None and not isinstance(d["since"], int):
        return "since must be an integer or null"
    if not isinstance(d.get("activities"), list):
        return "activities must be an array"
    if d.get("status") not in PRESENCE_STATUSES:
        return "unknown status"
    if not isinstance(d.get("afk"), bool):
        return "afk must be a boolean"
    for activity in d["activities"]:
        if not isinstance(activity, dict) or not isinstance(activity.get("name"), str):
            return "an activity needs a name"
        if not isinstance(activity.get("type"), int) or not 0 <= activity["type"] <= 5:
            return "unknown activity type"
        state = activity.get("state")
        if state is not None and (not isinstance(state, str) or len(state) > 128):
            return "state must be a string of at most 128 characters"
    return None


async def presence_update(world, conn, d):
    """Op 3: only on an identified connection (else 4003); a malformed presence closes with 4002."""
    if conn.session is None:
        await conn.close(4003, "Not authenticated.")
        return False
    if presence_problem(d):
        await conn.close(4002, "Decode error")
        return False
    world.record_presence(conn.session, 3, d)
    return True
