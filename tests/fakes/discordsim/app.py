"""The aiohttp application: REST under /api/v10 behind one middleware (faults, User-Agent, auth, global
limit, route buckets, rate-limit headers, Discord's error bodies), the gateway at / and /resume, the
control API under /_sim."""
import asyncio
import logging

from aiohttp import web

from .control import ControlRoutes
from .errors import ApiError, json_response, unauthorized
from .gateway import Gateway
from .ratelimit import RateLimiter, major_parameter
from .rest_commands import CommandRoutes
from .rest_core import CoreRoutes
from .rest_interactions import InteractionRoutes
from .world import World

log = logging.getLogger("discordsim.rest")
API_PREFIX = "/api/v10"
REST_ROUTES = "discordsim.rest_routes"  # app key: (method, template) -> needs bot auth


def _route_key(request):
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return f"{request.method} {canonical[len(API_PREFIX):]}"


def _bot_token(request):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bot "):
        return None
    return header[4:].strip()


def make_middleware(world, limiter, auth_routes):
    @web.middleware
    async def api_middleware(request, handler):
        if not request.path.startswith("/api/"):
            return await handler(request)
        counters = world.counters["rest"]
        http_error = request.match_info.http_exception
        if http_error is not None:
            counters["statuses"][str(http_error.status)] = counters["statuses"].get(str(http_error.status), 0) + 1
            return json_response(http_error.status, {"message": f"{http_error.status}: {http_error.reason}",
                                                     "code": 0})
        key = _route_key(request)
        counters["requests"][key] = counters["requests"].get(key, 0) + 1
        response = await _serve(request, handler, key)
        status = str(response.status)
        counters["statuses"][status] = counters["statuses"].get(status, 0) + 1
        scope = response.headers.get("X-RateLimit-Scope")
        if response.status in (401, 403) or (response.status == 429 and scope != "shared"):
            counters["invalid_requests"] += 1
        return response

    async def _serve(request, handler, key):
        needs_auth = auth_routes.get(key, False)
        major = major_parameter(request.match_info)
        fault = limiter.take_fault(key)
        if fault is not None and fault["kind"] == "hang":
            world.counters["rest"]["hangs"] += 1
            await asyncio.sleep(fault["seconds"])  # then answer normally, like a slow upstream
            fault = None
        if fault is not None:
            headers = {}
            if fault["kind"] == "429":
                _, headers, _ = limiter.take_bucket(key, major, consume=False)
                headers["X-RateLimit-Remaining"] = "0"
            return limiter.fault_response(fault, headers)
        if not request.headers.get("User-Agent"):
            return json_response(400, {"message": "400: Bad Request (a User-Agent header is required)", "code": 0})
        token = None
        if needs_auth:
            token = _bot_token(request)
            if token is None or not world.token_valid(token):
                return json_response(401, unauthorized().body())
            limited = limiter.check_global(token)
            if limited is not None:
                return limited
        allowed, headers, config = limiter.take_bucket(key, major)
        if not allowed:
            return limiter.too_many(float(headers["X-RateLimit-Reset-After"]), config["scope"], headers)
        try:
            response = await handler(request)
        except ApiError as error:
            merged = dict(headers)
            merged.update(error.headers)
            if error.status == 429:
                body = dict(error.body(), retry_after=float(error.headers.get("Retry-After", 1)), **{"global": False})
                return json_response(429, body, merged)
            return json_response(error.status, error.body(), merged)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("handler for %s failed", key)
            return json_response(500, {"message": "500: Internal Server Error", "code": 0}, headers)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    return api_middleware


def build_app(config=None):
    world = World(config)
    gateway = Gateway(world)
    limiter = RateLimiter(world)
    auth_routes = {}
    app = web.Application(client_max_size=26 * 1024 * 1024,
                          middlewares=[make_middleware(world, limiter, auth_routes)])
    for group in (CoreRoutes(world), CommandRoutes(world), InteractionRoutes(world)):
        for method, template, handler, needs_auth in group.routes():
            app.router.add_route(method, API_PREFIX + template, handler)
            auth_routes[f"{method} {template}"] = needs_auth
    for path in ("/", "/resume", "/resume/"):
        app.router.add_get(path, gateway.handle)
    ControlRoutes(world, gateway, limiter).register(app)

    async def attachment(request):
        data = world.attachment_data.get(request.match_info["attachment_id"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="application/octet-stream")

    app.router.add_get("/cdn/attachments/{channel_id}/{attachment_id}/{filename}", attachment)
    app["world"] = world
    app["gateway"] = gateway

    async def on_shutdown(_app):
        await gateway.shutdown()

    app.on_shutdown.append(on_shutdown)
    return app


def set_urls(app, host, port):
    world = app["world"]
    base = f"{host}:{port}"
    world.urls.update({
        "rest": f"http://{base}{API_PREFIX}",
        "gateway": f"ws://{base}/",
        "gateway_bot": f"ws://{base}",          # what /gateway/bot returns (no trailing slash, like Discord)
        "resume_gateway": f"ws://{base}/resume",  # distinct path: tests can tell a resume used it
        "control": f"http://{base}/_sim",
        "cdn": f"http://{base}/cdn",
    })
    return {k: world.urls[k] for k in ("rest", "gateway", "control")}
