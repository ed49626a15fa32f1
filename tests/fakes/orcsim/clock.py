"""Simulated wall clock.

One simulated second lasts `scale` real seconds (scale 0.01 makes a 120 s update take
1.2 s and lets the clock run 100x faster). Tests can also freeze the clock and move it by hand.
"""
import time


class SimClock:
    def __init__(self, scale=1.0, start=None):
        if scale <= 0:
            raise ValueError("time scale must be > 0")
        self._scale = float(scale)
        self._frozen = False
        self._base_sim = time.time() if start is None else float(start)
        self._base_real = time.monotonic()

    def _rebase(self):
        self._base_sim = self.now()
        self._base_real = time.monotonic()

    def now(self):
        if self._frozen:
            return self._base_sim
        return self._base_sim + (time.monotonic() - self._base_real) / self._scale

    def now_int(self):
        return int(self.now())

    @property
    def scale(self):
        return self._scale

    def set_scale(self, scale):
        if scale <= 0:
            raise ValueError("time scale must be > 0")
        self._rebase()
        self._scale = float(scale)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self, frozen):
        self._rebase()
        self._frozen = bool(frozen)

    def advance(self, seconds):
        self._rebase()
        self._base_sim += float(seconds)

    def set(self, epoch):
        self._base_sim = float(epoch)
        self._base_real = time.monotonic()

    def real_seconds(self, sim_seconds):
        """How long a simulated duration lasts in real time."""
        return max(0.0, float(sim_seconds)) * self._scale

    def describe(self):
        return {"now": self.now(), "time_scale": self._scale, "frozen": self._frozen}
