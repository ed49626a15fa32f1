"""Contract test for the PEON orchestrator simulator (tests/fakes/orcsim).

Each test pins one behaviour of shared/reference/peon-orchestrator-api.md: the status code and
the exact body shape, and the state change (or its absence) behind it. One simulator process
serves the module and is reset to the demo seed before every test; tests that need their own
process (time scale, several orchestrators, connection refused) start one.
"""
import http.client as httpclient
import io
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import zipfile

import pytest

from orcsim.catalogue import NAME_PREFIXES, NAME_SUFFIXES
from orcsim.client import DEFAULT_PYTHON, FAKES_DIR, free_port, http, start_orchestrator

KEY = "contract-key"
NOT_AUTHORIZED = b'"Not authorized"\n'
GET_FAILED = {"status": "error", "info": "There was an issue getting the server."}
BAD_INTERVAL = {"error": "Invalid time interval. Options are (d)ays,(h)ours,(m)inutes,"
                         "(s)econds. e.g. 5h"}
BAD_EPOCH = {"error": "Non-epoch time value provided for scheduler"}
SERVER_ERROR = {"message": "Internal Server Error"}
SERVER_KEYS = ["game_uid", "servername", "container_type", "build_version", "container_state",
               "server_state", "server_config", "description", "time"]


@pytest.fixture(scope="module")
def sim():
    with start_orchestrator(api_key=KEY, tick_period=0, name_seed=7) as orc:
        yield orc


@pytest.fixture
def orc(sim):
    sim.reset("demo")
    sim.api_key = KEY
    yield sim
    unintended = [c for c in sim.state()["crashes"] if not c["intended"]]
    assert unintended == [], "simulator bug (500 not modelled on the real code)"


def frozen(orc):
    """Stop the simulated clock at a whole second; returns that second."""
    orc.freeze_clock(True)
    return int(orc.set_clock(int(orc.clock())))


def server(orc, uid):
    resp = orc.get(f"/server/get/{uid}")
    assert resp.status == 200, resp
    return resp.json()


def listing(orc):
    resp = orc.get("/servers")
    assert resp.status == 200
    return {f"{s['game_uid']}.{s['servername']}": s for s in resp.json()}


def folders(orc):
    return orc.state()["folders"]


def in_list(orc, uid):
    return uid in listing(orc)


# --------------------------------------------------------------------------- transport, auth

def test_startup_line_points_at_loopback(sim):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
    assert sim.api == sim.url + "/api/v1" and sim.control == sim.url + "/_sim"
    assert sim.health()["ok"] is True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_process_prints_one_line_and_exits_cleanly(sig):
    env = dict(os.environ, PYTHONPATH=FAKES_DIR)
    proc = subprocess.Popen([DEFAULT_PYTHON, "-m", "orcsim", "--seed", "empty"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        line = json.loads(proc.stdout.readline())
        assert list(line) == ["url", "api", "control"]
        assert http("GET", line["control"] + "/health").status == 200
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert (proc.returncode, out, err) == (0, b"", b"")


def test_host_must_be_loopback():
    proc = subprocess.run([DEFAULT_PYTHON, "-m", "orcsim", "--host", "0.0.0.0"],
                          env=dict(os.environ, PYTHONPATH=FAKES_DIR), capture_output=True,
                          timeout=20)
    assert proc.returncode == 2 and b"loopback" in proc.stderr and proc.stdout == b""


ALL_ROUTES = [
    ("GET", "/orchestrator"), ("GET", "/servers"), ("PUT", "/servers"),
    ("GET", "/server/get/valheim.bob"), ("GET", "/server/stats/valheim.bob"),
    ("GET", "/server/save/valheim.bob"), ("PUT", "/server/create/valheim.new"),
    ("PUT", "/server/start/palworld.alice"), ("PUT", "/server/stop/valheim.bob"),
    ("PUT", "/server/restart/valheim.bob"), ("PUT", "/server/update/valheim.bob"),
    ("PUT", "/server/description/valheim.bob"), ("PUT", "/server/skip/valheim.bob"),
    ("PUT", "/server/info/valheim.bob"), ("PUT", "/server/start/valheim"),
    ("DELETE", "/server/destroy/valheim.bob"), ("DELETE", "/server/eradicate/valheim.bob"),
    ("DELETE", "/server/stop/valheim.bob"), ("GET", "/plans"), ("PUT", "/plans"),
    ("GET", "/plan/valheim"), ("GET", "/plan/nope"),
]


@pytest.mark.parametrize("method,path", ALL_ROUTES)
def test_every_route_answers_401_bare_string_without_or_with_wrong_key(orc, method, path):
    before = orc.state()
    for key in (None, "wrong", KEY.upper()):
        resp = orc.call(method, path, {"eradicate": True}, key=key)
        assert resp.status == 401
        assert resp.body == NOT_AUTHORIZED
        assert resp.headers["Content-Type"] == "application/json"
    after = orc.state()
    for part in ("folders", "schedule", "docker", "plans"):
        assert after[part] == before[part], f"unauthorised {method} {path} changed {part}"


def test_json_content_type_with_empty_or_invalid_body_is_400_before_auth(orc):
    for path in ("/orchestrator", "/server/get/valheim.bob"):
        resp = orc.call("GET", path, data=b"", content_type="application/json", key=None)
        assert resp.status == 400
        assert resp.json()["message"].startswith("Failed to decode JSON object: Expecting value")
    resp = orc.call("PUT", "/server/stop/valheim.bob", data=b"{nope",
                    content_type="application/json")
    assert resp.status == 400 and "Failed to decode JSON object" in resp.json()["message"]
    resp = orc.call("DELETE", "/server/destroy/valheim.bob", data=b"",
                    content_type="application/merge-patch+json")
    assert resp.status == 400
    assert server(orc, "valheim.bob")["container_state"] == "running"
    # routes whose resource never reads the body do not care
    resp = orc.call("GET", "/servers", data=b"{nope", content_type="application/json")
    assert resp.status == 200


def test_body_without_json_content_type_is_ignored(orc):
    resp = orc.call("PUT", "/server/stop/valheim.bob", data=b'{"interval": "15m"}',
                    content_type="text/plain")
    assert resp.status == 200
    assert resp.json()["container_state"] == "exited"   # no timer seen: stopped at once
    assert resp.json()["time"] is None


def test_unknown_url_is_flask_html_404_and_wrong_method_is_json_405(orc):
    resp = orc.get("/serverz")
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("text/html")
    assert b"<title>404 Not Found</title>" in resp.body
    assert orc.get("/servers/").status == 404
    resp = orc.call("POST", "/servers", {"game_uid": "valheim"})      # the swagger's create
    assert resp.status == 405
    assert resp.json() == {"message": "The method is not allowed for the requested URL."}
    assert "PUT" in resp.headers["Allow"]


def test_json_answers_look_like_flask_restful(orc):
    resp = orc.get("/orchestrator")
    assert resp.body == b'{"version": "1.3.0"}\n'
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Server"].startswith("Werkzeug/")


def test_connection_closes_after_each_answer_unless_keep_alive(orc):
    # Werkzeug's single-threaded server speaks HTTP/1.0: one request per connection
    host, port = orc.url.split("//")[1].split(":")
    conn = httpclient.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", "/api/v1/orchestrator", headers={"X-Api-Key": KEY})
        resp = conn.getresponse()
        resp.read()
        assert resp.getheader("Connection") == "close"
        orc.settings(keep_alive=True)
        conn.close()
        conn.request("GET", "/api/v1/orchestrator", headers={"X-Api-Key": KEY})
        first = conn.getresponse()
        first.read()
        conn.request("GET", "/api/v1/servers", headers={"X-Api-Key": KEY})
        assert first.getheader("Connection") != "close" and conn.getresponse().status == 200
    finally:
        conn.close()


# --------------------------------------------------------------------------- /orchestrator

def test_orchestrator_reports_version(orc):
    assert orc.get("/orchestrator").json() == {"version": "1.3.0"}
    orc.settings(version="-.-.-")
    assert orc.get("/orchestrator").json() == {"version": "-.-.-"}


# --------------------------------------------------------------------------- /servers

def test_demo_seed_lists_containers_sorted_with_exact_fields(orc):
    resp = orc.get("/servers")
    servers = resp.json()
    uids = [f"{s['game_uid']}.{s['servername']}" for s in servers]
    assert uids == ["minecraft.steve", "palworld.alice", "satisfactory.factory", "valheim.bob"]
    assert all(list(s) == SERVER_KEYS for s in servers)
    by = {u: s for u, s in zip(uids, servers)}
    bob = by["valheim.bob"]
    assert bob["container_state"] == bob["server_state"] == "running"
    assert bob["server_config"] == {"ip": "203.0.113.7", "state": "RUNNING"}
    assert bob["container_type"] == "steamcmd" and bob["build_version"] == "1.4.2"
    assert bob["description"] == "Friday night Valheim" and bob["time"] is None
    alice = by["palworld.alice"]
    assert (alice["container_state"], alice["server_config"]) == ("exited", {})
    assert alice["container_type"] == alice["build_version"] == "unknown"
    assert alice["description"] == "A Palworld game server for PEON."   # the plan's default
    assert isinstance(by["minecraft.steve"]["time"], int)
    assert by["satisfactory.factory"]["container_state"] == "created"
    assert "enshrouded/embervale" in folders(orc)        # files only: invisible


def test_empty_seed_has_no_servers(orc):
    orc.reset("empty")
    assert orc.get("/servers").json() == []


def test_put_servers_imports_folders_without_starting_them(orc):
    resp = orc.put("/servers")
    assert resp.status == 200
    by = {f"{s['game_uid']}.{s['servername']}": s for s in resp.json()}
    assert by["enshrouded.embervale"]["container_state"] == "created"
    assert by["valheim.bob"]["container_state"] == "running"
    assert len(by) == 5


def test_failed_probe_and_missing_folder_show_unknown(orc):
    orc.modify_server("valheim.bob", probe_ok=False)
    bob = server(orc, "valheim.bob")
    assert (bob["container_state"], bob["server_state"]) == ("running", "UNKNOWN")
    assert bob["server_config"] == {"state": "OFFLINE"}
    assert bob["container_type"] == "unknown"
    orc.remove_server("minecraft.steve", container=False)       # folder gone, container runs
    steve = server(orc, "minecraft.steve")
    assert steve["server_state"] == "UNKNOWN" and steve["server_config"] == {"state": "OFFLINE"}
    assert steve["build_version"] == "2.0.1"                    # docker exec still worked
    assert steve["description"] == "None - Please add a description"


def test_game_reports_starting_until_booted(orc):
    frozen(orc)
    orc.settings(boot_seconds=60)
    assert orc.put("/server/start/palworld.alice").json()["server_config"]["state"] == "STARTING"
    orc.advance(61)
    assert server(orc, "palworld.alice")["server_config"]["state"] == "RUNNING"


# --------------------------------------------------------------------------- GET /server/...

def test_get_any_action_word_returns_the_server_object(orc):
    for action in ("get", "info", "whatever"):
        resp = orc.get(f"/server/{action}/valheim.bob")
        assert resp.status == 200 and list(resp.json()) == SERVER_KEYS


@pytest.mark.parametrize("uid", ["valheim.nobody", "valheim", "enshrouded.embervale"])
def test_get_unknown_container_is_404(orc, uid):
    for action in ("get", "stats", "save"):
        resp = orc.get(f"/server/{action}/{uid}")
        assert (resp.status, resp.json()) == (404, GET_FAILED)


def test_stats_adds_docker_stats_document(orc):
    stats = orc.get("/server/stats/valheim.bob").json()
    assert list(stats)[:len(SERVER_KEYS)] == SERVER_KEYS
    doc = stats["stats"]
    for key in ("read", "cpu_stats", "memory_stats", "networks", "pids_stats"):
        assert key in doc
    assert doc["name"] == "/peon.warcamp.valheim.bob"
    stopped = orc.get("/server/stats/palworld.alice").json()["stats"]
    assert stopped["read"] == "0001-01-01T00:00:00Z" and "networks" not in stopped
    orc.modify_server("valheim.bob", stats_ok=False)
    assert orc.get("/server/stats/valheim.bob").json()["stats"] == "Not available"


def test_save_downloads_zip_without_data_paths(orc):
    orc.modify_server("valheim.bob", files={"user/savedata/slot1.sav": "x",
                                           "user/notes.txt": "hello"})
    resp = orc.get("/server/save/valheim.bob")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/zip"
    disposition = resp.headers["Content-Disposition"]
    match = re.fullmatch(r"attachment; filename=(valheim\.bob-\d{8}-\d{6}\.zip)", disposition)
    assert match, disposition
    names = zipfile.ZipFile(io.BytesIO(resp.body)).namelist()
    for expected in ("config.json", "docker-compose.yml", "plan.json", "config/state",
                     "user/worlds_local/Midgard.db", "user/notes.txt", "actions/"):
        assert expected in names
    assert not [n for n in names if "data/" in n]              # data/ and user/savedata/ too
    with zipfile.ZipFile(io.BytesIO(resp.body)) as zf:
        config = json.loads(zf.read("config.json"))
        assert zf.read("user/notes.txt") == b"hello"
    assert config["metadata"]["container_name"] == "peon.warcamp.valheim.bob"
    assert [b["name"] for b in orc.state()["backups"]] == [match.group(1)]


def test_save_fails_404_without_backup_dir_or_folder(orc):
    orc.settings(backup_dir_ok=False)
    assert orc.get("/server/save/valheim.bob").json() == GET_FAILED
    orc.settings(backup_dir_ok=True)
    orc.remove_server("valheim.bob", container=False)
    resp = orc.get("/server/save/valheim.bob")
    assert (resp.status, resp.json()) == (404, GET_FAILED)


# --------------------------------------------------------------------------- PUT common steps

@pytest.mark.parametrize("action", ["start", "stop", "update", "skip", "frob"])
def test_put_without_servername_is_400_with_exact_text(orc, action):
    resp = orc.put(f"/server/{action}/valheim")
    assert resp.status == 400
    assert resp.json() == {"status": "error", "info": f"For the requested action [{action}] a "
                           "warcamp name is required. You only provided [valheim]"}


def test_put_unknown_action_and_non_object_body_are_500(orc):
    for action in ("info", "get", "frob"):
        resp = orc.put(f"/server/{action}/valheim.bob")
        assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    resp = orc.put("/server/start/palworld.alice", ["interval", "5m"])
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    assert server(orc, "palworld.alice")["container_state"] == "exited"


def test_body_ids_are_overwritten_from_url(orc):
    resp = orc.put("/server/stop/valheim.bob", {"game_uid": "palworld", "warcamp": "alice",
                                                "server_path": "/tmp"})
    assert resp.json()["game_uid"] == "valheim"
    assert server(orc, "valheim.bob")["container_state"] == "exited"
    assert server(orc, "minecraft.steve")["container_state"] == "running"


# --------------------------------------------------------------------------- start

def test_start_runs_the_container(orc):
    resp = orc.put("/server/start/palworld.alice")
    assert resp.status == 200
    alice = resp.json()
    assert list(alice) == SERVER_KEYS
    assert (alice["container_state"], alice["server_state"]) == ("running", "running")
    assert alice["server_config"]["state"] == "RUNNING"
    assert orc.put("/server/start/palworld.alice").json()["container_state"] == "running"
    assert orc.put("/server/start/valheim.bob").status == 200       # already running


def test_start_with_timers(orc):
    now = frozen(orc)
    cases = [("15m", 900), ("90m", 5400), ("1h30m", 3600), ("2D", 172800), ("45s", 45),
             ("every 3h please", 10800)]
    for interval, delta in cases:
        resp = orc.put("/server/start/palworld.alice", {"interval": interval})
        assert resp.status == 200
        assert resp.json()["time"] == now + delta, interval
    resp = orc.put("/server/start/palworld.alice", {"epoch_time": "1735135200"})
    assert resp.json()["time"] == "1735135200"                       # a string, as sent
    entries = [e for e in orc.state()["schedule"] if e["server_uid"] == "palworld.alice"]
    assert entries == [{"server_uid": "palworld.alice", "time": "1735135200", "action": "stop"}]


def test_start_with_invalid_timer(orc):
    now = frozen(orc)
    orc.put("/server/start/minecraft.steve", {"interval": "1h"})
    assert server(orc, "minecraft.steve")["time"] == now + 3600
    # "15": the first (\d+)(\w) pair is ("1", "5"): unit 5 is rejected; the old stop is gone
    resp = orc.put("/server/start/minecraft.steve", {"interval": "15"})
    assert (resp.status, resp.json()) == (400, BAD_INTERVAL)
    assert server(orc, "minecraft.steve")["time"] is None
    resp = orc.put("/server/start/palworld.alice", {"epoch_time": "12345"})
    assert (resp.status, resp.json()) == (400, BAD_EPOCH)
    assert server(orc, "palworld.alice")["container_state"] == "exited"   # not started
    for body in ({"interval": "abc"}, {"epoch_time": 1735135200}, {"interval": 15}):
        resp = orc.put("/server/start/palworld.alice", body)
        assert (resp.status, resp.json()) == (500, SERVER_ERROR), body
    assert server(orc, "palworld.alice")["container_state"] == "exited"


def test_start_port_conflicts(orc):
    # satisfactory publishes 7777 (udp+tcp): terraria's first port is 7777
    assert orc.put("/server/start/satisfactory.factory").status == 200
    orc.add_server("terraria.tim", state="exited")
    resp = orc.put("/server/start/terraria.tim")
    assert resp.status == 400
    assert resp.json() == {"status": "error", "info": "Server [satisfactory.factory] is using one "
                           "or more of the ports required by [terraria.tim]",
                           "err_code": "srv.portsused"}
    assert server(orc, "terraria.tim")["container_state"] == "exited"
    # a non-PEON container counts too, named as docker names it
    orc.put("/server/stop/valheim.bob")
    orc.add_foreign_container("gameproxy", ["2456/udp"])
    resp = orc.put("/server/start/valheim.bob")
    assert resp.status == 400 and resp.json()["info"].startswith("Server [gameproxy] is using")


def test_start_only_first_port_is_checked_then_docker_refuses(orc):
    # factorio's first port is 34197; its second (27015/tcp) collides with cs2's 27015
    orc.add_server("cs2.arena", state="running", settings={"SERVER_NAME": "a"})
    orc.add_server("factorio.belt", state="exited")
    resp = orc.put("/server/start/factorio.belt")
    assert resp.status == 400
    body = resp.json()
    assert body["info"] == "Could not complete the requested action for [factorio.belt]."
    assert body["exception"] == ("Command 'cd /home/peon/servers/factorio/belt && chown -R "
                                 "1000:1000 . && docker compose -p factorio_belt up -d' returned "
                                 "non-zero exit status 1.")
    assert "err_code" not in body


def test_start_unknown_server_port_check_crash_is_400(orc):
    resp = orc.put("/server/start/valheim.ghost")
    assert resp.status == 400
    assert resp.json() == {"status": "error", "exception": "[Errno 2] No such file or directory: "
                           "'/home/peon/servers/valheim/ghost/docker-compose.yml'"}


# --------------------------------------------------------------------------- stop

def test_stop_now_clears_pending_stop(orc):
    assert server(orc, "minecraft.steve")["time"] is not None
    resp = orc.put("/server/stop/minecraft.steve")
    assert resp.status == 200
    steve = resp.json()
    assert (steve["container_state"], steve["server_state"]) == ("exited", "exited")
    assert steve["server_config"] == {} and steve["time"] is None
    assert steve["container_type"] == "unknown"
    assert orc.state()["schedule"] == []


def test_stop_with_timer_keeps_running(orc):
    now = frozen(orc)
    resp = orc.put("/server/stop/valheim.bob", {"interval": "15m"})
    assert resp.status == 200
    assert (resp.json()["container_state"], resp.json()["time"]) == ("running", now + 900)
    resp = orc.put("/server/stop/valheim.bob", {"epoch_time": "1900000000"})
    assert resp.json()["time"] == "1900000000"
    assert [e["time"] for e in orc.state()["schedule"]
            if e["server_uid"] == "valheim.bob"] == ["1900000000"]      # one pending stop


def test_stop_with_invalid_timer_is_500(orc):
    resp = orc.put("/server/stop/minecraft.steve", {"epoch_time": "soon"})
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    assert server(orc, "minecraft.steve")["time"] is not None         # epoch checked first
    resp = orc.put("/server/stop/minecraft.steve", {"interval": "15"})
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    steve = server(orc, "minecraft.steve")
    assert steve["time"] is None and steve["container_state"] == "running"


def test_stop_failures(orc):
    resp = orc.put("/server/stop/valheim.ghost")
    assert resp.status == 400
    assert resp.json() == {"status": "error", "info": "Could not complete the requested action "
                           "for [valheim.ghost].", "exception": "Command 'cd /home/peon/servers/"
                           "valheim/ghost && chown -R 1000:1000 . && docker compose -p "
                           "valheim_ghost stop' returned non-zero exit status 2."}
    # files without a container: compose is a no-op, then the container lookup crashes
    resp = orc.put("/server/stop/enshrouded.embervale")
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)


# --------------------------------------------------------------------------- restart, skip

def test_restart(orc):
    assert orc.put("/server/restart/palworld.alice").json()["container_state"] == "running"
    assert orc.put("/server/restart/valheim.bob").json()["container_state"] == "running"
    resp = orc.put("/server/restart/valheim.ghost")
    assert resp.status == 400
    assert resp.json()["info"] == "Could not complete the requested action for [valheim.ghost]."
    assert "exception" in resp.json()
    assert orc.put("/server/restart/enshrouded.embervale").status == 500


def test_skip_returns_server_object(orc):
    resp = orc.put("/server/skip/palworld.alice")
    assert resp.status == 200 and resp.json()["container_state"] == "exited"
    assert orc.put("/server/skip/enshrouded.embervale").status == 500


# --------------------------------------------------------------------------- description

def test_description(orc):
    resp = orc.put("/server/description/valheim.bob", {"description": "Saturday now"})
    assert resp.status == 200 and resp.json()["description"] == "Saturday now"
    assert server(orc, "valheim.bob")["description"] == "Saturday now"
    resp = orc.put("/server/description/valheim.bob", {"text": "x"})
    assert resp.status == 400
    assert resp.json() == {"status": "error",
                           "info": "The description argument was incorrectly provided."}
    orc.modify_server("palworld.alice", files={"config.json": None})
    resp = orc.put("/server/description/palworld.alice", {"description": "x"})
    assert resp.status == 400
    assert resp.json() == {"status": "error", "info": "Could not update the desciption of the "
                           "server.", "exception": "[Errno 2] No such file or directory: "
                           "'/home/peon/servers/palworld/alice/config.json'"}
    resp = orc.put("/server/description/enshrouded.embervale", {"description": "x"})
    assert resp.status == 500                      # written, but there is no container
    assert json.loads(folders(orc)["enshrouded/embervale"]["files"]["config.json"]
                      )["metadata"]["description"] == "x"


# --------------------------------------------------------------------------- update

def test_update_default_full_pulls_and_refreshes_game(orc):
    orc.set_image_version("umlatt/steamcmd", "1.5.0")
    installs = orc.state()["installs"]["valheim.bob"]
    resp = orc.put("/server/update/valheim.bob")
    assert (resp.status, resp.json()) == (200, {"status": "success", "info": "valheim.bob",
                                                "stdout": "[]"})
    bob = server(orc, "valheim.bob")
    assert (bob["container_state"], bob["build_version"]) == ("running", "1.5.0")
    assert orc.state()["installs"]["valheim.bob"] == installs + 1


@pytest.mark.parametrize("mode,pulls,refresh,wipes", [
    ("server", False, True, False), ("game", False, True, False),
    ("image", True, False, False), ("container", True, False, False),
    ("full", True, True, False), ("ALL", True, True, False), ("reinit", True, True, True),
    ("sideways", False, False, False)])
def test_update_modes(orc, mode, pulls, refresh, wipes):
    orc.set_image_version("umlatt/steamcmd", "9.9.9")
    orc.modify_server("valheim.bob", files={"data/custom.mod": "mod", "user/keep.txt": "k"})
    before = orc.state()
    resp = orc.put("/server/update/valheim.bob", {"mode": mode})
    assert resp.status == 200 and resp.json()["info"] == "valheim.bob"
    after = orc.state()
    bob = server(orc, "valheim.bob")
    assert bob["container_state"] == "running"
    assert (bob["build_version"] == "9.9.9") is pulls
    installed = after["installs"]["valheim.bob"] - before["installs"]["valheim.bob"]
    assert installed == (1 if refresh else 0)
    files = after["folders"]["valheim/bob"]["files"]
    assert ("data/custom.mod" not in files) is wipes
    assert "user/keep.txt" in files and "config.json" in files


def test_update_failures(orc):
    orc.add_foreign_container("squatter", ["2456/udp"])      # grabs the port while bob runs
    resp = orc.put("/server/update/valheim.bob", {"mode": "server"})
    assert resp.status == 400 and resp.json()["err_code"] == "srv.portsused"
    assert server(orc, "valheim.bob")["container_state"] == "exited"    # left stopped
    resp = orc.put("/server/update/valheim.ghost")
    assert resp.status == 400 and list(resp.json()) == ["status", "exception"]
    assert orc.put("/server/update/palworld.alice", {"mode": 3}).status == 500
    # a files-only server gets its container on update
    assert orc.put("/server/update/enshrouded.embervale").status == 200
    assert in_list(orc, "enshrouded.embervale")


# --------------------------------------------------------------------------- create

def test_create_and_start(orc):
    resp = orc.put("/server/create/palworld.pals", {
        "SERVER_NAME": "Pals", "PASSWORD": "pw", "STEAM_ID": "1", "FOO": "bar",
        "description": "Pal party"})
    assert resp.status == 200
    pals = resp.json()
    assert list(pals) == SERVER_KEYS
    assert (pals["container_state"], pals["description"]) == ("running", "Pal party")
    files = folders(orc)["palworld/pals"]["files"]
    config = json.loads(files["config.json"])
    assert config["environment"] == {"STEAM_ID": "2394010", "SERVER_NAME": "Pals",
                                     "PASSWORD": "pw"}
    assert config["metadata"]["hostname"] == config["metadata"]["container_name"] == \
        "peon.warcamp.palworld.pals"
    assert config["ports"] == [{"PORT": ["8211", "tcp"]}, {"PORTUDP": ["8211", "udp"]}]
    compose = files["docker-compose.yml"]
    for text in ("8211:8211/tcp", "8211:8211/udp", "PORT=8211", "SERVER_NAME=Pals",
                 "/opt/peon/servers/palworld/pals/data:/home/steam/steamcmd/data",
                 "user: 1000:1000", "name: palworld_pals"):
        assert text in compose
    assert set(folders(orc)["palworld/pals"]["dirs"]) >= {"actions", "config", "data", "user"}


def test_create_start_later_is_invisible_until_started_or_imported(orc):
    resp = orc.put("/server/create/7dtd.horde", {"SERVER_NAME": "Horde", "start_later": True})
    assert (resp.status, resp.json()) == (200, {"status": "success", "info": "The server files "
                                                "for [horde] were created, but the server was not "
                                                "started, in accordance with the provided "
                                                "settings."})
    assert not in_list(orc, "7dtd.horde")
    assert orc.get("/server/get/7dtd.horde").status == 404
    assert orc.put("/server/start/7dtd.horde").json()["container_state"] == "running"
    orc.put("/server/create/rust.island", {"SERVER_NAME": "R", "start_later": "yes"})
    assert listing(orc).keys() >= {"7dtd.horde"} and not in_list(orc, "rust.island")
    orc.put("/servers")
    assert listing(orc)["rust.island"]["container_state"] == "created"


def test_create_with_timer(orc):
    now = frozen(orc)
    resp = orc.put("/server/create/rust.timed", {"SERVER_NAME": "R", "interval": "1h"})
    assert resp.status == 200 and resp.json()["time"] == now + 3600


def test_create_without_name_generates_one(orc):
    resp = orc.put("/server/create/rust", {"SERVER_NAME": "R", "start_later": True})
    name = re.fullmatch(r"The server files for \[(\w+)\] were created.*", resp.json()["info"])
    generated = name.group(1)
    assert any(generated.startswith(p) and generated[len(p):] in NAME_SUFFIXES
               for p in NAME_PREFIXES)
    assert f"rust/{generated}" in folders(orc)


def test_create_required_settings_bug_and_leftover_folder(orc):
    resp = orc.put("/server/create/vrising.castle", {"description": "no settings"})
    assert resp.status == 404
    assert resp.json() == {"status": "error", "info": "Not all required server settings were "
                           "provided. Namely: ['SERVER_NAME', 'WORLD_NAME', 'PASSWORD']"}
    leftover = folders(orc)["vrising/castle"]["files"]
    assert set(leftover) == {"plan.json", "config.json"}       # copied plan, nothing else
    resp = orc.put("/server/create/vrising.castle", {"SERVER_NAME": "a", "WORLD_NAME": "b",
                                                     "PASSWORD": "c"})
    assert resp.status == 404
    assert resp.json()["info"] == ("There is already a config.json file for [vrising] [castle]. "
                                   "Please run update on the game/server instead. (Can be added "
                                   "in a future release.)")
    # any ONE required key passes the check
    resp = orc.put("/server/create/vrising.keep", {"PASSWORD": "only"})
    assert resp.status == 200
    env = json.loads(folders(orc)["vrising/keep"]["files"]["config.json"])["environment"]
    assert env["SERVER_NAME"] is None and env["PASSWORD"] == "only"
    # "" values are listed by GET /plan but not enforced; no null keys: nothing to send
    orc.add_plan("quiet", "Quiet", environment={"MAXPLAYERS": "8"},
                 ports=[[{"PORT": ["31000", "udp"]}]])
    assert orc.put("/server/create/quiet.one").status == 200


def test_create_refusals(orc):
    resp = orc.put("/server/create/valheim.bob", {"SERVER_NAME": "x"})
    assert resp.status == 404 and resp.json()["info"].startswith(
        "There is already a config.json file for [valheim] [bob].")
    for game in ("nope", "csgo"):              # csgo is in plans.json but has no plan folder
        resp = orc.put(f"/server/create/{game}.x", {"SERVER_NAME": "x"})
        assert (resp.status, resp.json()) == (404, {"status": "error", "info":
                                                    f"There is no local default plan for {game}."})
    orc.add_server("ark.preseeded", state=None, folder="bare")
    resp = orc.put("/server/create/ark.preseeded", {"SERVER_NAME": "x"})
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)


def test_create_environment_failures_leave_config_json(orc):
    orc.settings(host_dir=None)
    resp = orc.put("/server/create/rust.nohost", {"SERVER_NAME": "x"})
    assert (resp.status, resp.json()) == (404, {"status": "error", "info": "PEON_DIRECTORY not "
                                                "configured in .env file. (HOST_DIR env var is "
                                                "empty)"})
    files = folders(orc)["rust/nohost"]["files"]
    assert "config.json" in files and "docker-compose.yml" not in files
    orc.settings(host_dir="/opt/peon", compose_writable=False)
    resp = orc.put("/server/create/rust.readonly", {"SERVER_NAME": "x"})
    assert resp.status == 404
    assert resp.json()["info"].startswith("Could not create the `docker-compose.yml` file. ")


def test_create_port_conflict_cleans_folder_unless_noclean(orc):
    resp = orc.put("/server/create/valheim.second", {"SERVER_NAME": "x"})
    assert resp.status == 400 and resp.json() == {
        "status": "error", "info": "Server [valheim.bob] is using one or more of the ports "
        "required by [valheim.second]", "err_code": "srv.portsused"}
    assert "valheim/second" not in folders(orc)
    resp = orc.put("/server/create/valheim.second", {"SERVER_NAME": "x", "noclean": True})
    assert resp.status == 400
    assert "valheim/second" in folders(orc)
    assert orc.put("/server/create/valheim.second", {"SERVER_NAME": "x"}).status == 404
    # a timer error returns before the cleanup: the folder stays
    resp = orc.put("/server/create/rust.badtimer", {"SERVER_NAME": "x", "interval": "15"})
    assert (resp.status, resp.json()) == (400, BAD_INTERVAL)
    assert "rust/badtimer" in folders(orc)


# --------------------------------------------------------------------------- DELETE

def test_destroy_keeps_files_and_import_brings_it_back(orc):
    resp = orc.delete("/server/destroy/valheim.bob")
    assert (resp.status, resp.json()) == (200, {"status": "success",
                                                "info": "Server valheim.bob was removed. "})
    assert not in_list(orc, "valheim.bob") and "valheim/bob" in folders(orc)
    orc.put("/servers")
    assert listing(orc)["valheim.bob"]["container_state"] == "created"


@pytest.mark.parametrize("flag,purged", [(True, True), ("True", True), ("False", True),
                                         (1, True), (False, False), (0, False), ("", False),
                                         (None, False)])
def test_destroy_eradicate_truthiness(orc, flag, purged):
    resp = orc.delete("/server/destroy/palworld.alice", {"eradicate": flag})
    note = ("Server palworld.alice was removed. All files for palworld.alice will be purged "
            "from the server. This may take a few moments.") if purged else \
        "Server palworld.alice was removed. "
    assert (resp.status, resp.json()) == (200, {"status": "success", "info": note})
    assert ("palworld/alice" not in folders(orc)) is purged
    assert not in_list(orc, "palworld.alice")


def test_destroy_failure_is_404(orc):
    resp = orc.delete("/server/destroy/valheim.ghost", {"eradicate": True})
    assert resp.status == 404
    body = resp.json()
    assert list(body) == ["status", "info", "exception"]
    assert body["info"] == "Failed to remove the server [valheim.ghost]."
    assert body["exception"].endswith("docker compose -p valheim_ghost down' returned non-zero "
                                      "exit status 2.")


def test_eradicate_action_removes_files_only(orc):
    resp = orc.delete("/server/eradicate/valheim.bob")
    assert (resp.status, resp.json()) == (200, {"status": "success", "info": ""})
    assert "valheim/bob" in folders(orc)
    resp = orc.delete("/server/eradicate/valheim.bob", {"eradicate": True})
    assert resp.json()["info"] == ("All files for valheim.bob will be purged from the server. "
                                   "This may take a few moments.")
    assert "valheim/bob" not in folders(orc)
    bob = listing(orc)["valheim.bob"]                          # the container is still there
    assert bob["description"] == "None - Please add a description"
    assert bob["server_state"] == "UNKNOWN"


def test_delete_quirks(orc):
    resp = orc.delete("/server/stop/valheim.bob")
    assert (resp.status, resp.json()) == (404, {"error": "Incorrect action [stop] provided"})
    resp = orc.call("DELETE", "/server/eradicate/valheim.bob", data=b"null",
                    content_type="application/json")
    assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    # no dot: the path is the whole game folder
    orc.put("/server/create/valheim.extra", {"SERVER_NAME": "x", "start_later": True})
    resp = orc.delete("/server/eradicate/valheim", {"eradicate": True})
    assert resp.status == 200
    assert not [f for f in folders(orc) if f.startswith("valheim/")]


# --------------------------------------------------------------------------- plans

def test_plans_sorted_by_title(orc):
    plans = orc.get("/plans").json()
    titles = [p["title"] for p in plans]
    assert titles == sorted(titles) and titles[0] == "7 Days to Die" and len(plans) >= 8
    assert all(list(p) == ["title", "game_uid", "plan_url"] for p in plans)
    ark = next(p for p in plans if p["game_uid"] == "ark")
    assert ark == {"title": "Ark", "game_uid": "ark",
                   "plan_url": "https://github.com/the-peon-project/peon-warplans/tree/main/ark"}
    assert {"valheim", "palworld", "minecraft", "cs2", "satisfactory", "enshrouded",
            "7dtd"} <= {p["game_uid"] for p in plans}


@pytest.mark.parametrize("state", ["empty", "missing"])
def test_plans_unavailable_is_404_bare_string(orc, state):
    orc.set_plan_catalogue(state)
    resp = orc.get("/plans")
    assert resp.status == 404
    assert resp.body == b'"There was an issue getting the local plans list."\n'


def test_put_plans_reports_new_recipies(orc):
    assert orc.put("/plans").json() == {"new_recipies": {}}
    orc.add_plan("valheim2", "Valheim Deluxe", pending=True, environment={"SERVER_NAME": None})
    assert "valheim2" not in [p["game_uid"] for p in orc.get("/plans").json()]
    assert orc.get("/plan/valheim2").status == 404
    resp = orc.put("/plans")
    assert (resp.status, resp.json()) == (200, {"new_recipies": {"valheim2": {
        "title": "Valheim Deluxe", "game_uid": "valheim2",
        "plan_url": "https://github.com/the-peon-project/peon-warplans/tree/main/valheim2"}}})
    assert orc.get("/plan/valheim2").json() == {"SERVER_NAME": "",
                                                "description": "A PEON game server for valheim2."}
    assert orc.put("/plans").json() == {"new_recipies": {}}


def test_put_plans_failures(orc):
    orc.settings(plans_pull_error="Command 'cd /home/peon/plans && git reset --hard && git "
                                  "pull' returned non-zero exit status 1.")
    resp = orc.put("/plans")
    assert resp.status == 404
    assert resp.json() == {"status": "error", "info": "Command 'cd /home/peon/plans && git reset "
                           "--hard && git pull' returned non-zero exit status 1."}
    orc.settings(plans_pull_error=None)
    orc.set_plan_catalogue("missing")               # first run: no catalogue before the pull
    assert (orc.put("/plans").status, orc.get("/plans").status) == (500, 200)


def test_plan_settings_order(orc):
    resp = orc.get("/plan/valheim")
    assert resp.body == (b'{"SERVER_NAME": "", "WORLD_NAME": "", "PASSWORD": "", '
                         b'"description": "A Valheim game server for PEON."}\n')
    cs2 = orc.get("/plan/cs2").json()
    assert list(cs2) == ["SERVER_NAME", "STEAM_GSLT", "CS2_RCONPW", "CS2_PW", "STEAMAPP",
                         "CS2_MAXPLAYERS", "CS2_GAMETYPE", "CS2_GAMEMODE", "CS2_STARTMAP",
                         "CS2_BOT_QUOTA", "description"]
    assert cs2["CS2_GAMETYPE"] == "0" and cs2["CS2_PW"] == "" and "STEAM_ID" not in cs2
    scaffold = orc.get("/plan/actionhalflife").json()          # folder not in plans.json
    assert list(scaffold) == ["SERVER_NAME", "STARTUP_COMMAND", "NOTES", "description"]
    orc.add_plan("typed", "Typed", environment={"A": None, "B": 27015, "C": True, "D": 0},
                 description="")
    assert orc.get("/plan/typed").json() == {"A": "", "D": "", "B": "27015", "C": "True",
                                             "description": "A PEON game server for typed."}
    resp = orc.get("/plan/nope")
    assert (resp.status, resp.body) == (404, b'"Could not get the settings for [nope]"\n')


# --------------------------------------------------------------------------- scheduler

def test_ticker_runs_due_stop(orc):
    now = frozen(orc)
    orc.put("/server/stop/valheim.bob", {"interval": "15m"})
    report = orc.tick(advance=600)
    assert report["executed"] == [] and server(orc, "valheim.bob")["container_state"] == "running"
    report = orc.tick(advance=300)
    assert [e["server_uid"] for e in report["executed"]] == ["valheim.bob"]
    bob = server(orc, "valheim.bob")
    assert (bob["container_state"], bob["time"]) == ("exited", None)
    assert orc.clock() == now + 900


def test_ticker_drops_and_runs_entries(orc):
    now = frozen(orc)
    orc.add_schedule("ghost.server", now - 1)                       # unknown: dropped
    orc.add_schedule("palworld.alice", now + 999)                   # stop of exited: dropped
    orc.add_schedule("valheim.bob", now - 5, action="start")        # start of running: dropped
    orc.add_schedule("satisfactory.factory", str(now - 1), action="start")  # string time
    orc.add_schedule("palworld.alice", now - 1, action="restart")
    report = orc.tick()
    assert sorted(e["server_uid"] for e in report["dropped"]) == [
        "ghost.server", "palworld.alice", "valheim.bob"]
    assert sorted(e["server_uid"] for e in report["executed"]) == [
        "palworld.alice", "satisfactory.factory"]
    assert listing(orc)["satisfactory.factory"]["container_state"] == "running"
    assert listing(orc)["palworld.alice"]["container_state"] == "running"
    assert report["schedule"] == [e for e in orc.state()["schedule"]]
    assert [e["server_uid"] for e in report["schedule"]] == ["minecraft.steve"]


def test_manual_stop_cancels_schedule_and_ticker_ignores_it(orc):
    frozen(orc)
    orc.put("/server/stop/valheim.bob", {"interval": "1m"})
    orc.put("/server/stop/valheim.bob")
    orc.put("/server/start/valheim.bob")
    report = orc.tick(advance=120)
    assert report["executed"] == []
    assert server(orc, "valheim.bob")["container_state"] == "running"


def test_automatic_ticker_with_time_scale():
    # 1 simulated second = 1 ms: the 30 s ticker runs every 30 ms, "20s" is 20 ms
    with start_orchestrator(api_key=KEY, time_scale=0.001) as orc:
        resp = orc.put("/server/stop/valheim.bob", {"interval": "20s"})
        assert resp.json()["container_state"] == "running"
        orc.wait_until(lambda: server(orc, "valheim.bob")["container_state"] == "exited",
                       timeout=5, what="ticker stop")
        assert server(orc, "valheim.bob")["time"] is None
        assert orc.state()["ticks"]


# --------------------------------------------------------------------------- control features

def test_latency_scaled_by_time_scale(orc):
    orc.set_time_scale(0.002)                  # 150 simulated seconds = 0.3 s
    orc.set_latency("update", 150)
    assert orc.get("/servers").status == 200
    start = time.monotonic()
    assert orc.put("/server/update/valheim.bob", {"mode": "server"}).status == 200
    assert time.monotonic() - start >= 0.28
    assert [(r["route"], r["latency"]) for r in orc.requests()] == [
        ("GET /servers", 0), ("PUT /server/update", 150)]
    orc.set_latency("update", 0)
    assert orc.faults()["latency"] == []
    # GET /servers costs per running server; PUT actions sleep like the real time.sleep(0.5)
    orc.settings(list_cost_per_running=75, action_pause=100)   # 2 running: 0.3 s; 0.2 s
    start = time.monotonic()
    orc.get("/servers")
    listed = time.monotonic() - start
    start = time.monotonic()
    orc.put("/server/skip/valheim.bob")
    paused = time.monotonic() - start
    assert listed >= 0.28 and paused >= 0.18
    assert orc.requests(route="GET /servers")[-1]["latency"] == 150


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except Exception as err:         # surfaced by the caller's asserts
            box["error"] = err
        box["done"] = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_single_threaded_blocks_other_requests(orc):
    orc.set_time_scale(0.002)
    orc.set_latency("update", 300)             # 0.6 s
    thread, upd = _in_thread(lambda: orc.put("/server/update/valheim.bob"))
    orc.wait_inflight("PUT /server/update", "latency")
    assert orc.get("/orchestrator").status == 200
    thread.join(5)
    assert upd["value"].status == 200
    update, get = orc.requests()[-2:]
    assert (update["route"], get["route"]) == ("PUT /server/update", "GET /orchestrator")
    assert get["t_received"] < update["t_finished"] <= get["t_served"]    # it had to wait

    orc.set_single_threaded(False)
    thread, upd = _in_thread(lambda: orc.put("/server/update/valheim.bob"))
    orc.wait_inflight("PUT /server/update", "latency")
    assert orc.get("/orchestrator").status == 200
    thread.join(5)
    assert upd["value"].status == 200
    update, get = orc.requests()[-2:]
    assert get["t_finished"] < update["t_finished"]   # answered while the update still ran


def test_failure_injection(orc):
    orc.fail_next("*", count=2)
    for _ in range(2):
        resp = orc.get("/orchestrator")
        assert (resp.status, resp.json()) == (500, SERVER_ERROR)
    assert orc.get("/orchestrator").status == 200
    orc.fail_next("/servers", status=401)
    assert orc.get("/orchestrator").status == 200
    resp = orc.get("/servers")
    assert (resp.status, resp.body) == (401, NOT_AUTHORIZED)
    orc.fail_next("stop", status=502, raw="<html>Bad Gateway</html>", content_type="text/html")
    resp = orc.put("/server/stop/valheim.bob")
    assert resp.status == 502 and resp.body == b"<html>Bad Gateway</html>"
    assert server(orc, "valheim.bob")["container_state"] == "running"     # not applied
    orc.fail_next("PUT /server/stop/*", apply=True)
    assert orc.put("/server/stop/valheim.bob").status == 500
    assert server(orc, "valheim.bob")["container_state"] == "exited"      # applied anyway
    assert [r["fault"] for r in orc.requests(route="PUT /server/stop")] == ["fail", "fail"]


def test_hang_and_drop(orc):
    orc.set_single_threaded(False)
    orc.hang("/servers")
    thread, hung = _in_thread(lambda: orc.get("/servers", timeout=5))
    orc.wait_inflight("GET /servers", "hung")
    assert orc.get("/orchestrator").status == 200          # others still answer
    assert orc.release("answer") == 1
    thread.join(5)
    assert hung["value"].status == 200

    orc.hang("/servers")
    thread, hung = _in_thread(lambda: orc.get("/servers", timeout=5))
    orc.wait_inflight("GET /servers", "hung")
    orc.release("drop")
    thread.join(5)
    assert isinstance(hung.get("error"), (ConnectionError, urllib.error.URLError))
    last = orc.wait_until(lambda: [r for r in orc.requests(route="GET /servers")
                                   if r["phase"] == "done"][-1:], what="dropped request logged")
    assert (last[0]["fault"], last[0]["status"]) == ("hang", None)      # never answered

    orc.drop("GET /orchestrator")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        orc.get("/orchestrator")
    assert orc.get("/orchestrator").status == 200


def test_hang_blocks_everything_when_single_threaded(orc):
    orc.hang("/plans")
    t1, first = _in_thread(lambda: orc.get("/plans", timeout=5))
    orc.wait_inflight("GET /plans", "hung")
    t2, second = _in_thread(lambda: orc.get("/orchestrator", timeout=5))
    orc.wait_inflight("GET /orchestrator", "queued")
    assert "done" not in second
    orc.release("answer")
    t1.join(5)
    t2.join(5)
    assert first["value"].status == 200 and second["value"].status == 200


def test_request_log_and_counters(orc):
    orc.clear_requests()
    assert orc.counters()["total"] == 0                     # "nothing was sent"
    orc.put("/server/stop/valheim.bob", {"interval": "5m"})
    orc.get("/servers", key=None)
    log = orc.requests()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("PUT", "/api/v1/server/stop/valheim.bob", 200), ("GET", "/api/v1/servers", 401)]
    assert log[0]["body"] == {"interval": "5m"} and log[0]["api_key_valid"] is True
    assert log[0]["headers"]["X-Api-Key"] == KEY
    assert log[1]["api_key_present"] is False
    assert orc.count("PUT /server/stop") == 1 and orc.count("PUT /server/start") == 0
    assert orc.counters()["by_status"] == {"200": 1, "401": 1}
    assert orc.requests(since=log[0]["id"]) == [log[1]]


def test_control_edits_servers_and_clock(orc):
    orc.add_server("ark.island", state="exited", description="Dinos",
                   settings={"SERVER_NAME": "I", "ADMIN_PASSWORD": "a", "PASSWORD": "p"})
    ark = server(orc, "ark.island")
    assert (ark["container_state"], ark["description"]) == ("exited", "Dinos")
    orc.modify_server("valheim.bob", server_config={"state": "SAVING", "players": "3"},
                      build_version="1.4.3")
    bob = server(orc, "valheim.bob")
    assert bob["server_config"] == {"players": "3", "state": "SAVING"}
    assert bob["build_version"] == "1.4.3"
    orc.modify_server("palworld.alice", container_state="dead")
    assert server(orc, "palworld.alice")["server_state"] == "dead"
    orc.remove_server("ark.island")
    assert not in_list(orc, "ark.island") and "ark/island" not in folders(orc)
    now = frozen(orc)
    assert orc.advance(30) == now + 30
    assert orc.state()["clock"]["frozen"] is True


def test_connection_refused_and_several_simulators():
    with start_orchestrator(api_key="one", seed="empty") as a, \
            start_orchestrator(api_key="two", seed="demo") as b:
        assert a.url != b.url
        assert a.get("/servers").json() == [] and len(b.get("/servers").json()) == 4
        assert a.get("/servers", key="two").status == 401
        a.put("/server/create/rust.only", {"SERVER_NAME": "x"})
        assert "rust.only" not in {f"{s['game_uid']}.{s['servername']}"
                                   for s in b.get("/servers").json()}
        url = a.api
        a.stop()
        with pytest.raises(urllib.error.URLError) as err:
            http("GET", url + "/orchestrator", timeout=2)
        assert isinstance(err.value.reason, ConnectionRefusedError)
        assert b.get("/orchestrator").status == 200
    with pytest.raises(urllib.error.URLError) as err:
        http("GET", f"http://127.0.0.1:{free_port()}/api/v1/orchestrator", timeout=2)
    assert isinstance(err.value.reason, ConnectionRefusedError)
