"""Discord snowflakes: 42 bits of milliseconds since 2015-01-01, then worker, process and a counter."""
import time

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeFactory:
    """Makes strictly increasing ids that still decode to the current time."""

    def __init__(self, worker=1, process=0):
        self._prefix_bits = ((worker & 0x1F) << 17) | ((process & 0x1F) << 12)
        self._last = 0

    def at_ms(self, epoch_ms):
        candidate = ((int(epoch_ms) - DISCORD_EPOCH_MS) << 22) | self._prefix_bits
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return str(candidate)

    def next(self):
        return self.at_ms(time.time() * 1000)


def timestamp_ms(snowflake):
    return (int(snowflake) >> 22) + DISCORD_EPOCH_MS
