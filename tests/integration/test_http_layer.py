"""core/http over real sockets: the http_driver tool runs requests on a real libuv loop against a local
aiohttp server with programmable behaviour (slow, flaky, huge, silent)."""
import asyncio
import json
import pathlib
import socket
import subprocess

import pytest
from aiohttp import web

from botrun import ThreadedServer, assert_clean_sanitizers


@pytest.fixture(params=["build", "build-asan"])
def driver(request):
    import os
    repo = pathlib.Path(__file__).resolve().parents[2]
    binaries = os.environ.get("PEON_BOT_BINARIES")
    path = repo / request.param / "tests" / "http_driver"
    if binaries and request.param not in [pathlib.Path(b).parent.name for b in binaries.split(":")]:
        pytest.skip(f"{request.param} not built for this run")
    if not path.exists():
        pytest.skip(f"{path} not built")
    return path


class Server(ThreadedServer):
    """An aiohttp server on 127.0.0.1 in a background thread, counting hits per route."""

    def __init__(self):
        super().__init__()
        self.hits = {}
        self.seen = []

    def _count(self, request):
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        return self.hits[request.path]

    async def ok(self, request):
        self._count(request)
        return web.json_response({"ok": True})

    async def slow(self, request):
        self._count(request)
        await asyncio.sleep(float(request.query.get("s", "1")))
        return web.json_response({"slow": True})

    async def flaky(self, request):
        n = self._count(request)
        if n <= int(request.query.get("fail", "2")):
            return web.Response(status=502, text="bad gateway")
        return web.json_response({"attempt": n})

    async def big(self, request):
        self._count(request)
        return web.Response(body=b"x" * int(request.query["n"]), content_type="application/octet-stream")

    async def echo(self, request):
        self._count(request)
        info = {"method": request.method, "headers": dict(request.headers), "body": (await request.read()).decode()}
        self.seen.append(info)
        return web.json_response(info)

    async def length(self, request):
        self._count(request)
        data = await request.read()
        return web.json_response({"length": len(data), "all_y": data == b"y" * len(data)})

    async def multipart(self, request):
        self._count(request)
        reader = await request.multipart()
        parts = []
        async for part in reader:
            parts.append({"name": part.name, "filename": part.filename, "data": (await part.read()).decode()})
        return web.json_response(parts)

    def make_app(self):
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/ok", self.ok)
        app.router.add_route("*", "/slow", self.slow)
        app.router.add_route("*", "/flaky", self.flaky)
        app.router.add_route("GET", "/big", self.big)
        app.router.add_route("*", "/echo", self.echo)
        app.router.add_route("POST", "/multipart", self.multipart)
        app.router.add_route("POST", "/length", self.length)
        return app

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server():
    with Server() as s:
        yield s


def run(driver, *groups, timeout=60):
    args = [str(driver)]
    for group in groups:
        args += ["@", *group]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
    assert_clean_sanitizers(proc.stderr)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return sorted(lines[:-1], key=lambda r: r["index"]), lines[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_get_and_headers(driver, server):
    results, _ = run(driver, ["GET", server.url("/echo"), "header=X-Api-Key:k1"])
    (r,) = results
    assert r["error"] == "ok" and r["status"] == 200
    echoed = json.loads(r["body"])
    assert echoed["headers"]["X-Api-Key"] == "k1"
    assert echoed["headers"]["User-Agent"].startswith("DiscordBot (")
    assert r["content_type"].startswith("application/json")


def test_put_without_body_sends_no_form_content_type(driver, server):
    results, _ = run(driver, ["PUT", server.url("/echo")])
    echoed = json.loads(results[0]["body"])
    assert echoed["method"] == "PUT"
    assert "Content-Type" not in echoed["headers"]
    assert echoed["headers"].get("Content-Length") == "0"


def test_post_json_body(driver, server):
    results, _ = run(driver, ["PATCH", server.url("/echo"), "body={\"a\":1}", "header=Content-Type:application/json"])
    echoed = json.loads(results[0]["body"])
    assert echoed["method"] == "PATCH" and echoed["body"] == '{"a":1}'


def test_multipart_parts(driver, server):
    results, _ = run(driver, ["POST", server.url("/multipart"), "part=payload_json:{\"content\":\"hi\"}",
                              "file=files[0]:backup.zip:ZIPDATA"])
    parts = json.loads(results[0]["body"])
    assert parts == [{"name": "payload_json", "filename": None, "data": '{"content":"hi"}'},
                     {"name": "files[0]", "filename": "backup.zip", "data": "ZIPDATA"}]


def test_502_twice_then_200_succeeds_on_retry_for_get(driver, server):
    results, _ = run(driver, ["GET", server.url("/flaky?fail=2"), "retries=3"])
    assert results[0]["status"] == 200 and results[0]["retries"] == 2
    assert server.hits["/flaky"] == 3


def test_post_is_never_retried_after_5xx(driver, server):
    results, _ = run(driver, ["POST", server.url("/flaky?fail=2"), "retries=3", "body=x"])
    assert results[0]["status"] == 502 and results[0]["retries"] == 0
    assert server.hits["/flaky"] == 1


def test_post_timeout_is_not_retried_and_reports_timeout(driver, server):
    results, _ = run(driver, ["POST", server.url("/slow?s=3"), "timeout=300", "retries=3", "body=x"])
    r = results[0]
    assert r["error"] == "timeout" and r["retries"] == 0
    assert "timed out" in r["message"] and "POST 127.0.0.1" in r["message"]
    assert server.hits["/slow"] == 1


def test_refused_connection_is_a_clear_error_quickly(driver):
    results, _ = run(driver, ["GET", f"http://127.0.0.1:{free_port()}/api/v1/servers", "timeout=2000"])
    r = results[0]
    assert r["error"] == "refused"
    assert "connection refused" in r["message"] and "/api/v1/servers" in r["message"]
    assert r["elapsed_ms"] < 2000


def test_silent_server_times_out_within_the_timeout(driver):
    with socket.socket() as listener:  # accepts connections and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        results, _ = run(driver, ["GET", f"http://127.0.0.1:{port}/api/v1/orchestrator", "timeout=500"])
    r = results[0]
    assert r["error"] == "timeout"
    assert 450 <= r["elapsed_ms"] < 3000


def test_cancel_ends_in_exactly_one_callback(driver, server):
    results, _ = run(driver, ["GET", server.url("/slow?s=5"), "cancel=100"], ["GET", server.url("/ok")])
    assert [r["error"] for r in results] == ["cancelled", "ok"]
    assert results[0]["elapsed_ms"] < 2000


def test_large_bodies(driver, server):
    results, _ = run(driver, ["GET", server.url("/big?n=20000000")])
    assert results[0]["status"] == 200 and results[0]["body_len"] == 20_000_000
    results, _ = run(driver, ["POST", server.url("/length"), "bodysize=30000000"])
    assert json.loads(results[0]["body"]) == {"length": 30_000_000, "all_y": True}


def test_loop_keeps_serving_with_100_slow_requests_in_flight(driver, server):
    results, summary = run(driver, ["GET", server.url("/slow?s=1"), "repeat=100"])
    assert len(results) == 100 and all(r["status"] == 200 for r in results)
    # The loop's 10 ms tick never stalled: requests wait on sockets, not on the loop.
    assert summary["worst_loop_lag_ms"] < 250
