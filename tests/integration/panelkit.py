"""Helpers for the panel tests (test_peon_panels.py, test_peon_admin.py): reading what the user saw,
finding a panel's buttons, pressing them, and checking that no API key ever reached Discord."""
import json
import time
import urllib.request

from botrun import wait_until

EPHEMERAL = 64
MODAL = 9


def answer(sim, injected, timeout=15):
    """The message the user ends up seeing: the initial response, or what followed a defer."""
    iid = injected["id"]
    initial = sim.wait_initial(iid, timeout=timeout)["initial"]
    if initial["type"] in (4, 7):
        return initial["data"]

    def final():
        events = sim.interaction(iid)["events"]
        rejected = [e for e in events if e["kind"].startswith("rejected")]
        assert not rejected, rejected
        later = [e for e in events if e["kind"] in ("edit_original", "followup")]
        return later[-1]["data"] if later else None
    message = wait_until(final, timeout)
    assert message is not None, f"no answer after the defer: {sim.interaction(iid)}"
    return message


def modal_of(sim, injected):
    """The modal a button opened (fails if it answered anything else)."""
    initial = sim.wait_initial(injected["id"])["initial"]
    assert initial["type"] == MODAL, initial
    return initial["data"]


def modal_inputs(modal):
    return {c["components"][0]["custom_id"]: c["components"][0] for c in modal["components"]}


def embed_text(message):
    parts = [message.get("content") or ""]
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
    return "\n".join(parts)


def is_private(message):
    return bool((message.get("flags") or 0) & EPHEMERAL)


def components(message):
    return [c for row in message.get("components", []) for c in row["components"]]


def custom_id(message, prefix):
    """The custom_id of the component whose id (after any user binding) starts with prefix."""
    for c in components(message):
        cid = c.get("custom_id", "")
        plain = cid.split(":", 2)[2] if cid.startswith(":") else cid
        if plain.startswith(prefix):
            return cid
    raise AssertionError(f"no component {prefix!r} in {[c.get('custom_id') for c in components(message)]}")


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def bound(user, plain, ttl=600):
    """A custom_id bound to user, as ui.confirm makes them (":<user36>.<expiry36>:view:action:args")."""
    return f":{_base36(int(user))}.{_base36(int(time.time()) + ttl)}:{plain}"


class Session:
    """Injects interactions and remembers them, so a test can check every answer the bot gave."""

    def __init__(self, sim, user="500000000000000042", permissions=None):
        self.sim = sim
        self.user = user
        self.permissions = permissions
        self.ids = []

    def _who(self, extra):
        extra.setdefault("user_id", self.user)
        if self.permissions is not None:
            extra.setdefault("permissions", self.permissions)
        return extra

    def command(self, name, options=None, **extra):
        injected = self.sim.command(name, options, **self._who(extra))
        self.ids.append(injected["id"])
        return injected

    def press(self, cid, values=None, **extra):
        injected = self.sim.component(cid, values, **self._who(extra))
        self.ids.append(injected["id"])
        return injected

    def submit(self, cid, fields, **extra):
        injected = self.sim.modal_submit(cid, fields, **self._who(extra))
        self.ids.append(injected["id"])
        return injected

    def peon(self, channel, channel_type=None, **extra):
        options = [{"name": "channel_type", "type": 3, "value": channel_type}] if channel_type else []
        return answer(self.sim, self.command("peon", options, channel=channel, **extra))

    def everything_sent(self):
        """Every answer to our interactions and every channel message, as one JSON text."""
        seen = [self.sim.interaction(i) for i in self.ids]
        for guild in self.sim.state()["guilds"]:
            for channel in guild["channels"]:
                if channel["type"] == 0:
                    seen.append(self.sim.messages(channel["id"]))
        return json.dumps(seen)

    def assert_never_sent(self, *secrets):
        text = self.everything_sent()
        for secret in secrets:
            assert secret not in text


def create_channel(sim, name):
    """A text channel made through the bot-facing REST API (the simulator announces it on the gateway)."""
    guild = sim.state()["guilds"][0]["id"]
    req = urllib.request.Request(f"{sim.rest}/guilds/{guild}/channels", method="POST",
                                 data=json.dumps({"name": name, "type": 0}).encode(),
                                 headers={"Authorization": f"Bot {sim.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())
