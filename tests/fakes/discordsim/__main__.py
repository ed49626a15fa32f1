"""python3 -m discordsim [--host 127.0.0.1] [--port 0] [--token TOKEN ...] [--config JSON]

Prints one JSON line with the REST, gateway and control URLs once it listens, then serves until SIGTERM
or SIGINT. Logs go to stderr."""
import argparse
import asyncio
import ipaddress
import json
import logging
import signal
import sys

from aiohttp import web

from .app import build_app, set_urls


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="discordsim", description="Discord API v10 simulator for tests")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--token", action="append", dest="tokens", help="a valid bot token (repeatable)")
    parser.add_argument("--config", default=None, help="JSON object of initial settings (see /_sim/config)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error("discordsim only binds loopback addresses")
    return args


async def serve(args):
    config = json.loads(args.config) if args.config else {}
    if args.tokens:
        config["tokens"] = args.tokens
    app = build_app(config)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, shutdown_timeout=2.0)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):  # before the line: a caller may signal right after it
        loop.add_signal_handler(signum, stop.set)
    port = runner.addresses[0][1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    sys.stdout.write(json.dumps(set_urls(app, host, port)) + "\n")
    sys.stdout.flush()
    await stop.wait()
    await runner.cleanup()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
