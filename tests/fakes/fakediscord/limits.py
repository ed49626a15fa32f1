"""Discord's validation rules for what a bot sends (messages, components, modals, autocomplete, commands),
reported the way Discord reports them. Numbers from reference/discord-protocol.md §§ 4-6."""
import re

from .errors import Invalid

NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)
LOCALES = set("id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk hi "
              "th zh-CN ja zh-TW ko".split())


def _length(bad, path, value, low, high, what="BASE_TYPE_BAD_LENGTH"):
    if not isinstance(value, str):
        bad.add(path, "BASE_TYPE_STRING", "Must be a string.")
        return
    n = len(value.strip())
    if n < low or n > high:
        bad.add(path, what, f"Must be between {low} and {high} in length.")


def check_embeds(bad, embeds, path=("embeds",)):
    if not isinstance(embeds, list):
        bad.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(embeds) > 10:
        bad.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        p = (*path, i)
        if not isinstance(embed, dict):
            bad.add(p, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        for key, limit in (("title", 256), ("description", 4096)):
            if key in embed and embed[key] is not None:
                _length(bad, (*p, key), embed[key], 0, limit)
                total += len(str(embed[key]).strip())
        fields = embed.get("fields") or []
        if len(fields) > 25:
            bad.add((*p, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, field in enumerate(fields):
            _length(bad, (*p, "fields", j, "name"), field.get("name"), 1, 256)
            _length(bad, (*p, "fields", j, "value"), field.get("value"), 1, 1024)
            total += len(str(field.get("name", "")).strip()) + len(str(field.get("value", "")).strip())
        if isinstance(embed.get("footer"), dict):
            _length(bad, (*p, "footer", "text"), embed["footer"].get("text"), 1, 2048)
            total += len(str(embed["footer"].get("text", "")).strip())
        if isinstance(embed.get("author"), dict):
            _length(bad, (*p, "author", "name"), embed["author"].get("name"), 1, 256)
            total += len(str(embed["author"].get("name", "")).strip())
        color = embed.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            bad.add((*p, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0.")
    if total > 6000:
        bad.add(path, "BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000")


def _check_button(bad, p, button, custom_ids):
    style = button.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        bad.add((*p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
    if "label" in button and button["label"] is not None:
        _length(bad, (*p, "label"), button["label"], 0, 80)
    if style == 5:
        if not button.get("url"):
            bad.add((*p, "url"), "BASE_TYPE_REQUIRED", "This field is required")
        if "custom_id" in button:
            bad.add((*p, "custom_id"), "COMPONENT_CUSTOM_ID_INVALID", "A custom id may not be set on a link button")
    elif style != 6:
        _check_custom_id(bad, p, button, custom_ids)


def _check_custom_id(bad, p, component, custom_ids):
    cid = component.get("custom_id")
    if cid is None:
        bad.add((*p, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
        return
    _length(bad, (*p, "custom_id"), cid, 1, 100)
    if cid in custom_ids:
        bad.add((*p, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
    custom_ids.add(cid)


def _check_select(bad, p, select, custom_ids):
    _check_custom_id(bad, p, select, custom_ids)
    if select.get("placeholder") is not None:
        _length(bad, (*p, "placeholder"), select["placeholder"], 0, 150)
    if select.get("type") == 3:
        options = select.get("options") or []
        if not 1 <= len(options) <= 25:
            bad.add((*p, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
        for j, option in enumerate(options):
            _length(bad, (*p, "options", j, "label"), option.get("label"), 1, 100)
            _length(bad, (*p, "options", j, "value"), option.get("value"), 1, 100)
            if option.get("description") is not None:
                _length(bad, (*p, "options", j, "description"), option["description"], 0, 100)
    for key in ("min_values", "max_values"):
        v = select.get(key)
        if v is not None and (not isinstance(v, int) or not 0 <= v <= 25):
            bad.add((*p, key), "NUMBER_TYPE_MAX", "int value should be <= 25 and >= 0.")


def check_components(bad, rows, path=("components",)):
    if not isinstance(rows, list):
        bad.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(rows) > 5:
        bad.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    custom_ids = set()
    for i, row in enumerate(rows):
        p = (*path, i)
        if not isinstance(row, dict) or row.get("type") != 1:
            bad.add((*p, "type"), "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
            continue
        children = row.get("components") or []
        if not children:
            bad.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
        selects = [c for c in children if isinstance(c, dict) and c.get("type") in (3, 5, 6, 7, 8)]
        if len(buttons) > 5 or (selects and (len(selects) > 1 or buttons)):
            bad.add((*p, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width")
        for j, child in enumerate(children):
            cp = (*p, "components", j)
            if not isinstance(child, dict):
                bad.add(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            elif child.get("type") == 2:
                _check_button(bad, cp, child, custom_ids)
            elif child.get("type") in (3, 5, 6, 7, 8):
                _check_select(bad, cp, child, custom_ids)
            else:
                bad.add((*cp, "type"), "UNION_TYPE_CHOICES", "Value of field \"type\" is not allowed here.")


def check_message(data, require_content=True):
    """Returns an Invalid (falsy when fine) for a message create/edit body."""
    bad = Invalid()
    if not isinstance(data, dict):
        bad.add((), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return bad
    if data.get("content") is not None:
        _length(bad, ("content",), data["content"], 0, 2000)
    if data.get("embeds") is not None:
        check_embeds(bad, data["embeds"])
    if data.get("components") is not None:
        check_components(bad, data["components"])
    mentions = data.get("allowed_mentions")
    if mentions is not None and not isinstance(mentions.get("parse", []), list):
        bad.add(("allowed_mentions", "parse"), "BASE_TYPE_ARRAY", "Must be an array.")
    if require_content and not bad and not any(data.get(k) for k in ("content", "embeds", "components",
                                                                        "sticker_ids", "attachments", "poll")):
        return "empty"
    return bad


def check_modal(data):
    bad = Invalid()
    _length(bad, ("custom_id",), data.get("custom_id"), 1, 100)
    _length(bad, ("title",), data.get("title"), 1, 45)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        bad.add(("components",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    custom_ids = set()
    for i, top in enumerate(components):
        inputs = top.get("components") if top.get("type") == 1 else [top.get("component")] if top.get("type") == 18 \
            else None
        if not inputs:
            bad.add(("components", i), "UNION_TYPE_CHOICES", "Each modal row needs one input")
            continue
        for inp in inputs:
            if not isinstance(inp, dict):
                continue
            _check_custom_id(bad, ("components", i), inp, custom_ids)
            if inp.get("type") == 4:
                if inp.get("style") not in (1, 2):
                    bad.add(("components", i, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
                if inp.get("value") is not None:
                    _length(bad, ("components", i, "value"), inp["value"], 0, 4000)
                if top.get("type") == 1:
                    _length(bad, ("components", i, "label"), inp.get("label"), 1, 45)
    return bad


def check_choices(data):
    bad = Invalid()
    choices = data.get("choices")
    if not isinstance(choices, list):
        bad.add(("choices",), "BASE_TYPE_REQUIRED", "This field is required")
        return bad
    if len(choices) > 25:
        bad.add(("choices",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        _length(bad, ("choices", i, "name"), choice.get("name"), 1, 100)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            bad.add(("choices", i, "value"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    return bad


def _valid_name(name):
    return isinstance(name, str) and bool(NAME_RE.match(name)) and name == name.lower()


def _check_options(bad, path, options, depth):
    if len(options) > 25:
        bad.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen, optional_seen = set(), False
    for i, option in enumerate(options):
        p = (*path, i)
        if not _valid_name(option.get("name")):
            bad.add((*p, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if option.get("name") in seen:
            bad.add((*p, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists")
        seen.add(option.get("name"))
        _length(bad, (*p, "description"), option.get("description"), 1, 100)
        kind = option.get("type")
        if kind not in range(1, 12):
            bad.add((*p, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1..11).")
        if option.get("required"):
            if optional_seen:
                bad.add((*p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options")
        elif kind not in (1, 2):
            optional_seen = True
        choices = option.get("choices")
        if choices is not None:
            if len(choices) > 25:
                bad.add((*p, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if option.get("autocomplete"):
                bad.add((*p, "autocomplete"), "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                        "Autocomplete cannot be set for options with choices")
        if kind in (1, 2):
            if depth >= (1 if kind == 2 else 2):
                bad.add((*p, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Invalid nesting")
            _check_options(bad, (*p, "options"), option.get("options") or [], depth + 1)


def _size(command):
    total = 0

    def longest(base, localized):
        return max([len(base or "")] + [len(v) for v in (localized or {}).values()])

    def walk(node):
        nonlocal total
        total += longest(node.get("name"), node.get("name_localizations"))
        total += longest(node.get("description"), node.get("description_localizations"))
        for choice in node.get("choices") or []:
            total += longest(choice.get("name"), choice.get("name_localizations")) + len(str(choice.get("value")))
        for child in node.get("options") or []:
            walk(child)
    walk(command)
    return total


# Fields Discord documents as "global commands only"; a guild route refuses them.
GLOBAL_ONLY_FIELDS = ("contexts", "integration_types")


def check_command(command, path=(), guild_scoped=False):
    bad = Invalid()
    kind = command.get("type", 1)
    if guild_scoped:
        for field in GLOBAL_ONLY_FIELDS:
            if command.get(field) is not None:
                bad.add((*path, field), "APPLICATION_COMMAND_GUILD_FIELD_NOT_ALLOWED",
                        f"{field} is only allowed for global commands")
    if kind == 1 and not _valid_name(command.get("name")):
        bad.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if kind == 1:
        _length(bad, (*path, "description"), command.get("description"), 1, 100)
    for field in ("name_localizations", "description_localizations"):
        for locale in (command.get(field) or {}):
            if locale not in LOCALES:
                bad.add((*path, field, locale), "LOCALE_INVALID", "Invalid locale")
    _check_options(bad, (*path, "options"), command.get("options") or [], 0)
    if _size(command) > 8000:
        bad.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
    return bad
