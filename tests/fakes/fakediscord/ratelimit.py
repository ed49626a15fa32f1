"""Discord's REST rate limits as the simulator applies them: per-route buckets (configurable, shared by
bucket name) counted per major parameter, a global per-second limit that interaction and webhook-token
routes are exempt from, the X-RateLimit-* headers, and injected faults (429s of any scope, Cloudflare's
HTML 429, 5xx, hangs)."""
import hashlib
import re
import time

ID = r"\d{15,21}"
# (regex, template): the first group, when present, is the major parameter's value.
_MAJOR_PATTERNS = [
    (re.compile(rf"^/interactions/({ID})/([^/]+)/callback$"), "/interactions/{interaction_id}/{token}/callback"),
    (re.compile(rf"^/webhooks/({ID})/([^/]+)(/.*)?$"), None),
    (re.compile(rf"^/channels/({ID})(/.*)?$"), None),
    (re.compile(rf"^/guilds/({ID})(/.*)?$"), None),
]


def route_key(method, path):
    """("POST", "/channels/1/messages") -> ("POST /channels/{id}/messages", "channel:1", is_token_route)."""
    major, token_route = "", False
    for regex, _ in _MAJOR_PATTERNS:
        m = regex.match(path)
        if not m:
            continue
        if path.startswith("/interactions/"):
            major, token_route = f"interaction:{m.group(1)}:{m.group(2)}", True
        elif path.startswith("/webhooks/"):
            major, token_route = f"webhook:{m.group(1)}:{m.group(2)}", True
        elif path.startswith("/channels/"):
            major = f"channel:{m.group(1)}"
        else:
            major = f"guild:{m.group(1)}"
        break
    template = re.sub(rf"/{ID}", "/{id}", path)
    if token_route:
        template = re.sub(r"^(/(?:webhooks|interactions)/\{id\})/[^/]+", r"\1/{token}", template)
    template = re.sub(r"/reactions/[^/]+", "/reactions/{emoji}", template)
    return f"{method} {template}", major, token_route


class Window:
    __slots__ = ("reset_at", "remaining")

    def __init__(self, limit, window, now):
        self.reset_at = now + window
        self.remaining = limit


class RateLimits:
    def __init__(self):
        self.global_limit = 50
        self.default_limit, self.default_window = 1000, 1.0
        self.buckets = {}          # route key -> {"name", "limit", "window"}
        self.windows = {}          # (bucket name, major) -> Window
        self.global_hits = []      # monotonic times of recent global-counted requests
        self.global_until = 0.0
        self.faults = []           # dicts: method, path (regex), remaining, status, scope, retry_after, html, hang
        self.counters = {"requests": {}, "429": {"user": 0, "global": 0, "shared": 0, "cloudflare": 0},
                         "invalid": 0, "5xx": 0}

    def configure(self, spec):
        if "global_limit" in spec:
            self.global_limit = int(spec["global_limit"])
        if "default" in spec:
            self.default_limit = int(spec["default"]["limit"])
            self.default_window = float(spec["default"]["window"])
        for bucket in spec.get("buckets", []):
            for route in bucket["routes"]:
                self.buckets[route] = {"name": bucket.get("name") or _hash(route), "limit": int(bucket["limit"]),
                                       "window": float(bucket["window"])}
        self.windows.clear()

    def add_fault(self, fault):
        fault = dict(fault)
        fault.setdefault("method", None)
        fault["regex"] = re.compile(fault.get("path", ".*"))
        fault.setdefault("count", 1)
        self.faults.append(fault)

    def take_fault(self, method, path):
        for fault in self.faults:
            if fault["count"] <= 0:
                continue
            if fault["method"] and fault["method"] != method:
                continue
            if not fault["regex"].search(path):
                continue
            fault["count"] -= 1
            return fault
        return None

    def bucket_for(self, key):
        spec = self.buckets.get(key)
        if spec:
            return spec
        return {"name": _hash(key), "limit": self.default_limit, "window": self.default_window}

    def check(self, method, path, now=None):
        """Counts the request. Returns (status, body, headers) for a 429, else (None, None, headers)."""
        now = time.monotonic() if now is None else now
        key, major, token_route = route_key(method, path)
        self.counters["requests"][key] = self.counters["requests"].get(key, 0) + 1
        if not token_route:
            if now < self.global_until:
                return self._global_429(self.global_until - now)
            self.global_hits = [t for t in self.global_hits if now - t < 1.0]
            if len(self.global_hits) >= self.global_limit:
                retry = 1.0 - (now - self.global_hits[0])
                self.global_until = now + retry
                return self._global_429(retry)
            self.global_hits.append(now)
        bucket = self.bucket_for(key)
        wkey = (bucket["name"], major)
        window = self.windows.get(wkey)
        if window is None or now >= window.reset_at:
            window = self.windows[wkey] = Window(bucket["limit"], bucket["window"], now)
        reset_after = max(0.0, window.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket["limit"]),
            "X-RateLimit-Bucket": bucket["name"],
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        }
        if window.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            headers["Retry-After"] = str(max(1, round(reset_after)))
            self.counters["429"]["user"] += 1
            self.counters["invalid"] += 1
            body = {"message": "You are being rate limited.", "retry_after": round(reset_after, 3), "global": False}
            return 429, body, headers
        window.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(window.remaining)
        return None, None, headers

    def _global_429(self, retry):
        self.counters["429"]["global"] += 1
        self.counters["invalid"] += 1
        headers = {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global",
                   "Retry-After": str(max(1, round(retry)))}
        return 429, {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": True}, headers

    def snapshot(self):
        return {"requests": dict(self.counters["requests"]), "429": dict(self.counters["429"]),
                "invalid": self.counters["invalid"], "5xx": self.counters["5xx"],
                "faults_pending": sum(max(0, f["count"]) for f in self.faults)}


def _hash(text):
    return hashlib.sha1(text.encode()).hexdigest()[:16]
