"""A small Discord REST fake for the interaction and command-sync tests: it records every request with
its delay since injection and answers like Discord (3 s deadline, single initial response, @original only
after one, bulk overwrite of commands)."""
import asyncio
import json
import threading
import time

from aiohttp import web


class RestFake:
    """Records every answer with its delay since injection; answers like Discord does."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.events = []
        self.injected = {}
        self.responded = set()
        self.lock = threading.Lock()
        self.app_id = "1000000000000000001"

    def _delay(self, token):
        return time.monotonic() - self.injected[token]

    async def callback(self, request):
        iid, token = request.match_info["id"], request.match_info["token"]
        body = await request.json()
        delay = self._delay(token)
        with self.lock:
            if delay > 3.0:
                self.events.append({"token": token, "kind": "late_callback", "delay": delay})
                return web.json_response({"message": "Unknown interaction", "code": 10062}, status=404)
            if token in self.responded:
                return web.json_response({"message": "Interaction has already been acknowledged.", "code": 40060},
                                         status=400)
            self.responded.add(token)
            self.events.append({"token": token, "kind": "callback", "type": body["type"], "data": body.get("data"),
                                "delay": delay, "auth": request.headers.get("Authorization")})
        return web.Response(status=204)

    async def original(self, request):
        token = request.match_info["token"]
        body = await request.json()
        with self.lock:
            if token not in self.responded:
                return web.json_response({"message": "Unknown Webhook", "code": 10015}, status=404)
            self.events.append({"token": token, "kind": "edit", "data": body, "delay": self._delay(token)})
        return web.json_response({"id": "2", "content": body.get("content", "")})

    async def followup(self, request):
        token = request.match_info["token"]
        body = await request.json()
        with self.lock:
            self.events.append({"token": token, "kind": "followup", "data": body, "delay": self._delay(token)})
        return web.json_response({"id": "3", "content": body.get("content", "")})

    async def application(self, request):
        with self.lock:
            self.events.append({"token": None, "kind": "get_application", "auth": request.headers.get("Authorization")})
        return web.json_response({"id": self.app_id, "name": "peon-test", "flags": 0})

    async def put_commands(self, request):
        body = await request.json()
        with self.lock:
            self.events.append({"token": None, "kind": "put_commands", "data": body,
                                "guild": request.match_info.get("guild"), "app": request.match_info["app"],
                                "auth": request.headers.get("Authorization")})
        return web.json_response([dict(c, id=str(900 + i)) for i, c in enumerate(body)])

    def _run(self):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/api/v10/applications/@me", self.application)
        app.router.add_put("/api/v10/applications/{app}/commands", self.put_commands)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self.put_commands)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self.callback)
        app.router.add_patch("/api/v10/webhooks/{app}/{token}/messages/@original", self.original)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self.followup)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0, shutdown_timeout=1.0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self):
        threading.Thread(target=self._run, daemon=True).start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def kinds(self, kind):
        with self.lock:
            return [e for e in self.events if e["kind"] == kind]

    def of(self, token):
        with self.lock:
            return [e for e in self.events if e["token"] == token]
