"""Synchronous helpers for tests: start a simulator process, call its API, drive /_sim.

    from orcsim.client import start_orchestrator
    with start_orchestrator(api_key="k") as orc:
        orc.set_latency("update", 120)          # simulated seconds
        r = orc.put("/server/start/valheim.bob", {"interval": "15m"})
        assert r.status == 200 and r.json()["time"]

Only the standard library is used, so any Python 3 test can import it.
"Connection refused" for a client under test = a stopped simulator (`orc.stop()`) or
`free_port()`, a port nobody listens on.
"""
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

FAKES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
DEFAULT_API_KEY = "Zu88Zu88"
_DEFAULT = object()


class OrcSimError(RuntimeError):
    pass


class ApiResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # email.message.Message: case-insensitive .get()
        self.body = body                # bytes

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<ApiResponse {self.status} {self.body[:200]!r}>"


def http(method, url, data=None, headers=None, timeout=10.0):
    """One HTTP exchange; HTTP error statuses are returned, connection errors raise."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return ApiResponse(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return ApiResponse(err.code, err.headers, err.read())


def free_port():
    """A loopback port nobody listens on (for "connection refused")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OrcSim:
    def __init__(self, url, api_key=DEFAULT_API_KEY, process=None, stderr_file=None):
        self.url = url.rstrip("/")
        self.api = self.url + "/api/v1"
        self.control = self.url + "/_sim"
        self.api_key = api_key
        self.process = process
        self._stderr = stderr_file

    # ----- the orchestrator API -----

    def call(self, method, path, body=_DEFAULT, *, key=_DEFAULT, headers=None, data=None,
             content_type=None, timeout=10.0):
        """path: "/servers" (relative to /api/v1) or a full "/api/v1/..." path.
        body: JSON-encoded with Content-Type application/json; data: raw bytes instead.
        key: the API key (default: the simulator's), None to send no X-Api-Key."""
        url = self.url + path if path.startswith("/api/") or path.startswith("/_sim") \
            else self.api + path
        hdrs = dict(headers or {})
        if body is not _DEFAULT:
            data = json.dumps(body).encode("utf-8")
            content_type = content_type or "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        key = self.api_key if key is _DEFAULT else key
        if key is not None:
            hdrs["X-Api-Key"] = key
        return http(method, url, data=data, headers=hdrs, timeout=timeout)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def put(self, path, body=_DEFAULT, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, body=_DEFAULT, **kw):
        return self.call("DELETE", path, body, **kw)

    # ----- control plumbing -----

    def _ctl(self, method, path, body=None, query=None):
        url = self.control + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode("utf-8") if body is not None else None
        resp = http(method, url, data=data, headers={"Content-Type": "application/json"})
        doc = resp.json() if resp.body else {}
        if resp.status >= 300:
            raise OrcSimError(f"{method} {path}: {resp.status} {doc}")
        return doc

    # ----- state -----

    def health(self):
        return self._ctl("GET", "/health")

    def state(self):
        return self._ctl("GET", "/state")

    def reset(self, seed="demo"):
        return self._ctl("POST", "/reset", {"seed": seed})

    def settings(self, **changes):
        """Read settings, or change them (api_key, version, single_threaded, keep_alive,
        host_dir, backup_dir_ok, compose_writable, action_pause, list_cost_per_running,
        tick_period, boot_seconds, public_ip, plans_pull_error, name_seed, time_scale)."""
        if not changes:
            return self._ctl("GET", "/settings")
        if "api_key" in changes:
            self.api_key = changes["api_key"]
        return self._ctl("PATCH", "/settings", changes)

    def set_single_threaded(self, on=True):
        return self.settings(single_threaded=bool(on))

    # ----- servers, plans, images -----

    def add_server(self, uid, *, state="running", folder="full", settings=None,
                   description=None, files=None, time=None):
        """state: created/running/exited/paused/restarting/removing/dead or None (no
        container); folder: full, leftover (failed create), bare (no config.json) or none."""
        body = {"uid": uid, "state": state, "folder": folder}
        for key, value in (("settings", settings), ("description", description),
                           ("files", files), ("time", time)):
            if value is not None:
                body[key] = value
        return self._ctl("POST", "/servers", body)

    def modify_server(self, uid, **changes):
        """container_state, probe_ok, stats_ok, build_version, container_type, description,
        server_config ({file: value}, replaces config/), files ({path: text or None})."""
        return self._ctl("PATCH", f"/servers/{uid}", changes)

    def remove_server(self, uid, *, container=True, folder=True):
        return self._ctl("DELETE", f"/servers/{uid}",
                         query={"container": int(container), "folder": int(folder)})

    def add_foreign_container(self, name, ports, state="running"):
        """A non-PEON container holding ports, e.g. add_foreign_container("nginx", ["8211/udp"])."""
        return self._ctl("POST", "/foreign", {"name": name, "ports": ports, "state": state})

    def add_plan(self, game_uid, title=None, *, plan=None, ports=None, environment=None,
                 description=None, catalogue=True, folder=True, pending=False):
        """pending=True: only upstream, so it shows up in the next PUT /plans."""
        body = {"game_uid": game_uid, "catalogue": catalogue, "folder": folder,
                "pending": pending}
        for key, value in (("title", title), ("plan", plan), ("ports", ports),
                           ("environment", environment), ("description", description)):
            if value is not None:
                body[key] = value
        return self._ctl("POST", "/plans", body)

    def remove_plan(self, game_uid, *, catalogue=True, folder=True, upstream=True):
        return self._ctl("DELETE", f"/plans/{game_uid}",
                         query={"catalogue": int(catalogue), "folder": int(folder),
                                "upstream": int(upstream)})

    def set_plan_catalogue(self, state):
        """missing (no plans.json), empty ([]) or restore."""
        return self._ctl("POST", "/plans/catalogue", {"state": state})

    def set_image_version(self, image, version):
        """Publish a newer image upstream: the next pull picks it up."""
        return self._ctl("POST", "/images", {image: version})

    def set_registry_ok(self, ok):
        return self._ctl("POST", "/images", {"registry_ok": bool(ok)})

    def add_schedule(self, server_uid, when, action="stop"):
        return self._ctl("POST", "/schedule", {"server_uid": server_uid, "time": when,
                                               "action": action})

    # ----- latency and faults -----

    def set_latency(self, route, seconds):
        """Simulated seconds (scaled by the time scale) before answering matching requests.
        route: "*", "update", "/servers", "PUT /server/update/*"; seconds 0 removes it."""
        return self._ctl("POST", "/latency", {"route": route, "seconds": seconds})

    def clear_latency(self):
        return self._ctl("DELETE", "/latency")

    def fail_next(self, route="*", count=1, status=500, body=None, *, raw=None,
                  content_type=None, apply=False):
        """Answer the next `count` matching requests (None = all) with status/body (defaults:
        500 {"message": "Internal Server Error"}, 401 "Not authorized"). apply=True runs the
        real handler first, so the state changes but the client sees the failure."""
        doc = {"route": route, "kind": "fail", "count": count, "status": status,
               "apply": apply}
        if body is not None:
            doc["body"] = body
        if raw is not None:
            doc["raw"] = raw
            doc["content_type"] = content_type
        return self._ctl("POST", "/faults", doc)

    def hang(self, route="*", count=1, apply=False):
        """Accept matching requests and never answer (until release()). In single-threaded
        mode a hung request blocks every later one, as it would in the real server."""
        return self._ctl("POST", "/faults", {"route": route, "kind": "hang", "count": count,
                                             "apply": apply})

    def drop(self, route="*", count=1, apply=False):
        """Close the connection without any answer."""
        return self._ctl("POST", "/faults", {"route": route, "kind": "drop", "count": count,
                                             "apply": apply})

    def release(self, mode="drop"):
        """End hung requests: "drop" closes them, "answer" lets them be answered normally."""
        return self._ctl("POST", "/release", {"mode": mode})["released"]

    def clear_faults(self):
        return self._ctl("DELETE", "/faults")

    def faults(self):
        return self._ctl("GET", "/faults")

    # ----- clock and scheduler -----

    def clock(self):
        return self._ctl("GET", "/clock")["now"]

    def advance(self, seconds):
        return self._ctl("POST", "/clock", {"advance": seconds})["now"]

    def set_clock(self, epoch):
        return self._ctl("POST", "/clock", {"set": epoch})["now"]

    def freeze_clock(self, frozen=True):
        return self._ctl("POST", "/clock", {"frozen": frozen})

    def set_time_scale(self, scale):
        return self._ctl("POST", "/clock", {"time_scale": scale})

    def tick(self, advance=None):
        """Run the scheduler once (after moving the clock by `advance` seconds)."""
        return self._ctl("POST", "/tick", {} if advance is None else {"advance": advance})

    # ----- request log -----

    def requests(self, since=0, method=None, route=None, path=None):
        """Logged API requests: id, time, method, path, route ("PUT /server/stop"), headers,
        api_key_present, api_key_valid, content_type, body, status, fault, crash, phase."""
        return self._ctl("GET", "/requests", query={"since": since, "method": method,
                                                    "route": route, "path": path})["requests"]

    def clear_requests(self):
        return self._ctl("DELETE", "/requests")

    def counters(self):
        return self._ctl("GET", "/counters")

    def count(self, route):
        """Requests seen for a route key such as "PUT /server/stop" or "GET /servers"."""
        return self.counters()["by_route"].get(route, 0)

    def inflight(self):
        return self._ctl("GET", "/inflight")["requests"]

    def wait_until(self, predicate, timeout=5.0, interval=0.02, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)

    def wait_inflight(self, route=None, phase=None, timeout=5.0):
        """Wait until a request for `route` is in flight (phase: queued, latency, hung,
        handling); returns the matching entries."""
        def found():
            return [r for r in self.inflight()
                    if (route is None or r["route"] == route)
                    and (phase is None or r["phase"] == phase)]
        return self.wait_until(found, timeout, what=f"in-flight {route} {phase}")

    # ----- process -----

    def stop(self, timeout=5.0):
        """Terminate the simulator process (afterwards: connection refused)."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc is not None and proc.stdout:
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def stderr_text(self):
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")


def launch(api_key=DEFAULT_API_KEY, *, version="1.3.0", seed="demo", time_scale=1.0, port=0,
           host="127.0.0.1", tick_period=None, action_pause=None, name_seed=None, python=None,
           extra_args=(), startup_timeout=20.0):
    """Start a simulator process and return its OrcSim (call .stop() when done)."""
    cmd = [python or DEFAULT_PYTHON, "-m", "orcsim", "--host", host, "--port", str(port),
           "--api-key", api_key, "--version", version, "--seed", seed,
           "--time-scale", repr(float(time_scale))]
    if tick_period is not None:
        cmd += ["--tick-period", repr(float(tick_period))]
    if action_pause is not None:
        cmd += ["--action-pause", repr(float(action_pause))]
    if name_seed is not None:
        cmd += ["--name-seed", str(int(name_seed))]
    cmd += list(extra_args)
    env = dict(os.environ)
    env["PYTHONPATH"] = FAKES_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                     else "")
    stderr_file = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr_file, env=env)
    sim = OrcSim("http://invalid", api_key, proc, stderr_file)
    line = _read_line(proc, startup_timeout)
    try:
        urls = json.loads(line)
    except ValueError:
        err = sim.stderr_text()
        sim.stop()
        raise OrcSimError(f"simulator did not start: {line!r}\n{err}")
    sim.url, sim.api, sim.control = urls["url"], urls["api"], urls["control"]
    return sim


def _read_line(proc, timeout):
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box:
        proc.kill()
        raise OrcSimError(f"simulator printed nothing within {timeout}s")
    return box[0].decode("utf-8", "replace")


@contextlib.contextmanager
def start_orchestrator(api_key=DEFAULT_API_KEY, **kwargs):
    """Context manager: a running simulator for the duration of the block."""
    sim = launch(api_key, **kwargs)
    try:
        yield sim
    finally:
        sim.stop()
