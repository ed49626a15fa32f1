"""Raw clients for checking discordsim's rules without any Discord library in between: a tiny REST
caller on http.client (so headers are exactly what the test sets) and an aiohttp gateway client that
keeps the zlib-stream bytes visible."""
import asyncio
import http.client
import json
import urllib.parse
import zlib

import aiohttp

UA = "DiscordBot (https://github.com/peon-bot, 1.0)"
SYNC = b"\x00\x00\xff\xff"


class Reply:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        ctype = headers.get("Content-Type", "")
        self.json = json.loads(raw) if raw and ctype == "application/json" else None

    def __repr__(self):
        return f"<Reply {self.status} {self.raw[:300]!r}>"


def rest(sim, method, path, body=None, *, token=True, user_agent=UA, headers=None, raw=None, content_type=None):
    """One request to the simulator's REST base; token=True uses the simulator's token, a str another one."""
    url = urllib.parse.urlsplit(sim.rest + path)
    out = {}
    if user_agent:
        out["User-Agent"] = user_agent
    if token:
        out["Authorization"] = f"Bot {sim.token if token is True else token}"
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        out["Content-Type"] = "application/json"
    if content_type is not None:
        out["Content-Type"] = content_type
    out.update(headers or {})
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        connection.request(method, target, body=data, headers=out)
        response = connection.getresponse()
        return Reply(response.status, {k: v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def multipart(payload, files):
    """(body bytes, content type) with payload_json and files[n] parts, as Discord expects."""
    boundary = "discordsimtestboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n'
             f"Content-Type: application/json\r\n\r\n{json.dumps(payload)}\r\n".encode()]
    for index, (name, data) in enumerate(files):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files[{index}]"; filename="{name}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def error_codes(tree, path=()):
    """Flattens Discord's nested `errors` into {"a.0.b": ["CODE", ...]}."""
    out = {}
    for key, value in tree.items():
        if key == "_errors":
            out[".".join(path)] = [e["code"] for e in value]
        else:
            out.update(error_codes(value, path + (key,)))
    return out


class Closed(Exception):
    def __init__(self, code):
        super().__init__(f"closed with {code}")
        self.code = code


class RawGateway:
    """One gateway connection. recv() returns decoded payloads; frames keeps the raw websocket messages."""

    def __init__(self, sim, path="/", compress=True, query=None):
        base = sim.gateway.rstrip("/")
        params = {"v": "10", "encoding": "json"}
        if compress:
            params["compress"] = "zlib-stream"
        params.update(query or {})
        self.url = f"{base}{path}?{urllib.parse.urlencode(params)}"
        self.compress = compress
        self.frames = []
        self.pending = []
        self.buffer = bytearray()
        self.inflater = zlib.decompressobj()
        self.session = None
        self.ws = None
        self.seq = None

    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(self.url, autoclose=False, max_msg_size=0)
        return self

    async def __aexit__(self, *exc):
        if not self.ws.closed:
            await self.ws.close(code=1000)
        await self.session.close()

    async def recv(self, timeout=5):
        while not self.pending:
            msg = await self.ws.receive(timeout=timeout)
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.frames.append(msg.data)
                self.buffer += msg.data
                if not self.buffer.endswith(SYNC):
                    continue
                text = self.inflater.decompress(bytes(self.buffer)).decode()
                self.buffer.clear()
                decoder = json.JSONDecoder()
                position = 0
                while position < len(text):  # several payloads may share one message
                    payload, position = decoder.raw_decode(text, position)
                    self.pending.append(payload)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                self.frames.append(msg.data)
                self.pending.append(json.loads(msg.data))
            elif msg.type == aiohttp.WSMsgType.CLOSE:
                await self.ws.close()
                raise Closed(msg.data)
            else:
                raise Closed(self.ws.close_code)
        payload = self.pending.pop(0)
        if payload.get("s") is not None:
            self.seq = payload["s"]
        return payload

    async def recv_until(self, predicate, timeout=5):
        """Payloads up to and including the first one matching predicate."""
        seen = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            payload = await self.recv(timeout=max(0.01, deadline - loop.time()))
            seen.append(payload)
            if predicate(payload):
                return seen

    async def dispatch(self, event, timeout=5):
        return (await self.recv_until(lambda p: p.get("t") == event, timeout))[-1]

    async def expect_close(self, timeout=5):
        """Reads until the server closes; returns the close code."""
        try:
            while True:
                await self.recv(timeout=timeout)
        except Closed as closed:
            return closed.code

    async def send(self, payload):
        await self.ws.send_str(payload if isinstance(payload, str) else json.dumps(payload))

    async def hello(self):
        payload = await self.recv()
        assert payload["op"] == 10, payload
        return payload

    async def identify(self, sim, *, token=None, intents=513, shard=None, **extra):
        data = {"token": token or sim.token, "intents": intents,
                "properties": {"os": "linux", "browser": "peon-test", "device": "peon-test"}}
        if shard is not None:
            data["shard"] = shard
        data.update(extra)
        await self.send({"op": 2, "d": data})

    async def login(self, sim, **identify):
        """HELLO, IDENTIFY, READY and the GUILD_CREATEs; returns (ready, guild_creates)."""
        await self.hello()
        await self.identify(sim, **identify)
        ready = await self.dispatch("READY")
        guilds = []
        for _ in ready["d"]["guilds"] if identify.get("intents", 513) & 1 else []:
            guilds.append(await self.dispatch("GUILD_CREATE"))
        return ready, guilds

    def drop(self):
        """Loses the TCP connection without a close frame."""
        self.ws._response.connection.transport.abort()


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))
