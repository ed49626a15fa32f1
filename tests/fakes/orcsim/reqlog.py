"""What clients sent: every API request with headers, body and the answer's status."""
import itertools
import time
import json
import re

MAX_ENTRIES = 20000


def route_key(method, path):
    """Counter key: 'PUT /server/stop', 'GET /plan', 'GET /servers'."""
    p = path[len("/api/v1"):] if path.startswith("/api/v1/") else path
    m = re.match(r"^/server/([^/]+)/[^/]+$", p)
    if m:
        p = f"/server/{m.group(1)}"
    elif re.match(r"^/plan/[^/]+$", p):
        p = "/plan"
    return f"{method.upper()} {p}"


def _decode_body(raw):
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes>"
    try:
        return json.loads(text)
    except ValueError:
        return text


class RequestLog:
    def __init__(self, api_key_getter):
        self._ids = itertools.count(1)
        self._api_key = api_key_getter
        self.entries = []
        self.in_flight = {}

    def begin(self, request, raw, sim_time):
        headers = dict(request.headers)
        key = request.headers.get("X-Api-Key")
        entry = {
            "id": next(self._ids),
            "time": sim_time,
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "route": route_key(request.method, request.path),
            "headers": headers,
            "api_key_present": key is not None,
            "api_key_valid": key == self._api_key(),
            "content_type": request.headers.get("Content-Type"),
            "body": _decode_body(raw),
            "status": None,
            "fault": None,
            "crash": None,
            "latency": 0.0,         # simulated seconds of injected latency it got
            "phase": "queued",
            # monotonic seconds in the simulator: arrival, start of service (lock held), answer
            "t_received": time.monotonic(),
            "t_served": None,
            "t_finished": None,
        }
        self.entries.append(entry)
        del self.entries[:-MAX_ENTRIES]
        self.in_flight[entry["id"]] = entry
        return entry

    def finish(self, entry, status):
        entry["status"] = status
        entry["phase"] = "done"
        entry["t_finished"] = time.monotonic()
        self.in_flight.pop(entry["id"], None)

    def query(self, since=0, method=None, route=None, path=None):
        out = []
        for e in self.entries:
            if e["id"] <= since:
                continue
            if method and e["method"] != method.upper():
                continue
            if route and e["route"] != route:
                continue
            if path and not e["path"].startswith(path):
                continue
            out.append(e)
        return out

    def counters(self):
        by_route, by_status = {}, {}
        for e in self.entries:
            by_route[e["route"]] = by_route.get(e["route"], 0) + 1
            status = str(e["status"]) if e["status"] is not None else "none"
            by_status[status] = by_status.get(status, 0) + 1
        return {"total": len(self.entries), "by_route": by_route, "by_status": by_status,
                "in_flight": len(self.in_flight)}

    def clear(self):
        self.entries = []
        return True
