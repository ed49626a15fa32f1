#!/usr/bin/python3
"""The peon-bot playground: the real bot binary and the real scripts, talking to the Discord simulator
(tests/fakes/fakediscord) and the PEON orchestrator simulator (tests/fakes/orcsim, demo servers), driven
from a terminal prompt instead of a Discord client.

    ./run.sh                       # without a DISCORD_TOKEN
    /usr/bin/python3 tools/playground.py

Type slash commands (`/server action:info server:valheim.bob`, or positionally `/server info valheim.bob`),
press buttons by number, fill modals as forms; `:help` lists the rest. Ctrl-D leaves.

Environment: PEON_BOT_BINARY (default build/peon-bot), PEON_SCRIPTS_DIR (default ./scripts),
PEON_PLAYGROUND_DIR (default ./data/playground: the bot's database, its log bot.log, the simulators' logs,
the prompt history), PEON_WATCH (default 1 here), TIMEZONE, PEON_LANGUAGE, LOG_LEVEL, NO_COLOR.
Standard library only (plus aiohttp, which the simulators use).
"""
import ctypes
import datetime
import difflib
import json
import os
import pathlib
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

try:
    import readline
except ImportError:  # pragma: no cover - Debian's python3 has it
    readline = None

ROOT = pathlib.Path(__file__).resolve().parents[1]
FAKES = ROOT / "tests" / "fakes"
sys.path.insert(0, str(FAKES))

from fakediscord.client import Simulator  # noqa: E402  (standard library only)
from orcsim.client import OrcSim  # noqa: E402

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GplayX.playground-token-never-valid-0123456789"
EPHEMERAL, LOADING = 64, 128
ALL_PERMISSIONS = str((1 << 51) - 1)
MEMBER_PERMISSIONS = "2248473465835073"   # @everyone's in the simulator: no Administrator, no Manage Server
USERS = {
    "admin": {"id": "600000000000000001", "username": "admin", "permissions": ALL_PERMISSIONS, "role": "Admins"},
    "member": {"id": "600000000000000002", "username": "member", "permissions": MEMBER_PERMISSIONS,
               "role": "Players"},
}
# Discord's application command option types.
SUB, GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(1, 12)
TYPE_NAMES = {STRING: "text", INTEGER: "integer", BOOLEAN: "true|false", USER: "@user", CHANNEL: "#channel",
              ROLE: "@role", MENTIONABLE: "@user|@role", NUMBER: "number", ATTACHMENT: "file"}
SELECT_TYPES = {3: "option", 5: "user", 6: "role", 7: "user or role", 8: "channel"}
COLOUR_NAMES = [("green", 0x2ECC71), ("green", 0x57F287), ("blue", 0x3498DB), ("blurple", 0x5865F2),
                ("orange", 0xE67E22), ("red", 0xE74C3C), ("red", 0xED4245), ("grey", 0x95A5A6),
                ("yellow", 0xF1C40F), ("purple", 0x9B59B6), ("teal", 0x1ABC9C), ("white", 0xFFFFFF),
                ("black", 0x23272A)]
BUTTON_STYLES = {1: "34", 2: "37", 3: "32", 4: "31", 5: "36", 6: "35"}
PLAYGROUND_HELP = """\
Playground commands (everything else starting with / goes to the bot):
  /command options...     run a slash command: /server action:info server:valheim.bob
                          or positionally: /server info valheim.bob (values fill the options in order;
                          quote values with spaces: when:"daily 04:00"). Tab completes commands, options
                          and values (served by the bot's own autocomplete).
  1, 2, ...               press that button of the last message with buttons
  select N [M ...]        choose option N (and M ...) of that message's menu (select K:N for menu [K])
  #channel, :channel NAME switch channel          :channels         list channels
  :user admin|member      act as an administrator or as a plain member (now: {user})
  :servers                the orchestrator simulator's servers
  :commands [NAME]        the bot's registered commands, or one command's options
  :history [N]            the last N messages of this channel (default 5)
  :newchannel NAME        create a text channel in the guild
  :locale en|de           the Discord client language the interactions carry
  :log [N]                the last N lines of the bot's log ({log})
  :help                   this list
  plain text              is posted as a chat message (the bot sees it as MESSAGE_CREATE)
Ctrl-D (or :quit) leaves; Ctrl-C clears the line.
Edit a file under {scripts} and run /reload (as admin) to try your change{watch}."""


# ---------------------------------------------------------------------------------------------- output

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Style:
    def __init__(self, enabled):
        self.enabled = enabled

    def __call__(self, text, *codes):
        if not self.enabled or not codes or text == "":
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def colour_bar(self, colour):
        if colour is None:
            return "▌" if not self.enabled else self("▌", "90")
        if not self.enabled:
            return "▌"
        r, g, b = (colour >> 16) & 255, (colour >> 8) & 255, colour & 255
        index = 16 + 36 * round(r / 255 * 5) + 6 * round(g / 255 * 5) + round(b / 255 * 5)
        return f"\x1b[38;5;{index}m▌\x1b[0m"


def colour_name(colour):
    r, g, b = (colour >> 16) & 255, (colour >> 8) & 255, colour & 255

    def distance(entry):
        value = entry[1]
        return (((value >> 16) & 255) - r) ** 2 + (((value >> 8) & 255) - g) ** 2 + ((value & 255) - b) ** 2
    return min(COLOUR_NAMES, key=distance)[0]


def visible_len(text):
    return len(ANSI.sub("", text))


def wrap(text, width):
    """Word-wraps one line of (possibly styled) text to `width` visible characters."""
    if visible_len(text) <= width:
        return [text]
    lines, current = [], ""
    for word in text.split(" "):
        candidate = word if not current else current + " " + word
        if visible_len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
        while visible_len(current) > width and not ANSI.search(current):
            lines.append(current[:width])
            current = current[width:]
    lines.append(current)
    return lines


def human_size(size):
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def relative(epoch):
    delta = epoch - time.time()
    amount = abs(delta)
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if amount >= seconds or unit == "second":
            count = int(round(amount / seconds))
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if delta >= 0 else f"{text} ago"
    return ""


def discord_time(epoch, style):
    local = time.localtime(epoch)
    formats = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%Y-%m-%d", "D": "%d %B %Y", "f": "%d %B %Y %H:%M",
               "F": "%A, %d %B %Y %H:%M"}
    if style == "R":
        return relative(epoch)
    return time.strftime(formats.get(style or "f", "%d %B %Y %H:%M"), local)


# --------------------------------------------------------------------------------------------- helpers

def snowflake():
    return str(((int(time.time() * 1000) - 1420070400000) << 22) | secrets.randbits(22))


def split_line(line):
    """Splits a command line into [start, text] tokens (double/single quotes group, backslash escapes).
    Returns (tokens, ends_open): ends_open is true when the last token runs to the end of the line."""
    tokens, current, quote, i = [], None, None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote = None
            else:
                current[1] += c
        elif c in "\"'":
            if current is None:
                current = [i, ""]
            quote = c
        elif c.isspace():
            if current is not None:
                tokens.append(current)
                current = None
        elif c == "\\" and i + 1 < len(line):
            if current is None:
                current = [i, ""]
            i += 1
            current[1] += line[i]
        else:
            if current is None:
                current = [i, ""]
            current[1] += c
        i += 1
    ends_open = current is not None
    if current is not None:
        tokens.append(current)
    return tokens, ends_open


def quoted(text):
    if text == "" or re.search(r"[\s\"'\\]", text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def option_token(name, value):
    return f"{name}:{quoted(value)}" if (value == "" or re.search(r"[\s\"'\\]", value)) else f"{name}:{value}"


class UsageError(Exception):
    pass


class Redraw(BaseException):
    """Raised in the main thread by SIGUSR1 to leave input(): messages that arrived meanwhile are printed,
    then the prompt comes back with what was typed. (All terminal output at the prompt happens in the main
    thread, so readline's idea of the screen stays right.)"""


def readline_function(name):
    """A function of the GNU readline library Python's readline module uses (not exposed by the module)."""
    for library in ("libreadline.so.8", "libreadline.so"):
        try:
            return getattr(ctypes.CDLL(library), name)
        except (OSError, AttributeError):
            continue
    return None


class Binding:
    """A command line bound to a command's definition: the subcommand path and the raw option values."""

    def __init__(self, command):
        self.command = command
        self.node = command
        self.path = []
        self.expect = None          # the subcommand/group options still to choose, if any
        self.values = {}            # option name -> raw text
        self.order = []             # option names in the order they were given
        self.leaf = []              # the options of the chosen (sub)command

    def option(self, name):
        return next((o for o in self.leaf if o["name"] == name), None)

    def next_positional(self):
        return next((o for o in self.leaf if o["name"] not in self.values), None)


def find_named(options, word):
    exact = [o for o in options if o["name"] == word]
    if exact:
        return exact[0]
    starts = [o for o in options if o["name"].startswith(word.lower())]
    return starts[0] if len(starts) == 1 else None


def bind(command, words, lenient=False):
    """Binds the words after `/name` to the command's options: `name:value` sets an option, a bare word
    fills the next option not set yet (in the command's order); words beyond the last option continue the
    last text option given. Subcommands (and groups) come first, by name."""
    b = Binding(command)
    i = 0
    while True:
        options = b.node.get("options") or []
        subs = [o for o in options if o["type"] in (SUB, GROUP)]
        if not subs:
            break
        if i >= len(words):
            b.expect = subs
            return b
        chosen = find_named(subs, words[i])
        if chosen is None:
            if lenient:
                b.expect = subs
                return b
            raise UsageError(f"/{' '.join([command['name']] + b.path)} has no subcommand \"{words[i]}\"; "
                             f"choose one of: {', '.join(o['name'] for o in subs)}")
        b.path.append(chosen["name"])
        b.node = chosen
        i += 1
    b.leaf = b.node.get("options") or []
    last = None
    for word in words[i:]:
        name, colon, value = word.partition(":")
        option = b.option(name) if colon else None
        if option is not None:
            if name in b.values and not lenient:
                raise UsageError(f"option {name} is given twice")
            b.values[name] = value
            b.order.append(name)
            last = option
            continue
        option = b.next_positional()
        if option is not None:
            b.values[option["name"]] = word
            b.order.append(option["name"])
            last = option
        elif last is not None and last["type"] == STRING:
            b.values[last["name"]] += " " + word
        elif not lenient:
            raise UsageError(f"too many values: \"{word}\" (options: {', '.join(o['name'] for o in b.leaf)})")
    return b


def usage(command, path=()):
    node = command
    for name in path:
        node = next(o for o in node.get("options") or [] if o["name"] == name)
    options = node.get("options") or []
    head = "/" + " ".join([command["name"], *path])
    subs = [o for o in options if o["type"] in (SUB, GROUP)]
    if subs:
        return f"{head} {'|'.join(o['name'] for o in subs)} ..."
    parts = [head]
    for o in options:
        if o.get("choices"):
            kind = "|".join(str(c["value"]) for c in o["choices"])
        else:
            kind = TYPE_NAMES.get(o["type"], "value") + ("…" if o.get("autocomplete") else "")
        text = f"{o['name']}:<{kind}>"
        parts.append(text if o.get("required") else f"[{text}]")
    return " ".join(parts)


# ------------------------------------------------------------------------------------------ processes

def _die_with_parent():
    """Runs in the child before exec: its own session (Ctrl-C at the prompt is the playground's alone),
    and SIGTERM if the playground dies without cleaning up."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def spawn(argv, env, cwd, log_path, want_line):
    log = open(log_path, "ab")
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE if want_line else log, stderr=log,
                            start_new_session=True, preexec_fn=_die_with_parent)
    log.close()
    line = None
    if want_line:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline().decode("utf-8", "replace")
                break
            if proc.poll() is not None:
                break
        if not line:
            stop_process(proc, 5)
            raise RuntimeError(f"{argv[2] if len(argv) > 2 else argv[0]} did not start; see {log_path}")
    return proc, line


def stop_process(proc, timeout):
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
    return proc.returncode


def read_dotenv(path):
    values = {}
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if not m:
            continue
        value = m.group(2).strip()
        if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[m.group(1)] = value
    return values


# ------------------------------------------------------------------------------------------- tracking

class Tracked:
    """One interaction the playground injected, followed until the bot has answered it."""

    def __init__(self, iid, kind, label, channel_id, message=None):
        self.iid = iid
        self.kind = kind                    # 2 command, 3 component, 5 modal submit
        self.label = label
        self.channel_id = channel_id
        self.message = message              # for a component: the message it is on
        self.seen = 0
        self.settled = threading.Event()
        self.modal = None
        self.original = None                # what @original shows now
        self.original_id = None
        self.created = time.monotonic()
        self.last_poll = 0.0
        self.settled_at = None
        self.deadline_warned = False
        self.thinking = False

    def settle(self):
        if not self.settled.is_set():
            self.settled_at = time.monotonic()
            self.settled.set()


class Focus:
    """The message whose buttons and menus the numbers refer to."""

    def __init__(self, message, components):
        self.message = message
        self.components = components        # numbered: [component], 1-based in the UI


# ------------------------------------------------------------------------------------------ playground

class Playground:
    def __init__(self):
        self.cwd = pathlib.Path.cwd()
        self.binary = pathlib.Path(os.environ.get("PEON_BOT_BINARY") or ROOT / "build" / "peon-bot").resolve()
        self.dotenv = read_dotenv(self.cwd / ".env")
        self.scripts = pathlib.Path(os.environ.get("PEON_SCRIPTS_DIR") or self.dotenv.get("PEON_SCRIPTS_DIR")
                                    or "scripts").resolve()
        self.home = pathlib.Path(os.environ.get("PEON_PLAYGROUND_DIR") or "data/playground").resolve()
        self.interactive = sys.stdin.isatty()
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self.s = Style(colour)
        self.out_lock = threading.RLock()
        self.reading = False                # the main thread is in input()
        self.completing = False             # ... and in the Tab completer
        self.pending = []                   # other threads' output waiting for the prompt to step aside
        self.in_form = False
        self.raising = None                 # what the last signal handler raised (see on_poke)
        self.exc_leave = {signal.SIGTERM: SystemExit(128 + signal.SIGTERM),
                          signal.SIGHUP: SystemExit(128 + signal.SIGHUP)}
        self.arm()
        self.prompt_text = ""
        self.forced_redisplay = readline_function("rl_forced_update_display") if readline else None
        self.user_kind = "admin"
        self.locale = "en-US"
        self.channel = None
        self.guild = None
        self.channels = []
        self.roles = []
        self.commands = {}
        self.commands_fingerprint = None
        self.tracked = {}
        self.track_lock = threading.Lock()
        self.originals = set()
        self.seen_messages = {}             # channel id -> {message id: fingerprint}
        self.pending_new = {}               # message id -> first time seen (shown one poll later)
        self.focus_stacks = {}              # channel id -> [Focus], the newest last
        self.autocomplete_cache = {}
        self.completion_notes = {}
        self.stop_event = threading.Event()
        self.sim = self.orc = None
        self.sim_proc = self.orc_proc = self.bot = None
        self.bot_exit_reported = False
        self.log_offset = 0
        self.chat_hint_shown = False
        self.watch = os.environ.get("PEON_WATCH", "1")

    # ---------------------------------------------------------------- printing
    def emit(self, text=""):
        """Prints from any thread. While the prompt is up, another thread's text waits for the main thread
        (poked with SIGUSR1), which prints it and puts the prompt back with what was typed."""
        with self.out_lock:
            if self.reading and self.interactive:
                if threading.current_thread() is threading.main_thread():  # inside readline (completion)
                    sys.stdout.write("\n" + text + "\n")
                    sys.stdout.flush()
                    self.redisplay()
                    return
                self.pending.append(text)
                self.poke()
                return
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def poke(self, nudge=False):
        """SIGUSR1 to the main thread while it waits in input(): with output pending it leaves input() (see
        on_poke); otherwise (`nudge`) it only makes input() look at signals again. Python's readline only
        looks when its select() is interrupted, so a Ctrl-C that arrives while readline is busy with a
        keystroke would otherwise wait for the next key."""
        if self.interactive and self.reading and not self.completing and (self.pending or nudge):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)

    # When a signal handler's exception makes input() give up, input() checks signals once more with that
    # exception still set: a second handler then must neither return normally nor call anything (either is
    # a SystemError). So every handler raises an exception object made beforehand, and a later one raises
    # the same object again.
    def arm(self):
        """Fresh exception objects for the signal handlers; called where no exception is being raised."""
        self.raising = None
        self.exc_interrupt, self.exc_redraw = KeyboardInterrupt(), Redraw()

    def on_poke(self, _signum, _frame):
        if self.raising is not None:
            raise self.raising
        if self.reading and not self.completing and self.pending:
            self.reading = False
            self.raising = self.exc_redraw
            raise self.exc_redraw

    def on_interrupt(self, _signum, _frame):
        self.raising = self.exc_interrupt
        raise self.exc_interrupt

    def on_leave(self, signum, _frame):
        self.raising = self.exc_leave[signum]
        raise self.raising

    def redisplay(self):
        if self.forced_redisplay is not None:
            self.forced_redisplay()
        else:
            sys.stdout.write(self.prompt_text + (readline.get_line_buffer() if readline else ""))
            sys.stdout.flush()

    def flush_pending(self):
        if self.pending:
            sys.stdout.write("".join(text + "\n" for text in self.pending))
            sys.stdout.flush()
            self.pending.clear()

    def note(self, text):
        self.emit(self.s(text, "2"))

    def warn(self, text):
        self.emit(self.s(text, "33"))

    def error(self, text):
        self.emit(self.s(text, "31"))

    # ---------------------------------------------------------------- markdown
    def names(self):
        users = {u["id"]: u["username"] for u in USERS.values()}
        channels = {c["id"]: c["name"] for c in self.channels}
        roles = {r["id"]: r["name"] for r in self.roles}
        return users, channels, roles

    def inline(self, text):
        users, channels, roles = self.names()
        s = self.s

        def mention(m):
            kind, ident = m.group(1), m.group(2)
            if kind == "#":
                return s("#" + channels.get(ident, ident), "36")
            if kind == "@&":
                return s("@" + roles.get(ident, ident), "36")
            return s("@" + users.get(ident, ident), "36")

        def styled(part):
            part = re.sub(r"<t:(-?\d+)(?::([tTdDfFR]))?>", lambda m: s(discord_time(int(m.group(1)), m.group(2)), "4"),
                          part)
            part = re.sub(r"<(#|@&|@!?)(\d+)>", mention, part)
            part = re.sub(r"<a?(:\w+:)\d+>", r"\1", part)
            part = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", lambda m: m.group(1) + " " + s(f"({m.group(2)})", "4"),
                          part)
            part = re.sub(r"\*\*(.+?)\*\*", lambda m: s(m.group(1), "1"), part)
            part = re.sub(r"__(.+?)__", lambda m: s(m.group(1), "4"), part)
            part = re.sub(r"~~(.+?)~~", lambda m: s(m.group(1), "9"), part)
            part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", lambda m: s(m.group(1), "3"), part)
            part = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", lambda m: s(m.group(1), "3"), part)
            return re.sub(r"\\([*_~`|>\\])", r"\1", part)

        pieces = re.split(r"(`[^`\n]+`)", text)
        return "".join(s(p[1:-1], "36") if i % 2 else styled(p) for i, p in enumerate(pieces))

    def markdown(self, text, width):
        """Discord markdown to terminal lines: code blocks, quotes, headings, lists, inline styles."""
        lines, in_code = [], False
        for raw in (text or "").split("\n"):
            if raw.strip().startswith("```"):
                rest = raw.strip()[3:]
                if in_code:
                    in_code = False
                    continue
                in_code = True
                if rest.endswith("```") and len(rest) >= 3:
                    lines.append(self.s("│ " + rest[:-3], "36"))
                    in_code = False
                continue
            if in_code:
                lines.append(self.s("│ " + raw, "36"))
                continue
            m = re.match(r"(#{1,3}) (.*)", raw)
            if m:
                lines.extend(wrap(self.s(self.inline(m.group(2)), "1"), width))
                continue
            m = re.match(r"-# (.*)", raw)
            if m:
                lines.extend(wrap(self.s(self.inline(m.group(1)), "2"), width))
                continue
            m = re.match(r">>?>? ?(.*)", raw)
            if m and raw.startswith(">"):
                lines.extend("│ " + part for part in wrap(self.inline(m.group(1)), width - 2))
                continue
            m = re.match(r"(\s*)[-*] (.*)", raw)
            if m:
                body = wrap(self.inline(m.group(2)), width - 2 - len(m.group(1)))
                lines.append(m.group(1) + "• " + body[0])
                lines.extend(m.group(1) + "  " + part for part in body[1:])
                continue
            lines.extend(wrap(self.inline(raw), width))
        return lines

    # ---------------------------------------------------------------- rendering
    def width(self):
        return max(40, min(shutil.get_terminal_size((100, 24)).columns, 110) - 2)

    def render(self, message, header, files=None, focus=True):
        """Prints a message readably: header, content, embeds, attachments, numbered components."""
        s, width = self.s, self.width()
        flags = message.get("flags") or 0
        out = [s("── ", "2") + s("peon-bot", "1", "35") + " " + s(header, "2")
               + (" " + s("(only you)", "33") if flags & EPHEMERAL else "")]
        if message.get("content"):
            out.extend(self.markdown(message["content"], width))
        for embed in message.get("embeds") or []:
            out.extend(self.render_embed(embed, width))
        sizes = {f.get("filename"): f.get("size") for f in files or []}
        for attachment in message.get("attachments") or []:
            name = attachment.get("filename") or attachment.get("name") or "file"
            size = attachment.get("size", sizes.get(name))
            out.append(s("📎 ", "2") + s(name, "4") + (f" ({human_size(size)})" if size is not None else ""))
        components = [c for row in message.get("components") or [] for c in (row.get("components") or [])
                      if row.get("type", 1) == 1] + \
            [c for c in message.get("components") or [] if c.get("type") in (2, 3, 5, 6, 7, 8)]
        numbered = []
        if components:
            out.extend(self.render_components(message.get("components") or [], numbered))
            buttons = [i + 1 for i, c in enumerate(numbered) if c.get("type") == 2]
            selects = [i + 1 for i, c in enumerate(numbered) if c.get("type") != 2]
            hints = []
            if buttons:
                hints.append(f"type {buttons[0]}" + (f"-{buttons[-1]}" if len(buttons) > 1 else "") + " to press")
            if selects:
                hints.append("select N to choose" if len(selects) == 1 else "select K:N to choose")
            if hints:
                out.append(s("   (" + ", ".join(hints) + ")", "2"))
        if not message.get("content") and not message.get("embeds") and not message.get("attachments") \
                and not components:
            out.append(s("(an empty message)", "2"))
        self.emit("\n".join(out))
        if focus:
            self.set_focus(message, numbered)

    @property
    def focus(self):
        stack = self.focus_stacks.get(self.channel["id"]) if self.channel else None
        return stack[-1] if stack else None

    def set_focus(self, message, numbered):
        """The numbers press the newest message with buttons in its channel; when that one loses its
        buttons (a confirmation answered), they go back to the one before (the panel)."""
        stack = self.focus_stacks.setdefault(message.get("channel_id") or self.channel["id"], [])
        was_top = bool(stack) and stack[-1].message.get("id") == message.get("id")
        stack[:] = [f for f in stack if f.message.get("id") != message.get("id")]
        if numbered:
            stack.append(Focus(message, numbered))
            del stack[:-10]
        elif was_top and stack:
            count = len(stack[-1].components)
            self.note(f"(1-{count} now press the buttons of the earlier message "
                      f"\"{self.message_summary(stack[-1].message)}\")")

    def render_embed(self, embed, width):
        s = self.s
        colour = embed.get("color")
        bar = s.colour_bar(colour) + " "
        inner = width - 2
        lines = []
        if embed.get("author", {}).get("name"):
            lines.append(s(embed["author"]["name"], "2"))
        title = embed.get("title")
        if title:
            tag = f" [{colour_name(colour)}]" if colour is not None and not s.enabled else ""
            lines.extend(wrap(s(self.inline(title), "1") + tag
                              + (" " + s(f"({embed['url']})", "4") if embed.get("url") else ""), inner))
        elif colour is not None and not s.enabled:
            lines.append(f"[{colour_name(colour)}]")
        if embed.get("description"):
            lines.extend(self.markdown(embed["description"], inner))
        fields = embed.get("fields") or []
        i = 0
        while i < len(fields):
            field = fields[i]
            if field.get("inline"):
                group = []
                while i < len(fields) and fields[i].get("inline") and len(group) < 3:
                    group.append(fields[i])
                    i += 1
                text = "   ".join(s(self.inline(f.get("name", "")), "1") + ": " + self.inline(f.get("value", ""))
                                  .replace("\n", " / ") for f in group)
                if visible_len(text) <= inner:
                    lines.append(text)
                    continue
                for f in group:
                    lines.extend(wrap(s(self.inline(f.get("name", "")), "1") + ": "
                                      + self.inline(f.get("value", "")).replace("\n", " / "), inner))
                continue
            lines.append(s(self.inline(field.get("name", "")), "1"))
            lines.extend("  " + part for part in self.markdown(field.get("value", ""), inner - 2))
            i += 1
        for key in ("image", "thumbnail"):
            if (embed.get(key) or {}).get("url"):
                lines.append(s(f"{key}: {embed[key]['url']}", "2"))
        footer = (embed.get("footer") or {}).get("text")
        stamp = embed.get("timestamp")
        if stamp:
            try:
                moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment.timestamp()))
            except ValueError:
                pass
        if footer or stamp:
            lines.extend(wrap(s(" · ".join(x for x in (self.inline(footer or ""), stamp or "") if x), "2"), inner))
        return [bar + line for line in lines] or [bar]

    def render_components(self, rows, numbered):
        s = self.s
        out = []
        for row in rows:
            items = row.get("components") if row.get("type", 1) == 1 else [row]
            buttons = []
            for c in items or []:
                if c.get("type") == 2:
                    label = ((c.get("emoji") or {}).get("name", "") + " " + (c.get("label") or "")).strip() or "button"
                    if c.get("style") == 5 or c.get("url"):
                        buttons.append(s(f"[link] {label} → {c.get('url')}", "36"))
                        continue
                    numbered.append(c)
                    text = f"[{len(numbered)}] {label}"
                    if c.get("disabled"):
                        buttons.append(s(text + " (disabled)", "2"))
                    else:
                        buttons.append(s(text, "1", BUTTON_STYLES.get(c.get("style"), "37")))
                elif c.get("type") in SELECT_TYPES:
                    if buttons:
                        out.append("   " + "  ".join(buttons))
                        buttons = []
                    numbered.append(c)
                    kind = SELECT_TYPES[c["type"]]
                    lo, hi = c.get("min_values", 1), c.get("max_values", 1)
                    count = f"choose {lo}" if lo == hi else f"choose {lo}-{hi}"
                    head = f"[{len(numbered)}] ▾ {c.get('placeholder') or 'choose'}"
                    out.append("   " + s(head, "1") + s(f"  ({count} {kind}{'s' if hi > 1 else ''})", "2")
                               + (s(" (disabled)", "2") if c.get("disabled") else ""))
                    for j, option in enumerate(c.get("options") or [], 1):
                        label = ((option.get("emoji") or {}).get("name", "") + " " + option.get("label", "")).strip()
                        line = f"       {j}) {label}"
                        if option.get("description"):
                            line += s(" — " + option["description"], "2")
                        if option.get("default"):
                            line += s(" (default)", "2")
                        out.append(line)
                    if c["type"] != 3:
                        example = {5: "@member", 6: "@Players", 7: "@member", 8: "#peon"}[c["type"]]
                        out.append(s(f"       (select {example} ...)", "2"))
                elif c.get("type") == 4:
                    out.append(s(f"   text input {c.get('label')}", "2"))
            if buttons:
                out.append("   " + "  ".join(buttons))
        return out

    # ---------------------------------------------------------------- the world
    def user(self):
        return USERS[self.user_kind]

    def who(self):
        user = self.user()
        role = next((r["id"] for r in self.roles if r["name"] == user["role"]), None)
        return {"user_id": user["id"], "username": user["username"], "permissions": user["permissions"],
                "roles": [role] if role else [], "locale": self.locale, "channel_id": self.channel["id"],
                "guild_id": self.guild["id"]}

    def refresh_world(self):
        state = self.sim.state()
        self.guild = state["guilds"][0]
        self.channels = [c for c in self.guild["channels"] if c.get("type") in (0, 5)]
        self.roles = self.guild["roles"]
        commands = {}
        for scope, listed in state["commands"].items():
            if scope != "global" and scope != self.guild["id"]:
                continue
            for command in listed:
                if command.get("type", 1) == 1 and (scope != "global" or command["name"] not in commands):
                    commands[command["name"]] = command
        fingerprint = json.dumps(commands, sort_keys=True)
        changed = fingerprint != self.commands_fingerprint
        old = set(self.commands)
        self.commands = commands
        self.commands_fingerprint = fingerprint
        if self.channel is not None:
            self.channel = next((c for c in self.channels if c["id"] == self.channel["id"]), self.channel)
        return changed, old

    def channel_named(self, name):
        name = name.lstrip("#").strip().lower()
        return next((c for c in self.channels if c["name"] == name), None)

    # ---------------------------------------------------------------- startup and shutdown
    def start(self):
        if not self.binary.is_file():
            sys.exit(f"playground: no bot binary at {self.binary} (build it with ./run.sh, or set PEON_BOT_BINARY)")
        if not (self.scripts / "commands").is_dir():
            sys.exit(f"playground: no scripts at {self.scripts} (set PEON_SCRIPTS_DIR)")
        self.home.mkdir(parents=True, exist_ok=True)
        for name in ("peon.db", "peon.db-wal", "peon.db-shm"):  # a fresh world every time
            try:
                (self.home / name).unlink()
            except FileNotFoundError:
                pass
        self.bot_log = self.home / "bot.log"
        self.bot_log.write_text("")
        s = self.s
        banner = "PEON PLAYGROUND — a local simulation: no Discord, no real game servers"
        self.emit(s("┏" + "━" * (len(banner) + 2) + "┓", "1", "33"))
        self.emit(s("┃ " + banner + " ┃", "1", "33"))
        self.emit(s("┗" + "━" * (len(banner) + 2) + "┛", "1", "33"))
        self.emit(s(f"bot {self.binary}\nscripts {self.scripts}\nstate and logs {self.home}", "2"))

        python = sys.executable or "/usr/bin/python3"
        env = dict(os.environ, PYTHONPATH=str(FAKES) + (os.pathsep + os.environ["PYTHONPATH"]
                                                        if os.environ.get("PYTHONPATH") else ""))
        self.note("starting the Discord simulator and the orchestrator simulator (demo servers)…")
        self.sim_proc, line = spawn([python, "-m", "fakediscord", "--token", TOKEN], env, str(self.home),
                                    self.home / "fakediscord.log", True)
        self.sim = Simulator(json.loads(line), TOKEN)
        orc_key = secrets.token_hex(12)
        self.orc_proc, line = spawn([python, "-m", "orcsim", "--host", "127.0.0.1", "--port", "0", "--api-key",
                                     orc_key, "--seed", "demo"], env, str(self.home), self.home / "orcsim.log",
                                    True)
        urls = json.loads(line)
        self.orc = OrcSim(urls["url"], orc_key)
        # For whoever wants to drive the simulators from elsewhere (their control APIs take no key).
        (self.home / "simulators.json").write_text(json.dumps({
            "discord": {"rest": self.sim.rest, "control": self.sim.control},
            "orchestrator": {"url": self.orc.url, "control": self.orc.control}}, indent=2) + "\n")
        self.refresh_world()
        category = next((c["id"] for c in self.guild["channels"] if c.get("type") == 4), None)
        for name in ("minecraft-steve",):
            if self.channel_named(name) is None:
                self.create_channel(name, category)
        self.refresh_world()
        self.channel = self.channel_named("valheim-bob") or self.channels[0]

        dotenv = self.dotenv
        bot_env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "ASAN_OPTIONS",
                                                    "UBSAN_OPTIONS", "LSAN_OPTIONS") if key in os.environ}
        for key in ("TIMEZONE", "PEON_LANGUAGE", "LOG_LEVEL", "ENABLE_LEGACY_COMMANDS", "PEON_SCHEDULE_GRACE"):
            value = os.environ.get(key, dotenv.get(key))
            if value is not None:
                bot_env[key] = value
        bot_env.update(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=self.sim.rest, PEON_ORCHESTRATOR_URL=self.orc.url,
                       LOCAL_API_KEY=orc_key, PEON_DATA_DIR=str(self.home), PEON_SCRIPTS_DIR=str(self.scripts),
                       PEON_WATCH=self.watch, PEON_POLL_SECONDS=os.environ.get("PEON_POLL_SECONDS", "15"),
                       PEON_IMPORT_ORCHESTRATORS=str(self.home / "no-import.json"))
        self.note("starting peon-bot…")
        self.bot, _ = spawn([str(self.binary)], bot_env, str(self.home), self.bot_log, False)
        deadline = time.monotonic() + 120
        while True:
            if self.bot.poll() is not None:
                self.error(f"peon-bot exited with status {self.bot.returncode} before it was ready:")
                self.emit(self.tail_log(20))
                raise SystemExit(1)
            if "INFO  commands:" in self.bot_log.read_text(errors="replace") and self.commands_ready():
                break
            if time.monotonic() > deadline:
                self.error("peon-bot did not get ready within two minutes:")
                self.emit(self.tail_log(20))
                raise SystemExit(1)
            time.sleep(0.2)
        self.refresh_world()
        for channel in self.channels:
            self.seen_messages[channel["id"]] = {m["id"]: self.fingerprint(m) for m in self.sim.messages(channel["id"])}
        self.log_offset = self.bot_log.stat().st_size
        names = ", ".join("/" + n for n in sorted(self.commands))
        self.emit(s(f"peon-bot is connected: {len(self.commands)} commands ({names})", "32"))
        servers = self.orc.get("/servers")
        if servers.status == 200:
            listed = ", ".join(f"{x['game_uid']}.{x['servername']} ({x.get('container_state')})"
                               for x in servers.json())
            self.emit(s(f"orchestrator \"local\" (simulated): {listed}", "32"))
        self.emit(s(f"guild \"{self.guild['name']}\": control channel #peon, game channels "
                    + ", ".join("#" + c["name"] for c in self.channels if "-" in c["name"]), "32"))
        self.emit(f"You are {s('admin', '1')} (an administrator) in {s('#' + self.channel['name'], '1')}. "
                  f"Try {s('/peon', '1')} or {s('/server info', '1')}; {s(':help', '1')} lists more; "
                  f"Ctrl-D leaves.")
        self.watcher = threading.Thread(target=self.watch_loop, name="watcher", daemon=True)
        self.watcher.start()

    def commands_ready(self):
        try:
            state = self.sim.state()
        except (OSError, ValueError):
            return False
        return any(state["commands"].values())

    def create_channel(self, name, parent=None):
        body = {"name": name, "type": 0}
        if parent:
            body["parent_id"] = parent
        req = urllib.request.Request(f"{self.sim.rest}/guilds/{self.guild['id']}/channels", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read())

    def shutdown(self):
        self.stop_event.set()
        status = None
        if self.bot is not None:
            status = stop_process(self.bot, 20)
            self.bot = None
        for proc in (self.orc_proc, self.sim_proc):
            stop_process(proc, 10)
        self.orc_proc = self.sim_proc = None
        return status

    def tail_log(self, count):
        try:
            lines = self.bot_log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-count:]) or "(the log is empty)"

    # ---------------------------------------------------------------- watching
    @staticmethod
    def fingerprint(message):
        return json.dumps([message.get("content"), message.get("embeds"), message.get("components")],
                          sort_keys=True)

    def watch_loop(self):
        # Signals for the process (Ctrl-C, SIGTERM, the terminal's size) go to the main thread, whose
        # input() they interrupt; a signal taken by this thread would wait until the user pressed Enter.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1,
                                                  signal.SIGWINCH})
        tick = 0
        while not self.stop_event.wait(0.25):
            tick += 1
            try:
                with self.out_lock:
                    self.poke(nudge=tick % 2 == 0)
                self.poll_interactions()
                if tick % 3 == 0:
                    self.poll_channels()
                if tick % 4 == 0:
                    self.poll_log()
                if tick % 8 == 0:
                    self.poll_commands()
                self.check_bot()
            except (OSError, ValueError, KeyError) as exc:  # a simulator going away during shutdown
                if self.stop_event.is_set():
                    return
                if tick % 40 == 0:
                    self.note(f"(playground watcher: {exc})")

    def check_bot(self):
        if self.bot is not None and self.bot.poll() is not None and not self.bot_exit_reported:
            self.bot_exit_reported = True
            self.error(f"peon-bot exited with status {self.bot.returncode}; its log is {self.bot_log} (:log). "
                       "Leave with Ctrl-D.")
            for tracked in list(self.tracked.values()):
                tracked.settle()

    def poll_log(self):
        try:
            with open(self.bot_log, "rb") as f:
                f.seek(self.log_offset)
                data = f.read()
        except OSError:
            return
        if not data:
            return
        cut = data.rfind(b"\n") + 1
        self.log_offset += cut
        for line in data[:cut].decode("utf-8", "replace").splitlines():
            if line.startswith("ERROR"):
                self.emit(self.s("bot log │ " + line, "31"))
            elif line.startswith("WARN"):
                self.emit(self.s("bot log │ " + line, "33"))
            elif "lua: reloaded" in line:
                self.emit(self.s("bot log │ " + line, "2"))

    def poll_commands(self):
        changed, old = self.refresh_world()
        if changed:
            self.autocomplete_cache.clear()
            added = sorted(set(self.commands) - old)
            removed = sorted(old - set(self.commands))
            what = "; ".join(x for x in (("added " + ", ".join("/" + n for n in added)) if added else "",
                                         ("removed " + ", ".join("/" + n for n in removed)) if removed else "") if x)
            self.note(f"(the bot registered its commands again{': ' + what if what else ''})")

    def poll_interactions(self):
        now = time.monotonic()
        with self.track_lock:
            items = list(self.tracked.values())
        for t in items:
            age = now - t.created
            if age > 900:
                with self.track_lock:
                    self.tracked.pop(t.iid, None)
                continue
            if t.settled.is_set():
                interval = 1.0 if now - (t.settled_at or now) < 60 else 5.0
            else:
                interval = 0
            if now - t.last_poll < interval:
                continue
            t.last_poll = now
            record = self.sim.interaction(t.iid)
            if record.get("original_id") and record["original_id"] not in self.originals:
                t.original_id = record["original_id"]
                self.originals.add(t.original_id)
            events = record.get("events") or []
            for event in events[t.seen:]:
                self.on_event(t, event)
            t.seen = len(events)
            if record.get("initial") is None and not t.deadline_warned and age > 3.5:
                t.deadline_warned = True
                self.error("The bot did not answer within Discord's 3 seconds: Discord would show "
                           "\"The application did not respond\".")

    def message_of(self, t, data, message_id=None):
        message = {"id": message_id or snowflake(), "channel_id": t.channel_id, "author": {"id": "0"},
                   "content": "", "embeds": [], "components": [], "attachments": [], "flags": 0, "type": 0,
                   "pinned": False, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                   "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
                   "edited_timestamp": None}
        message.update({k: v for k, v in (data or {}).items() if k in ("content", "embeds", "components", "flags",
                                                                         "attachments")})
        return message

    def on_event(self, t, event):
        kind, data = event["kind"], event.get("data") or {}
        files = event.get("files")
        if kind == "callback":
            kind_type = event.get("type")
            if kind_type == 4:
                t.original = self.message_of(t, data, t.original_id)
                self.render(t.original, f"· {t.label}", files)
                t.settle()
            elif kind_type == 5:
                t.original = self.message_of(t, {"flags": data.get("flags", 0)}, t.original_id)
                t.thinking = True
                self.emit(self.s("── peon-bot is thinking…", "2")
                          + (" " + self.s("(only you)", "33") if data.get("flags", 0) & EPHEMERAL else ""))
            elif kind_type == 6:
                t.original = dict(t.message or self.message_of(t, {}))
            elif kind_type == 7:
                t.original = dict(t.message or self.message_of(t, {}))
                t.original.update({k: v for k, v in data.items() if k in ("content", "embeds", "components",
                                                                           "attachments")})
                self.render(t.original, f"· updated the message ({t.label})", files)
                t.settle()
            elif kind_type == 9:
                t.modal = data
                t.settle()
            else:
                t.settle()
        elif kind == "edit_original":
            base = t.original or self.message_of(t, {})
            base = dict(base)
            base.update({k: v for k, v in data.items() if k in ("content", "embeds", "components", "attachments")})
            base["flags"] = (base.get("flags") or 0) & ~LOADING
            if t.kind == 3 and not t.thinking:
                header = f"· updated the message ({t.label})"
            elif t.settled.is_set():
                header = f"· edited ({t.label})"
            else:
                header = f"· {t.label}"
            t.original = base
            self.render(base, header, files)
            t.settle()
        elif kind == "followup":
            message = self.message_of(t, data, event.get("message_id"))
            self.render(message, f"· follow-up ({t.label})", files)
            t.settle()
        elif kind == "edit_followup":
            self.render(self.message_of(t, data), f"· edited a follow-up ({t.label})", files)
        elif kind in ("delete_original", "delete_followup"):
            self.note("(the bot deleted its message)")
            if t.original and kind == "delete_original":
                self.set_focus(t.original, [])
        elif kind == "late_callback":
            self.error(f"The bot answered {t.label} after Discord's 3-second deadline "
                       f"({event.get('after_ms')} ms): Discord refused it and showed \"The application did not "
                       "respond\".")
            t.settle()
        elif kind == "duplicate_callback":
            self.error("The bot answered the same interaction twice: Discord refused the second answer (40060).")
        elif kind.startswith("rejected"):
            self.error(f"Discord refused the bot's answer ({kind.replace('_', ' ')}): the message broke one of "
                       "Discord's rules; the bot's log says which (:log).")
            if kind == "rejected_callback":
                t.settle()

    def poll_channels(self):
        now = time.monotonic()
        for channel in list(self.channels):
            messages = self.sim.messages(channel["id"])
            seen = self.seen_messages.setdefault(channel["id"], {})
            for message in messages:
                mid = message["id"]
                if mid in self.originals:
                    seen[mid] = None
                    continue
                if mid not in seen:
                    first = self.pending_new.setdefault(mid, now)
                    if now - first < 0.6:   # one more round: it may turn out to be an interaction's answer
                        continue
                    self.pending_new.pop(mid, None)
                    seen[mid] = self.fingerprint(message)
                    if self.channel and channel["id"] == self.channel["id"]:
                        self.render(message, "posted in #" + channel["name"],
                                    files=message.get("attachments"))
                    else:
                        what = self.message_summary(message)
                        self.note(f"(new message in #{channel['name']}: {what} — #{channel['name']} to see it)")
                elif seen[mid] is not None and seen[mid] != self.fingerprint(message):
                    seen[mid] = self.fingerprint(message)
                    if self.channel and channel["id"] == self.channel["id"]:
                        self.render(message, "edited a message in #" + channel["name"])

    def message_summary(self, message):
        text = message.get("content") or ""
        if not text and message.get("embeds"):
            embed = message["embeds"][0]
            text = embed.get("title") or embed.get("description") or ""
        text = ANSI.sub("", self.inline(text.split("\n")[0]))
        return (text[:60] + "…") if len(text) > 60 else (text or "a message")

    # ---------------------------------------------------------------- running interactions
    def track(self, injected, kind, label, message=None):
        if "id" not in injected:
            raise UsageError(f"the simulator refused the interaction: {injected}")
        t = Tracked(injected["id"], kind, label, self.channel["id"] if message is None else
                    message.get("channel_id") or self.channel["id"], message)
        with self.track_lock:
            self.tracked[t.iid] = t
        return t

    def wait(self, t, timeout=60):
        deadline = time.monotonic() + timeout
        try:
            while not t.settled.wait(0.1):
                if self.bot is None or self.bot.poll() is not None:
                    return
                if time.monotonic() > deadline:
                    self.warn("(no answer yet; it is shown when it arrives)")
                    return
        except KeyboardInterrupt:
            self.warn("(stopped waiting; the answer is shown when it arrives)")
            return
        if t.modal is not None:
            modal, t.modal = t.modal, None
            self.fill_modal(modal, t)

    def run_command(self, line):
        tokens, _ = split_line(line[1:])
        words = [text for _, text in tokens]
        if not words:
            raise UsageError("type a command after the /, e.g. /server info valheim.bob (Tab completes)")
        name = words[0].lower()
        command = self.commands.get(name)
        if command is None:
            close = difflib.get_close_matches(name, list(self.commands), 1)
            hint = f" Did you mean /{close[0]}?" if close else ""
            raise UsageError(f"the bot has no command /{name}.{hint} (:commands lists them)")
        binding = bind(command, words[1:])
        if binding.expect is not None:
            raise UsageError(f"choose a subcommand: {usage(command, binding.path)}")
        options, resolved = self.convert(command, binding)
        payload = options
        for name_ in reversed(binding.path):
            node_type = SUB if name_ == binding.path[-1] else GROUP
            payload = [{"name": name_, "type": node_type, "options": payload}]
        extra = self.who()
        if resolved:
            extra["resolved"] = resolved
        label = "/" + " ".join([command["name"], *binding.path])
        t = self.track(self.sim.command(command["name"], payload, **extra), 2, label)
        self.wait(t)
        if command["name"] == "reload":
            time.sleep(0.3)
            self.poll_commands()

    def convert(self, command, binding):
        """Raw option text -> Discord option values (and `resolved` for users, roles, channels), checked the
        way the Discord client checks them before it sends anything."""
        options, resolved = [], {}
        for option in binding.leaf:
            name = option["name"]
            if name not in binding.values:
                if option.get("required"):
                    raise UsageError(f"missing required option {name}: {usage(command, binding.path)}")
                continue
            raw = binding.values[name]
            value = self.convert_value(option, raw, resolved)
            options.append({"name": name, "type": option["type"], "value": value})
        options.sort(key=lambda o: binding.order.index(o["name"]))
        return options, resolved

    def convert_value(self, option, raw, resolved):
        kind, name = option["type"], option["name"]
        if option.get("choices"):
            for choice in option["choices"]:
                if str(choice["value"]) == raw or choice["name"].lower() == raw.lower():
                    return choice["value"]
            raise UsageError(f"{name} must be one of: " + ", ".join(str(c["value"]) for c in option["choices"]))
        if kind == STRING:
            lo, hi = option.get("min_length", 0), option.get("max_length", 6000)
            if not lo <= len(raw) <= hi:
                raise UsageError(f"{name} must be {lo}-{hi} characters long")
            return raw
        if kind in (INTEGER, NUMBER):
            try:
                value = int(raw) if kind == INTEGER else float(raw)
            except ValueError:
                raise UsageError(f"{name} must be {'an integer' if kind == INTEGER else 'a number'}") from None
            if "min_value" in option and value < option["min_value"] or \
                    "max_value" in option and value > option["max_value"]:
                raise UsageError(f"{name} must be between {option.get('min_value', '-∞')} and "
                                 f"{option.get('max_value', '∞')}")
            return value
        if kind == BOOLEAN:
            lowered = raw.lower()
            if lowered in ("true", "yes", "y", "1", "on"):
                return True
            if lowered in ("false", "no", "n", "0", "off"):
                return False
            raise UsageError(f"{name} must be true or false")
        if kind in (USER, MENTIONABLE):
            user = self.find_user(raw)
            if user is not None:
                resolved.setdefault("users", {})[user["id"]] = self.user_object(user)
                resolved.setdefault("members", {})[user["id"]] = {"roles": [], "permissions": user["permissions"],
                                                                  "nick": None, "joined_at": None}
                return user["id"]
            if kind == USER:
                raise UsageError(f"{name}: no such member \"{raw}\" (the playground has @admin and @member)")
        if kind in (ROLE, MENTIONABLE):
            role = self.find_role(raw)
            if role is None:
                raise UsageError(f"{name}: no such role \"{raw}\" (roles: "
                                 + ", ".join("@" + r["name"] for r in self.roles) + ")")
            resolved.setdefault("roles", {})[role["id"]] = role
            return role["id"]
        if kind == CHANNEL:
            channel = self.channel_named(raw) or next((c for c in self.channels if c["id"] == raw.strip("<#>")), None)
            if channel is None:
                raise UsageError(f"{name}: no such channel \"{raw}\" (:channels lists them)")
            if option.get("channel_types") and channel["type"] not in option["channel_types"]:
                raise UsageError(f"{name}: #{channel['name']} is not a channel of the right type")
            resolved.setdefault("channels", {})[channel["id"]] = {
                "id": channel["id"], "name": channel["name"], "type": channel["type"],
                "parent_id": channel.get("parent_id"), "permissions": ALL_PERMISSIONS}
            return channel["id"]
        if kind == ATTACHMENT:
            raise UsageError("the playground cannot send attachments")
        return raw

    def find_user(self, raw):
        text = raw.strip().lstrip("@").strip("<!>")
        if text == "me":
            return self.user()
        return next((u for u in USERS.values() if text in (u["username"], u["id"])), None)

    def find_role(self, raw):
        text = raw.strip().lstrip("@").strip("<&>")
        return next((r for r in self.roles if text.lower() in (r["name"].lower(), r["id"])
                     or ("@" + text).lower() == r["name"].lower()), None)

    @staticmethod
    def user_object(user):
        return {"id": user["id"], "username": user["username"], "discriminator": "0",
                "global_name": user["username"], "avatar": None, "public_flags": 0}

    def press(self, number):
        focus = self.focus
        if focus is None:
            raise UsageError("no message with buttons here yet")
        if not 1 <= number <= len(focus.components):
            raise UsageError(f"the last message's buttons are 1-{len(focus.components)}")
        component = focus.components[number - 1]
        if component.get("disabled"):
            raise UsageError("that button is disabled")
        if component["type"] != 2:
            raise UsageError(f"[{number}] is a menu: choose with select {number}:N (or select N)")
        label = f"button {component.get('label') or component.get('custom_id')}"
        t = self.track(self.sim.component(component["custom_id"], message=focus.message, **self.who_for(focus)),
                       3, label, focus.message)
        self.wait(t)

    def who_for(self, focus):
        who = self.who()
        who["channel_id"] = focus.message.get("channel_id") or who["channel_id"]
        return who

    def choose(self, args):
        focus = self.focus
        if focus is None:
            raise UsageError("no message with a menu here yet")
        menus = [(i + 1, c) for i, c in enumerate(focus.components) if c["type"] != 2]
        if not menus:
            raise UsageError("the last message has no menu")
        if not args:
            raise UsageError("select N [M ...]: which option(s)")
        number, menu = menus[0]
        if ":" in args[0] and args[0].split(":", 1)[0].isdigit():
            wanted, args[0] = args[0].split(":", 1)
            found = [m for m in menus if m[0] == int(wanted)]
            if not found:
                raise UsageError(f"[{wanted}] is not a menu")
            number, menu = found[0]
        if menu.get("disabled"):
            raise UsageError("that menu is disabled")
        values, resolved = [], {}
        for arg in args:
            if menu["type"] == 3:
                options = menu.get("options") or []
                if arg.isdigit() and 1 <= int(arg) <= len(options):
                    values.append(options[int(arg) - 1]["value"])
                    continue
                match = next((o for o in options if arg in (o["value"], o.get("label"))), None)
                if match is None:
                    raise UsageError(f"the menu's options are 1-{len(options)}")
                values.append(match["value"])
            elif menu["type"] == 8:
                channel = self.channel_named(arg)
                if channel is None:
                    raise UsageError(f"no channel \"{arg}\"")
                values.append(channel["id"])
                resolved.setdefault("channels", {})[channel["id"]] = channel
            else:
                user = self.find_user(arg) if menu["type"] in (5, 7) else None
                role = self.find_role(arg) if menu["type"] in (6, 7) and user is None else None
                if user is None and role is None:
                    raise UsageError(f"no {SELECT_TYPES[menu['type']]} \"{arg}\"")
                values.append(user["id"] if user else role["id"])
        lo, hi = menu.get("min_values", 1), menu.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise UsageError(f"choose {lo}" + (f"-{hi}" if hi != lo else "") + " option(s)")
        extra = self.who_for(focus)
        if resolved:
            extra["resolved"] = resolved
        labels = []
        for value in values:
            option = next((o for o in menu.get("options") or [] if o["value"] == value), None)
            labels.append(option["label"] if option else value)
        t = self.track(self.sim.component(menu["custom_id"], values, component_type=menu["type"],
                                          message=focus.message, **extra),
                       3, f"chose {', '.join(labels)}", focus.message)
        self.wait(t)

    def fill_modal(self, modal, origin):
        s = self.s
        inputs = []
        for row in modal.get("components") or []:
            inner = row.get("components") or ([row["component"]] if row.get("component") else [])
            for component in inner:
                if component.get("type") == 4:
                    component = dict(component)
                    component.setdefault("label", row.get("label"))
                    inputs.append(component)
        self.emit(s(f"┌ form: {modal.get('title', '')}", "1", "35") + s("  (Enter accepts the text shown; "
                                                                              "Ctrl-C cancels the form)", "2"))
        fields = {}
        try:
            for component in inputs:
                label = component.get("label") or component["custom_id"]
                required = component.get("required", True)
                lo, hi = component.get("min_length", 0), component.get("max_length", 4000)
                info = ["required" if required else "optional"]
                if component.get("placeholder"):
                    info.append(f"e.g. {component['placeholder']}")
                if component.get("style") == 2:
                    info.append("paragraph: write \\n for a new line")
                if hi < 4000 or lo:
                    info.append(f"{lo}-{hi} characters")
                self.emit(s("│ ", "35") + s(label, "1") + s("  (" + "; ".join(info) + ")", "2"))
                while True:
                    value = self.read_line(s("│ ", "35") + "> ", prefill=component.get("value") or "", form=True)
                    if component.get("style") == 2:
                        value = value.replace("\\n", "\n")
                    if required and not value.strip():
                        self.warn("│ this field is required")
                        continue
                    if value and not lo <= len(value) <= hi:
                        self.warn(f"│ {lo}-{hi} characters, please")
                        continue
                    break
                fields[component["custom_id"]] = value
        except (KeyboardInterrupt, EOFError):
            self.emit(s("└ form closed, nothing was sent", "2"))
            return
        self.emit(s("└ submitted", "35"))
        who = self.who()
        who["channel_id"] = origin.channel_id
        t = self.track(self.sim.modal_submit(modal["custom_id"], fields, **who), 5,
                       f"form {modal.get('title', '')}".strip())
        self.wait(t)

    # ---------------------------------------------------------------- completion
    def complete(self, text, state):
        if state == 0:
            self.completing = True
            try:
                self.matches = self.completions(readline.get_line_buffer()[:readline.get_endidx()])
            except Exception as exc:  # a completer must never raise into readline
                self.matches = []
                self.note(f"(completion failed: {exc})")
            finally:
                self.completing = False
        return self.matches[state] if state < len(self.matches) else None

    def completions(self, line):
        self.completion_notes = {}
        if self.in_form:
            return []
        tokens, ends_open = split_line(line)
        if line.startswith("#") and " " not in line:
            return [f"#{c['name']}" for c in self.channels if ("#" + c["name"]).startswith(line)]
        if line.startswith(":"):
            return self.complete_playground(line, tokens, ends_open)
        if not line.startswith("/"):
            return []
        if len(tokens) == 1 and ends_open:
            typed = tokens[0][1][1:].lower()
            return [f"/{name} " for name in sorted(self.commands) if name.startswith(typed)]
        command = self.commands.get(tokens[0][1][1:].lower())
        if command is None:
            return []
        if ends_open:
            start, current = tokens[-1]
            before = [t for _, t in tokens[1:-1]]
        else:
            start, current = len(line), ""
            before = [t for _, t in tokens[1:]]
        head = line[:start]
        binding = bind(command, before, lenient=True)
        if binding.expect is not None:
            return [head + o["name"] + " " for o in binding.expect if o["name"].startswith(current.lower())]
        name, colon, typed = current.partition(":")
        option = binding.option(name) if colon else None
        if option is not None:
            return self.extending(line, [
                head + option_token(option["name"], v) + (" " if final else "")
                for v, final in self.value_candidates(command, binding, option, typed, head + name + ":")])
        out = []
        unused = [o for o in binding.leaf if o["name"] not in binding.values]
        named = [o for o in unused if o["name"].startswith(current.lower())]
        if len(named) == 1 and current:
            # One option name fits: offer its values right away (Python's readline adds no space after a
            # completion, so "name:" alone is a fine answer too).
            option = named[0]
            values = self.value_candidates(command, binding, option, "", head + option["name"] + ":")
            if values:
                return [head + option_token(option["name"], v) + (" " if final else "") for v, final in values]
            return [head + option["name"] + ":"]
        for option in named:
            candidate = head + option["name"] + ":"
            out.append(candidate)
            self.completion_notes[candidate] = option.get("description", "") + \
                (" (required)" if option.get("required") else "")
        positional = binding.next_positional()
        if positional is not None and ":" not in current:
            for value, final in self.value_candidates(command, binding, positional, current, head):
                candidate = head + quoted(value) + (" " if final else "")
                out.append(candidate)
        return self.extending(line, out)

    def extending(self, line, candidates):
        """The candidates that extend what was typed. Readline would replace the line with the common part
        of the others (the bot's autocomplete may match anywhere in a name), cutting what was typed: one
        such candidate replaces the line, several are only listed."""
        prefix = [c for c in candidates if c.startswith(line)]
        if prefix or len(candidates) <= 1:
            return prefix or candidates
        self.emit("   ".join(self.completion_label(c) for c in candidates[:30]))
        return []

    def complete_playground(self, line, tokens, ends_open):
        words = [":help", ":user ", ":servers", ":channel ", ":channels", ":commands ", ":history ", ":log ",
                 ":newchannel ", ":locale ", ":quit"]
        if len(tokens) == 1 and ends_open:
            return [w for w in words if w.startswith(line)]
        first = tokens[0][1]
        start = tokens[-1][0] if ends_open else len(line)
        current = tokens[-1][1] if ends_open else ""
        head = line[:start]
        pool = {":user": ["admin", "member"], ":channel": [c["name"] for c in self.channels],
                ":commands": sorted(self.commands), ":locale": ["en-US", "de"]}.get(first, [])
        return [head + p + " " for p in pool if p.startswith(current)]

    def value_candidates(self, command, binding, option, typed, prefix):
        """(value, final) pairs for an option: its choices, the bot's autocomplete, or what the type allows."""
        pairs = []
        if option.get("choices"):
            for choice in option["choices"]:
                value = str(choice["value"])
                if value.lower().startswith(typed.lower()) or choice["name"].lower().startswith(typed.lower()):
                    pairs.append((value, choice["name"]))
        elif option.get("autocomplete"):
            pairs = [(str(c["value"]), c.get("name", "")) for c in self.autocomplete(command, binding, option, typed)]
        elif option["type"] == BOOLEAN:
            pairs = [(v, "") for v in ("true", "false") if v.startswith(typed.lower())]
        elif option["type"] == CHANNEL:
            wanted = "#" + typed.lstrip("#")
            pairs = [("#" + c["name"], "") for c in self.channels if ("#" + c["name"]).startswith(wanted)]
        elif option["type"] in (ROLE, MENTIONABLE, USER):
            names = []
            if option["type"] != ROLE:
                names += ["@" + u["username"] for u in USERS.values()]
            if option["type"] != USER:
                names += ["@" + r["name"] for r in self.roles if r["name"] != "@everyone"]
            pairs = [(n, "") for n in names if n.lower().startswith("@" + typed.lstrip("@").lower())]
        out = []
        for value, note in pairs:
            token = prefix + quoted(value)
            if note.startswith(value):  # "22:30 → once at ...": the part after the value says it all
                note = note[len(value):].strip().lstrip("—").strip()
            if note and note != value:
                self.completion_notes[token] = note
                self.completion_notes[token + " "] = note
            out.append((value, len(pairs) == 1))
        return out

    def autocomplete(self, command, binding, option, typed):
        key = (command["name"], tuple(binding.path), option["name"], typed, self.channel["id"], self.user_kind,
               json.dumps({k: v for k, v in binding.values.items() if k != option["name"]}, sort_keys=True))
        cached = self.autocomplete_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < 30:
            return cached[1]
        options = []
        for o in binding.leaf:
            if o["name"] == option["name"]:
                options.append({"name": o["name"], "type": o["type"], "value": typed, "focused": True})
            elif o["name"] in binding.values:
                try:
                    value = self.convert_value(o, binding.values[o["name"]], {})
                except UsageError:
                    value = binding.values[o["name"]]
                options.append({"name": o["name"], "type": o["type"], "value": value})
        for name in reversed(binding.path):
            options = [{"name": name, "type": SUB if name == binding.path[-1] else GROUP, "options": options}]
        injected = self.sim.autocomplete(command["name"], options, **self.who())
        record = self.sim.wait_initial(injected["id"], timeout=4)
        initial = record.get("initial") or {}
        choices = (initial.get("data") or {}).get("choices") or [] if initial.get("type") == 8 else []
        self.autocomplete_cache[key] = (time.monotonic(), choices)
        return choices

    def completion_label(self, candidate):
        tokens, _ = split_line(candidate)
        last = tokens[-1][1] if tokens else candidate
        note = self.completion_notes.get(candidate)
        return last + (self.s(f" — {note}", "2") if note else "")

    def display_matches(self, substitution, matches, longest):
        with self.out_lock:
            labels = [self.completion_label(m) for m in matches]
            width = self.width()
            lines, current = [], ""
            for label in labels:
                piece = label if not current else "   " + label
                if current and visible_len(current + piece) > width:
                    lines.append(current)
                    current = label
                else:
                    current += piece
            if current:
                lines.append(current)
            if any(self.completion_notes.get(m) for m in matches) and len(labels) <= 12:
                lines = labels
            sys.stdout.write("\n" + "\n".join(lines) + "\n")
            sys.stdout.flush()
            self.redisplay()

    # ---------------------------------------------------------------- the prompt

    def read_line(self, prompt, prefill="", form=False):
        """input() that steps aside when other threads have output (see emit), then comes back with what
        was typed. `prefill` is put on the line to edit (a modal's default)."""
        visible = ANSI.sub("", prompt) if not self.s.enabled else prompt
        editable = readline is not None and self.interactive
        marked = re.sub(r"(\x1b\[[0-9;]*m)", "\001\\1\002", visible) if editable else visible
        typed = prefill
        self.in_form = form
        try:
            while True:
                try:
                    self.arm()
                    if typed and editable:
                        readline.set_startup_hook(lambda: readline.insert_text(typed))
                    with self.out_lock:
                        self.flush_pending()
                        self.prompt_text = visible
                        self.reading = True
                    line = input(marked)
                    self.reading = False
                    if prefill and not editable and line == "":
                        line = prefill
                    return line
                except Redraw:
                    typed = readline.get_line_buffer() if editable else ""  # still there after input() left
                    with self.out_lock:
                        sys.stdout.write("\r\x1b[K")
                        sys.stdout.flush()
                finally:
                    self.reading = False
                    if editable:
                        readline.set_startup_hook(None)
        finally:
            self.in_form = False
            with self.out_lock:
                self.flush_pending()

    def prompt(self):
        who = "" if self.user_kind == "admin" else self.s("member ", "33")
        return who + self.s("#" + self.channel["name"], "1", "36") + "> "

    def loop(self):
        while True:
            try:
                line = self.read_line(self.prompt())
            except KeyboardInterrupt:
                with self.out_lock:
                    sys.stdout.write("^C\n" if self.interactive else "\n")
                    sys.stdout.flush()
                continue
            except EOFError:
                self.emit("")
                return
            line = line.strip()
            if not line:
                continue
            try:
                if not self.dispatch(line):
                    return
            except UsageError as exc:
                self.warn(str(exc))
            except KeyboardInterrupt:
                self.warn("(interrupted)")
            except (OSError, ValueError) as exc:
                self.error(f"playground: {exc}")

    def dispatch(self, line):
        if line.startswith("/"):
            self.run_command(line)
        elif line.startswith("#"):
            self.switch(line[1:])
        elif line.isdigit():
            self.press(int(line))
        elif re.match(r"select\b", line):
            self.choose(line.split()[1:])
        elif line.startswith(":"):
            return self.playground_command(line)
        else:
            self.chat(line)
        return True

    def switch(self, name):
        channel = self.channel_named(name)
        if channel is None:
            raise UsageError(f"no channel #{name.lstrip('#')}; channels: "
                             + ", ".join("#" + c["name"] for c in self.channels))
        self.channel = channel
        count = len([m for m in self.sim.messages(channel["id"]) if m["id"] not in self.originals])
        self.note(f"now in #{channel['name']}" + (f" ({count} earlier message{'s' if count != 1 else ''}: "
                                                   ":history shows them)" if count else ""))

    def playground_command(self, line):
        words = line.split()
        command, args = words[0].lower(), words[1:]
        if command in (":quit", ":exit", ":q"):
            return False
        if command in (":help", ":h", ":?"):
            watch = " (PEON_WATCH=1 is on: saving a file reloads by itself)" if self.watch == "1" else ""
            self.emit(PLAYGROUND_HELP.format(user=self.user_kind, log=self.bot_log, scripts=self.scripts, watch=watch))
        elif command in (":channel", ":c", ":ch"):
            if not args:
                raise UsageError(":channel NAME")
            self.switch(args[0])
        elif command == ":channels":
            for c in self.channels:
                here = "  ← you are here" if c["id"] == self.channel["id"] else ""
                self.emit(f"  #{c['name']}{self.s(here, '2')}")
        elif command == ":user":
            if not args or args[0] not in USERS:
                raise UsageError(":user admin|member")
            self.user_kind = args[0]
            self.autocomplete_cache.clear()
            self.note("now acting as " + ("admin, an administrator (Administrator permission, role @Admins)"
                                          if args[0] == "admin" else
                                          "member, a plain member (role @Players; no Administrator or Manage Server)"))
        elif command == ":servers":
            self.show_servers()
        elif command == ":commands":
            self.show_commands(args)
        elif command == ":history":
            count = int(args[0]) if args and args[0].isdigit() else 5
            messages = [m for m in self.sim.messages(self.channel["id"])][-count:]
            if not messages:
                self.note("(no messages in this channel)")
            for message in messages:
                self.render(message, "in #" + self.channel["name"] + " at " + message.get("timestamp", "")[11:19],
                            files=message.get("attachments"))
        elif command == ":log":
            count = int(args[0]) if args and args[0].isdigit() else 20
            self.emit(self.s(self.tail_log(count), "2"))
        elif command == ":newchannel":
            if not args:
                raise UsageError(":newchannel NAME")
            made = self.create_channel(args[0])
            self.refresh_world()
            self.seen_messages[made["id"]] = {}
            self.note(f"created #{made['name']}")
        elif command == ":locale":
            if not args:
                raise UsageError(":locale en-US|de|...")
            self.locale = args[0]
            self.autocomplete_cache.clear()
            self.note(f"interactions now carry locale {self.locale}")
        else:
            raise UsageError(f"unknown playground command {command} (:help lists them)")
        return True

    def show_servers(self):
        answer = self.orc.get("/servers")
        if answer.status != 200:
            raise UsageError(f"the orchestrator simulator answered {answer.status}")
        servers = answer.json()
        self.emit(self.s(f"orchestrator \"local\" (simulator at {self.orc.url}):", "1"))
        if not servers:
            self.emit("  (no servers)")
        for server in servers:
            state = server.get("container_state") or "?"
            colour = "32" if state == "running" else "31" if state in ("exited", "dead") else "33"
            extra = []
            if server.get("server_state") and server.get("server_state") not in (state, "UNKNOWN"):
                extra.append(f"game {server['server_state']}")
            if server.get("time"):
                when = server["time"]
                try:
                    when = discord_time(int(float(when)), "f")
                except (TypeError, ValueError):
                    pass
                extra.append(f"stops at {when}")
            desc = server.get("description") or ""
            uid = f"{server['game_uid']}.{server['servername']}"
            self.emit(f"  {uid:<24} " + self.s(f"{state:<9}", colour)
                      + (" " + ", ".join(extra) if extra else "") + (self.s(f"  {desc}", "2") if desc else ""))

    def show_commands(self, args):
        if args:
            command = self.commands.get(args[0].lstrip("/").lower())
            if command is None:
                raise UsageError(f"no command /{args[0].lstrip('/')}")
            self.emit(self.s(f"/{command['name']}", "1") + f" — {command.get('description', '')}")
            self.describe_options(command, command.get("options") or [], [])
            return
        for name in sorted(self.commands):
            command = self.commands[name]
            self.emit(f"  {self.s('/' + name, '1'):<20} {command.get('description', '')}")
        self.note("(:commands NAME shows a command's options)")

    def describe_options(self, command, options, path):
        for option in options:
            if option["type"] in (SUB, GROUP):
                sub_path = path + [option["name"]]
                if option["type"] == SUB:
                    self.emit("  " + self.s(usage(command, sub_path), "1")
                              + self.s("  " + option.get("description", ""), "2"))
                else:
                    self.describe_options(command, option.get("options") or [], sub_path)
                continue
            kind = "|".join(str(c["value"]) for c in option["choices"]) if option.get("choices") else \
                TYPE_NAMES.get(option["type"], "value")
            self.emit(f"  {option['name']}:<{kind}>" + (" (required)" if option.get("required") else "")
                      + (" (autocomplete)" if option.get("autocomplete") else "")
                      + self.s("  " + option.get("description", ""), "2"))
        if not options:
            self.note("  (no options)")

    def chat(self, text):
        user = self.user()
        role = next((r["id"] for r in self.roles if r["name"] == user["role"]), None)
        message = {"id": snowflake(), "channel_id": self.channel["id"], "guild_id": self.guild["id"],
                   "author": self.user_object(user), "content": text, "type": 0, "tts": False,
                   "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()),
                   "edited_timestamp": None, "mention_everyone": False, "mentions": [], "mention_roles": [],
                   "attachments": [], "embeds": [], "pinned": False, "flags": 0, "components": [],
                   "member": {"roles": [role] if role else [], "nick": None, "joined_at": None,
                              "deaf": False, "mute": False}}
        self.sim.emit("MESSAGE_CREATE", message, guild_id=self.guild["id"])
        if not self.chat_hint_shown:
            self.chat_hint_shown = True
            self.note("(posted as a chat message; slash commands start with /, :help lists the playground's)")

    # ---------------------------------------------------------------- main
    def setup_readline(self):
        if not (readline and self.interactive):
            return
        self.history = self.home / "history"
        try:
            readline.read_history_file(str(self.history))
        except OSError:
            pass
        readline.set_history_length(1000)
        readline.set_completer_delims("")
        readline.set_completer(self.complete)
        readline.set_completion_display_matches_hook(self.display_matches)
        readline.parse_and_bind("tab: complete")
        readline.parse_and_bind("set show-all-if-ambiguous on")

    def save_history(self):
        if readline and self.interactive and getattr(self, "history", None):
            try:
                readline.write_history_file(str(self.history))
            except OSError:
                pass


def main():
    playground = Playground()
    signal.signal(signal.SIGINT, playground.on_interrupt)
    signal.signal(signal.SIGTERM, playground.on_leave)
    signal.signal(signal.SIGHUP, playground.on_leave)
    signal.signal(signal.SIGUSR1, playground.on_poke)
    status = 0
    try:
        playground.start()
        playground.setup_readline()
        playground.loop()
    except KeyboardInterrupt:
        status = 130
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except RuntimeError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        playground.save_history()
        if playground.bot is not None or playground.sim_proc is not None:
            print(playground.s("stopping peon-bot and the simulators…", "2"), flush=True)
        bot_status = playground.shutdown()
        if bot_status not in (None, 0):
            print(f"peon-bot exited with status {bot_status}; see {playground.bot_log}", file=sys.stderr)
            status = status or 1
    if status == 0:
        print("bye.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
