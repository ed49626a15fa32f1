"""The terminal playground (tools/playground.py, what ./run.sh starts without a DISCORD_TOKEN), driven through a
pseudo-terminal the way a person uses it: a slash command typed (with Tab completion served by the bot's own
autocomplete), replies read, buttons pressed by number, modals filled as forms, a script edited and reloaded,
Ctrl-C and Ctrl-D. It runs the binary under test with a copy of the scripts in a temporary directory. Also:
./run.sh picks the playground only without a token, and the binary alone still exits 2 without one."""
import fcntl
import json
import os
import pathlib
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
import urllib.request

import pytest

from botrun import FAKE_TOKEN, ORC_KEY, REPO, assert_clean_sanitizers, wait_until

# Escape sequences readline and the playground write (colours are off with NO_COLOR, readline's are not).
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>]|\x1b[()][0-9A-Za-z]|[\x01\x02\x07\x08\r]")
PROMPT = "#valheim-bob> "
HELLO = """return {
  name = "hello",
  description = "Say hello",
  options = { { name = "who", type = "string", description = "Who to greet", required = true } },
  handler = function(ctx) ctx:reply("%s " .. ctx.options.who .. " from the playground") end,
}
"""


class Terminal:
    """A program on a pseudo-terminal: type into it, wait for what it prints."""

    def __init__(self, argv, cwd, env):
        pid, fd = pty.fork()
        if pid == 0:  # the child: the terminal is ours; a wide one, so lines do not wrap
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.pos = 0
        self.status = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program closed the terminal (it exited)
            return False
        self.raw += data
        return bool(data)

    def text(self):
        return ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def expect(self, pattern, timeout=90):
        """Waits for pattern in what was printed since the last match; returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text(), self.pos)
            if match:
                self.pos = match.end()
                return match
            if time.monotonic() > deadline or not self._read(0.2):
                if self._read(0.5) and regex.search(self.text(), self.pos):
                    continue
                raise AssertionError(f"{pattern!r} did not appear; the screen since the last match:\n"
                                     f"{self.text()[max(0, self.pos - 300):]}")

    def type(self, text):
        os.write(self.fd, text.encode())

    def line(self, text):
        """Types a line and Enter."""
        self.type(text + "\r")

    def wait(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.1)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        raise AssertionError(f"the program did not exit; the screen:\n{self.text()[-3000:]}")

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(self.fd)


def children(pid):
    """The processes whose parent is pid, as {pid: command line}."""
    found = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def alive(pid):
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def playground_env(tmp_path, **extra):
    """No DISCORD_TOKEN anywhere: nothing from the developer's shell but PATH."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "TERM": "xterm",
           "NO_COLOR": "1", "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=98"}
    env.update(extra)
    return env


@pytest.fixture
def workdir(tmp_path):
    """A working directory with its own copy of the scripts, as a script author would have."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "scripts", work / "scripts")
    return work


def post_as_the_bot(workdir, channel_name, text):
    """Posts to a channel through the Discord simulator's REST API, as the bot would on its own."""
    token = re.search(r'^TOKEN = "([^"]+)"', (REPO / "tools" / "playground.py").read_text(), re.M).group(1)
    urls = json.loads((workdir / "data" / "playground" / "simulators.json").read_text())["discord"]
    state = json.loads(urllib.request.urlopen(urls["control"] + "/state", timeout=10).read())
    channel = next(c for c in state["guilds"][0]["channels"] if c["name"] == channel_name)
    request = urllib.request.Request(f"{urls['rest']}/channels/{channel['id']}/messages", method="POST",
                                     data=json.dumps({"content": text}).encode(),
                                     headers={"Authorization": f"Bot {token}",
                                              "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


def number_of(term, label):
    """The number the last rendered message gave the button labelled `label`."""
    found = re.findall(r"\[(\d+)\][^\[\n]*?" + re.escape(label), term.text()[max(0, term.pos - 4000):])
    assert found, f"no button {label!r} on screen:\n{term.text()[-2000:]}"
    return found[-1]


@pytest.mark.timeout(900)
def test_playground_command_completion_button_modal_reload_and_leave(bot_binary, workdir, tmp_path):
    env = playground_env(tmp_path, PEON_BOT_BINARY=bot_binary, PEON_SCRIPTS_DIR=str(workdir / "scripts"),
                         PEON_WATCH="0")  # the reload below comes from /reload, not from the file watcher
    term = Terminal(["/usr/bin/python3", str(REPO / "tools" / "playground.py")], workdir, env)
    try:
        term.expect("PEON PLAYGROUND", 60)
        term.expect("peon-bot is connected", 240)
        term.expect(re.escape(PROMPT))
        procs = children(term.pid)
        assert any(bot_binary in cmd for cmd in procs.values()), procs
        assert any("fakediscord" in cmd for cmd in procs.values()) and any("orcsim" in cmd for cmd in procs.values())

        # A command typed with its options named.
        term.line("/server action:info server:valheim.bob")
        term.expect(r"── peon-bot · /server")
        term.expect(r"valheim\.bob")
        term.expect(r"Friday night Valheim")
        term.expect(r"State: running")
        term.expect(re.escape(PROMPT))

        # Tab: the command's name, a choice, and a value from the bot's own autocomplete provider. The
        # answer proves what the line became ("valh" alone is not a server).
        term.type("/serv\t")
        term.expect(r"/server ")
        term.type("action:inf\t")
        term.expect(r"action:info ")
        term.type("server:palw\t")
        term.expect(r"server:palworld\.alice")
        term.type("\r")
        term.expect(r"palworld\.alice")
        term.expect(r"State: exited")
        term.expect(re.escape(PROMPT))

        # Ctrl-C clears the line; the playground keeps going.
        term.type("/server action:start server:palworld.alice")
        term.type("\x03")
        term.expect(re.escape(PROMPT))
        term.line(":servers")
        term.expect(r"palworld\.alice\s+exited")  # the cleared line was not sent
        term.expect(re.escape(PROMPT))

        # A panel, a button pressed by number.
        term.line("/peon")
        term.expect(r"── peon-bot · /peon")
        term.expect(r"Edit description")
        term.expect(re.escape(PROMPT))
        info, stop, describe = number_of(term, "Info"), number_of(term, "Stop"), number_of(term, "Edit description")
        term.line(info)
        term.expect(r"── peon-bot · button .*Info \(only you\)")
        term.expect(r"State: running")
        term.expect(re.escape(PROMPT))

        # The Stop button's modal, filled as a form, then its confirmation pressed.
        term.line(stop)
        term.expect(r"┌ form: .*Stop valheim\.bob")
        term.expect(r"│ > ")
        term.line("15m")
        term.expect(r"└ submitted")
        term.expect(r"Stop valheim\.bob at")
        term.expect(re.escape(PROMPT))
        term.line(number_of(term, "Plan the stop"))
        term.expect(r"valheim\.bob will stop at")
        term.expect(re.escape(PROMPT))
        term.line(":servers")
        term.expect(r"valheim\.bob\s+running\s+stops at")
        term.expect(re.escape(PROMPT))

        # The description form starts with the current text to edit; it is replaced here.
        term.line(describe)
        term.expect(r"┌ form: .*Description of valheim\.bob")
        term.expect(r"│ > Friday night Valheim")
        term.type("\x15")  # Ctrl-U: clear the prefilled text
        term.line("Saturday raids")
        term.expect(r"Description of valheim\.bob updated")
        term.expect(re.escape(PROMPT))
        term.line(":servers")
        term.expect(r"valheim\.bob\s+running.*Saturday raids")
        term.expect(re.escape(PROMPT))

        # A script author adds a command, reloads, uses it; edits it, reloads, sees the change.
        hello = workdir / "scripts" / "commands" / "hello.lua"
        hello.write_text(HELLO % "hello")
        term.line("/reload")
        term.expect(r"Scripts reloaded")
        term.expect(r"Added: /hello")
        term.expect(re.escape(PROMPT))
        term.line("/hello world")
        term.expect(r"hello world from the playground")
        term.expect(re.escape(PROMPT))
        hello.write_text(HELLO % "howdy")
        term.line("/reload")
        term.expect(r"Scripts reloaded")
        term.expect(re.escape(PROMPT))
        term.line("/hello who:there")
        term.expect(r"howdy there from the playground")
        term.expect(re.escape(PROMPT))

        # A plain member may not reload.
        term.line(":user member")
        term.expect(r"member #valheim-bob> ")
        term.line("/reload")
        term.expect(r"(?i)capability")
        term.expect(r"member #valheim-bob> ")

        # A message the bot posts on its own while something is half typed: shown, and the typing survives.
        term.type("/server inf")
        term.expect(r"/server inf")
        post_as_the_bot(workdir, "valheim-bob", "a message from elsewhere")
        term.expect(r"posted in #valheim-bob")
        term.expect(r"a message from elsewhere")
        term.type("o\r")
        term.expect(r"State: running")
        term.expect(re.escape(PROMPT))

        # Ctrl-D leaves: status 0, the bot and both simulators stopped.
        term.type("\x04")
        assert term.wait(120) == 0
        assert "bye." in term.text()
        assert wait_until(lambda: not any(alive(pid) for pid in procs), 10), procs
    finally:
        term.kill()
    log = (workdir / "data" / "playground" / "bot.log").read_text()
    assert "received SIGTERM" in log and "stopped" in log
    assert_clean_sanitizers(log)


def repo_env_has_token():
    dotenv = REPO / ".env"
    return dotenv.exists() and re.search(r"(?m)^\s*(export\s+)?DISCORD_TOKEN\s*=", dotenv.read_text())


@pytest.mark.timeout(1200)
@pytest.mark.skipif(repo_env_has_token(), reason="this checkout's .env has a DISCORD_TOKEN")
def test_run_sh_without_a_token_starts_the_playground(tmp_path):
    env = playground_env(tmp_path, PEON_PLAYGROUND_DIR=str(tmp_path / "playground"))
    term = Terminal(["/bin/bash", str(REPO / "run.sh")], tmp_path, env)
    try:
        term.expect("PEON PLAYGROUND", 900)  # run.sh builds first (nothing to do after ./test.sh built it)
        term.expect(re.escape(PROMPT), 240)
        term.line("/server info valheim.bob")
        term.expect(r"State: running")
        term.expect(re.escape(PROMPT))
        term.type("\x04")
        assert term.wait(120) == 0
    finally:
        term.kill()
    assert "received SIGTERM" in (tmp_path / "playground" / "bot.log").read_text()


@pytest.mark.timeout(1200)
def test_run_sh_with_a_token_runs_the_bot(sim, orc, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "DISCORD_TOKEN": FAKE_TOKEN,
           "DISCORD_API_BASE": sim.rest, "PEON_ORCHESTRATOR_URL": orc.url, "LOCAL_API_KEY": ORC_KEY,
           "PEON_DATA_DIR": str(tmp_path / "data"), "PEON_IMPORT_ORCHESTRATORS": str(tmp_path / "none.json")}
    err_path = tmp_path / "run.stderr"
    with open(tmp_path / "run.stdout", "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(["/bin/bash", str(REPO / "run.sh")], cwd=tmp_path, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        try:
            assert wait_until(lambda: "INFO  commands:" in err_path.read_text(errors="replace")
                              or proc.poll() is not None, 900)
            assert proc.poll() is None, err_path.read_text(errors="replace")
            sim.wait_ready()
            proc.send_signal(signal.SIGTERM)  # run.sh execs the bot: this is the bot
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = err_path.read_text(errors="replace") + (tmp_path / "run.stdout").read_text(errors="replace")
    assert "PLAYGROUND" not in output and "received SIGTERM" in output


def test_the_binary_alone_without_a_token_still_exits_2(bot):
    status, _, err = bot(DISCORD_TOKEN=None).run()
    assert status == 2 and "DISCORD_TOKEN is not set" in err
