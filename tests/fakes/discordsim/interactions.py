"""Interactions: building realistic INTERACTION_CREATE payloads from a test's short description, and the
record of what the bot answered (initial callback, @original edits, followups) with timings."""
import base64
import secrets
import time

from .commands import SUB_COMMAND, SUB_COMMAND_GROUP

COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Which callback types Discord accepts for which interaction type (6/7 also for a modal submit whose
# modal came from a component: that submit carries `message`).
ALLOWED_CALLBACKS = {1: {1}, COMMAND: {4, 5, 9}, COMPONENT: {4, 5, 6, 7, 9}, AUTOCOMPLETE: {8},
                     MODAL_SUBMIT: {4, 5}}
ALL_CALLBACK_TYPES = [1, 4, 5, 6, 7, 8, 9, 10, 12]


class ControlError(Exception):
    """A test asked for something impossible (unknown command, no session...): a 4xx from /_sim."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Interaction:
    def __init__(self, world, payload, session_id):
        self.world = world
        self.id = payload["id"]
        self.token = payload["token"]
        self.type = payload["type"]
        self.payload = payload
        self.session_id = session_id
        self.created = time.monotonic()
        self.sent_at = None
        self.initial = None          # {"type", "data", "at"} once the first callback was accepted
        self.original_id = None
        self.followup_ids = []
        self.events = []
        self.serial = None

    def allowed_callbacks(self):
        allowed = set(ALLOWED_CALLBACKS.get(self.type, ()))
        if self.type == MODAL_SUBMIT and self.payload.get("message"):
            allowed |= {6, 7}
        return allowed

    def elapsed_ms(self, at=None):
        at = time.monotonic() if at is None else at
        return round((at - (self.sent_at or self.created)) * 1000, 1)

    def record(self, kind, **fields):
        event = {"kind": kind, "at_ms": self.elapsed_ms()}
        event.update(fields)
        self.events.append(event)
        self.world.touch()
        return event

    def summary(self):
        initial = None
        if self.initial is not None:
            initial = {"type": self.initial["type"], "data": self.initial["data"],
                       "received_after_ms": self.elapsed_ms(self.initial["at"])}
        original = self.world.message_index.get(self.original_id) if self.original_id else None
        return {"id": self.id, "token": self.token, "type": self.type, "session_id": self.session_id,
                "serial": self.serial, "delivered": self.sent_at is not None, "initial": initial,
                "original": original, "followups": [self.world.message_index.get(m) for m in self.followup_ids
                                                    if m in self.world.message_index],
                "events": list(self.events), "payload": self.payload}


def make_token(interaction_id):
    raw = f"{interaction_id}:{secrets.token_urlsafe(48)}".encode()
    return "aW50ZXJhY3Rpb246" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


# -------------------------------------------------------------------------------------------------------
# building payloads


class InteractionBuilder:
    """Turns {type, name/custom_id, options/values, user, channel, ...} into a Discord-shaped interaction."""

    def __init__(self, world):
        self.world = world

    def _lookup(self, finder, ref, what):
        try:
            return finder(ref)
        except KeyError:
            raise ControlError(404, f"unknown {what} {ref!r}") from None

    def build(self, spec):
        world = self.world
        kind = spec.get("type")
        if kind not in (COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT):
            raise ControlError(400, "type must be 2 (command), 3 (component), 4 (autocomplete) or 5 (modal submit)")
        guild = self._lookup(world.find_guild, spec.get("guild"), "guild")
        channel = self._lookup(lambda r: world.find_channel(r, guild), spec.get("channel"), "channel")
        user = self._lookup(world.find_user, spec.get("user"), "user")
        permissions = spec.get("permissions")
        if permissions is None:
            permissions = world.member_permissions(guild, user["id"])
        interaction_id = world.ids.next()
        locale = spec.get("locale", "en-US")
        payload = {
            "id": interaction_id, "application_id": world.application_id, "type": kind, "token": make_token(interaction_id),
            "version": 1, "guild_id": guild["id"],
            "guild": {"id": guild["id"], "locale": guild["locale"], "features": []},
            "channel_id": channel["id"],
            "channel": dict(world.public_channel(channel), permissions=str(permissions)),
            "member": world.member(guild, user["id"], permissions=permissions),
            "locale": locale, "guild_locale": guild["locale"],
            "app_permissions": str(world.bot_permissions(channel)),
            "entitlements": [], "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": guild["id"]}, "context": 0,
            "attachment_size_limit": 10485760,
        }
        if kind in (COMMAND, AUTOCOMPLETE):
            payload["data"] = self._command_data(spec, guild, kind)
        elif kind == COMPONENT:
            payload["data"], payload["message"] = self._component_data(spec, channel)
        else:
            payload["data"], message = self._modal_data(spec, channel)
            if message is not None:
                payload["message"] = message
        return payload

    # -- commands and autocomplete
    def _command_data(self, spec, guild, kind):
        words = str(spec.get("name", "")).split()
        if not words:
            raise ControlError(400, "name is required for command and autocomplete interactions")
        command_type = spec.get("command_type", 1)
        store = self.world.commands
        scope = guild["id"]
        command = store.find(guild["id"], words[0], command_type)
        if command is None:
            scope = "global"
            command = store.find("global", words[0], command_type)
        if command is None and not spec.get("allow_unregistered"):
            raise ControlError(404, f"command {words[0]!r} is not registered (set allow_unregistered to force)")
        data = {"id": command["id"] if command else self.world.ids.next(), "name": words[0], "type": command_type}
        if command is not None and scope != "global":
            data["guild_id"] = scope
        if spec.get("target_id") is not None:
            data["target_id"] = str(spec["target_id"])
        definitions = (command or {}).get("options", [])
        resolved = {}
        raw = spec.get("options")
        if len(words) > 1:
            leaf_definitions = self._leaf_definitions(words, definitions, strict=command is not None)
        else:
            leaf_definitions = definitions
        if isinstance(raw, list):
            options = raw  # the test spelled the options out itself
        else:
            options = self._options(leaf_definitions, dict(raw or {}), spec.get("focused"), resolved, guild,
                                    strict=command is not None)
        if len(words) > 1:
            options = self._nest(words[1:], definitions, options)
        if kind == AUTOCOMPLETE and not _has_focused(options):
            raise ControlError(400, "autocomplete needs a focused option (focused=<option name>)")
        if options:
            data["options"] = options
        resolved.update(spec.get("resolved") or {})
        if resolved:
            data["resolved"] = resolved
        return data

    @staticmethod
    def _leaf_definitions(words, definitions, strict):
        """The options of the subcommand named by words[1:], checked against the registered tree."""
        level = definitions
        for name in words[1:]:
            found = next((o for o in level if o.get("name") == name and o.get("type") in
                          (SUB_COMMAND, SUB_COMMAND_GROUP)), None)
            if found is None:
                if strict:
                    raise ControlError(400, f"/{' '.join(words)}: {name!r} is not a subcommand or group there")
                return []
            level = found.get("options", [])
        return level

    def _nest(self, path, definitions, leaf_options):
        """["group", "sub"] -> [{"type": 2, "name": "group", "options": [{"type": 1, "name": "sub", ...}]}]"""
        kinds = []
        level = definitions
        for name in path:
            definition = next((o for o in level if o.get("name") == name), None)
            kind = definition["type"] if definition else (SUB_COMMAND if name == path[-1] else SUB_COMMAND_GROUP)
            kinds.append(kind)
            level = (definition or {}).get("options", [])
        options = leaf_options
        for name, kind in reversed(list(zip(path, kinds))):
            node = {"name": name, "type": kind}
            if options:
                node["options"] = options
            options = [node]
        return options

    def _options(self, definitions, values, focused, resolved, guild, strict):
        flat = {o["name"]: o for o in definitions or [] if o.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP)}
        if strict:
            unknown = sorted(set(values) - set(flat) | ({focused} - set(flat) if focused else set()))
            if unknown:
                raise ControlError(400, f"the command has no options {unknown} here (known: {sorted(flat)})")
        out = []
        for name, value in values.items():
            definition = flat.get(name)
            kind = definition["type"] if definition else _guess_type(value)
            option = {"name": name, "type": kind, "value": self._coerce(kind, value, resolved, guild)}
            if focused == name:
                option["focused"] = True
            out.append(option)
        if focused is not None and focused not in values:
            out.append({"name": focused, "type": (flat.get(focused) or {}).get("type", 3), "value": "",
                        "focused": True})
        return out

    def _coerce(self, kind, value, resolved, guild):
        world = self.world
        if kind == 4:
            return int(value)
        if kind == 10:
            return float(value)
        if kind == 5:
            return bool(value)
        if kind == 6 or (kind == 9 and not any(str(value) in (r["id"], r["name"]) for r in guild["roles"])):
            user = self._lookup(world.find_user, value, "user")
            resolved.setdefault("users", {})[user["id"]] = dict(user)
            member = world.member(guild, user["id"], with_user=False,
                                  permissions=world.member_permissions(guild, user["id"]))
            resolved.setdefault("members", {})[user["id"]] = member
            return user["id"]
        if kind in (8, 9):
            role = next((r for r in guild["roles"] if str(value) in (r["id"], r["name"])), None)
            if role is None:
                raise ControlError(404, f"unknown role {value!r}")
            resolved.setdefault("roles", {})[role["id"]] = dict(role)
            return role["id"]
        if kind == 7:
            channel = self._lookup(lambda r: world.find_channel(r, guild), value, "channel")
            resolved.setdefault("channels", {})[channel["id"]] = {
                "id": channel["id"], "name": channel["name"], "type": channel["type"],
                "parent_id": channel.get("parent_id"), "permissions": str(ALL_VIEW), "flags": 0}
            return channel["id"]
        if kind == 11:
            attachment_id = world.ids.next()
            resolved.setdefault("attachments", {})[attachment_id] = {
                "id": attachment_id, "filename": str(value), "size": 0, "content_type": "application/octet-stream",
                "url": f"https://cdn.discordapp.com/ephemeral-attachments/0/{attachment_id}/{value}",
                "proxy_url": f"https://media.discordapp.net/ephemeral-attachments/0/{attachment_id}/{value}"}
            return attachment_id
        return str(value)

    # -- components
    def _component_data(self, spec, channel):
        custom_id = spec.get("custom_id")
        if not custom_id:
            raise ControlError(400, "custom_id is required for component interactions")
        message = self._find_message_with(spec, channel, custom_id)
        component = _find_component(message.get("components") or [], custom_id) if message else None
        if message is None or component is None:
            if not spec.get("synthetic_message"):
                raise ControlError(404, f"no message with a component {custom_id!r} (set message_id, or "
                                        f"synthetic_message to make one up)")
            kind = spec.get("component_type", 3 if spec.get("values") is not None else 2)
            component = {"type": kind, "custom_id": custom_id}
            if kind == 2:
                component.update(style=1, label=custom_id[:80])
            message = self.world.make_message(channel["id"], {"components": [{"type": 1, "components": [component]}]},
                                              extra={"webhook_id": None})
            self.world.store_in_channel(message)
        if component.get("disabled"):
            raise ControlError(409, f"component {custom_id!r} is disabled; users cannot use it")
        kind = spec.get("component_type", component.get("type", 2))
        data = {"custom_id": custom_id, "component_type": kind}
        if kind in (3, 5, 6, 7, 8):
            values = [str(v) for v in spec.get("values") or []]
            if kind == 3 and component.get("options") is not None:
                known = {o.get("value") for o in component["options"]}
                unknown = [v for v in values if v not in known]
                if unknown:
                    raise ControlError(400, f"values {unknown} are not options of {custom_id!r}")
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(values) <= high:
                raise ControlError(400, f"{custom_id!r} takes {low}..{high} values, got {len(values)}")
            data["values"] = values
        return data, message

    def _find_message_with(self, spec, channel, custom_id):
        world = self.world
        if spec.get("message_id") is not None:
            message = world.message_index.get(str(spec["message_id"]))
            if message is None:
                raise ControlError(404, f"unknown message {spec['message_id']!r}")
            return message
        # newest first, channel messages and ephemeral interaction answers alike
        for message in reversed(list(world.message_index.values())):
            if message["channel_id"] == channel["id"] and _find_component(message.get("components") or [], custom_id):
                return message
        return None

    # -- modal submits
    def _modal_data(self, spec, channel):
        custom_id = spec.get("custom_id")
        if not custom_id:
            raise ControlError(400, "custom_id (the modal's) is required for modal submits")
        origin = None
        for interaction in reversed(list(self.world.interactions.values())):
            initial = interaction.initial
            if initial and initial["type"] == 9 and (initial["data"] or {}).get("custom_id") == custom_id:
                origin = interaction
                break
        values = dict(spec.get("values") or {})
        if spec.get("components") is not None:
            components = spec["components"]
        elif origin is not None:
            components = _submit_components(origin.initial["data"].get("components") or [], values)
        else:
            raise ControlError(404, f"the bot never opened a modal {custom_id!r} (pass components to force)")
        if values:
            raise ControlError(400, f"the modal {custom_id!r} has no inputs {sorted(values)}")
        message = None
        if origin is not None and origin.type == COMPONENT:
            message = origin.payload.get("message")
            if message is not None:
                message = self.world.message_index.get(message["id"], message)
        return {"custom_id": custom_id, "components": components}, message


ALL_VIEW = 1024 | 2048 | 65536


def _has_focused(options):
    for option in options or []:
        if option.get("focused") or _has_focused(option.get("options")):
            return True
    return False


def _guess_type(value):
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _find_component(components, custom_id):
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id:
            return component
        for key in ("components", "items"):
            found = _find_component(component.get(key) or [], custom_id)
            if found:
                return found
        accessory = component.get("accessory")
        if isinstance(accessory, dict) and accessory.get("custom_id") == custom_id:
            return accessory
    return None


def _submit_components(modal_components, values):
    """Mirrors the modal the bot sent, filling in the values; pops each used key from `values`."""
    out = []
    for top in modal_components:
        kind = top.get("type")
        if kind == 1:
            row = []
            for child in top.get("components") or []:
                row.append({"type": child.get("type", 4), "custom_id": child.get("custom_id"),
                            "value": str(values.pop(child.get("custom_id"), child.get("value", "")))})
            out.append({"type": 1, "components": row})
        elif kind == 18:
            inner = top.get("component") or {}
            answer = {"type": inner.get("type"), "id": inner.get("id", 0), "custom_id": inner.get("custom_id")}
            given = values.pop(inner.get("custom_id"), None)
            if inner.get("type") == 4:
                answer["value"] = str(given if given is not None else inner.get("value", ""))
            else:
                answer["values"] = [str(v) for v in (given or [])]
            out.append({"type": 18, "id": top.get("id", 0), "component": answer})
        elif kind == 10:
            out.append({"type": 10, "id": top.get("id", 0)})
    return out
