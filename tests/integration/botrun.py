"""Helpers shared by the integration tests: paths, the fake token, running the real binary, and the
sanitizer check every test applies to its output."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "fakes"))  # the simulators are packages there
# A syntactically valid token that no Discord will ever accept; tests look for it in the output.
FAKE_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GfakeX.peon-test-token-never-valid-0123456789"
# The orchestrator simulator's API key in tests; like the token, it must never show up in output.
ORC_KEY = "orc-test-key-7Hq2"
# member.permissions for an interaction by a server administrator (the default user has neither
# Administrator nor Manage Server).
ADMIN = "8"
# Every timeout below is multiplied by PEON_TEST_SLOWDOWN (default 1): tools/valgrind.sh sets it, since the
# binary runs many times slower under valgrind.
SLOWDOWN = max(1.0, float(os.environ.get("PEON_TEST_SLOWDOWN") or 1))


def binaries():
    listed = os.environ.get("PEON_BOT_BINARIES")
    paths = listed.split(":") if listed else [str(REPO / "build" / "peon-bot")]
    return [p for p in paths if p]


class BotProcess:
    """One run of the binary: started in `workdir` with exactly `env`."""

    def __init__(self, binary, workdir, env):
        self.binary = binary
        self.workdir = workdir
        self.env = env
        self.proc = None
        self._stderr = self._stdout = None
        self.stderr_path = workdir / "bot.stderr"
        self.stdout_path = workdir / "bot.stdout"

    def start(self):
        self._stderr = open(self.stderr_path, "wb")
        self._stdout = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen([self.binary], cwd=self.workdir, env=self.env,
                                     stdout=self._stdout, stderr=self._stderr, stdin=subprocess.DEVNULL)
        return self

    def run(self, timeout=30):
        """Runs to completion; returns (exit status, stdout, stderr)."""
        self.start()
        try:
            self.proc.wait(timeout=timeout * SLOWDOWN)
        finally:
            self._close()
        return self.proc.returncode, self.stdout(), self.stderr()

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    def wait_for_log(self, text, timeout=20):
        deadline = time.monotonic() + timeout * SLOWDOWN
        while time.monotonic() < deadline:
            if text in self.stderr():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited ({self.proc.returncode}) before logging {text!r}:\n{self.stderr()}")
            time.sleep(0.05)
        raise AssertionError(f"bot did not log {text!r} within {timeout}s:\n{self.stderr()}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout * SLOWDOWN)
        finally:
            self._close()
        return self.proc.returncode

    def _close(self):
        for f in (self._stderr, self._stdout):
            if f is not None and not f.closed:
                f.close()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()


def wait_until(condition, timeout=15, interval=0.05):
    """Polls condition() until it returns something truthy; returns that, or None after timeout seconds."""
    deadline = time.monotonic() + timeout * SLOWDOWN
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




def assert_clean_sanitizers(stderr):
    """The ASan/UBSan build reports into stderr; any report is a failure, in every test."""
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert marker not in stderr, f"sanitizer report:\n{stderr}"


class ThreadedServer:
    """An aiohttp app on 127.0.0.1 (any free port) served from a background thread, for tests that need a
    peer with custom behaviour. Subclasses build the app in make_app(); use as a context manager."""

    def __init__(self):
        import asyncio
        import threading
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = None

    def make_app(self):
        raise NotImplementedError

    def _run(self):
        import asyncio
        from aiohttp import web
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.make_app())
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0, shutdown_timeout=1.0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(10), "test server did not start"
        return self

    def __exit__(self, *exc):
        import asyncio
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def register_orchestrator(data_dir, name, url, api_key):
    """Adds an orchestrator to a running bot's registry, as the admin panel would (the bot reads the
    registry on every use; SQLite in WAL mode takes this write beside the bot's own)."""
    import sqlite3
    with sqlite3.connect(str(pathlib.Path(data_dir) / "peon.db"), timeout=10) as db:
        db.execute("INSERT INTO orchestrators (name, url, api_key, source) VALUES (?, ?, ?, 'user')",
                   (name, url, api_key))

