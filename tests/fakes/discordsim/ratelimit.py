"""REST rate limits: per-route buckets keyed by the major parameter, the per-token global limit, and the
faults tests inject (forced 429s, 5xx, Cloudflare's HTML ban, hangs)."""
import hashlib
import math
import time

from aiohttp import web

from .errors import VIA, json_response

CLOUDFLARE_BAN_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Access denied | discord.com used Cloudflare to restrict access</title>"
    "</head><body><h1>Error 1015</h1><p>You are being rate limited</p>"
    "<p>The owner of this website (discord.com) has banned you temporarily from accessing this website.</p>"
    "</body></html>\n")


class Window:
    """A fixed window that starts with its first request, like Discord's buckets."""

    def __init__(self, limit, period):
        self.limit = int(limit)
        self.period = float(period)
        self.used = 0
        self.reset_at = None  # monotonic

    def _roll(self, now):
        if self.reset_at is not None and now >= self.reset_at:
            self.used = 0
            self.reset_at = None

    def take(self, now):
        self._roll(now)
        if self.used >= self.limit:
            return False
        if self.reset_at is None:
            self.reset_at = now + self.period
        self.used += 1
        return True

    def remaining(self, now):
        self._roll(now)
        return max(0, self.limit - self.used)

    def reset_after(self, now):
        self._roll(now)
        return self.period if self.reset_at is None else max(0.0, self.reset_at - now)


def major_parameter(match_info):
    """The top-level resource that splits a bucket: channel, guild, or webhook id + token."""
    for key in ("channel_id", "guild_id"):
        if key in match_info:
            return match_info[key]
    for id_key, token_key in (("webhook_id", "webhook_token"), ("interaction_id", "interaction_token")):
        if id_key in match_info:
            return f"{match_info[id_key]}+{match_info.get(token_key, '')}"
    return ""


class RateLimiter:
    def __init__(self, world):
        self.world = world
        self.reset()

    def reset(self):
        self.windows = {}         # (bucket name, major) -> Window
        self.global_windows = {}  # token -> Window
        self.faults = []

    # -- configuration
    def bucket_config(self, route_key):
        buckets = self.world.config["buckets"]
        method, template = route_key.split(" ", 1)
        spec = buckets.get(route_key) or buckets.get(f"* {template}")
        default = self.world.config["default_bucket"]
        if spec is None:
            return {"limit": default["limit"], "window": default["window"], "bucket": route_key, "scope": "user"}
        return {"limit": spec.get("limit", default["limit"]), "window": spec.get("window", default["window"]),
                "bucket": spec.get("bucket") or route_key, "scope": spec.get("scope", "user")}

    @staticmethod
    def bucket_hash(name):
        return hashlib.sha1(name.encode()).hexdigest()[:32]

    # -- checks
    def check_global(self, token):
        """None if allowed, else a 429 response for the global limit."""
        config = self.world.config["global_limit"]
        window = self.global_windows.get(token)
        if window is None or window.limit != config["limit"] or window.period != config["window"]:
            window = self.global_windows[token] = Window(config["limit"], config["window"])
        now = time.monotonic()
        if window.take(now):
            return None
        retry = window.reset_after(now)
        return self.too_many(retry, "global", {})

    def take_bucket(self, route_key, major, consume=True):
        """(allowed, headers, config): consumes one request from the route's bucket for this major id
        (consume=False only reads the state, for answers that are not the bucket's doing)."""
        config = self.bucket_config(route_key)
        key = (config["bucket"], major)
        window = self.windows.get(key)
        if window is None or window.limit != config["limit"] or window.period != config["window"]:
            window = self.windows[key] = Window(config["limit"], config["window"])
        now = time.monotonic()
        allowed = window.take(now) if consume else window.remaining(now) > 0
        reset_after = window.reset_after(now)
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining(now)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(config["bucket"]),
        }
        return allowed, headers, config

    def too_many(self, retry_after, scope, headers):
        counters = self.world.counters["rest"]
        counters["ratelimited"][scope] = counters["ratelimited"].get(scope, 0) + 1
        out = dict(headers)
        out["Retry-After"] = str(max(1, math.ceil(retry_after)))
        out["X-RateLimit-Scope"] = scope
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3),
                "global": scope == "global"}
        if scope == "global":
            out["X-RateLimit-Global"] = "true"
        return json_response(429, body, out)

    # -- faults
    def add_fault(self, spec):
        fault = {"route": spec.get("route", "*"), "kind": spec.get("kind", "429"),
                 "remaining": int(spec.get("count", 1)), "scope": spec.get("scope", "user"),
                 "retry_after": float(spec.get("retry_after", 0.5)), "status": int(spec.get("status", 502)),
                 "seconds": float(spec.get("seconds", 5.0)), "body": spec.get("body")}
        if fault["kind"] not in ("429", "5xx", "cloudflare", "hang"):
            raise ValueError("kind must be 429, 5xx, cloudflare or hang")
        if fault["scope"] not in ("user", "global", "shared"):
            raise ValueError("scope must be user, global or shared")
        self.faults.append(fault)
        return fault

    def take_fault(self, route_key):
        _, template = route_key.split(" ", 1)
        for fault in self.faults:
            if fault["route"] in ("*", route_key, template):
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def fault_response(self, fault, headers):
        self.world.counters["rest"]["faults_served"] += 1
        if fault["kind"] == "429":
            return self.too_many(fault["retry_after"], fault["scope"], headers)
        if fault["kind"] == "cloudflare":
            counters = self.world.counters["rest"]["ratelimited"]
            counters["cloudflare"] += 1
            return web.Response(status=429, text=CLOUDFLARE_BAN_PAGE, content_type="text/html",
                                headers={"Retry-After": str(max(1, math.ceil(fault["retry_after"])))})
        status = fault["status"]
        body = fault["body"]
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html", headers={"Via": VIA})
        return json_response(status, body or {"message": f"{status}: Server Error", "code": 0})
