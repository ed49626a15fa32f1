"""Discord's error bodies: {"code", "message", "errors"?} with the nested `_errors` tree for 50035."""
import json

from aiohttp import web

VIA = "1.1 google"  # real API answers carry it; discord.py treats a 429 without Via as a Cloudflare ban


def json_response(status, body, headers=None):
    """JSON answer with exactly `application/json` (discord.py compares the header verbatim)."""
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    out = {"Via": VIA}
    out.update(headers or {})
    if body is None:
        return web.Response(status=status, headers=out)
    out["Content-Type"] = "application/json"
    return web.Response(status=status, body=payload, headers=out)


class ApiError(Exception):
    """Raised anywhere in a REST handler; the middleware turns it into Discord's error body."""

    def __init__(self, status, code, message, errors=None, headers=None):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self):
        body = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def unauthorized():
    return ApiError(401, 0, "401: Unauthorized")


def not_found(code, what):
    return ApiError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = (10003, "Channel")
UNKNOWN_GUILD = (10004, "Guild")
UNKNOWN_MESSAGE = (10008, "Message")
UNKNOWN_WEBHOOK = (10015, "Webhook")
UNKNOWN_INTERACTION = (10062, "interaction")
UNKNOWN_COMMAND = (10063, "application command")


def unknown(kind):
    code, what = kind
    return not_found(code, what)


class FormErrors:
    """Collects validation problems at paths like ("embeds", 0, "title") and renders Discord's tree."""

    def __init__(self):
        self.tree = {}

    def add(self, path, code, message):
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self):
        return bool(self.tree)

    # Helpers for the common leaf errors, worded like Discord's.
    def required(self, path):
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def max_length(self, path, limit):
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_length(self, path, low, high):
        self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def bad_type(self, path, expected):
        self.add(path, "BASE_TYPE_BAD_TYPE" if expected != "int" else "NUMBER_TYPE_COERCE",
                 f"Value is not a valid {expected}.")

    def choices(self, path, allowed):
        shown = ", ".join(str(a) for a in allowed)
        self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{shown}}}.")

    def raise_if_any(self):
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)


def invalid_form(path, code, message):
    errors = FormErrors()
    errors.add(path, code, message)
    return ApiError(400, 50035, "Invalid Form Body", errors.tree)
