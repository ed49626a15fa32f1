"""Snowflake ids as Discord makes them: milliseconds since 2015 in the top bits, a counter below."""
import itertools
import threading
import time

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count()
_lock = threading.Lock()


def new_id(at_ms=None):
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    with _lock:
        increment = next(_counter) & 0xFFF
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (1 << 12) | increment)


def created_ms(snowflake):
    return (int(snowflake) >> 22) + DISCORD_EPOCH_MS
