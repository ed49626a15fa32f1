"""Status boards and the presence, through the real binary and both simulators: /board create posts one
message listing every server; after each poll the board is edited only when its content changed (PATCHes
counted in the Discord simulator); a deleted board message is posted again; the board survives a restart
(same message edited, nothing new posted); the presence shows how many servers run."""
import sqlite3
import time

from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers, wait_until
from test_peon_server import answer, embed_text, opts

MEMBER = "500000000000000042"
EDIT = "PATCH /channels/{id}/messages/{id}"
POST = "POST /channels/{id}/messages"


def channel(sim, name):
    return next(c["id"] for c in sim.state()["guilds"][0]["channels"] if c["name"] == name)


def board(sim, sub, channel_id=None, **extra):
    options = [{"name": "channel", "type": 7, "value": channel_id}] if channel_id else []
    extra.setdefault("permissions", ADMIN)
    return answer(sim, sim.command("board", [{"name": sub, "type": 1, "options": options}], **extra))


def requests(sim, route):
    return sim.counters()["rest"]["requests"].get(route, 0)


def board_text(message):
    return "\n".join([message["content"]] + [f"{e.get('title', '')}\n{e.get('description', '')}"
                                             for e in message["embeds"]])


def finish(process):
    assert process.stop() == 0
    err = process.stderr()
    assert ORC_KEY not in err
    assert_clean_sanitizers(err)


def restart(peon):
    """A second run on the same data: sim.wait_ready() counts the first run's session, so wait for this one."""
    process = peon()
    process.wait_for_log("ready (session established)")
    return process


def stored_board(data_dir, channel_id):
    with sqlite3.connect(str(data_dir / "peon.db"), timeout=10) as db:
        return db.execute("SELECT message_id, fingerprint FROM boards WHERE channel_id = ?", (channel_id,)).fetchone()


def test_board_lists_every_server_and_edits_once_per_change(peon, sim, orc, tmp_path):
    process = peon(PEON_POLL_SECONDS="15")
    peon_channel = channel(sim, "peon")
    # A schedule of another engineer's /schedule: the board shows the next run.
    soon = int(time.time()) + 3600
    with sqlite3.connect(str(tmp_path / "data" / "peon.db"), timeout=10) as db:
        db.execute("INSERT INTO schedules (guild_id, server, action, rule, zone, anchor, next_run, created_by) "
                   "VALUES ('1', 'valheim.bob@local', 'restart', 'daily 04:00', 'UTC', 0, ?, '1')", (soon,))

    refused = board(sim, "create", peon_channel, user_id=MEMBER, permissions="0")
    assert "'manage' capability" in (refused.get("content") or "")
    assert sim.messages(peon_channel) == []

    created = board(sim, "create", peon_channel)
    assert "Board posted in" in embed_text(created) and created["flags"] & 64
    [message] = sim.messages(peon_channel)
    text = board_text(message)
    for uid, state in (("valheim.bob", "running"), ("palworld.alice", "exited"), ("minecraft.steve", "running"),
                       ("satisfactory.factory", "created")):
        assert f"**{uid}** · {state}" in text, text
    assert "2 of 4 running" in text and "203.0.113.7" in text and "🖥️ local" in text
    assert "stops <t:" in text                                  # minecraft.steve's pending auto-stop
    assert f"next: restart <t:{soon}:R>" in text                # the schedule
    assert 1 <= len(message["embeds"]) <= 10
    assert stored_board(tmp_path / "data", peon_channel)[0] == message["id"]

    again = board(sim, "create", peon_channel)
    assert "already has a board" in embed_text(again)
    assert len(sim.messages(peon_channel)) == 1

    edits = requests(sim, EDIT)
    for _ in range(3):  # polls with nothing changed: no edit
        assert "1 unchanged" in embed_text(board(sim, "refresh"))
    assert requests(sim, EDIT) == edits

    orc.modify_server("palworld.alice", container_state="running", server_config={"players": "3",
                                                                                   "max_players": "16"})
    refreshed = board(sim, "refresh")
    assert "1 edited" in embed_text(refreshed)
    assert requests(sim, EDIT) == edits + 1
    [message] = sim.messages(peon_channel)
    text = board_text(message)
    assert "**palworld.alice** · running" in text and "👥 3/16" in text and "3 of 4 running" in text
    for _ in range(2):
        board(sim, "refresh")
    assert requests(sim, EDIT) == edits + 1  # once per change

    # A change seen by the background poll (every 15 s) is edited in exactly once as well.
    orc.modify_server("valheim.bob", container_state="exited")
    assert wait_until(lambda: requests(sim, EDIT) == edits + 2, 40)
    assert "**valheim.bob** · exited" in board_text(sim.messages(peon_channel)[0])
    time.sleep(1)
    board(sim, "refresh")
    assert requests(sim, EDIT) == edits + 2
    assert len(sim.messages(peon_channel)) == 1
    finish(process)


def test_deleted_board_message_is_posted_again(peon, sim, orc, tmp_path):
    process = peon()
    peon_channel = channel(sim, "peon")
    board(sim, "create", peon_channel)
    [first] = sim.messages(peon_channel)
    sim.delete_message(peon_channel, first["id"])

    orc.modify_server("palworld.alice", container_state="running")
    board(sim, "refresh")  # the edit answers 404 Unknown Message: a new board is posted
    [second] = wait_until(lambda: sim.messages(peon_channel), 10)
    assert second["id"] != first["id"] and "**palworld.alice** · running" in board_text(second)
    assert stored_board(tmp_path / "data", peon_channel)[0] == second["id"]

    # Deleted while nothing changes: /board refresh checks the message and posts it again.
    sim.delete_message(peon_channel, second["id"])
    refreshed = board(sim, "refresh")
    assert "1 posted again" in embed_text(refreshed)
    [third] = sim.messages(peon_channel)
    assert third["id"] not in (first["id"], second["id"])

    # /board create on a channel whose board is gone posts it again too.
    sim.delete_message(peon_channel, third["id"])
    assert "was gone" in embed_text(board(sim, "create", peon_channel))
    assert len(sim.messages(peon_channel)) == 1
    assert "Could not" not in process.stderr()
    finish(process)


def test_board_survives_a_restart(peon, sim, orc, tmp_path):
    process = peon()
    peon_channel = channel(sim, "peon")
    board(sim, "create", peon_channel)
    [message] = sim.messages(peon_channel)
    assert process.stop() == 0

    process = restart(peon)  # nothing changed meanwhile: no edit, no post
    posts, edits = requests(sim, POST), requests(sim, EDIT)
    board(sim, "refresh")
    time.sleep(1)
    assert requests(sim, EDIT) == edits and requests(sim, POST) == posts
    assert process.stop() == 0

    orc.modify_server("minecraft.steve", container_state="exited")
    process = restart(peon)  # changed while the bot was down: the same message is edited
    assert wait_until(lambda: requests(sim, EDIT) == edits + 1, 20)
    [after] = sim.messages(peon_channel)
    assert after["id"] == message["id"] and after["edited_timestamp"]
    assert "**minecraft.steve** · exited" in board_text(after)
    assert requests(sim, POST) == posts
    finish(process)


def test_board_remove_and_a_fleet_too_big_for_one_message(peon, sim, orc):
    for n in range(120):  # about 70 characters a line: more than 6000 characters of embeds
        orc.add_server(f"valheim.community-server-number-{n:03d}", state="created" if n % 2 else "exited")
    process = peon()
    peon_channel = channel(sim, "peon")
    board(sim, "create", peon_channel)  # Discord's limits are enforced by the simulator: a 400 would fail here
    [message] = sim.messages(peon_channel)
    embeds = message["embeds"]
    total = sum(len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
                for e in embeds)
    assert 1 <= len(embeds) <= 10 and total <= 6000
    assert "more server(s)" in message["content"] and "`/list`" in message["content"]

    removed = board(sim, "remove", channel="valheim-bob")
    assert "has no board" in embed_text(removed)  # the command's channel has none
    removed = board(sim, "remove", peon_channel)
    assert "is removed" in embed_text(removed)
    assert sim.messages(peon_channel) == []
    assert "no board yet" in embed_text(board(sim, "refresh"))
    finish(process)


def test_presence_shows_how_many_servers_run(peon, sim, orc):
    process = peon()

    def states():
        return [p["d"]["activities"][0]["state"] for p in sim.presences() if p["d"]["activities"]]
    assert wait_until(lambda: "2/4 servers running" in states(), 15), sim.presences()
    answer(sim, sim.command("server", opts(action="start", server="palworld.alice")))
    assert wait_until(lambda: "3/4 servers running" in states(), 15), sim.presences()
    ops = [p for p in sim.presences() if p["d"]["activities"] and p["d"]["activities"][0]["state"] ==
           "3/4 servers running"]
    assert ops[-1]["op"] == 3 and ops[-1]["d"]["activities"][0]["type"] == 4 and ops[-1]["d"]["status"] == "online"
    count = len(sim.presences())
    for _ in range(3):
        board(sim, "refresh")  # polls with no change send nothing
    time.sleep(0.5)
    assert len(sim.presences()) == count
    # A reconnect with a new session carries the presence in IDENTIFY.
    sim.gateway_fault("invalid_session", resumable=False)
    assert wait_until(lambda: [p for p in sim.presences()[count:] if p["op"] == 2], 20)
    assert sim.presences()[-1]["d"]["activities"][0]["state"] == "3/4 servers running"
    finish(process)
