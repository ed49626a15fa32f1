"""A synchronous client for the orchestrator simulator: its control API, plain API calls, and a context
manager that runs it as a subprocess. For "connection refused", use a port nobody listens on."""
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

FAKES = pathlib.Path(__file__).resolve().parents[1]


class Orchestrator:
    def __init__(self, urls, api_key):
        self.url = urls["url"]
        self.api = urls["api"]
        self.control = urls["control"]
        self.port = urls["port"]
        self.api_key = api_key

    def _send(self, url, method, body=None, headers=None, timeout=30, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = dict(headers or {})
        if body is not None and raw is None:
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, res.read(), dict(res.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def request(self, method, path, body=None, key=True, timeout=30, raw=None, headers=None):
        """Calls the API; returns (status, parsed JSON or raw bytes, headers)."""
        h = dict(headers or {})
        if key:
            h["X-Api-Key"] = self.api_key if key is True else key
        status, payload, res_headers = self._send(self.api + path, method, body, h, timeout, raw)
        if res_headers.get("Content-Type", "").startswith("application/json"):
            payload = json.loads(payload)
        return status, payload, res_headers

    def call(self, method, path, body=None):
        status, payload, _ = self._send(self.control + path, method, body)
        return json.loads(payload) if payload else None

    def reset(self, seed="demo"):
        return self.call("POST", "/reset", {"seed": seed})

    def settings(self, **values):
        return self.call("POST", "/settings", values)

    def set_latency(self, path, seconds, method=None):
        return self.call("POST", "/latency", {"path": path, "seconds": seconds, "method": method})

    def fail(self, path, status=500, count=1, body=None, method=None):
        spec = {"path": path, "status": status, "count": count, "method": method}
        if body is not None:
            spec["body"] = body
        return self.call("POST", "/fault", spec)

    def hang(self, path, count=1, method=None):
        return self.call("POST", "/fault", {"path": path, "hang": True, "count": count, "method": method})

    def put_server(self, **spec):
        return self.call("POST", "/servers", spec)

    def add_plan(self, **spec):
        return self.call("POST", "/plans", spec)

    def clear_plans(self):
        return self.call("DELETE", "/plans")

    def advance(self, seconds, tick=True):
        return self.call("POST", "/clock", {"advance": seconds, "tick": tick})

    def state(self):
        return self.call("GET", "/state")

    def log(self):
        return self.call("GET", "/log")


@contextlib.contextmanager
def start_orchestrator(api_key="Zu88Zu88", seed="demo", version="1.3.0", tick_period=30.0):
    env = dict(os.environ, PYTHONPATH=str(FAKES) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "fakeorc", "--api-key", api_key, "--seed", seed, "--version",
                             version, "--tick-period", str(tick_period)], stdout=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("fakeorc did not start")
        yield Orchestrator(json.loads(line), api_key)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
