"""Entry point: binds 127.0.0.1, prints one JSON line with the URLs, serves until SIGTERM/SIGINT."""
import argparse
import asyncio
import json
import signal
import sys

from aiohttp import web

from . import control, gateway, rest
from .ratelimit import RateLimits
from .world import World

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GfakeX.peon-test-token-never-valid-0123456789"


def build_app(token):
    app = web.Application(middlewares=[rest.discord_rules], client_max_size=32 * 1024 * 1024)
    app["token"] = token  # what a reset goes back to
    app["world"] = World(token)
    app["ratelimits"] = RateLimits()

    async def ws_handler(request):
        return await gateway.handle(request.app["world"], request)

    app.router.add_get("/", ws_handler)
    app.router.add_get("/resume", ws_handler)
    rest.add_routes(app)
    control.add_routes(app)
    return app


async def serve(args):
    app = build_app(args.token)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, shutdown_timeout=1.0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    app["port"] = port
    base = f"http://{args.host}:{port}"
    print(json.dumps({"rest": f"{base}/api/v10", "gateway": f"ws://{args.host}:{port}/",
                      "control": f"{base}/_sim", "port": port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for conn in list(app["world"].connections):
        conn.drop()
    await runner.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fakediscord", description="Discord API v10 simulator for tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fakediscord binds loopback only")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
