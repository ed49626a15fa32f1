"""Auto-stop scheduling (schedule.json) and the ticker, with the real parsing rules:
`interval` uses the first (\\d+)(\\w) pair, `epoch_time` must be a 10-digit string."""
import re

from . import compose
from .servers import all_servers
from .world import Crash

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
BAD_INTERVAL = "Invalid time interval. Options are (d)ays,(h)ours,(m)inutes,(s)econds. e.g. 5h"
BAD_EPOCH = "Non-epoch time value provided for scheduler"


def remove_stops(world, uid):
    world.schedule = [e for e in world.schedule
                      if not (e.get("server_uid") == uid and e.get("action") == "stop")]


def add_event(world, uid, when, action="stop"):
    world.schedule.append({"server_uid": uid, "time": when, "action": action})
    return {"status": "success", "response": "Added scheduled event."}


def interval_event(world, uid, interval):
    # re.findall on a non-string raises TypeError and no match IndexError: both reach
    # Flask as a 500, like the real code.
    if not isinstance(interval, str):
        raise Crash(f"TypeError: interval {interval!r} is not a string")
    found = re.findall(r"(\d+)(\w)", interval)
    if not found:
        raise Crash(f"IndexError: no number+unit in interval {interval!r}")
    number, unit = found[0]
    seconds = UNITS.get(unit.lower())
    if seconds is None:
        return {"error": BAD_INTERVAL}
    return add_event(world, uid, world.clock.now_int() + int(number) * seconds)


def stop_request(world, uid, args):
    """scheduler_stop_request: {"response": "NOW"} when no timer was given."""
    result = {"response": "NOW"}
    if "interval" in args and args["interval"] is not None:
        remove_stops(world, uid)              # removed before the value is validated
        result = interval_event(world, uid, args["interval"])
    if "epoch_time" in args and args["epoch_time"] is not None:
        if not isinstance(args["epoch_time"], str):
            raise Crash(f"TypeError: epoch_time {args['epoch_time']!r} is not a string")
        if re.search("^[0-9]{10}$", args["epoch_time"]):
            remove_stops(world, uid)
            result = add_event(world, uid, args["epoch_time"])   # stored as given: a string
        else:
            result = {"error": BAD_EPOCH}
    return result


def tick(world):
    """One ticker run: drop entries for unknown servers, stops of exited servers and starts
    of running ones; run what is due and drop it. Returns what happened."""
    states = {f"{s['game_uid']}.{s['servername']}": s["container_state"]
              for s in all_servers(world)}
    now = world.clock.now_int()
    kept, dropped, executed = [], [], []
    for entry in world.schedule:
        uid, action = entry.get("server_uid"), entry.get("action")
        state = states.get(uid)
        if state is None or (action == "stop" and state == "exited") or \
                (action == "start" and state == "running"):
            dropped.append(dict(entry))
            continue
        if int(entry["time"]) <= now:
            outcome = _execute(world, uid, action)
            executed.append(dict(entry, result=outcome))
        else:
            kept.append(entry)
    world.schedule = kept
    return {"now": now, "executed": executed, "dropped": dropped,
            "schedule": [dict(e) for e in kept]}


def _execute(world, uid, action):
    if action == "start":
        check = compose.port_check(world, uid)
        if check["status"] != "success":
            return check
        return compose.run(world, uid, "up -d")
    if action == "stop":
        return compose.run(world, uid, "stop")
    if action == "restart":
        return compose.run(world, uid, "restart")
    return {"status": "ignored"}
