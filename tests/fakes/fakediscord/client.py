"""A synchronous client for the simulator's control API, and a context manager that runs the simulator
as a subprocess (stdlib only, so any test can use it)."""
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

FAKES = pathlib.Path(__file__).resolve().parents[1]


class Simulator:
    def __init__(self, urls, token):
        self.rest = urls["rest"]
        self.gateway = urls["gateway"]
        self.control = urls["control"]
        self.port = urls["port"]
        self.token = token

    def call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.control + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return json.loads(res.read() or b"null")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return dict(json.loads(payload), http_status=exc.code)
            except ValueError:
                raise exc from None

    # configuration and faults
    def configure(self, **settings):
        return self.call("POST", "/config", settings)

    def ratelimits(self, **spec):
        return self.call("POST", "/ratelimits", spec)

    def rest_fault(self, path, count=1, status=429, **extra):
        return self.call("POST", "/faults/rest", dict(extra, path=path, count=count, status=status))

    def gateway_fault(self, action, **extra):
        return self.call("POST", "/faults/gateway", dict(extra, action=action))

    def framing(self, split=1, pack=False):
        return self.call("POST", "/framing", {"split": split, "pack": pack})

    def reset(self):
        return self.call("POST", "/reset")

    # injection
    def command(self, name, options=None, **extra):
        return self.call("POST", "/interactions", dict(extra, type=2, name=name, options=options or []))

    def autocomplete(self, name, options, **extra):
        return self.call("POST", "/interactions", dict(extra, type=4, name=name, options=options))

    def component(self, custom_id, values=None, **extra):
        spec = dict(extra, type=3, custom_id=custom_id)
        if values is not None:
            spec["values"] = values
            spec.setdefault("component_type", 3)
        return self.call("POST", "/interactions", spec)

    def modal_submit(self, custom_id, fields, **extra):
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()]
        return self.call("POST", "/interactions", dict(extra, type=5, custom_id=custom_id, components=rows))

    def emit(self, t, d, guild_id=None):
        return self.call("POST", "/emit", {"t": t, "d": d, "guild_id": guild_id})

    # reading
    def interaction(self, interaction_id, wait=None, count=1, timeout=10):
        query = f"?wait={wait}&count={count}&timeout={timeout}" if wait else ""
        return self.call("GET", f"/interactions/{interaction_id}{query}", timeout=timeout + 5)

    def wait_initial(self, interaction_id, timeout=10):
        return self.interaction(interaction_id, wait="initial", timeout=timeout)

    def wait_events(self, interaction_id, count, timeout=10):
        return self.interaction(interaction_id, wait="events", count=count, timeout=timeout)

    def wait_ready(self, count=1, timeout=20):
        return self.call("GET", f"/wait/ready?count={count}&timeout={timeout}", timeout=timeout + 5)

    def counters(self):
        return self.call("GET", "/counters")

    def state(self):
        return self.call("GET", "/state")

    def messages(self, channel, count=0, timeout=10):
        return self.call("GET", f"/messages/{channel}?count={count}&timeout={timeout}", timeout=timeout + 5)

    def presences(self):
        """Every presence the bot set: [{op: 2 (IDENTIFY) or 3, session, shard, d, at}], oldest first."""
        return self.call("GET", "/presences")

    def delete_message(self, channel_id, message_id):
        """Deletes a message the way a moderator would, outside the bot's REST view."""
        return self.call("DELETE", f"/messages/{channel_id}/{message_id}")


@contextlib.contextmanager
def start_simulator(token=None):
    """Runs `python3 -m fakediscord` on a free loopback port; yields a Simulator; stops it afterwards."""
    from .__main__ import DEFAULT_TOKEN
    token = token or DEFAULT_TOKEN
    env = dict(os.environ, PYTHONPATH=str(FAKES) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "fakediscord", "--token", token], stdout=subprocess.PIPE,
                            env=env, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("fakediscord did not start")
        yield Simulator(json.loads(line), token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
