"""Request bodies the way Discord reads them: JSON, url-encoded forms, or multipart with `payload_json`
and `files[n]` parts; anything else is 50035 CONTENT_TYPE_INVALID."""
import json
import re

from aiohttp import web

from .errors import ApiError, invalid_form

MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_FIELD = re.compile(r"^files\[(\d+)\]$|^file(\d*)$")
CONTENT_TYPES = "{'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'}"


def _bad_content_type():
    return invalid_form((), "CONTENT_TYPE_INVALID", f'Expected "Content-Type" header to be one of {CONTENT_TYPES}.')


def _parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


async def read_body(request, *, multipart=False):
    """Returns (payload, files); files are dicts {index, filename, content_type, data}."""
    if not request.body_exists:
        return {}, []
    ctype = request.content_type
    try:
        if ctype == "application/json":
            text = await request.text()
            return (_parse_json(text) if text.strip() else {}), []
        if ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            return {k: v for k, v in form.items()}, []
        if ctype == "multipart/form-data" and multipart:
            return await _read_multipart(request)
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, 40005, "Request entity too large") from None
    raise _bad_content_type()


async def _read_multipart(request):
    payload = None
    loose = {}
    files = []
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        name = part.name or ""
        match = FILE_FIELD.match(name)
        if name == "payload_json":
            payload = _parse_json(await part.text())
        elif match:
            data = await part.read()
            if len(data) > MAX_FILE_BYTES:
                raise ApiError(413, 40005, "Request entity too large")
            index = int(match.group(1) if match.group(1) is not None else (match.group(2) or 0))
            files.append({"index": index, "filename": part.filename or f"file{index}",
                          "content_type": part.headers.get("Content-Type", "application/octet-stream"),
                          "data": data})
        else:
            loose[name] = await part.text()
    if payload is None:
        payload = loose
    return payload, files
