"""Application commands: Discord's definition rules and per-scope storage with a daily create counter."""
import time
import unicodedata

from .errors import ApiError, FormErrors
from .validate import check_int, check_list, check_text

CHAT_INPUT, USER, MESSAGE, ENTRY_POINT = 1, 2, 3, 4
# Discord's per-scope caps by command type.
TYPE_CAPS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15, ENTRY_POINT: 1}
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, NUMBER = 1, 2, 3, 4, 10
CHOICE_TYPES = (STRING, INTEGER, NUMBER)
MAX_COMMAND_SIZE = 8000
DAY = 86400.0


def _name_char_ok(char):
    # ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ without the `regex` module: letters/numbers via
    # str.isalnum, and the combining marks of the two named scripts via their Unicode names.
    if char in "-_'" or char.isalnum():
        return True
    try:
        name = unicodedata.name(char)
    except ValueError:
        return False
    return name.startswith(("DEVANAGARI", "THAI"))


def check_name(errors, path, name, *, chat_input):
    name = check_text(errors, path, name, 32, low=1, required=True)
    if not isinstance(name, str) or not chat_input or not name:
        return name
    if not all(_name_char_ok(c) for c in name):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif name != name.lower():
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name must be lowercase")
    return name


def _check_localizations(errors, path, value, *, names, chat_input):
    if value is None:
        return
    if not isinstance(value, dict):
        errors.bad_type(path, "object")
        return
    for locale, text in value.items():
        if names:
            check_name(errors, path + (locale,), text, chat_input=chat_input)
        else:
            check_text(errors, path + (locale,), text, 100, low=1, required=True)


def _check_choice_value(errors, path, option_type, value):
    if option_type == STRING:
        if not isinstance(value, str):
            errors.bad_type(path, "string")
        else:
            check_text(errors, path, value, 100)
    elif option_type == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            errors.bad_type(path, "int")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.bad_type(path, "float")


def check_options(errors, path, options, *, parent):
    """parent: "command", "group" or "subcommand" - decides which option types may appear here."""
    options = check_list(errors, path, options, 25)
    names = set()
    seen_optional = False
    kinds = set()
    for index, option in enumerate(options):
        opath = path + (index,)
        if not isinstance(option, dict):
            errors.bad_type(opath, "object")
            continue
        kind = option.get("type")
        if kind not in range(1, 12):
            errors.required(opath + ("type",)) if kind is None else errors.choices(opath + ("type",), list(range(1, 12)))
            continue
        kinds.add(kind)
        name = check_name(errors, opath + ("name",), option.get("name"), chat_input=True)
        if name in names:
            errors.add(opath + ("name",), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique")
        names.add(name)
        check_text(errors, opath + ("description",), option.get("description"), 100, low=1, required=True)
        _check_localizations(errors, opath + ("name_localizations",), option.get("name_localizations"),
                             names=True, chat_input=True)
        _check_localizations(errors, opath + ("description_localizations",),
                             option.get("description_localizations"), names=False, chat_input=True)
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if option.get("required"):
                errors.add(opath + ("required",), "APPLICATION_COMMAND_OPTION_REQUIRED_NOT_ALLOWED",
                           "Sub-commands and groups cannot be required")
            if kind == SUB_COMMAND_GROUP and parent != "command":
                errors.add(opath + ("type",), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                           "Sub-command groups can only be nested at the top level")
            if kind == SUB_COMMAND and parent == "subcommand":
                errors.add(opath + ("type",), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                           "Sub-commands cannot contain sub-commands")
            check_options(errors, opath + ("options",), option.get("options"),
                          parent="group" if kind == SUB_COMMAND_GROUP else "subcommand")
            continue
        if parent == "group":
            errors.add(opath + ("type",), "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                       "Sub-command groups can only contain sub-commands")
        if option.get("options"):
            errors.add(opath + ("options",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                       "Only sub-commands and groups have nested options")
        required = bool(option.get("required"))
        if required and seen_optional:
            errors.add(path, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                       "Required options must be placed before non-required options")
        seen_optional = seen_optional or not required
        choices = option.get("choices")
        if choices is not None:
            if kind not in CHOICE_TYPES:
                errors.add(opath + ("choices",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                           "Only string, integer and number options have choices")
            for cindex, choice in enumerate(check_list(errors, opath + ("choices",), choices, 25)):
                cpath = opath + ("choices", cindex)
                if not isinstance(choice, dict):
                    errors.bad_type(cpath, "object")
                    continue
                check_text(errors, cpath + ("name",), choice.get("name"), 100, low=1, required=True)
                if "value" not in choice:
                    errors.required(cpath + ("value",))
                else:
                    _check_choice_value(errors, cpath + ("value",), kind, choice["value"])
        if option.get("autocomplete"):
            if kind not in CHOICE_TYPES:
                errors.add(opath + ("autocomplete",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                           "Only string, integer and number options can autocomplete")
            if choices:
                errors.add(opath + ("autocomplete",), "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_EXCLUSIVE",
                           "Autocomplete and choices are mutually exclusive")
        if kind == STRING:
            check_int(errors, opath + ("min_length",), option.get("min_length"), 0, 6000)
            check_int(errors, opath + ("max_length",), option.get("max_length"), 1, 6000)
        elif option.get("min_length") is not None or option.get("max_length") is not None:
            errors.add(opath + ("min_length",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                       "Only string options have lengths")
        if kind not in (INTEGER, NUMBER) and (option.get("min_value") is not None
                                              or option.get("max_value") is not None):
            errors.add(opath + ("min_value",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                       "Only integer and number options have value bounds")
        if option.get("channel_types") is not None and kind != 7:
            errors.add(opath + ("channel_types",), "APPLICATION_COMMAND_OPTION_FIELD_NOT_ALLOWED",
                       "Only channel options have channel types")
    if {SUB_COMMAND, SUB_COMMAND_GROUP} & kinds and kinds - {SUB_COMMAND, SUB_COMMAND_GROUP}:
        errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                   "Sub-command and sub-command group option types are mutually exclusive to all other types")
    return options


def _longest(default, localizations):
    lengths = [len(default or "")] + [len(v) for v in (localizations or {}).values() if isinstance(v, str)]
    return max(lengths)


def command_size(command):
    """Discord's 8000-character rule: names, descriptions, choice names/values, longest localization each."""
    def options_size(options):
        total = 0
        for option in options or []:
            if not isinstance(option, dict):
                continue
            total += _longest(option.get("name"), option.get("name_localizations"))
            total += _longest(option.get("description"), option.get("description_localizations"))
            for choice in option.get("choices") or []:
                if isinstance(choice, dict):
                    total += _longest(choice.get("name"), choice.get("name_localizations"))
                    total += len(str(choice.get("value", "")))
            total += options_size(option.get("options"))
        return total

    return (_longest(command.get("name"), command.get("name_localizations"))
            + _longest(command.get("description"), command.get("description_localizations"))
            + options_size(command.get("options")))


def check_command(errors, path, body, *, is_global, partial=False):
    """Validates one command body (create, bulk item, or the merged result of an edit)."""
    if not isinstance(body, dict):
        errors.bad_type(path, "object")
        return
    kind = body.get("type", CHAT_INPUT)
    if kind not in TYPE_CAPS:
        errors.choices(path + ("type",), list(TYPE_CAPS))
        return
    chat_input = kind == CHAT_INPUT
    check_name(errors, path + ("name",), body.get("name"), chat_input=chat_input)
    if chat_input:
        check_text(errors, path + ("description",), body.get("description"), 100, low=1, required=True)
        check_options(errors, path + ("options",), body.get("options"), parent="command")
    else:
        if body.get("description"):
            errors.add(path + ("description",), "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                       "Context menu commands cannot have a description")
        if body.get("options"):
            errors.add(path + ("options",), "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED",
                       "Context menu commands cannot have options")
    _check_localizations(errors, path + ("name_localizations",), body.get("name_localizations"),
                         names=True, chat_input=chat_input)
    _check_localizations(errors, path + ("description_localizations",), body.get("description_localizations"),
                         names=False, chat_input=chat_input)
    perms = body.get("default_member_permissions")
    if perms is not None and not (isinstance(perms, int) and not isinstance(perms, bool)) \
            and not (isinstance(perms, str) and perms.isdigit()):
        errors.add(path + ("default_member_permissions",), "PERMISSIONS_INVALID", "Invalid permission bits")
    for key, allowed in (("contexts", (0, 1, 2)), ("integration_types", (0, 1))):
        value = body.get(key)
        if value is None:
            continue
        if not is_global:
            errors.add(path + (key,), "APPLICATION_COMMAND_GUILD_FIELD_NOT_ALLOWED",
                       f"Guild commands cannot set {key}")
        for index, item in enumerate(check_list(errors, path + (key,), value, len(allowed))):
            if item not in allowed:
                errors.choices(path + (key, index), list(allowed))
    if command_size(body) > MAX_COMMAND_SIZE:
        errors.add(path, "APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({MAX_COMMAND_SIZE})")


class CommandStore:
    """Commands per scope ("global" or a guild id), in creation order, with a rolling 24 h create log."""

    def __init__(self, ids, application_id, settings):
        self.ids = ids
        self.application_id = application_id
        self.settings = settings  # world config dict: daily_command_creates, ...
        self.scopes = {}
        self.create_log = []  # (monotonic time, scope)

    # -- reading
    def list(self, scope):
        return list(self.scopes.get(scope, {}).values())

    def get(self, scope, command_id):
        command = self.scopes.get(scope, {}).get(str(command_id))
        if command is None:
            raise ApiError(404, 10063, "Unknown application command")
        return command

    def find(self, scope, name, kind=CHAT_INPUT):
        for command in self.scopes.get(scope, {}).values():
            if command["name"] == name and command["type"] == kind:
                return command
        return None

    def creates_today(self, scope=None):
        cutoff = time.monotonic() - DAY
        self.create_log = [entry for entry in self.create_log if entry[0] >= cutoff]
        return sum(1 for _, s in self.create_log if scope is None or s == scope)

    def creates_by_scope(self):
        self.creates_today()
        out = {}
        for _, scope in self.create_log:
            out[scope] = out.get(scope, 0) + 1
        return out

    # -- writing
    def _normalise(self, scope, body, previous=None):
        kind = body.get("type", CHAT_INPUT)
        perms = body.get("default_member_permissions")
        command = {
            "id": previous["id"] if previous else self.ids.next(),
            "application_id": self.application_id,
            "version": previous["version"] if previous else None,
            "default_member_permissions": None if perms is None else str(perms),
            "type": kind,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", "") if kind == CHAT_INPUT else "",
            "description_localizations": body.get("description_localizations"),
            "nsfw": bool(body.get("nsfw", False)),
        }
        if scope == "global":
            command["dm_permission"] = body.get("dm_permission", True)
            command["contexts"] = body.get("contexts")
            command["integration_types"] = body.get("integration_types") or [0]
        else:
            command["guild_id"] = scope
        if body.get("options"):
            command["options"] = [self._clean_option(o) for o in body["options"]]
        if previous is None or self._definition(previous) != self._definition(command):
            command["version"] = self.ids.next()
        return command

    def _clean_option(self, option):
        cleaned = {k: v for k, v in option.items() if v is not None and not (k == "required" and v is False)}
        if cleaned.get("options"):
            cleaned["options"] = [self._clean_option(o) for o in cleaned["options"]]
        else:
            cleaned.pop("options", None)
        return cleaned

    @staticmethod
    def _definition(command):
        return {k: v for k, v in command.items() if k not in ("id", "version")}

    def _check_daily(self, scope, new_count):
        limit = self.settings["daily_command_creates"]
        if new_count and self.creates_today(scope) + new_count > limit:
            oldest = min((t for t, s in self.create_log if s == scope), default=time.monotonic())
            retry = max(0.0, oldest + DAY - time.monotonic())
            raise ApiError(429, 30034, f"Max number of daily application command creates has been reached ({limit})",
                           headers={"Retry-After": str(int(retry) + 1), "X-RateLimit-Scope": "user"})

    def _check_caps(self, commands):
        for kind, cap in TYPE_CAPS.items():
            if kind == CHAT_INPUT:
                cap = self.settings["max_chat_commands"]
            if sum(1 for c in commands if c.get("type", CHAT_INPUT) == kind) > cap:
                raise ApiError(400, 30032, f"Maximum number of application commands reached ({cap})")

    def _record_creates(self, scope, count):
        now = time.monotonic()
        self.create_log.extend((now, scope) for _ in range(count))

    def upsert(self, scope, body):
        errors = FormErrors()
        check_command(errors, (), body, is_global=scope == "global")
        errors.raise_if_any()
        existing = self.find(scope, body["name"], body.get("type", CHAT_INPUT))
        if existing is None:
            self._check_caps(self.list(scope) + [body])
            self._check_daily(scope, 1)
            self._record_creates(scope, 1)
        command = self._normalise(scope, body, existing)
        self.scopes.setdefault(scope, {})[command["id"]] = command
        return command, existing is None

    def edit(self, scope, command_id, patch):
        current = self.get(scope, command_id)
        merged = {k: v for k, v in current.items() if k not in ("id", "application_id", "version", "guild_id")}
        merged.update(patch if isinstance(patch, dict) else {})
        errors = FormErrors()
        check_command(errors, (), merged, is_global=scope == "global")
        errors.raise_if_any()
        clash = self.find(scope, merged["name"], merged.get("type", CHAT_INPUT))
        if clash is not None and clash["id"] != current["id"]:
            raise ApiError(400, 50035, "Invalid Form Body",
                           {"name": {"_errors": [{"code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                                                  "message": "Application command names must be unique"}]}})
        command = self._normalise(scope, merged, current)
        self.scopes[scope][command["id"]] = command
        return command

    def delete(self, scope, command_id):
        self.get(scope, command_id)
        del self.scopes[scope][str(command_id)]

    def overwrite(self, scope, bodies):
        errors = FormErrors()
        if not isinstance(bodies, list):
            errors.bad_type((), "array")
            errors.raise_if_any()
        seen = {}
        for index, body in enumerate(bodies):
            check_command(errors, (index,), body, is_global=scope == "global")
            if isinstance(body, dict) and isinstance(body.get("name"), str):
                key = (body["name"], body.get("type", CHAT_INPUT))
                if key in seen:
                    errors.add((index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME",
                               "Application command names must be unique")
                seen[key] = index
        errors.raise_if_any()
        self._check_caps(bodies)
        current = self.scopes.get(scope, {})
        by_id = dict(current)
        plan = []
        for body in bodies:
            previous = by_id.get(str(body.get("id"))) if body.get("id") is not None else None
            if previous is None:
                previous = self.find(scope, body["name"], body.get("type", CHAT_INPUT))
            plan.append((body, previous))
        new_count = sum(1 for _, previous in plan if previous is None)
        self._check_daily(scope, new_count)
        self._record_creates(scope, new_count)
        replaced = {}
        for body, previous in plan:
            command = self._normalise(scope, body, previous)
            replaced[command["id"]] = command
        self.scopes[scope] = replaced
        return list(replaced.values())
