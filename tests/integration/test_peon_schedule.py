"""Schedules through the real binary and both simulators: a run fires once at its time and the orchestrator
gets the action; a kill -9 and a restart neither lose nor repeat it; runs missed while the bot was down run
once inside the grace period and are reported outside it; skip, pause and warnings; bad rules refused."""
import json
import sqlite3
import time

from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers, wait_until
from test_peon_server import answer, embed_text


def schedule(sim, sub, **values):
    options = []
    for name, value in values.items():
        options.append({"name": name, "type": 4 if name == "id" else 3, "value": value})
    return answer(sim, sim.command("schedule", [{"name": sub, "type": 1, "options": options}], permissions=ADMIN))


def db(tmp_path):
    return sqlite3.connect(str(tmp_path / "data" / "peon.db"), timeout=10)


def posted(sim, channel, text):
    return [m for m in sim.messages(channel) if text in json.dumps(m, ensure_ascii=False)]


def finish(process):
    assert process.stop() == 0
    assert ORC_KEY not in process.stderr()
    assert_clean_sanitizers(process.stderr())


def test_a_one_shot_fires_once_and_reports_in_the_servers_channel(peon, sim, orc):
    process = peon()
    added = schedule(sim, "add", server="valheim.bob", action="restart", when="3s")
    assert "Schedule #1 added" in embed_text(added) and "valheim.bob" in embed_text(added)
    assert wait_until(lambda: orc.requests(route="PUT /server/restart"), 20)
    report = wait_until(lambda: posted(sim, "valheim-bob", "Schedule #1"), 10)
    assert report and "valheim.bob is restarting" in json.dumps(report[0], ensure_ascii=False)
    time.sleep(6)  # a few more scheduler turns
    assert len(orc.requests(route="PUT /server/restart")) == 1
    listing = embed_text(schedule(sim, "list"))
    assert "#1" in listing and "done" in listing
    finish(process)


def test_bad_rules_and_members_are_refused(peon, sim, orc):
    process = peon()
    refused = schedule(sim, "add", server="valheim.bob", action="stop", when="someday")
    text = embed_text(refused)
    assert "Schedule not added" in text and "daily" in text  # the accepted forms are listed
    never = schedule(sim, "add", server="valheim.bob", action="stop", when="0 0 30 2 *")
    assert "Schedule not added" in embed_text(never)
    member = answer(sim, sim.command("schedule", [{"name": "list", "type": 1, "options": []}]))
    assert "'manage' capability" in (member.get("content") or "")
    with_warning = schedule(sim, "add", server="valheim.bob", action="stop", when="daily 04:00", warn="15,99999")
    assert "Warnings are" in embed_text(with_warning)
    assert not orc.requests(method="PUT")
    finish(process)


def test_a_kill_minus_nine_neither_loses_nor_repeats_a_run(peon, sim, orc, tmp_path):
    process = peon()
    schedule(sim, "add", server="palworld.alice", action="start", when="8s")
    process.proc.kill()  # SIGKILL: no shutdown, no flush
    process.proc.wait()
    again = peon()
    sim.wait_ready(count=2)
    assert wait_until(lambda: orc.requests(route="PUT /server/start"), 25)
    time.sleep(6)
    assert len(orc.requests(route="PUT /server/start")) == 1
    finish(again)


def test_missed_runs_inside_and_outside_the_grace_period(peon, sim, orc, tmp_path):
    process = peon()
    schedule(sim, "add", server="valheim.bob", action="restart", when="daily 04:00")
    schedule(sim, "add", server="palworld.alice", action="start", when="daily 05:00")
    assert process.stop() == 0
    now = int(time.time())
    with db(tmp_path) as conn:  # as if the bot had been down when the runs were due
        conn.execute("UPDATE schedules SET next_run = ? WHERE id = 1", (now - 60,))      # 1 min late: runs
        conn.execute("UPDATE schedules SET next_run = ? WHERE id = 2", (now - 7200,))    # 2 h late: reported
    again = peon()
    sim.wait_ready(count=2)
    assert wait_until(lambda: orc.requests(route="PUT /server/restart"), 20)
    missed = wait_until(lambda: posted(sim, "palworld-alice", "run missed"), 10)
    assert missed and "more than 15 minutes late" in json.dumps(missed[0], ensure_ascii=False)
    time.sleep(6)
    assert len(orc.requests(route="PUT /server/restart")) == 1 and not orc.requests(route="PUT /server/start")
    with db(tmp_path) as conn:
        for (next_run,) in conn.execute("SELECT next_run FROM schedules"):
            assert next_run > now  # both moved on to their next day
    finish(again)


def test_skip_pause_and_warnings(peon, sim, orc, tmp_path):
    process = peon()
    schedule(sim, "add", server="valheim.bob", action="stop", when="daily 04:00", warn="1", warn_text="Save now!")
    schedule(sim, "add", server="palworld.alice", action="start", when="daily 05:00")
    skipped = schedule(sim, "skip", id=2)
    assert "next run skipped" in embed_text(skipped)
    paused = schedule(sim, "pause", id=1)
    assert "paused" in embed_text(paused)
    now = int(time.time())
    with db(tmp_path) as conn:
        conn.execute("UPDATE schedules SET next_run = ? WHERE id = 2", (now + 2,))
    note = wait_until(lambda: posted(sim, "palworld-alice", "run skipped"), 15)
    assert note and not orc.requests(route="PUT /server/start")

    schedule(sim, "resume", id=1)
    with db(tmp_path) as conn:  # the stop is 65 s away: its 1-minute warning is due in about 5 s
        conn.execute("UPDATE schedules SET next_run = ? WHERE id = 1", (int(time.time()) + 65,))
    warning = wait_until(lambda: posted(sim, "valheim-bob", "in 1 min"), 15)
    assert warning and "Save now!" in json.dumps(warning[0], ensure_ascii=False)
    schedule(sim, "remove", id=1)
    assert "#1" not in embed_text(schedule(sim, "list"))
    assert not orc.requests(route="PUT /server/stop")
    finish(process)
