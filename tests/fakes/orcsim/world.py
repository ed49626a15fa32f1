"""All simulated state in one place: settings, clock, Docker host, server folders, schedule,
plans, backups. Only the event loop thread touches it."""
import random
from dataclasses import asdict, dataclass, fields
from typing import Optional

from .catalogue import IMAGE_VERSIONS
from .clock import SimClock
from .docker import DockerHost
from .plans import PlanStore


class Crash(Exception):
    """A place where the real orchestrator raises and Flask-RESTful answers 500."""


@dataclass
class Settings:
    api_key: str = "Zu88Zu88"
    version: str = "1.3.0"
    host_dir: Optional[str] = "/opt/peon"      # HOST_DIR env; None = unset (create fails)
    backup_dir_ok: bool = True                 # False: /home/peon/backup missing, save -> 404
    compose_writable: bool = True              # False: writing docker-compose.yml fails
    single_threaded: bool = True               # one request at a time, like Werkzeug
    keep_alive: bool = False                   # Werkzeug single-threaded speaks HTTP/1.0: close
    action_pause: float = 0.0                  # sim seconds slept after PUT actions (real: 0.5)
    list_cost_per_running: float = 0.0         # sim seconds per running server on GET/PUT /servers
    tick_period: float = 30.0                  # sim seconds between scheduler ticks; 0 = manual
    boot_seconds: float = 0.0                  # game reports STARTING this long after start
    public_ip: str = "203.0.113.7"             # what game containers write to config/ip
    plans_pull_error: Optional[str] = None     # git pull failure text for PUT /plans
    name_seed: Optional[int] = None            # seed for generated server names

    def update(self, changes):
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown settings: {unknown}")
        for key, value in changes.items():
            setattr(self, key, value)

    def describe(self):
        return asdict(self)


class World:
    def __init__(self, settings, clock):
        self.settings = settings
        self.clock = clock
        self.docker = DockerHost(IMAGE_VERSIONS)
        self.folders = {}       # "game/name" (uid with dots as slashes) -> ServerFolder
        self.schedule = []      # schedule.json entries: {"server_uid", "time", "action"}
        self.plans = PlanStore()
        self.backups = []       # zips left in /home/peon/backup
        self.crashes = []       # every 500 with its reason, for tests to inspect
        self.installs = {}      # uid -> times the game files were (re)installed
        self.rng = random.Random(settings.name_seed)

    def describe(self):
        return {
            "settings": self.settings.describe(),
            "clock": self.clock.describe(),
            "docker": self.docker.describe(),
            "folders": {rel: f.describe() for rel, f in sorted(self.folders.items())},
            "schedule": [dict(e) for e in self.schedule],
            "plans": self.plans.describe(),
            "backups": list(self.backups),
            "installs": dict(self.installs),
            "crashes": list(self.crashes),
        }


def new_world(settings=None, clock=None):
    return World(settings or Settings(), clock or SimClock())
