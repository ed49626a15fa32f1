"""python3 -m orcsim: start one simulated orchestrator on loopback and print its URLs."""
import argparse
import asyncio
import ipaddress
import json
import signal
import sys

from aiohttp import web

from .app import Simulator, build_app
from .world import Settings


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="orcsim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--api-key", default="Zu88Zu88", help="expected X-Api-Key")
    parser.add_argument("--version", default="1.3.0", help="reported by GET /orchestrator")
    parser.add_argument("--seed", default="demo", choices=["demo", "empty"])
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="real seconds per simulated second (0.01 = 100x faster)")
    parser.add_argument("--tick-period", type=float, default=30.0,
                        help="simulated seconds between scheduler ticks (0 = only via control)")
    parser.add_argument("--action-pause", type=float, default=0.0,
                        help="simulated seconds slept after PUT actions (the real code: 0.5)")
    parser.add_argument("--name-seed", type=int, default=None,
                        help="seed for generated server names")
    args = parser.parse_args(argv)
    host = "127.0.0.1" if args.host == "localhost" else args.host
    try:
        if not ipaddress.ip_address(host).is_loopback:
            parser.error("--host must be a loopback address")
    except ValueError:
        parser.error("--host must be an IP address")
    if args.time_scale <= 0:
        parser.error("--time-scale must be > 0")
    args.host = host
    return args


async def serve(args):
    settings = Settings(api_key=args.api_key, version=args.version,
                        tick_period=args.tick_period, action_pause=args.action_pause,
                        name_seed=args.name_seed)
    sim = Simulator(settings, seed=args.seed, time_scale=args.time_scale)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):     # before the URL line: no early-signal race
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(build_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, shutdown_timeout=0.5)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    sys.stdout.write(json.dumps({"url": base, "api": f"{base}/api/v1",
                                 "control": f"{base}/_sim"}) + "\n")
    sys.stdout.flush()

    ticker = asyncio.create_task(sim.run_ticker())
    try:
        await stop.wait()
    finally:
        ticker.cancel()
        sim.faults.release("drop")      # hung requests must not delay the exit
        await runner.cleanup()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:     # SIGINT before the loop was ready
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
