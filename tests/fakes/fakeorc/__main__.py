"""Entry point: binds 127.0.0.1, prints one JSON line with the URLs, serves until SIGTERM/SIGINT."""
import argparse
import asyncio
import json
import signal
import sys

from aiohttp import web

from . import api, control


def build_app(api_key, version, seed):
    app = web.Application(middlewares=[api.orchestrator_rules])
    app["sim"] = control.Sim(api_key, version, seed)
    api.add_routes(app)
    control.add_routes(app)
    return app


async def serve(args):
    app = build_app(args.api_key, args.version, args.seed)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, shutdown_timeout=0.5)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = f"http://{args.host}:{port}"
    ticker = asyncio.create_task(control.run_ticker(app, args.tick_period))
    print(json.dumps({"url": base, "api": f"{base}/api/v1", "control": f"{base}/_sim", "port": port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    ticker.cancel()
    await runner.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fakeorc", description="PEON orchestrator API v1 simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="Zu88Zu88")
    parser.add_argument("--version", default="1.3.0")
    parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
    parser.add_argument("--tick-period", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fakeorc binds loopback only")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
