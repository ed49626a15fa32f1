"""In-memory server folders (/home/peon/servers/<game>/<name>/) and the backup zip."""
import copy
import io
import json
import zipfile

SERVERS_ROOT = "/home/peon/servers"
BACKUP_ROOT = "/home/peon/backup"


class ServerFolder:
    """Files by relative path ("config.json", "user/world.db"); empty directories kept apart."""

    def __init__(self):
        self.files = {}
        self.dirs = set()
        self.manifest = None    # parsed docker-compose.yml (kept beside its text)

    def write(self, path, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.files[path] = bytes(data)
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.dirs.add("/".join(parts[:i]))

    def write_json(self, path, doc):
        self.write(path, json.dumps(doc, indent=4))

    def read_text(self, path):
        return self.files[path].decode("utf-8")

    def read_json(self, path):
        return json.loads(self.read_text(path))

    def has(self, path):
        return path in self.files

    def mkdir(self, path):
        self.dirs.add(path.rstrip("/"))

    def has_dir(self, path):
        return path.rstrip("/") in self.dirs

    def remove(self, path):
        self.files.pop(path, None)

    def remove_children(self, directory):
        """rm -rf <dir>/* : the directory itself stays."""
        prefix = directory.rstrip("/") + "/"
        for path in [p for p in self.files if p.startswith(prefix)]:
            del self.files[path]
        self.dirs = {d for d in self.dirs if not d.startswith(prefix)}

    def list_files(self, directory):
        """Plain files directly inside a directory, sorted by name."""
        prefix = directory.rstrip("/") + "/"
        names = []
        for path in self.files:
            if path.startswith(prefix) and "/" not in path[len(prefix):]:
                names.append(path[len(prefix):])
        return sorted(names)

    def copy(self):
        other = ServerFolder()
        other.files = dict(self.files)
        other.dirs = set(self.dirs)
        other.manifest = copy.deepcopy(self.manifest)
        return other

    def describe(self):
        return {"files": {p: _preview(b) for p, b in sorted(self.files.items())},
                "dirs": sorted(self.dirs)}

    def zip_bytes(self):
        """What `cd <server> && zip -r out.zip . -x '*data/*'` produces, or None when zip has
        nothing to add (zip then fails)."""
        entries = []
        for d in sorted(self.dirs):
            name = d + "/"
            if "data/" not in name:
                entries.append((name, None))
        for path in sorted(self.files):
            if "data/" not in path:
                entries.append((path, self.files[path]))
        if not entries:
            return None
        entries.sort(key=lambda e: e[0])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                if data is None:
                    zf.writestr(zipfile.ZipInfo(name), b"")
                else:
                    zf.writestr(name, data)
        return buf.getvalue()


def _preview(data, limit=2000):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(data)} bytes>"
    return text if len(text) <= limit else text[:limit] + "..."


def to_yaml(value, indent=0):
    """Small block-style YAML writer for docker-compose.yml (dicts, lists, scalars)."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 4 if isinstance(item, dict) else indent))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


def _scalar(value):
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    text = str(value)
    if text == "" or text[0] in "!&*-?{}[]#|>@`'\"%," or ": " in text or " #" in text:
        return "'" + text.replace("'", "''") + "'"
    return text
