"""Contract of the orchestrator simulator against reference/peon-orchestrator-api.md: every route, every
documented outcome (odd bodies and status codes included), state changes and the control features."""
import io
import threading
import time
import zipfile

import pytest

from fakeorc.client import start_orchestrator

KEY = "contract-key-0123"


@pytest.fixture(scope="module")
def orc_sim():
    with start_orchestrator(api_key=KEY) as sim:
        yield sim


@pytest.fixture
def orc(orc_sim):
    orc_sim.reset()
    orc_sim.settings(time_scale=0.01)
    return orc_sim


ROUTES = [("GET", "/orchestrator"), ("GET", "/servers"), ("PUT", "/servers"), ("GET", "/server/get/valheim.bob"),
          ("GET", "/server/stats/valheim.bob"), ("GET", "/server/save/valheim.bob"),
          ("PUT", "/server/start/valheim.bob"), ("PUT", "/server/create/valheim.new"),
          ("DELETE", "/server/destroy/valheim.bob"), ("GET", "/plans"), ("PUT", "/plans"), ("GET", "/plan/valheim")]


@pytest.mark.parametrize("method,path", ROUTES)
def test_every_route_wants_the_key(orc, method, path):
    for key in (False, "wrong"):
        status, body, headers = orc.request(method, path, key=key)
        assert status == 401 and body == "Not authorized"
        assert headers["Content-Type"] == "application/json"


def test_orchestrator_version_and_servers(orc):
    assert orc.request("GET", "/orchestrator")[:2] == (200, {"version": "1.3.0"})
    status, servers, _ = orc.request("GET", "/servers")
    assert status == 200
    assert [(s["game_uid"], s["servername"]) for s in servers] == [
        ("minecraft", "steve"), ("palworld", "alice"), ("valheim", "bob")]
    bob = servers[2]
    assert bob["container_state"] == bob["server_state"] == "running"
    assert bob["server_config"] == {"ip": "203.0.113.7", "state": "RUNNING"}
    assert bob["container_type"] == "steamcmd" and bob["time"] is None
    alice = servers[1]
    assert alice["server_config"] == {} and alice["build_version"] == "unknown"
    assert alice["description"] == "None - Please add a description"
    assert isinstance(servers[0]["time"], int)  # steve's pending stop


def test_get_stats_save_and_missing(orc):
    status, body, _ = orc.request("GET", "/server/anything/valheim.bob")
    assert status == 200 and body["servername"] == "bob"
    status, body, _ = orc.request("GET", "/server/stats/valheim.bob")
    assert "memory_stats" in body["stats"]
    status, body, _ = orc.request("GET", "/server/stats/palworld.alice")
    assert body["stats"] == "Not available"
    status, body, headers = orc.request("GET", "/server/save/valheim.bob")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith("attachment; filename=valheim.bob-")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "config.json" in names and not any("data/" in n for n in names)
    for path in ("/server/get/valheim.nobody", "/server/save/valheim.nobody"):
        assert orc.request("GET", path)[:2] == (404, {"status": "error", "info": "There was an issue getting the server."})
    orc.settings(backup_dir_ok=False)
    assert orc.request("GET", "/server/save/valheim.bob")[0] == 404


def test_start_stop_restart_and_scheduled_stop(orc):
    status, body, _ = orc.request("PUT", "/server/start/palworld.alice")
    assert status == 200 and body["container_state"] == "running"
    status, body, _ = orc.request("PUT", "/server/stop/palworld.alice", {"interval": "15m"})
    assert status == 200 and body["container_state"] == "running" and isinstance(body["time"], int)
    assert 880 < body["time"] - time.time() < 920
    status, body, _ = orc.request("PUT", "/server/stop/palworld.alice", {"epoch_time": "1900000000"})
    assert body["time"] == "1900000000"  # a string when set through epoch_time
    assert len([e for e in orc.state()["schedule"] if e["server_uid"] == "palworld.alice"]) == 1
    orc.request("PUT", "/server/stop/palworld.alice", {"interval": "1s"})
    ran = orc.advance(5)["ran"]
    assert ran == [{"server_uid": "palworld.alice", "time": ran[0]["time"], "action": "stop"}]
    assert orc.request("GET", "/server/get/palworld.alice")[1]["container_state"] == "exited"
    status, body, _ = orc.request("PUT", "/server/restart/palworld.alice")
    assert status == 200 and body["container_state"] == "running"
    orc.request("PUT", "/server/stop/palworld.alice", {"interval": "2h"})
    status, body, _ = orc.request("PUT", "/server/stop/palworld.alice")  # a manual stop clears the schedule
    assert body["container_state"] == "exited" and body["time"] is None


def test_timer_validation_quirks(orc):
    assert orc.request("PUT", "/server/start/valheim.bob", {"interval": "15"})[:2] == (400, {
        "error": "Invalid time interval. Options are (d)ays,(h)ours,(m)inutes,(s)econds. e.g. 5h"})
    assert orc.request("PUT", "/server/start/valheim.bob", {"epoch_time": "12345"})[:2] == (400, {
        "error": "Non-epoch time value provided for scheduler"})
    assert orc.request("PUT", "/server/start/valheim.bob", {"interval": "abc"})[:2] == (500, {
        "message": "Internal Server Error"})
    assert orc.request("PUT", "/server/start/valheim.bob", {"epoch_time": 1900000000})[0] == 500
    assert orc.request("PUT", "/server/stop/valheim.bob", {"interval": "15"})[0] == 500
    status, body, _ = orc.request("PUT", "/server/stop/valheim.bob", {"interval": "1h30m"})
    assert 3500 < body["time"] - time.time() < 3700  # only the first number+unit counts


def test_port_conflicts_and_missing_name(orc):
    orc.put_server(game_uid="valheim", servername="carl", container="exited", settings={})
    assert orc.request("PUT", "/server/start/valheim.carl")[:2] == (400, {
        "status": "error", "info": "Server [valheim.bob] is using one or more of the ports required by "
                                   "[valheim.carl]", "err_code": "srv.portsused"})
    assert orc.request("PUT", "/server/start/valheim")[:2] == (400, {
        "status": "error", "info": "For the requested action [start] a warcamp name is required. You only "
                                   "provided [valheim]"})
    status, body, _ = orc.request("PUT", "/server/start/valheim.ghost")
    assert status == 400 and "exception" in body and "info" not in body


def test_update_modes(orc):
    status, body, _ = orc.request("PUT", "/server/update/valheim.bob")
    assert status == 200 and body["status"] == "success" and body["info"] == "valheim.bob"
    assert body["stdout"].startswith("['") and "Pulling" in body["stdout"]
    state = orc.state()["servers"]["valheim.bob"]
    assert state["update_marker"] and not state["data_wiped"]
    orc.request("PUT", "/server/update/minecraft.steve", {"mode": "REINIT"})
    assert orc.state()["servers"]["minecraft.steve"]["data_wiped"]
    status, body, _ = orc.request("PUT", "/server/update/palworld.alice", {"mode": "image"})
    assert "Pulling" in body["stdout"] and not orc.state()["servers"]["palworld.alice"]["update_marker"]
    orc.put_server(game_uid="valheim", servername="carl", container="exited", settings={})
    status, body, _ = orc.request("PUT", "/server/update/valheim.carl")
    assert status == 400 and body["err_code"] == "srv.portsused"
    assert orc.state()["servers"]["valheim.carl"]["container"] == "exited"  # left stopped


def test_description_skip_and_unknown_action(orc):
    status, body, _ = orc.request("PUT", "/server/description/valheim.bob", {"description": "New text"})
    assert status == 200 and body["description"] == "New text"
    assert orc.request("PUT", "/server/description/valheim.bob", {})[:2] == (400, {
        "status": "error", "info": "The description argument was incorrectly provided."})
    assert orc.request("PUT", "/server/skip/valheim.bob")[0] == 200
    assert orc.request("PUT", "/server/info/valheim.bob")[:2] == (500, {"message": "Internal Server Error"})


def test_create_paths(orc):
    settings = {"SERVER_NAME": "X", "WORLD_NAME": "W", "PASSWORD": "secret1", "description": "Fresh"}
    status, body, _ = orc.request("PUT", "/server/create/valheim.later", dict(settings, start_later=True))
    assert (status, body) == (200, {"status": "success", "info": "The server files for [later] were created, but "
                                    "the server was not started, in accordance with the provided settings."})
    assert "valheim.later" not in [f"{s['game_uid']}.{s['servername']}" for s in orc.request("GET", "/servers")[1]]
    imported = orc.request("PUT", "/servers")[1]
    assert {"valheim.later": "created"} == {f"{s['game_uid']}.{s['servername']}": s["container_state"]
                                            for s in imported if s["servername"] == "later"}
    assert orc.request("PUT", "/server/create/valheim.later", settings)[0] == 404  # config.json exists

    orc.request("PUT", "/server/stop/valheim.bob")
    status, body, _ = orc.request("PUT", "/server/create/valheim.fresh", settings)
    assert status == 200 and body["container_state"] == "running" and body["description"] == "Fresh", body

    status, body, _ = orc.request("PUT", "/server/create/nosuchgame.x", {})
    assert (status, body) == (404, {"status": "error", "info": "There is no local default plan for nosuchgame."})
    status, body, _ = orc.request("PUT", "/server/create/valheim.partial", {"description": "x"})
    assert status == 404 and body["info"] == ("Not all required server settings were provided. Namely: "
                                              "['SERVER_NAME', 'WORLD_NAME', 'PASSWORD']")
    assert orc.request("PUT", "/server/create/valheim.partial", settings)[1]["info"].startswith(
        "There is already a config.json")  # the leftover folder
    status, body, _ = orc.request("PUT", "/server/create/palworld.onekey", {"SERVER_NAME": "only one"})
    assert status == 200, body  # the reference's check passes when any one required key is present
    status, body, _ = orc.request("PUT", "/server/create/valheim", dict(settings, start_later=True))
    generated = [uid for uid in orc.state()["servers"] if uid.startswith("valheim.") and uid not in (
        "valheim.bob", "valheim.later", "valheim.fresh", "valheim.partial")]
    assert status == 200 and len(generated) == 1 and generated[0].split(".")[1].isalpha()  # a generated name

    orc.put_server(game_uid="minecraft", servername="seeded", leftover=True)
    assert orc.request("PUT", "/server/create/minecraft.seeded", {"EULA": "TRUE"})[0] == 500
    orc.settings(host_dir_set=False)
    assert "HOST_DIR" in orc.request("PUT", "/server/create/minecraft.new", {"EULA": "TRUE"})[1]["info"]


def test_create_then_port_conflict_cleans_up_unless_noclean(orc):
    settings = {"SERVER_NAME": "X", "WORLD_NAME": "W", "PASSWORD": "secret1"}
    status, body, _ = orc.request("PUT", "/server/create/valheim.clash", settings)
    assert status == 400 and body["err_code"] == "srv.portsused"
    assert "valheim.clash" not in orc.state()["servers"]
    orc.request("PUT", "/server/create/valheim.kept", dict(settings, noclean=True))
    assert orc.state()["servers"]["valheim.kept"]["has_config"]


def test_delete_destroy_and_eradicate(orc):
    status, body, _ = orc.request("DELETE", "/server/destroy/palworld.alice")
    assert (status, body) == (200, {"status": "success", "info": "Server palworld.alice was removed. "})
    assert orc.state()["servers"]["palworld.alice"]["has_config"]  # files kept
    status, body, _ = orc.request("DELETE", "/server/destroy/valheim.bob", {"eradicate": "False"})
    assert "purged" in body["info"] and "valheim.bob" not in orc.state()["servers"]  # any truthy value counts
    status, body, _ = orc.request("DELETE", "/server/eradicate/minecraft.steve")
    assert (status, body) == (200, {"status": "success", "info": ""})
    orc.request("DELETE", "/server/eradicate/minecraft.steve", {"eradicate": True})
    assert orc.state()["servers"]["minecraft.steve"]["container"] == "running"  # the container stays
    assert orc.request("DELETE", "/server/destroy/valheim.gone")[0] == 404
    assert orc.request("DELETE", "/server/explode/valheim.bob")[:2] == (404, {
        "error": "Incorrect action [explode] provided"})


def test_plans_and_plan_settings(orc):
    status, plans, _ = orc.request("GET", "/plans")
    titles = [p["title"] for p in plans]
    assert status == 200 and titles == sorted(titles) and "Valheim" in titles
    assert set(plans[0]) == {"title", "game_uid", "plan_url"}
    status, body, _ = orc.request("GET", "/plan/valheim")
    assert list(body.items()) == [("SERVER_NAME", ""), ("WORLD_NAME", ""), ("PASSWORD", ""), ("PUBLIC", "1"),
                                  ("CROSSPLAY", "False"), ("description", "A Valheim game server for PEON.")]
    assert orc.request("GET", "/plan/palworld")[1]["description"] == "A PEON game server for palworld."
    assert orc.request("GET", "/plan/nope")[:2] == (404, "Could not get the settings for [nope]")
    assert orc.request("PUT", "/plans")[1]["new_recipies"]["terraria"]["title"] == "Terraria"
    assert orc.request("PUT", "/plans")[1] == {"new_recipies": {}}
    orc.clear_plans()
    assert orc.request("GET", "/plans")[:2] == (404, "There was an issue getting the local plans list.")


def test_json_bodies_only_with_json_content_type(orc):
    status, body, _ = orc.request("PUT", "/server/description/valheim.bob", raw=b'{"description": "x"}',
                                  headers={"Content-Type": "text/plain"})
    assert status == 400 and body["info"] == "The description argument was incorrectly provided."  # body ignored
    status, body, _ = orc.request("PUT", "/server/start/valheim.bob", raw=b"",
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and "could not understand" in body["message"]


def test_control_latency_failures_hang_and_single_thread(orc):
    orc.settings(time_scale=1.0)
    orc.set_latency("/server/update/", 1.0)
    started = time.monotonic()
    results = {}

    def slow_update():
        results["update"] = orc.request("PUT", "/server/update/valheim.bob")[0]

    worker = threading.Thread(target=slow_update)
    worker.start()
    time.sleep(0.1)
    assert orc.request("GET", "/orchestrator")[0] == 200
    blocked_for = time.monotonic() - started
    worker.join()
    assert results["update"] == 200 and blocked_for >= 0.9  # the quick GET waited behind the update

    orc.fail("/servers", status=500, count=2)
    assert [orc.request("GET", "/servers")[0] for _ in range(3)] == [500, 500, 200]
    orc.fail("/orchestrator", status=401, body="Not authorized")
    assert orc.request("GET", "/orchestrator")[:2] == (401, "Not authorized")

    orc.settings(single_threaded=False)
    orc.hang("/servers")
    try:
        orc.request("GET", "/servers", timeout=0.5)
        hung = False
    except OSError:
        hung = True
    assert hung
    assert orc.request("GET", "/orchestrator")[0] == 200  # others still answer
    log = orc.log()
    assert log[-1]["path"] == "/api/v1/orchestrator" and log[-1]["api_key_present"]
