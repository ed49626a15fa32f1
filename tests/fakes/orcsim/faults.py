"""Injected behaviour: latency per route, failures, hangs and dropped connections.

A route pattern is one of:
  "*"                         every API request
  "PUT /server/update/*"      METHOD and a glob on the path after /api/v1 (method may be *)
  "/servers"                  a path glob, any method
  "update"                    an action word: "* /server/update/*"
"""
import asyncio
import fnmatch
import itertools

API_PREFIX = "/api/v1"


def match_key(method, path):
    if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
        path = path[len(API_PREFIX):] or "/"
    return f"{method.upper()} {path}"


def normalise(pattern):
    pattern = (pattern or "*").strip()
    if pattern == "*":
        return "* *"
    if " " in pattern:
        method, path = pattern.split(None, 1)
        if path.startswith(API_PREFIX + "/"):
            path = path[len(API_PREFIX):]
        return f"{method.upper()} {path}"
    if pattern.startswith("/"):
        return f"* {pattern[len(API_PREFIX):] if pattern.startswith(API_PREFIX + '/') else pattern}"
    return f"* /server/{pattern}/*"


def matches(pattern, key):
    method_pat, path_pat = normalise(pattern).split(" ", 1)
    method, path = key.split(" ", 1)
    return fnmatch.fnmatchcase(method, method_pat) and fnmatch.fnmatchcase(path, path_pat)


DEFAULT_BODIES = {401: "Not authorized", 500: {"message": "Internal Server Error"}}


class Fault:
    _ids = itertools.count(1)

    def __init__(self, route, kind, count, status=500, body=None, raw=None,
                 content_type=None, apply=False):
        if kind not in ("fail", "hang", "drop"):
            raise ValueError("kind must be fail, hang or drop")
        self.id = next(self._ids)
        self.route = route
        self.kind = kind
        self.remaining = count          # None = until cleared
        self.status = int(status)
        self.body = body if body is not None else DEFAULT_BODIES.get(
            self.status, {"message": f"Injected failure {self.status}"})
        self.raw = raw                  # text body sent as is (e.g. a proxy's HTML page)
        self.content_type = content_type
        self.apply = bool(apply)        # run the real handler first (state changes), then fault
        self.hits = 0

    def describe(self):
        return {"id": self.id, "route": self.route, "kind": self.kind,
                "remaining": self.remaining, "status": self.status, "body": self.body,
                "raw": self.raw, "content_type": self.content_type, "apply": self.apply,
                "hits": self.hits}


class FaultBook:
    def __init__(self):
        self.faults = []
        self.latency = []               # [(pattern, sim seconds)], last match wins
        self._hung = set()

    # latency
    def set_latency(self, route, seconds):
        self.latency = [(p, s) for p, s in self.latency if p != route]
        if seconds and float(seconds) > 0:
            self.latency.append((route, float(seconds)))

    def latency_for(self, key):
        for pattern, seconds in reversed(self.latency):
            if matches(pattern, key):
                return seconds
        return 0.0

    # failures
    def add(self, fault):
        self.faults.append(fault)
        return fault

    def take(self, key):
        """The first armed fault matching this request; uses up one of its count."""
        for fault in self.faults:
            if fault.remaining == 0 or not matches(fault.route, key):
                continue
            fault.hits += 1
            if fault.remaining is not None:
                fault.remaining -= 1
            return fault
        return None

    # hangs
    async def hang(self):
        """Wait until released; returns "drop" or "answer"."""
        future = asyncio.get_running_loop().create_future()
        self._hung.add(future)
        try:
            return await future
        finally:
            self._hung.discard(future)

    def release(self, mode="drop"):
        if mode not in ("drop", "answer"):
            raise ValueError("mode must be drop or answer")
        count = 0
        for future in list(self._hung):
            if not future.done():
                future.set_result(mode)
                count += 1
        return count

    def hung_count(self):
        return len(self._hung)

    def clear(self):
        self.faults = []
        self.latency = []
        return self.release("drop")

    def describe(self):
        return {"faults": [f.describe() for f in self.faults],
                "latency": [{"route": p, "seconds": s} for p, s in self.latency],
                "hung": len(self._hung)}
