"""Synchronous control-API client (stdlib only) and `start_simulator`, which runs the simulator as a
subprocess for the duration of a `with` block:

    from discordsim.client import start_simulator
    with start_simulator(token="t") as sim:
        sim.wait_ready()
        hit = sim.inject_command("ping")
        answer = sim.wait_response(hit["id"])
"""
import contextlib
import json
import os
import pathlib
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

FAKES_DIR = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_TOKEN = "discordsim-token"


class SimError(Exception):
    """The control API refused a request; `status` and `body` say why."""

    def __init__(self, status, body):
        message = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


class SimTimeout(SimError, TimeoutError):
    """A long-poll wait ended without its condition becoming true."""


class DiscordSim:
    def __init__(self, urls, token=DEFAULT_TOKEN, process=None, log_path=None):
        self.rest = urls["rest"]
        self.gateway = urls["gateway"]
        self.control = urls["control"]
        self.token = token
        self.process = process
        self.log_path = log_path

    # ---------------------------------------------------------------------------------------------------
    # plumbing

    def call(self, method, path, body=None, *, query=None, timeout=None):
        url = self.control + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        wait = (body or {}).get("timeout") if isinstance(body, dict) else None
        wait = wait if wait is not None else (query or {}).get("timeout", 0)
        try:
            with urllib.request.urlopen(request, timeout=timeout or float(wait or 0) + 30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise (SimTimeout if error.code == 408 else SimError)(error.code, parsed) from None
        return json.loads(raw) if raw else None

    def log_text(self):
        """The simulator's stderr so far (for failure messages)."""
        if self.log_path and os.path.exists(self.log_path):
            return pathlib.Path(self.log_path).read_text(errors="replace")
        return ""

    # ---------------------------------------------------------------------------------------------------
    # configuration and state

    def reset(self):
        return self.call("POST", "/reset")

    def config(self):
        return self.call("GET", "/config")

    def configure(self, **settings):
        return self.call("POST", "/config", settings)

    def set_bucket(self, route, limit, window, *, bucket=None, scope="user"):
        """route is "METHOD /template", e.g. "POST /channels/{channel_id}/messages"."""
        buckets = dict(self.config()["buckets"])
        spec = {"limit": limit, "window": window, "scope": scope}
        if bucket:
            spec["bucket"] = bucket
        buckets[route] = spec
        return self.configure(buckets=buckets)

    def set_global_limit(self, limit, window=1.0):
        return self.configure(global_limit={"limit": limit, "window": window})

    def state(self):
        return self.call("GET", "/state")

    def counters(self):
        return self.call("GET", "/counters")

    def sessions(self):
        return self.call("GET", "/sessions")

    def commands(self):
        return self.call("GET", "/commands")

    def guild_id(self, name=None):
        guilds = self.state()["guilds"]
        return next(g["id"] for g in guilds if name in (None, g["name"], g["id"]))

    def channel_id(self, name):
        for guild in self.state()["guilds"]:
            for channel in guild["channels"]:
                if name in (channel["name"], channel["id"]):
                    return channel["id"]
        raise KeyError(name)

    def user_id(self, name):
        return next(u["id"] for u in self.state()["users"] if name in (u["username"], u["id"]))

    # ---------------------------------------------------------------------------------------------------
    # waiting

    def wait_ready(self, count=1, timeout=10):
        """Blocks until `count` connected sessions have been sent READY and their GUILD_CREATEs."""
        return self.call("POST", "/wait/ready", {"count": count, "timeout": timeout})

    def wait_counter(self, name, at_least=None, *, equals=None, timeout=10):
        """Waits until counter `name` (dotted, e.g. "rest.ratelimited.user") is >= at_least (default 1) or
        == equals; returns all counters."""
        body = {"name": name, "timeout": timeout}
        if equals is not None:
            body["equals"] = equals
        else:
            body["at_least"] = 1 if at_least is None else at_least
        return self.call("POST", "/wait/counter", body)

    def wait_message(self, channel, timeout=5, after=None, contains=None):
        return self.call("GET", f"/channels/{urllib.parse.quote(str(channel))}/wait_message",
                         query={"timeout": timeout, "after": after, "contains": contains})

    # ---------------------------------------------------------------------------------------------------
    # interactions

    def inject_interaction(self, **spec):
        """Any type: {type: 2|3|4|5, guild?, channel?, user?, locale?, permissions?, session_id?, deliver?...}"""
        return self.call("POST", "/interactions", spec)

    def inject_command(self, name, options=None, **spec):
        """name may hold a subcommand path ("server start"); options a {name: value} dict or a raw list."""
        return self.inject_interaction(type=2, name=name, options=options, **spec)

    def inject_autocomplete(self, name, options=None, focused=None, **spec):
        return self.inject_interaction(type=4, name=name, options=options, focused=focused, **spec)

    def inject_component(self, custom_id, values=None, **spec):
        return self.inject_interaction(type=3, custom_id=custom_id, values=values, **spec)

    def inject_modal_submit(self, custom_id, values=None, **spec):
        return self.inject_interaction(type=5, custom_id=custom_id, values=values or {}, **spec)

    def interaction(self, interaction_id):
        return self.call("GET", f"/interactions/{interaction_id}")

    def wait_response(self, interaction_id, timeout=5):
        """The initial response: {type, data, received_after_ms}."""
        return self.call("GET", f"/interactions/{interaction_id}/response", query={"timeout": timeout})

    def wait_events(self, interaction_id, count=1, timeout=5, kinds=None):
        """Waits for `count` answer events (callback, edit_original, followup, ...); returns the record."""
        query = {"count": count, "timeout": timeout, "kinds": ",".join(kinds) if kinds else None}
        return self.call("GET", f"/interactions/{interaction_id}/events", query=query)

    # ---------------------------------------------------------------------------------------------------
    # gateway traffic and faults

    def emit(self, event, data, *, guild_id=None, session_id=None, intent=None):
        return self.call("POST", "/dispatch", {"event": event, "data": data, "guild_id": guild_id,
                                               "session_id": session_id, "intent": intent})

    def send_raw(self, payload=None, *, text=None, session_id=None):
        return self.call("POST", "/raw", {"payload": payload, "text": text, "session_id": session_id})

    def gateway_fault(self, action, **options):
        return self.call("POST", "/faults/gateway", dict(options, action=action))

    def close_gateway(self, code, reason=None, session_id=None):
        return self.gateway_fault("close", code=code, reason=reason, session_id=session_id)

    def drop_gateway(self, session_id=None):
        return self.gateway_fault("drop", session_id=session_id)

    def stop_acks(self):
        return self.gateway_fault("stop_acks")

    def resume_acks(self):
        return self.gateway_fault("resume_acks")

    def send_reconnect(self, session_id=None):
        return self.gateway_fault("reconnect", session_id=session_id)

    def send_invalid_session(self, resumable=False, session_id=None):
        return self.gateway_fault("invalid_session", resumable=resumable, session_id=session_id)

    def request_heartbeat(self, session_id=None):
        return self.gateway_fault("heartbeat_request", session_id=session_id)

    def set_framing(self, split=1, pack=1):
        return self.call("POST", "/framing", {"split": split, "pack": pack})

    def rest_fault(self, route="*", kind="429", count=1, **options):
        """kind: 429 (scope, retry_after), 5xx (status, body), cloudflare, hang (seconds)."""
        return self.call("POST", "/faults/rest", dict(options, route=route, kind=kind, count=count))

    def clear_rest_faults(self):
        return self.call("DELETE", "/faults/rest")

    # ---------------------------------------------------------------------------------------------------
    # messages

    def messages(self, channel):
        """Messages in a channel (by id or name), oldest first; ephemeral answers are not channel messages."""
        return self.call("GET", f"/channels/{urllib.parse.quote(str(channel))}/messages")

    def message(self, message_id):
        return self.call("GET", f"/messages/{message_id}")

    def post_user_message(self, channel, content, user=None, **fields):
        return self.call("POST", f"/channels/{urllib.parse.quote(str(channel))}/messages",
                         dict(fields, content=content, user=user))


def _python():
    # Debian's interpreter sees python3-aiohttp; an override helps unusual setups.
    explicit = os.environ.get("DISCORDSIM_PYTHON")
    if explicit:
        return explicit
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def _read_line(stream, timeout):
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    buffer = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                return None
            buffer += chunk
    finally:
        selector.close()
    return buffer.split(b"\n", 1)[0].decode()


@contextlib.contextmanager
def start_simulator(token=DEFAULT_TOKEN, *, tokens=(), host="127.0.0.1", port=0, config=None,
                    startup_timeout=15.0, log_level="warning"):
    """Runs `python3 -m discordsim` and yields a DiscordSim; the process is stopped on exit."""
    log_dir = tempfile.mkdtemp(prefix="discordsim-")
    log_path = os.path.join(log_dir, "stderr.log")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(FAKES_DIR)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    argv = [_python(), "-m", "discordsim", "--host", host, "--port", str(port), "--log-level", log_level]
    for item in [token, *tokens]:
        argv += ["--token", item]
    if config:
        argv += ["--config", json.dumps(config)]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log_file, stdin=subprocess.DEVNULL,
                                   env=env, cwd=str(FAKES_DIR))
    try:
        line = _read_line(process.stdout, startup_timeout)
        if not line:
            process.kill()
            process.wait(5)
            raise RuntimeError("discordsim did not start:\n" + pathlib.Path(log_path).read_text(errors="replace"))
        sim = DiscordSim(json.loads(line), token=token, process=process, log_path=log_path)
        yield sim
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        process.stdout.close()
        shutil.rmtree(log_dir, ignore_errors=True)
