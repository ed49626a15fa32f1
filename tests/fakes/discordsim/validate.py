"""Discord's limits on message bodies, embeds, components, modals and autocomplete choices.

Every check adds to a FormErrors tree at the same path Discord reports (e.g. data.embeds.0.title), so a
caller raises one 400/50035 with all problems, like Discord does.
"""
import datetime

from .errors import ApiError

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_VOICE_MESSAGE = 1 << 13
IS_COMPONENTS_V2 = 1 << 15

CHANNEL_MESSAGE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | EPHEMERAL

SELECT_TYPES = (3, 5, 6, 7, 8)
MESSAGE_ROW_CHILD_TYPES = (2,) + SELECT_TYPES
V2_LAYOUT_TYPES = (9, 10, 11, 12, 13, 14, 17)
MODAL_INPUT_TYPES = (4, 3, 5, 6, 7, 8, 19, 21, 22, 23)


def check_text(errors, path, value, high, *, low=0, required=False, strip=False):
    """A string field with Discord's length rule; returns the value or None."""
    if value is None:
        if required:
            errors.required(path)
        return None
    if not isinstance(value, str):
        errors.bad_type(path, "string")
        return None
    length = len(value.strip()) if strip else len(value)
    if length > high or length < low:
        if low > 0:
            errors.bad_length(path, low, high)
        else:
            errors.max_length(path, high)
    return value


def check_int(errors, path, value, low, high, *, required=False):
    if value is None:
        if required:
            errors.required(path)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.bad_type(path, "int")
        return None
    if value < low or value > high:
        errors.add(path, "NUMBER_TYPE_MAX" if value > high else "NUMBER_TYPE_MIN",
                   f"int value should be between {low} and {high}.")
    return value


def check_list(errors, path, value, high, *, low=0, required=False):
    """Returns the list (possibly empty) so callers can still walk what is there."""
    if value is None:
        if required:
            errors.required(path)
        return []
    if not isinstance(value, list):
        errors.bad_type(path, "array")
        return []
    if len(value) > high or len(value) < low:
        if low > 0:
            errors.bad_length(path, low, high)
        else:
            errors.max_length(path, high)
    return value


# ---------------------------------------------------------------------------------------------------------
# Embeds


def _embed_text(errors, path, value, high, *, required=False):
    text = check_text(errors, path, value, high, low=1 if required else 0, required=required, strip=True)
    return len(text.strip()) if isinstance(text, str) else 0


def check_embed(errors, path, embed):
    """Checks one embed and returns its character count for the 6000 total."""
    if not isinstance(embed, dict):
        errors.bad_type(path, "object")
        return 0
    total = _embed_text(errors, path + ("title",), embed.get("title"), 256)
    total += _embed_text(errors, path + ("description",), embed.get("description"), 4096)
    check_text(errors, path + ("url",), embed.get("url"), 2048)
    if embed.get("color") is not None:
        check_int(errors, path + ("color",), embed["color"], 0, 0xFFFFFF)
    if embed.get("timestamp") is not None:
        try:
            datetime.datetime.fromisoformat(str(embed["timestamp"]).replace("Z", "+00:00"))
        except ValueError:
            errors.add(path + ("timestamp",), "DATE_TIME_TYPE_PARSE", "Could not parse timestamp. Should be ISO8601.")
    footer = embed.get("footer")
    if footer is not None:
        if isinstance(footer, dict):
            total += _embed_text(errors, path + ("footer", "text"), footer.get("text"), 2048, required=True)
        else:
            errors.bad_type(path + ("footer",), "object")
    author = embed.get("author")
    if author is not None:
        if isinstance(author, dict):
            total += _embed_text(errors, path + ("author", "name"), author.get("name"), 256, required=True)
        else:
            errors.bad_type(path + ("author",), "object")
    for media in ("image", "thumbnail"):
        item = embed.get(media)
        if item is not None and (not isinstance(item, dict) or not item.get("url")):
            errors.required(path + (media, "url"))
    fields = check_list(errors, path + ("fields",), embed.get("fields"), 25)
    for index, field in enumerate(fields):
        fpath = path + ("fields", index)
        if not isinstance(field, dict):
            errors.bad_type(fpath, "object")
            continue
        total += _embed_text(errors, fpath + ("name",), field.get("name"), 256, required=True)
        total += _embed_text(errors, fpath + ("value",), field.get("value"), 1024, required=True)
    return total


def check_embeds(errors, path, embeds):
    embeds = check_list(errors, path, embeds, 10)
    total = sum(check_embed(errors, path + (i,), e) for i, e in enumerate(embeds))
    if total > 6000:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return embeds


# ---------------------------------------------------------------------------------------------------------
# Components (messages)


class _CustomIds:
    """custom_id must be unique within one message or modal."""

    def __init__(self, errors):
        self.errors = errors
        self.seen = set()

    def check(self, path, value, *, required=True):
        value = check_text(self.errors, path, value, 100, low=1, required=required)
        if isinstance(value, str):
            if value in self.seen:
                self.errors.add(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
            self.seen.add(value)
        return value


def _check_button(errors, path, button, ids):
    style = button.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        if style is None:
            errors.required(path + ("style",))
        else:
            errors.choices(path + ("style",), [1, 2, 3, 4, 5, 6])
        return
    check_text(errors, path + ("label",), button.get("label"), 80)
    if style == 5:
        if button.get("custom_id") is not None:
            errors.add(path + ("custom_id",), "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                       "Link buttons cannot have a custom id")
        if not button.get("url"):
            errors.add(path + ("url",), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        else:
            check_text(errors, path + ("url",), button.get("url"), 512)
    elif style == 6:
        if not button.get("sku_id"):
            errors.add(path + ("sku_id",), "BUTTON_COMPONENT_SKU_ID_REQUIRED", "A sku id is required")
        for key in ("custom_id", "url", "label", "emoji"):
            if button.get(key) is not None:
                errors.add(path + (key,), "BUTTON_COMPONENT_PREMIUM_FIELD_NOT_ALLOWED",
                           f"Premium buttons cannot have a {key}")
    else:
        if button.get("custom_id") is None:
            errors.add(path + ("custom_id",), "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id required")
        else:
            ids.check(path + ("custom_id",), button.get("custom_id"))
        if button.get("url") is not None:
            errors.add(path + ("url",), "BUTTON_COMPONENT_URL_NOT_ALLOWED", "Only link buttons can have a url")
    if style != 6 and not button.get("label") and not button.get("emoji"):
        errors.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or an emoji is required")


def check_select(errors, path, select, ids, *, in_modal=False):
    ids.check(path + ("custom_id",), select.get("custom_id"))
    check_text(errors, path + ("placeholder",), select.get("placeholder"), 150)
    low = check_int(errors, path + ("min_values",), select.get("min_values"), 0, 25)
    high = check_int(errors, path + ("max_values",), select.get("max_values"), 1, 25)
    if in_modal and select.get("disabled"):
        errors.add(path + ("disabled",), "COMPONENT_DISABLED_NOT_ALLOWED", "Components in modals cannot be disabled")
    if select.get("type") == 3:
        options = check_list(errors, path + ("options",), select.get("options"), 25, low=1, required=True)
        values = set()
        for index, option in enumerate(options):
            opath = path + ("options", index)
            if not isinstance(option, dict):
                errors.bad_type(opath, "object")
                continue
            check_text(errors, opath + ("label",), option.get("label"), 100, low=1, required=True)
            value = check_text(errors, opath + ("value",), option.get("value"), 100, low=1, required=True)
            check_text(errors, opath + ("description",), option.get("description"), 100)
            if value in values:
                errors.add(opath + ("value",), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                           "Select component option values must be unique")
            values.add(value)
        if isinstance(high, int) and options and high > len(options):
            errors.add(path + ("max_values",), "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS",
                       "max_values cannot exceed the number of options")
    elif select.get("options") is not None:
        errors.add(path + ("options",), "COMPONENT_FIELD_NOT_ALLOWED", "Only string selects have options")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.add(path + ("min_values",), "SELECT_COMPONENT_MIN_GREATER_THAN_MAX",
                   "min_values cannot be greater than max_values")


def _check_action_row(errors, path, row, ids):
    children = check_list(errors, path + ("components",), row.get("components"), 5, low=1, required=True)
    selects = 0
    for index, child in enumerate(children):
        cpath = path + ("components", index)
        if not isinstance(child, dict):
            errors.bad_type(cpath, "object")
            continue
        kind = child.get("type")
        if kind == 2:
            _check_button(errors, cpath, child, ids)
        elif kind in SELECT_TYPES:
            selects += 1
            check_select(errors, cpath, child, ids)
        else:
            errors.choices(cpath + ("type",), list(MESSAGE_ROW_CHILD_TYPES))
    if selects and len(children) > 1:
        errors.add(path + ("components",), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                   "The specified component exceeds the maximum width")


def _check_v2_tree(errors, path, component, ids, counter):
    """Components v2: checks interactive leaves anywhere in the layout and counts every component."""
    counter[0] += 1
    kind = component.get("type")
    if kind == 1:
        _check_action_row(errors, path, component, ids)
        counter[0] += len(component.get("components") or [])
        return
    if kind == 2:
        _check_button(errors, path, component, ids)
    elif kind in SELECT_TYPES:
        check_select(errors, path, component, ids)
    elif kind == 10:
        check_text(errors, path + ("content",), component.get("content"), 4000, low=1, required=True)
    elif kind not in V2_LAYOUT_TYPES:
        errors.choices(path + ("type",), [1, 2, 3, 5, 6, 7, 8] + list(V2_LAYOUT_TYPES))
        return
    for key in ("components", "items"):
        for index, child in enumerate(component.get(key) or []):
            if isinstance(child, dict):
                _check_v2_tree(errors, path + (key, index), child, ids, counter)
    if isinstance(component.get("accessory"), dict):
        _check_v2_tree(errors, path + ("accessory",), component["accessory"], ids, counter)


def check_components(errors, path, components, flags):
    ids = _CustomIds(errors)
    if flags & IS_COMPONENTS_V2:
        components = check_list(errors, path, components, 40)
        counter = [0]
        for index, component in enumerate(components):
            if isinstance(component, dict):
                _check_v2_tree(errors, path + (index,), component, ids, counter)
            else:
                errors.bad_type(path + (index,), "object")
        if counter[0] > 40:
            errors.add(path, "COMPONENT_MAX_TOTAL_EXCEEDED", "Must be 40 or fewer in total.")
        return components
    rows = check_list(errors, path, components, 5)
    for index, row in enumerate(rows):
        rpath = path + (index,)
        if not isinstance(row, dict):
            errors.bad_type(rpath, "object")
        elif row.get("type") != 1:
            errors.choices(rpath + ("type",), [1])
        else:
            _check_action_row(errors, rpath, row, ids)
    return rows


# ---------------------------------------------------------------------------------------------------------
# Whole messages


def check_message(errors, path, body, *, allowed_flags, partial=False, file_count=0):
    """Validates a message create/edit body; returns the fields to store.

    partial=True is an edit: only present keys are checked and the caller checks emptiness afterwards."""
    if not isinstance(body, dict):
        errors.bad_type(path, "object")
        return {}
    fields = {}
    flags = body.get("flags")
    if flags is not None:
        if check_int(errors, path + ("flags",), flags, 0, 1 << 40) is not None:
            fields["flags"] = flags & allowed_flags
    flag_value = fields.get("flags", 0)
    if "content" in body:
        fields["content"] = check_text(errors, path + ("content",), body["content"], 2000, strip=True) or ""
    if "embeds" in body:
        fields["embeds"] = check_embeds(errors, path + ("embeds",), body["embeds"]) if body["embeds"] is not None else []
    if "components" in body:
        fields["components"] = (check_components(errors, path + ("components",), body["components"], flag_value)
                                if body["components"] is not None else [])
    if flag_value & IS_COMPONENTS_V2:
        for key in ("content", "embeds"):
            if body.get(key):
                errors.add(path + (key,), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                           f"{key} cannot be used when the IS_COMPONENTS_V2 flag is set")
    if "sticker_ids" in body:
        fields["sticker_ids"] = check_list(errors, path + ("sticker_ids",), body["sticker_ids"], 3)
    if "tts" in body and not isinstance(body["tts"], bool):
        errors.bad_type(path + ("tts",), "boolean")
    if body.get("allowed_mentions") is not None:
        mentions = body["allowed_mentions"]
        if not isinstance(mentions, dict):
            errors.bad_type(path + ("allowed_mentions",), "object")
        else:
            for index, kind in enumerate(mentions.get("parse") or []):
                if kind not in ("roles", "users", "everyone"):
                    errors.choices(path + ("allowed_mentions", "parse", index), ["roles", "users", "everyone"])
    if body.get("nonce") is not None:
        nonce = body["nonce"]
        if isinstance(nonce, str) and len(nonce) > 25:
            errors.max_length(path + ("nonce",), 25)
    for key in ("tts", "allowed_mentions", "attachments", "poll", "message_reference", "nonce"):
        if key in body:
            fields[key] = body[key]
    if not partial:
        ensure_not_empty(fields, file_count)
    return fields


def message_is_empty(message, file_count=0):
    return not ((message.get("content") or "").strip() or message.get("embeds") or message.get("components")
                or message.get("sticker_ids") or message.get("attachments") or message.get("poll") or file_count)


def ensure_not_empty(fields, file_count=0):
    if message_is_empty(fields, file_count):
        raise ApiError(400, 50006, "Cannot send an empty message")


# ---------------------------------------------------------------------------------------------------------
# Modals and autocomplete


def _check_text_input(errors, path, component, ids, *, legacy):
    ids.check(path + ("custom_id",), component.get("custom_id"))
    style = component.get("style")
    if style not in (1, 2):
        if style is None:
            errors.required(path + ("style",))
        else:
            errors.choices(path + ("style",), [1, 2])
    if legacy:
        check_text(errors, path + ("label",), component.get("label"), 45, low=1, required=True)
    low = check_int(errors, path + ("min_length",), component.get("min_length"), 0, 4000)
    high = check_int(errors, path + ("max_length",), component.get("max_length"), 1, 4000)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.add(path + ("min_length",), "TEXT_INPUT_MIN_GREATER_THAN_MAX", "min_length cannot exceed max_length")
    check_text(errors, path + ("value",), component.get("value"), 4000)
    check_text(errors, path + ("placeholder",), component.get("placeholder"), 100)
    if component.get("disabled"):
        errors.add(path + ("disabled",), "COMPONENT_DISABLED_NOT_ALLOWED", "Components in modals cannot be disabled")


def check_modal(errors, path, data):
    if not isinstance(data, dict):
        errors.required(path) if data is None else errors.bad_type(path, "object")
        return
    ids = _CustomIds(errors)
    ids.check(path + ("custom_id",), data.get("custom_id"))
    check_text(errors, path + ("title",), data.get("title"), 45, low=1, required=True)
    components = check_list(errors, path + ("components",), data.get("components"), 5, low=1, required=True)
    for index, top in enumerate(components):
        tpath = path + ("components", index)
        if not isinstance(top, dict):
            errors.bad_type(tpath, "object")
            continue
        kind = top.get("type")
        if kind == 1:
            children = check_list(errors, tpath + ("components",), top.get("components"), 1, low=1, required=True)
            for cindex, child in enumerate(children):
                cpath = tpath + ("components", cindex)
                if isinstance(child, dict) and child.get("type") == 4:
                    _check_text_input(errors, cpath, child, ids, legacy=True)
                else:
                    errors.choices(cpath + ("type",), [4])
        elif kind == 18:
            check_text(errors, tpath + ("label",), top.get("label"), 45, low=1, required=True)
            check_text(errors, tpath + ("description",), top.get("description"), 100)
            inner = top.get("component")
            ipath = tpath + ("component",)
            if not isinstance(inner, dict):
                errors.required(ipath)
            elif inner.get("type") == 4:
                if inner.get("label") is not None:
                    errors.add(ipath + ("label",), "COMPONENT_FIELD_NOT_ALLOWED",
                               "A text input inside a label has no label of its own")
                _check_text_input(errors, ipath, inner, ids, legacy=False)
            elif inner.get("type") in SELECT_TYPES:
                check_select(errors, ipath, inner, ids, in_modal=True)
            elif inner.get("type") in MODAL_INPUT_TYPES:
                ids.check(ipath + ("custom_id",), inner.get("custom_id"))
            else:
                errors.choices(ipath + ("type",), list(MODAL_INPUT_TYPES))
        elif kind == 10:
            check_text(errors, tpath + ("content",), top.get("content"), 4000, low=1, required=True)
        else:
            errors.choices(tpath + ("type",), [1, 10, 18])


def check_choices(errors, path, data):
    if not isinstance(data, dict):
        errors.required(path + ("choices",)) if data is None else errors.bad_type(path, "object")
        return []
    choices = check_list(errors, path + ("choices",), data.get("choices"), 25, required=True)
    for index, choice in enumerate(choices):
        cpath = path + ("choices", index)
        if not isinstance(choice, dict):
            errors.bad_type(cpath, "object")
            continue
        check_text(errors, cpath + ("name",), choice.get("name"), 100, low=1, required=True)
        value = choice.get("value")
        if value is None:
            errors.required(cpath + ("value",))
        elif isinstance(value, str):
            check_text(errors, cpath + ("value",), value, 100)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.bad_type(cpath + ("value",), "string or number")
    return choices
