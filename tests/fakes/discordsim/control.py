"""The control API tests drive the simulator with (JSON under /_sim, no auth): configuration, injection,
faults, counters, state, and long-poll waits."""
import json

from aiohttp import web

from .interactions import ControlError, Interaction, InteractionBuilder

MAX_WAIT = 60.0


def ok(body, status=200):
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def fail(status, message):
    return ok({"error": message}, status)


async def _json(request):
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "control API bodies are JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "control API bodies are JSON objects")
    return body


def _timeout(value, default=5.0):
    try:
        seconds = float(value if value is not None else default)
    except (TypeError, ValueError):
        raise ControlError(400, "timeout must be a number of seconds") from None
    return max(0.0, min(seconds, MAX_WAIT))


def _dig(counters, dotted):
    value = counters
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ControlError(400, f"unknown counter {dotted!r}")
        value = value[part]
    return value


@web.middleware
async def control_errors(request, handler):
    if not request.path.startswith("/_sim"):
        return await handler(request)
    try:
        return await handler(request)
    except ControlError as error:
        return fail(error.status, error.message)
    except (ValueError, KeyError, TypeError) as error:
        return fail(400, f"{type(error).__name__}: {error}")


class ControlRoutes:
    def __init__(self, world, gateway, limiter):
        self.world = world
        self.gateway = gateway
        self.limiter = limiter
        self.builder = InteractionBuilder(world)

    def register(self, app):
        app.middlewares.append(control_errors)
        add = app.router.add_route
        prefix = "/_sim"
        for method, path, handler in (
            ("GET", "/health", self.health),
            ("POST", "/reset", self.reset),
            ("GET", "/config", self.get_config),
            ("POST", "/config", self.set_config),
            ("GET", "/state", self.state),
            ("GET", "/counters", self.counters),
            ("GET", "/sessions", self.sessions),
            ("POST", "/wait/ready", self.wait_ready),
            ("POST", "/wait/counter", self.wait_counter),
            ("POST", "/interactions", self.inject),
            ("GET", "/interactions/{interaction_id}", self.interaction),
            ("GET", "/interactions/{interaction_id}/response", self.wait_response),
            ("GET", "/interactions/{interaction_id}/events", self.wait_events),
            ("POST", "/dispatch", self.dispatch),
            ("POST", "/raw", self.raw),
            ("POST", "/faults/gateway", self.gateway_fault),
            ("POST", "/faults/rest", self.rest_fault),
            ("DELETE", "/faults/rest", self.clear_rest_faults),
            ("POST", "/framing", self.framing),
            ("GET", "/commands", self.commands),
            ("GET", "/channels/{channel}/messages", self.channel_messages),
            ("POST", "/channels/{channel}/messages", self.user_message),
            ("GET", "/channels/{channel}/wait_message", self.wait_message),
            ("GET", "/messages/{message_id}", self.message),
        ):
            add(method, prefix + path, handler)

    # -- lifecycle and configuration
    async def health(self, request):
        return ok({"ok": True})

    async def reset(self, request):
        await self.gateway.reset()
        self.limiter.reset()
        self.world.reset()
        return ok({"ok": True})

    async def get_config(self, request):
        return ok(self.world.config)

    async def set_config(self, request):
        body = await _json(request)
        try:
            self.world.apply_config(body)
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return ok(self.world.config)

    async def state(self, request):
        world = self.world
        guilds = []
        for guild in world.guilds.values():
            guilds.append({"id": guild["id"], "name": guild["name"], "roles": guild["roles"],
                           "channels": [world.public_channel(world.channels[c]) for c in guild["channel_ids"]]})
        return ok({"application_id": world.application_id, "bot_user": world.bot_user, "guilds": guilds,
                   "users": list(world.users.values()),
                   "commands": self._commands(),
                   "sessions": [{k: v for k, v in s.summary().items() if k != "dispatches"}
                                for s in self.gateway.sessions.values()]})

    def _counters(self):
        counters = dict(self.world.counters)
        counters["command_creates"] = self.world.commands.creates_today()
        counters["command_creates_by_scope"] = self.world.commands.creates_by_scope()
        counters["session_start_limit"] = self.world.session_start_limit()
        counters["sessions_ready"] = sum(1 for s in self.gateway.live_sessions()
                                         if s.ready_written and s.connection is not None)
        return counters

    async def counters(self, request):
        return ok(self._counters())

    async def sessions(self, request):
        return ok([s.summary() for s in self.gateway.sessions.values()])

    async def wait_ready(self, request):
        body = await _json(request)
        count = int(body.get("count", 1))

        def ready():
            sessions = [s for s in self.gateway.live_sessions() if s.ready_written and s.connection is not None]
            return sessions if len(sessions) >= count else None

        sessions = await self.world.wait_until(ready, _timeout(body.get("timeout")))
        if sessions is None:
            raise ControlError(408, f"fewer than {count} READY session(s) in time")
        return ok([{k: v for k, v in s.summary().items() if k != "dispatches"} for s in sessions])

    async def wait_counter(self, request):
        body = await _json(request)
        name = body["name"]
        _dig(self._counters(), name)  # unknown names fail fast
        if "equals" in body:
            wanted = body["equals"]
            check, what = (lambda: _dig(self._counters(), name) == wanted), f"== {wanted!r}"
        else:
            at_least = body.get("at_least", 1)
            check, what = (lambda: _dig(self._counters(), name) >= at_least), f">= {at_least!r}"
        if not await self.world.wait_until(check, _timeout(body.get("timeout"))):
            raise ControlError(408, f"{name} is {_dig(self._counters(), name)!r}, not {what}")
        return ok(self._counters())

    # -- interactions
    async def inject(self, request):
        world = self.world
        spec = await _json(request)
        payload = self.builder.build(spec)
        deliver = spec.get("deliver", True)
        session = None
        if deliver:
            session = self.gateway.pick_session(payload["guild_id"], spec.get("session_id"))
            if session is None:
                raise ControlError(409, "no live gateway session to deliver the interaction to "
                                        "(set deliver=false to create it without one)")
        interaction = Interaction(world, payload, session.id if session else None)
        world.interactions[interaction.id] = interaction
        world.interactions_by_token[interaction.token] = interaction
        world.counters["interactions_injected"] += 1
        if session is not None:
            interaction.serial = self.gateway.dispatch_interaction(session, payload).serial
        world.touch()
        return ok({"id": interaction.id, "token": interaction.token, "session_id": interaction.session_id,
                   "serial": interaction.serial, "payload": payload})

    def _interaction(self, request):
        interaction = self.world.interactions.get(request.match_info["interaction_id"])
        if interaction is None:
            raise ControlError(404, "unknown interaction")
        return interaction

    async def interaction(self, request):
        return ok(self._interaction(request).summary())

    async def wait_response(self, request):
        interaction = self._interaction(request)
        found = await self.world.wait_until(lambda: interaction.initial is not None,
                                            _timeout(request.query.get("timeout")))
        if not found:
            raise ControlError(408, "the bot sent no initial response in time")
        return ok(interaction.summary()["initial"])

    async def wait_events(self, request):
        interaction = self._interaction(request)
        count = int(request.query.get("count", 1))
        kinds = request.query.get("kinds")
        wanted = set(kinds.split(",")) if kinds else None

        def enough():
            events = [e for e in interaction.events if wanted is None or e["kind"] in wanted]
            return len(events) >= count

        if not await self.world.wait_until(enough, _timeout(request.query.get("timeout"))):
            raise ControlError(408, f"fewer than {count} answer event(s) in time: "
                                    f"{[e['kind'] for e in interaction.events]}")
        return ok(interaction.summary())

    # -- gateway traffic and faults
    async def dispatch(self, request):
        body = await _json(request)
        event = body.get("event") or body.get("t")
        if not event:
            raise ControlError(400, "event is required")
        sent = self.gateway.dispatch(event, body.get("data", body.get("d", {})), guild_id=body.get("guild_id"),
                                     intent=body.get("intent"), session_id=body.get("session_id"))
        return ok({"sent": sent})

    async def raw(self, request):
        body = await _json(request)
        text = body.get("text")
        if text is None:
            text = json.dumps(body.get("payload"))
        return ok({"connections": self.gateway.send_raw(text, body.get("session_id"))})

    async def gateway_fault(self, request):
        body = await _json(request)
        try:
            count = self.gateway.fault(body.get("action"), session_id=body.get("session_id"), code=body.get("code"),
                                       reason=body.get("reason"), resumable=body.get("resumable"))
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return ok({"connections": count})

    async def rest_fault(self, request):
        body = await _json(request)
        try:
            fault = self.limiter.add_fault(body)
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return ok(fault)

    async def clear_rest_faults(self, request):
        self.limiter.faults.clear()
        return ok({"ok": True})

    async def framing(self, request):
        body = await _json(request)
        for key in ("split", "pack"):
            if key in body:
                self.gateway.framing[key] = max(1, int(body[key]))
        return ok(self.gateway.framing)

    # -- reading state
    def _commands(self):
        store = self.world.commands
        return {"global": store.list("global"),
                "guilds": {scope: store.list(scope) for scope in store.scopes if scope != "global"}}

    async def commands(self, request):
        return ok(self._commands())

    def _channel(self, request):
        try:
            return self.world.find_channel(request.match_info["channel"])
        except KeyError:
            raise ControlError(404, f"unknown channel {request.match_info['channel']!r}") from None

    async def channel_messages(self, request):
        channel = self._channel(request)
        return ok(list(self.world.messages.get(channel["id"], {}).values()))

    async def user_message(self, request):
        world = self.world
        channel = self._channel(request)
        body = await _json(request)
        try:
            user = world.find_user(body.get("user"))
        except KeyError:
            raise ControlError(404, f"unknown user {body.get('user')!r}") from None
        message = world.make_message(channel["id"], body, author=user)
        world.store_in_channel(message)
        return ok(message)

    async def wait_message(self, request):
        channel = self._channel(request)
        after = int(request.query.get("after", 0))
        contains = request.query.get("contains")

        def newest():
            for message in self.world.messages.get(channel["id"], {}).values():
                if int(message["id"]) > after and (contains is None or contains in json.dumps(message, ensure_ascii=False)):
                    return message
            return None

        message = await self.world.wait_until(newest, _timeout(request.query.get("timeout")))
        if message is None:
            raise ControlError(408, "no such message in time")
        return ok(message)

    async def message(self, request):
        message = self.world.message_index.get(request.match_info["message_id"])
        if message is None:
            raise ControlError(404, "unknown message")
        return ok(message)
