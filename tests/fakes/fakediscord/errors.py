"""Discord's error bodies: {"code", "message", "errors"?} with nested "_errors" leaves."""
import json

from aiohttp import web


def json_response(data, status=200, headers=None):
    """Discord sends exactly "application/json" (no charset); discord.py compares the header verbatim."""
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return web.Response(body=json.dumps(data).encode(), status=status, headers=merged)


def error(status, code, message, errors=None, headers=None):
    body = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_response(body, status=status, headers=headers)


class Invalid:
    """Collects validation problems at JSON paths, rendered as Discord's 50035 shape."""

    def __init__(self):
        self.tree = {}

    def add(self, path, code, message):
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self):
        return bool(self.tree)

    def response(self):
        return error(400, 50035, "Invalid Form Body", self.tree)


def unauthorized():
    return error(401, 0, "401: Unauthorized")


def not_found(code, message):
    return error(404, code, message)
