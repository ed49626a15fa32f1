"""core/ws over real sockets: the ws_driver tool against a local aiohttp WebSocket server that can
fragment messages, close with codes, and drop the connection without a close frame."""
import asyncio
import json
import os
import pathlib
import queue
import socket
import struct
import subprocess
import threading

import pytest
from aiohttp import web, WSMsgType

from botrun import ThreadedServer, assert_clean_sanitizers

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(params=["build", "build-asan"])
def driver_path(request):
    binaries = os.environ.get("PEON_BOT_BINARIES")
    if binaries and request.param not in [pathlib.Path(b).parent.name for b in binaries.split(":")]:
        pytest.skip(f"{request.param} not built for this run")
    path = REPO / request.param / "tests" / "ws_driver"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return path


def raw_frame(opcode, payload, fin):
    """A server-to-client frame (unmasked), for fragment tests aiohttp cannot produce itself."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class WsServer(ThreadedServer):
    def __init__(self):
        super().__init__()
        self.client_close_codes = queue.Queue()
        self.received = queue.Queue()

    async def handler(self, request):
        ws = web.WebSocketResponse(autoclose=False)
        await ws.prepare(request)
        while True:
            msg = await ws.receive()
            if msg.type == WSMsgType.CLOSE:
                self.client_close_codes.put(msg.data)
                await ws.close()
                return ws
            if msg.type in (WSMsgType.CLOSED, WSMsgType.ERROR, WSMsgType.CLOSING):
                self.client_close_codes.put(None)  # the TCP connection ended without a close frame
                return ws
            if msg.type != WSMsgType.TEXT:
                continue
            self.received.put(msg.data)
            cmd, _, arg = msg.data.partition(" ")
            if cmd == "echo":
                await ws.send_str(arg)
            elif cmd == "fragments":
                size, pieces = (int(x) for x in arg.split())
                payload = bytes((i * 7) % 251 for i in range(size))
                step = -(-size // pieces)
                chunks = [payload[i:i + step] for i in range(0, size, step)]
                for i, chunk in enumerate(chunks):
                    request.transport.write(raw_frame(0x2 if i == 0 else 0x0, chunk, i == len(chunks) - 1))
                    await asyncio.sleep(0)
            elif cmd == "closewith":
                code, _, reason = arg.partition(" ")
                await ws.close(code=int(code), message=reason.encode())
                return ws
            elif cmd == "drop":
                request.transport.abort()
                return ws

    def make_app(self):
        app = web.Application()
        app.router.add_get("/gw", self.handler)
        return app

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/gw?v=10&encoding=json"


class Driver:
    def __init__(self, path, url):
        self.proc = subprocess.Popen([str(path), url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def expect(self, event, timeout=10):
        got = self.events.get(timeout=timeout)
        assert got["event"] == event, got
        return got

    def quit(self):
        self.command("quit")
        self.proc.stdin.close()
        self.proc.wait(timeout=15)
        err = self.proc.stderr.read()
        assert_clean_sanitizers(err)
        assert self.proc.returncode == 0, err


@pytest.fixture
def server():
    with WsServer() as s:
        yield s


def test_text_round_trip_and_client_close_code(driver_path, server):
    d = Driver(driver_path, server.url)
    d.expect("open")
    d.command("send echo hello gateway")
    assert d.expect("message")["text"] == "hello gateway"
    d.command("close 4000")
    assert server.client_close_codes.get(timeout=10) == 4000
    d.expect("close")
    d.quit()


def test_fragmented_binary_message_arrives_whole(driver_path, server):
    d = Driver(driver_path, server.url)
    d.expect("open")
    size = 3 * 1024 * 1024
    d.command(f"send fragments {size} 57")
    got = d.expect("message", timeout=20)
    payload = bytes((i * 7) % 251 for i in range(size))
    checksum = 0
    for b in payload:
        checksum = (checksum * 31 + b) & 0xFFFFFFFFFFFFFFFF
    assert got["binary"] is True and got["len"] == size and got["checksum"] == checksum
    d.quit()


def test_server_close_code_and_reason_are_reported(driver_path, server):
    d = Driver(driver_path, server.url)
    d.expect("open")
    d.command("send closewith 4004 Authentication failed.")
    got = d.expect("close")
    assert got["code"] == 4004 and got["reason"] == "Authentication failed."
    d.quit()


def test_dropped_connection_reports_no_close_frame(driver_path, server):
    d = Driver(driver_path, server.url)
    d.expect("open")
    d.command("send drop")
    assert d.expect("close")["code"] == 0
    d.command(f"open {server.url}")  # the context stays usable for the reconnect
    d.expect("open")
    d.command("send echo again")
    assert d.expect("message")["text"] == "again"
    d.quit()


def test_abort_drops_without_close_frame(driver_path, server):
    d = Driver(driver_path, server.url)
    d.expect("open")
    d.command("send echo ready")
    d.expect("message")
    d.command("abort")
    d.expect("close")
    assert server.client_close_codes.get(timeout=10) is None
    d.quit()


def test_refused_connect_is_one_close_event(driver_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = Driver(driver_path, f"ws://127.0.0.1:{port}/gw")
    got = d.expect("close")
    assert got["code"] == 0 and "connect failed" in got["reason"]
    d.quit()
