"""The simulator process: one aiohttp app with /api/v1 (the orchestrator) and /_sim (control),
plus the scheduler ticker."""
import asyncio
import copy
import traceback

from aiohttp import web

from . import scheduler, seeds
from .clock import SimClock
from .control import Control
from .faults import FaultBook
from .http_api import ApiHandler
from .reqlog import RequestLog
from .world import World


class Simulator:
    def __init__(self, settings, seed="demo", time_scale=1.0):
        self._startup = (copy.deepcopy(settings), seed, float(time_scale))
        self.faults = FaultBook()
        self.log = RequestLog(lambda: self.world.settings.api_key)
        self.lock = asyncio.Lock()
        self.ticks = []
        self.world = None
        self.reset(seed)

    def reset(self, seed=None):
        settings, default_seed, scale = self._startup
        self.world = World(copy.deepcopy(settings), SimClock(scale))
        seeds.apply_seed(self.world, seed or default_seed)
        self.faults.clear()
        self.log.clear()
        self.ticks = []

    def tick(self):
        try:
            report = scheduler.tick(self.world)
        except Exception as err:      # a tick must never kill the ticker
            report = {"error": f"{type(err).__name__}: {err}",
                      "traceback": traceback.format_exc(limit=6)}
        self.ticks.append(report)
        del self.ticks[:-200]
        return report

    async def run_ticker(self):
        """Tick at start-up, then every tick_period simulated seconds (0 = only on demand)."""
        self.tick()
        while True:
            period = self.world.settings.tick_period
            if period and period > 0:
                await asyncio.sleep(self.world.clock.real_seconds(period))
                if self.world.settings.tick_period > 0:
                    self.tick()
            else:
                await asyncio.sleep(0.2)


def build_app(sim):
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.add_routes(Control(sim).routes())
    api = ApiHandler(sim)
    app.router.add_route("*", "/{tail:.*}", api.handle)
    return app
