#!/usr/bin/python3
"""Checks the Dockerfile with what this machine has, without a Docker engine.

The build stage runs on the same Debian release as this machine (CI), so its commands are checked here:
  - it starts from Debian with this machine's codename;
  - every package it installs exists in apt-cache, and it installs all of tools/bootstrap.sh's build list;
  - its CMake configure is run.sh's (same build directory and options; only -DPEON_TESTS=OFF may be added);
  - what it COPYs is enough: every source exists, every ${CMAKE_SOURCE_DIR} path the build reads is copied,
    and CMake configures from a directory holding only those files (--build also compiles and installs,
    running the stage's build commands).
The runtime stage is checked against the binary this machine built (default build/peon-bot):
  - it starts from debian:bookworm-slim, installs with --no-install-recommends and drops the apt lists;
  - every shared library the binary links (readelf NEEDED), the libwebsockets libuv plugin it loads with
    dlopen, the time zones and the CA certificates come from a package it installs (libraries may also
    come from the base image); every library ldd lists is in the dependency closure of those packages;
  - it installs nothing else (no -dev packages, no tools) and every package exists in apt-cache;
  - it copies the binary and the scripts (to /usr/share/peon-bot/scripts) from the build stage's install
    tree, sets PEON_SCRIPTS_DIR and PEON_DATA_DIR, declares the data volume, creates a non-root user that
    owns the data directory and runs as it;
  - its HEALTHCHECK accepts a fresh heartbeat file (core/health_file.h) and refuses a stale or missing one.
Each problem is printed as "Dockerfile:LINE: what is wrong"; the exit status is 1 when there is any.

usage: tools/check_dockerfile.py [--dockerfile PATH] [--binary PATH] [--no-configure | --build]
"""
import argparse
import glob as globmod
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent

SCRIPTS_DIR = "/usr/share/peon-bot/scripts"
DATA_DIR = "/var/lib/peon-bot"
RUNTIME_BASE = "debian:bookworm-slim"
# Options the image's configure may add to run.sh's.
ALLOWED_EXTRA_CMAKE = {"-DPEON_TESTS=OFF"}
# Loaded with dlopen, so ldd does not show it: core/ws.c asks libwebsockets for its libuv event loop
# (LWS_SERVER_OPTION_LIBUV), which libwebsockets loads from this plugin.
DLOPENED = {"libwebsockets-evlib_uv.so": "libwebsockets loads it for LWS_SERVER_OPTION_LIBUV (core/ws.c)"}
# Files read at run time, by a path that belongs to the package providing them.
DATA_FILES = {
    "/usr/share/zoneinfo/Europe/Berlin": "time zones: core/tz.c reads /usr/share/zoneinfo",
    "/usr/share/ca-certificates/mozilla": "the CA certificates libcurl and libwebsockets verify Discord with",
}
# Never wanted in the runtime image.
BUILD_ONLY = re.compile(r"(-dev|-dbg)$|^(build-essential|cmake|pkg-config|gcc|g\+\+|make|clang|git)$")


class Problems:
    def __init__(self, dockerfile):
        self.dockerfile = dockerfile
        self.items = []

    def add(self, line, message):
        where = f"{self.dockerfile.name}:{line}" if line else self.dockerfile.name
        self.items.append(f"{where}: {message}")


# ---- parsing -------------------------------------------------------------------------------------------

class Instruction:
    def __init__(self, line, keyword, text):
        self.line = line
        self.keyword = keyword
        self.text = text  # the arguments, continuations joined

    def exec_form(self):
        """The JSON array form's list, or None for the shell form."""
        text = self.text.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        return None

    def __repr__(self):
        return f"{self.keyword}@{self.line}"


class Stage:
    def __init__(self, index, line, image, name):
        self.index = index
        self.line = line
        self.image = image
        self.name = name
        self.instructions = []

    def all(self, keyword):
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword):
        found = self.all(keyword)
        return found[-1] if found else None

    def label(self):
        return f"stage {self.name or self.index} ({self.image})"


def parse_dockerfile(path):
    """Stages with their instructions. Continuation lines (backslash) are joined; comment lines inside a
    continuation are dropped, as Docker does."""
    lines = path.read_text().splitlines()
    instructions = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        parts = []
        while True:
            text = lines[i].rstrip()
            if text.strip().startswith("#") and parts:
                i += 1
                if i >= len(lines):
                    break
                continue
            if text.endswith("\\"):
                parts.append(text[:-1])
                i += 1
                if i >= len(lines):
                    break
                continue
            parts.append(text)
            i += 1
            break
        joined = " ".join(p.strip() for p in parts)
        keyword, _, rest = joined.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), rest.strip()))
    stages = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.text.split() if not w.startswith("--")]
            image = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), ins.line, image, name))
        elif stages:
            stages[-1].instructions.append(ins)
    return stages


SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;"}


def shell_commands(text):
    """A shell command line split into simple commands (lists of words), at && || ; | and parentheses."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    commands, current = [], []
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    for token in tokens:
        if token in SEPARATORS or set(token) <= set(";&|()"):
            if current:
                commands.append(current)
            current = []
        else:
            current.append(token)
    if current:
        commands.append(current)
    return commands


def strip_env_prefix(words):
    """`A=b C=d cmd args` -> ({A: b, C: d}, [cmd, args]); also drops `sudo`, `exec`, `env`."""
    env = {}
    while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in ("sudo", "exec", "env")):
        if "=" in words[0]:
            key, _, value = words[0].partition("=")
            env[key] = value
        words = words[1:]
    return env, words


def run_commands(stage):
    """(instruction, env, words) for every simple command of every RUN in the stage."""
    out = []
    for ins in stage.all("RUN"):
        form = ins.exec_form()
        if form is not None:
            commands = [form] if not (len(form) >= 3 and form[1] == "-c") else shell_commands(form[2])
        else:
            commands = shell_commands(ins.text)
        for words in commands:
            env, words = strip_env_prefix(words)
            if words:
                out.append((ins, env, words))
    return out


def package_name(word):
    return re.split(r"[=:]", word, maxsplit=1)[0]


def apt_installs(stage):
    """[(instruction, [packages], flags)] for each apt-get/apt install in the stage."""
    found = []
    for ins, _, words in run_commands(stage):
        if words[0] not in ("apt-get", "apt") or "install" not in words:
            continue
        after = words[words.index("install") + 1:]
        packages = [package_name(w) for w in after if not w.startswith("-")]
        flags = [w for w in words if w.startswith("-")]
        found.append((ins, packages, flags))
    return found


def bootstrap_lists():
    """tools/bootstrap.sh's package arrays: {"build_packages": [...], "test_packages": [...]}."""
    text = (REPO / "tools" / "bootstrap.sh").read_text()
    lists = {}
    for match in re.finditer(r"^(\w+_packages)=\((.*?)\)", text, re.S | re.M):
        lists[match.group(1)] = match.group(2).split()
    return lists


def bootstrap_installs(stage):
    """[(instruction, [packages])] for RUNs that run or source tools/bootstrap.sh (which installs its list)."""
    lists = bootstrap_lists()
    found = []
    for ins, _, words in run_commands(stage):
        for k, word in enumerate(words):
            if word.endswith("tools/bootstrap.sh"):
                mode = words[k + 1] if k + 1 < len(words) else "build"
                packages = list(lists.get("build_packages", []))
                if mode == "test":
                    packages += lists.get("test_packages", [])
                found.append((ins, packages))
                break
    return found


# ---- the machine's package database ------------------------------------------------------------------

def dpkg_database():
    """Installed packages: name -> {priority, essential, depends: [[alternatives]], provides: set}."""
    fmt = "${Package}\\t${db:Status-Abbrev}\\t${Priority}\\t${Essential}\\t${Pre-Depends}\\t${Depends}\\t${Provides}\\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, check=True).stdout
    db = {}
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) < 7 or not fields[1].startswith("ii"):
            continue
        name = fields[0]
        entry = db.setdefault(name, {"priority": fields[2], "essential": fields[3] == "yes", "depends": [],
                                     "provides": set()})
        for clause in filter(None, (c.strip() for c in (fields[4] + "," + fields[5]).split(","))):
            entry["depends"].append([dep_name(alt) for alt in clause.split("|")])
        entry["provides"].update(dep_name(p) for p in fields[6].split(",") if p.strip())
    return db


def dep_name(text):
    return re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", text).strip().split(":")[0]


def closure(db, roots):
    providers = {}
    for name, entry in db.items():
        for virtual in entry["provides"]:
            providers.setdefault(virtual, []).append(name)
    seen, todo = set(), [r for r in roots if r in db]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for alternatives in db[name]["depends"]:
            for alt in alternatives:  # the first alternative this machine satisfies, as apt would pick
                if alt in db:
                    todo.append(alt)
                    break
                if alt in providers:
                    todo.append(providers[alt][0])
                    break
    return seen


def base_image_packages(db):
    """What debian:bookworm-slim holds: the Priority: required and Essential packages (debootstrap's
    minbase) with apt, and everything they depend on."""
    roots = {name for name, e in db.items() if e["priority"] == "required" or e["essential"]} | {"apt"}
    return closure(db, roots)


_OWNERS = {}


def packages_owning(paths):
    """path -> set of packages (dpkg -S, one call; answers are kept), trying the /usr-merged twin and the
    resolved path too."""
    key = tuple(sorted(set(paths)))
    if key not in _OWNERS:
        _OWNERS[key] = _packages_owning(key)
    return _OWNERS[key]


def _packages_owning(paths):
    def variants(p):
        out = [p]
        twin = p[4:] if p.startswith("/usr/") else "/usr" + p
        out.append(twin)
        real = os.path.realpath(p)
        if real != p:
            out += [real, real[4:] if real.startswith("/usr/") else "/usr" + real]
        return out

    candidates = sorted({v for p in paths for v in variants(p)})
    result = subprocess.run(["dpkg-query", "-S"] + candidates, capture_output=True, text=True)
    owners = {}
    for line in result.stdout.splitlines():
        if line.startswith("diversion "):
            continue
        pkgs, sep, path = line.rpartition(": ")
        if not sep:
            continue
        owners.setdefault(path.strip(), set()).update(dep_name(p) for p in pkgs.split(","))
    return {p: set().union(*(owners.get(v, set()) for v in variants(p))) for p in paths}


_CANDIDATES = {}


def apt_candidates(packages):
    """package -> candidate version or None (apt-cache policy; one call for everything not asked before,
    since each call reads the whole package cache)."""
    ask = sorted(set(packages) - set(_CANDIDATES))
    if ask:
        out = subprocess.run(["apt-cache", "policy"] + ask, capture_output=True, text=True).stdout
        found, current = {}, None
        for line in out.splitlines():
            if line and not line.startswith(" ") and line.endswith(":"):
                current = line[:-1].split(":")[0]
            elif current and line.strip().startswith("Candidate:"):
                value = line.split(":", 1)[1].strip()
                found[current] = None if value == "(none)" else value
        for package in ask:
            _CANDIDATES[package] = found.get(package)
    return {p: _CANDIDATES[p] for p in packages}


def linked_libraries(binary):
    """(NEEDED sonames, {soname: path} of everything ldd resolves, [unresolved])."""
    dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    resolved, missing = {}, []
    for line in ldd.splitlines():
        line = line.strip()
        m = re.match(r"^(\S+) => (\S+) \(", line)
        if m:
            resolved[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\S+) => not found", line)
        if m:
            missing.append(m.group(1))
            continue
        m = re.match(r"^(/\S+) \(", line)
        if m:
            resolved[os.path.basename(m.group(1))] = m.group(1)
    return needed, resolved, missing


def find_library(name):
    """A shared object by file name in the multiarch library directories."""
    for pattern in ("/usr/lib/*/", "/lib/*/", "/usr/lib/", "/lib/"):
        for directory in globmod.glob(pattern):
            candidate = os.path.join(directory, name)
            if os.path.exists(candidate):
                return candidate
    return None


# ---- the build stage ------------------------------------------------------------------------------------

def build_peon_call(words):
    """(build dir, [cmake options]) from `build_peon DIR opts` or `cmake -S SRC -B DIR opts`, else None."""
    if words[0] == "build_peon" and len(words) >= 2:
        return words[1], words[2:]
    if words[0] == "cmake" and "-B" in words and "--build" not in words and "--install" not in words:
        opts, directory, k = [], None, 1
        while k < len(words):
            if words[k] in ("-S", "-B"):
                if words[k] == "-B" and k + 1 < len(words):
                    directory = words[k + 1]
                k += 2
                continue
            opts.append(words[k])
            k += 1
        return directory, opts
    return None


def run_sh_build():
    for line in (REPO / "run.sh").read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "build_peon":
            return words[1], words[2:]
    return None


def check_build_stage(stage, problems, codename):
    image = stage.image.split("@")[0]
    repo_name, _, tag = image.partition(":")
    if repo_name not in ("debian", "docker.io/library/debian", "library/debian") or not tag.startswith(codename):
        problems.add(stage.line, f"the build stage starts from {stage.image}, but this machine is Debian {codename}: "
                                 f"use debian:{codename} so the build runs where CI builds")

    installed = []
    for ins, packages, _ in apt_installs(stage):
        installed += [(ins, p) for p in packages]
    for ins, packages in bootstrap_installs(stage):
        installed += [(ins, p) for p in packages]
    if not installed:
        problems.add(stage.line, "the build stage installs no packages (run tools/bootstrap.sh build or apt-get install)")
    candidates = apt_candidates([p for _, p in installed])
    for ins, package in installed:
        if candidates.get(package) is None:
            problems.add(ins.line, f"the build stage installs {package}, which apt-cache does not know on this "
                                   f"machine (misspelt, or not in Debian {codename}?)")
    wanted = bootstrap_lists().get("build_packages", [])
    have = {p for _, p in installed}
    for package in wanted:
        if package not in have:
            problems.add(stage.line, f"the build stage does not install {package}, which tools/bootstrap.sh "
                                     f"installs for ./run.sh's build")

    expected = run_sh_build()
    calls = [(ins, build_peon_call(words)) for ins, _, words in run_commands(stage)]
    calls = [(ins, call) for ins, call in calls if call]
    if expected is None:
        problems.add(0, "run.sh has no build_peon line to compare the image's build with")
    elif not calls:
        problems.add(stage.line, f"the build stage never configures CMake; run.sh does: "
                                 f"build_peon {expected[0]} {' '.join(expected[1])}")
    else:
        for ins, (directory, opts) in calls:
            missing = [o for o in expected[1] if o not in opts]
            extra = [o for o in opts if o not in expected[1] and o not in ALLOWED_EXTRA_CMAKE]
            if directory != expected[0] or missing or extra:
                problems.add(ins.line, f"the build stage configures `{directory} {' '.join(opts)}` but run.sh "
                                       f"builds `{expected[0]} {' '.join(expected[1])}` (only "
                                       f"{', '.join(sorted(ALLOWED_EXTRA_CMAKE))} may be added)")
    return calls[0][1] if calls else (expected or ("build", []))


def copied_context(stage, problems):
    """[(instruction, [sources], dest)] of the stage's COPY/ADD from the build context; checks sources exist."""
    copies = []
    for ins in stage.all("COPY") + stage.all("ADD"):
        words = ins.exec_form() or shlex.split(ins.text)
        if any(w.startswith("--from=") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        if len(words) < 2:
            problems.add(ins.line, "a COPY needs a source and a destination")
            continue
        sources, dest = words[:-1], words[-1]
        for src in sources:
            if not globmod.glob(str(REPO / src)):
                problems.add(ins.line, f"COPY {src}: no such file in the repository")
        copies.append((ins, sources, dest))
    return copies


def stage_workdir(stage, before_line=None):
    workdir = "/"
    for ins in stage.all("WORKDIR"):
        if before_line is not None and ins.line > before_line:
            break
        workdir = os.path.normpath(os.path.join(workdir, ins.text.strip()))
    return workdir


def assemble_context(stage, copies, target):
    """Copies what the stage COPYs into `target` (standing for its WORKDIR)."""
    for ins, sources, dest in copies:
        workdir = stage_workdir(stage, ins.line)
        dest_abs = os.path.normpath(os.path.join(workdir, dest))
        rel_root = os.path.relpath(dest_abs, workdir)
        if rel_root.startswith(".."):
            continue
        for src in sources:
            for found in globmod.glob(str(REPO / src)):
                found = pathlib.Path(found)
                into_dir = dest.endswith("/") or len(sources) > 1
                out = target / rel_root / found.name if into_dir else target / rel_root
                if found.is_dir():
                    shutil.copytree(found, out, dirs_exist_ok=True)
                else:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(found, out)


def cmake_source_paths(options):
    """${CMAKE_SOURCE_DIR}/... paths, include()s and install(DIRECTORY) sources in CMakeLists.txt, leaving out
    the `if(OPTION)` blocks of options that are off in this configuration (PEON_TESTS=OFF, PEON_FUZZ...)."""
    text = (REPO / "CMakeLists.txt").read_text()
    enabled = {name: value.upper() == "ON"
               for name, value in re.findall(r'^\s*option\s*\(\s*(\w+)\s+"[^"]*"\s+(ON|OFF)\s*\)', text, re.M | re.I)}
    for option in options:
        m = re.match(r"-D(\w+)(?::BOOL)?=(\w+)$", option)
        if m and m.group(1) in enabled:
            enabled[m.group(1)] = m.group(2).upper() in ("ON", "1", "TRUE", "YES")
    paths, skip_depth, depth = [], None, 0
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        if re.match(r"\s*if\s*\(", code, re.I):
            depth += 1
            guard = re.match(r"\s*if\s*\(\s*(\w+)\s*\)", code, re.I)
            if skip_depth is None and guard and enabled.get(guard.group(1)) is False:
                skip_depth = depth
        if skip_depth is None:
            paths += re.findall(r"\$\{CMAKE_SOURCE_DIR\}/([^\s\)\"]+)", code)
            paths += re.findall(r"^\s*include\s*\(\s*([^\s\)\$]+\.cmake)", code, re.I)
            paths += re.findall(r"install\s*\(\s*DIRECTORY\s+([^\s\)\$]+)", code, re.I)
        if re.match(r"\s*endif\s*\(", code, re.I):
            if skip_depth == depth:
                skip_depth = None
            depth -= 1
    return sorted(set(paths))


def check_build_context(stage, build_call, problems, configure, build_mode, runtime_copies):
    directory, options = build_call
    before = len(problems.items)
    copies = copied_context(stage, problems)
    with tempfile.TemporaryDirectory(prefix="peon-dockerfile-") as tmp:
        src = pathlib.Path(tmp) / "src"
        src.mkdir()
        assemble_context(stage, copies, src)
        for path in cmake_source_paths(options):
            if not globmod.glob(str(src / path)):
                line = copies[-1][0].line if copies else stage.line
                problems.add(line, f"the build reads {path} (CMakeLists.txt) but the build stage does not COPY it")
        if not (configure or build_mode) or len(problems.items) > before:
            return
        if build_mode:
            run_build_commands(stage, copies, src, pathlib.Path(tmp), problems, runtime_copies)
            return
        result = subprocess.run(["cmake", "-S", str(src), "-B", str(src / directory)] + options,
                                capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n    ".join((result.stdout + result.stderr).strip().splitlines()[-8:])
            problems.add(stage.line, "CMake does not configure from what the build stage copies:\n    " + tail)


def run_build_commands(stage, copies, src, tmp, problems, runtime_copies):
    """--build: runs the stage's RUNs after its last COPY in `src`, with its WORKDIR and the install's DESTDIR
    moved under `tmp`, then checks that what the runtime stage copies from it exists."""
    workdir = stage_workdir(stage)
    destdir = next((env["DESTDIR"] for _, env, words in run_commands(stage)
                    if words[0] == "cmake" and "--install" in words and env.get("DESTDIR")), None)
    last_copy = copies[-1][0].line if copies else 0
    for ins in stage.all("RUN"):
        if ins.line < last_copy:
            continue
        form = ins.exec_form()
        script = " ".join(shlex.quote(w) for w in form) if form else ins.text
        if destdir:
            script = re.sub(r"(?<![\w/])" + re.escape(destdir) + r"(?=[/\s]|$)", str(tmp) + destdir, script)
        script = script.replace(workdir + "/", str(src) + "/")
        result = subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=src, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n    ".join((result.stdout + result.stderr).strip().splitlines()[-12:])
            problems.add(ins.line, "this build step fails here:\n    " + tail)
            return
    for ins, source, _ in runtime_copies:
        if destdir and (source + "/").startswith(destdir.rstrip("/") + "/"):
            local = str(tmp) + source
        else:
            local = source.replace(workdir, str(src), 1)
        if not os.path.exists(local):
            problems.add(ins.line, f"COPY --from={stage.name}: {source} does not exist after the build")


# ---- the runtime stage --------------------------------------------------------------------------------------

def install_tree(build_stage):
    """(root, {relative installed path: kind}) of the build stage's `DESTDIR=X cmake --install DIR --prefix P`,
    with the install() rules of CMakeLists.txt."""
    root = None
    for _, env, words in run_commands(build_stage):
        if words[0] == "cmake" and "--install" in words:
            prefix = words[words.index("--prefix") + 1] if "--prefix" in words else "/usr/local"
            root = os.path.normpath(env.get("DESTDIR", "") + "/" + prefix)
    installed = {}
    text = (REPO / "CMakeLists.txt").read_text()
    for target, dest in re.findall(r"install\s*\(\s*TARGETS\s+(\S+)\s+RUNTIME\s+DESTINATION\s+(\S+?)\s*\)", text):
        installed[f"{dest}/{target}"] = "binary"
    for source, dest in re.findall(r"install\s*\(\s*DIRECTORY\s+(\S+)\s+DESTINATION\s+(\S+?)\s*\)", text):
        installed[dest.rstrip("/")] = "dir:" + source.rstrip("/")
    return root, installed


def resolve_build_copy(source, build_stage, root, installed):
    """What a `COPY --from=build SOURCE` carries: "binary", "dir:scripts", or None when unknown."""
    source = os.path.normpath(source)
    if root and (source + "/").startswith(root + "/"):
        rel = os.path.relpath(source, root)
        for path, kind in installed.items():
            if rel == path or (kind.startswith("dir:") and rel.startswith(path + "/")):
                return kind if rel == path else "part:" + kind
        return None
    workdir = stage_workdir(build_stage)
    if source.startswith(workdir + "/"):
        rel = os.path.relpath(source, workdir)
        if rel.endswith("/peon-bot") or rel == "peon-bot":
            return "binary"
        if rel == "scripts":
            return "dir:scripts"
    return None


def env_values(stage):
    values = {}
    for ins in stage.all("ENV"):
        text = ins.text.strip()
        words = shlex.split(text)
        if words and "=" not in words[0]:
            values[words[0]] = (" ".join(words[1:]), ins.line)
            continue
        for word in words:
            key, _, value = word.partition("=")
            values[key] = (value, ins.line)
    return values


def check_runtime_stage(stage, build_stages, problems, binary, db, healthcheck_run):
    if stage.image.split("@")[0] != RUNTIME_BASE:
        problems.add(stage.line, f"the runtime stage starts from {stage.image}; it should be {RUNTIME_BASE}")
    installs = apt_installs(stage)
    listed = {}
    for ins, packages, flags in installs:
        for package in packages:
            listed[package] = ins
        if "--no-install-recommends" not in flags:
            problems.add(ins.line, "the runtime apt-get install needs --no-install-recommends (image size)")
    install_line = installs[0][0].line if installs else stage.line
    if not installs:
        problems.add(stage.line, "the runtime stage installs no packages; the binary needs its shared libraries")
    elif not any("/var/lib/apt/lists" in ins.text and "rm " in ins.text for ins in stage.all("RUN")):
        problems.add(install_line, "the runtime stage keeps the apt lists: rm -rf /var/lib/apt/lists/* after installing")
    candidates = apt_candidates(list(listed))
    for package, ins in listed.items():
        if candidates.get(package) is None:
            problems.add(ins.line, f"the runtime stage installs {package}, which apt-cache does not know on this machine")
        if BUILD_ONLY.search(package):
            problems.add(ins.line, f"the runtime stage installs {package}, a build-time package")

    base = base_image_packages(db)
    needed, resolved, unresolved = linked_libraries(binary)
    plugins = {name: find_library(name) for name in DLOPENED}
    owning = packages_owning([p for p in list(resolved.values()) + list(plugins.values()) + list(DATA_FILES) if p])
    for soname in unresolved:
        problems.add(0, f"ldd cannot find {soname} for {binary}: install its package here (./run.sh does)")
    justified = set()

    def require(what, why, owners, allowed):
        if not owners:
            problems.add(0, f"{what} ({why}) belongs to no Debian package installed on this machine")
            return
        justified.update(owners)
        if not owners & allowed:
            problems.add(install_line, f"the runtime stage does not install {' or '.join(sorted(owners))}, which "
                                       f"provides {what} ({why}): add it to the apt-get install list")

    # Libraries the binary names itself: a package the stage installs, or the base image's. The plugin
    # loaded with dlopen and the data files: always named in the install list.
    for soname in needed:
        require(soname, f"linked by {binary}", owning.get(resolved.get(soname), set()), set(listed) | base)
    for name, why in DLOPENED.items():
        require(name, why, owning.get(plugins[name], set()), set(listed))
    for path, why in DATA_FILES.items():
        require(path, why, owning.get(path, set()), set(listed))
    # Everything ldd loads must come with those packages (their dependencies) or the base image.
    reachable = closure(db, set(listed) | base)
    for soname, path in sorted(resolved.items()):
        if soname in needed:
            continue
        owners = owning.get(path, set())
        if owners and not owners & reachable:
            problems.add(install_line, f"{soname} (loaded by {binary} through its libraries) comes from "
                                       f"{' or '.join(sorted(owners))}, which no installed package pulls in")
    for package, ins in listed.items():
        if package not in justified:
            problems.add(ins.line, f"the runtime stage installs {package}, which provides nothing the binary links or "
                                   f"reads: leave it out (image size)")

    # The binary and the scripts, from the build stage's install tree.
    by_name = {s.name: s for s in build_stages if s.name} | {str(s.index): s for s in build_stages}
    carried, runtime_copies = {}, []
    for ins in stage.all("COPY"):
        words = ins.exec_form() or shlex.split(ins.text)
        source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
        words = [w for w in words if not w.startswith("--")]
        if len(words) < 2:
            continue
        sources, dest = words[:-1], os.path.normpath(words[-1])
        for source in sources:
            if source_stage is None:
                kind = "dir:scripts" if os.path.normpath(source) == "scripts" else None
            elif source_stage in by_name:
                build = by_name[source_stage]
                root, installed = install_tree(build)
                kind = resolve_build_copy(source, build, root, installed)
                runtime_copies.append((ins, source, build))
                if kind is None:
                    problems.add(ins.line, f"COPY --from={source_stage} {source}: not something the build stage "
                                           f"installs (its install tree is {root or 'missing: no cmake --install'})")
            else:
                continue
            if kind:
                carried[dest] = (kind, ins)
    entry = stage.last("ENTRYPOINT") or stage.last("CMD")
    program = None
    if entry:
        form = entry.exec_form()
        program = form[0] if form else (shlex.split(entry.text) or [None])[0]
    if program is None or carried.get(os.path.normpath(program), ("",))[0] != "binary":
        problems.add(entry.line if entry else stage.line,
                     f"the runtime stage runs {program or 'nothing'}, but copies the built peon-bot elsewhere "
                     f"(COPY --from=<build> <install root>/bin/peon-bot {program or '/usr/bin/peon-bot'})")
    scripts = carried.get(SCRIPTS_DIR)
    if scripts is None or scripts[0] != "dir:scripts":
        problems.add(stage.line, f"the runtime stage does not copy the scripts to {SCRIPTS_DIR} "
                                 f"(COPY --from=<build> <install root>/share/peon-bot/scripts {SCRIPTS_DIR})")
    env = env_values(stage)
    for key, want in (("PEON_SCRIPTS_DIR", SCRIPTS_DIR), ("PEON_DATA_DIR", DATA_DIR)):
        value = env.get(key, (None, stage.line))
        if value[0] != want:
            problems.add(value[1], f"the runtime stage must set ENV {key}={want} (it has {value[0] or 'nothing'})")
    volumes = []
    for ins in stage.all("VOLUME"):
        volumes += ins.exec_form() or ins.text.split()
    if DATA_DIR not in [os.path.normpath(v) for v in volumes]:
        problems.add(stage.line, f"the runtime stage must declare VOLUME {DATA_DIR} (the state)")

    # A non-root user, created here, owning the data directory.
    user_ins = stage.last("USER")
    user = user_ins.text.split(":")[0].strip() if user_ins else ""
    if user in ("", "root", "0"):
        problems.add(user_ins.line if user_ins else stage.line,
                     "the runtime stage must run as a non-root user (USER <name> after creating it)")
    else:
        created, uids = set(), set()
        for _, _, words in run_commands(stage):
            if words[0] in ("useradd", "adduser"):
                args = [w for w in words[1:] if not w.startswith("-")]
                for k, w in enumerate(words):
                    if w in ("--uid", "-u") and k + 1 < len(words):
                        uids.add(words[k + 1])
                        if words[k + 1] in args:
                            args.remove(words[k + 1])
                if args:
                    created.add(args[-1])
        if user not in created and user not in uids:
            problems.add(user_ins.line, f"USER {user}: the runtime stage never creates that user (useradd)")
        owner = re.compile(rf"(install\s[^&;]*-o\s+({re.escape(user)})\b[^&;]*{re.escape(DATA_DIR)}|"
                           rf"chown\s[^&;]*\b{re.escape(user)}\b[^&;]*{re.escape(DATA_DIR)})")
        if not any(owner.search(ins.text) for ins in stage.all("RUN")):
            problems.add(user_ins.line, f"{DATA_DIR} must belong to {user} (install -d -o {user} ... or chown)")

    check_healthcheck(stage, problems, healthcheck_run)
    return runtime_copies


def health_file_settings():
    header = (REPO / "core" / "health_file.h").read_text()
    name = re.search(r'#define\s+HEALTH_FILE_NAME\s+"([^"]+)"', header).group(1)
    period = int(re.search(r"#define\s+HEALTH_FILE_PERIOD_S\s+(\d+)", header).group(1))
    return name, period


def check_healthcheck(stage, problems, run):
    ins = stage.last("HEALTHCHECK")
    if ins is None or ins.text.strip().upper() == "NONE":
        problems.add(stage.line, "the runtime stage needs a HEALTHCHECK")
        return
    m = re.search(r"(?:^|\s)CMD\s+(.*)$", ins.text, re.S)
    if not m:
        problems.add(ins.line, "HEALTHCHECK without CMD")
        return
    cmd_text = m.group(1).strip()
    try:
        argv = json.loads(cmd_text) if cmd_text.startswith("[") else ["/bin/sh", "-c", cmd_text]
    except ValueError:
        problems.add(ins.line, "HEALTHCHECK CMD is not valid JSON")
        return
    if not run:
        return
    name, period = health_file_settings()
    now = int(time.time())
    cases = [("a heartbeat one period old", str(now - period), 0),
             ("a heartbeat five minutes old", str(now - 300), 1),
             ("no heartbeat file", None, 1),
             ("a heartbeat file that is not a number", "garbage", 1)]
    with tempfile.TemporaryDirectory(prefix="peon-health-") as tmp:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PEON_DATA_DIR": tmp,
               "PEON_SCRIPTS_DIR": SCRIPTS_DIR}
        for what, content, want in cases:
            path = pathlib.Path(tmp) / name
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(content + "\n")
            try:
                result = subprocess.run(argv, env=env, cwd=tmp, capture_output=True, text=True, timeout=10)
                status = result.returncode
            except (OSError, subprocess.TimeoutExpired) as error:
                problems.add(ins.line, f"HEALTHCHECK CMD cannot run here: {error}")
                return
            if status != want:
                verdict = "healthy" if status == 0 else f"unhealthy (exit {status})"
                problems.add(ins.line, f"HEALTHCHECK calls the container {verdict} with {what} in "
                                       f"$PEON_DATA_DIR/{name} (core/health_file.c rewrites it every {period} s); "
                                       f"it should say {'healthy (0)' if want == 0 else 'unhealthy (1)'}")


# ---- main -------------------------------------------------------------------------------------------------

def os_codename():
    try:
        for line in pathlib.Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dockerfile", default=str(REPO / "Dockerfile"))
    parser.add_argument("--binary", default=str(REPO / "build" / "peon-bot"),
                        help="the binary whose libraries the runtime stage must provide (default build/peon-bot)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--no-configure", action="store_true", help="skip running CMake on the copied context")
    mode.add_argument("--build", action="store_true",
                      help="also run the build stage's build commands in a temporary copy (slower)")
    args = parser.parse_args(argv)

    dockerfile = pathlib.Path(args.dockerfile)
    binary = pathlib.Path(args.binary)
    problems = Problems(dockerfile)
    if not binary.exists():
        print(f"check_dockerfile: {binary} does not exist: build first (./run.sh or ./test.sh)", file=sys.stderr)
        return 1
    stages = parse_dockerfile(dockerfile)
    if len(stages) < 2:
        problems.add(0, "expected a multi-stage Dockerfile (a build stage and a runtime stage)")
    else:
        runtime = stages[-1]
        build_stages = stages[:-1]
        used = set()
        for ins in runtime.all("COPY"):
            for word in shlex.split(ins.text):
                if word.startswith("--from="):
                    used.add(word.split("=", 1)[1])
        builds = [s for s in build_stages if s.name in used or str(s.index) in used] or build_stages[:1]
        build = builds[0]
        apt_candidates([p for _, ps, _ in apt_installs(build) + apt_installs(runtime) for p in ps] +
                       [p for _, ps in bootstrap_installs(build) for p in ps])
        build_call = check_build_stage(build, problems, os_codename())
        runtime_copies = check_runtime_stage(runtime, build_stages, problems, binary, dpkg_database(),
                                             healthcheck_run=True)
        check_build_context(build, build_call, problems, configure=not args.no_configure, build_mode=args.build,
                            runtime_copies=[(i, s, None) for i, s, b in runtime_copies if b is build])
    if problems.items:
        print(f"check_dockerfile: {len(problems.items)} problem(s) in {dockerfile}:", file=sys.stderr)
        for item in problems.items:
            print("  " + item, file=sys.stderr)
        return 1
    print(f"check_dockerfile: {dockerfile.name} OK (build stage = run.sh's build on {os_codename()}; runtime "
          f"packages provide every library {binary.name} links)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
