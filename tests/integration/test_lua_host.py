"""The Lua host through the real binary and the Discord simulator: confirmations bound to the invoking user
with an expiry (enforced by the dispatcher before any view runs), /reload refused to a non-admin, a memory
bomb stopped by the allocator cap with the bot still answering, and buttons that keep working across a
restart of the process (custom_id routing, no in-memory views)."""
import pathlib
import shutil
import time

from botrun import FAKE_TOKEN, REPO, assert_clean_sanitizers

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_host"
INVOKER = "500000000000000001"       # the simulator's default user
OTHER = "500000000000000002"
ADMIN_PERMISSIONS = "8"              # Administrator
MEMBER_PERMISSIONS = "2248473465835073"  # the simulator's @everyone: neither Administrator nor Manage Server


def fixture_scripts(tmp_path):
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts)
    shutil.copytree(REPO / "scripts" / "lib", scripts / "lib")
    return scripts


def start(bot, sim, scripts, data, ready_sessions=1):
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(scripts),
                  PEON_DATA_DIR=str(data)).start()
    sim.wait_ready(count=ready_sessions)
    process.wait_for_log("INFO  commands:")
    return process


def initial(sim, hit):
    return sim.wait_initial(hit["id"])["initial"]


def final_answer(sim, hit):
    """The message the user ends up with: the initial response, or the edit of @original after the core's
    deadline guard deferred (a slow machine or the sanitizer build may need longer than 2.5 s)."""
    record = sim.wait_initial(hit["id"])
    if record["initial"]["type"] != 5:
        return record["initial"]["data"], record["initial"]["data"].get("flags", 0)
    record = sim.wait_events(hit["id"], 2)
    edit = next(e for e in record["events"] if e["kind"] == "edit_original")
    return edit["data"], record["initial"]["data"].get("flags", 0)


def stop_clean(process):
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())


def confirmation(sim, target, ttl=None, user=INVOKER):
    options = [{"name": "target", "type": 3, "value": target}]
    if ttl is not None:
        options.append({"name": "ttl", "type": 4, "value": ttl})
    answer = initial(sim, sim.command("wipe", options, user_id=user))
    assert answer["type"] == 4, answer
    buttons = answer["data"]["components"][0]["components"]
    return answer, buttons[0]["custom_id"], buttons[1]["custom_id"]


def assert_refused(answer, text):
    assert answer["type"] == 4 and answer["data"]["flags"] & 64, answer  # only the presser sees it
    assert text in answer["data"]["content"], answer
    assert answer["data"]["allowed_mentions"] == {"parse": []}  # names the invoker without pinging


def test_confirmation_is_bound_to_the_invoker_and_expires(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    answer, confirm, cancel = confirmation(sim, "valheim.bob")
    assert answer["data"]["embeds"][0]["title"] == "Wipe valheim.bob?"
    for custom_id in (confirm, cancel):
        assert len(custom_id) <= 100 and custom_id.startswith(":")
    assert confirm.endswith(":danger:wipe:valheim.bob:a%3Ab")  # the ordinary ui.id form after the binding

    # Anyone else: an ephemeral refusal naming who may confirm, and the view is never called.
    assert_refused(initial(sim, sim.component(confirm, user_id=OTHER)), f"Only <@{INVOKER}> can confirm this")
    assert_refused(initial(sim, sim.component(cancel, user_id=OTHER)), f"Only <@{INVOKER}> can confirm this")

    # The invoker: the view gets the same arguments as without the binding; call 1 proves the refused
    # presses never reached it.
    done = initial(sim, sim.component(confirm))
    assert done["type"] == 7 and done["data"]["content"] == f"wiped valheim.bob|a:b|call 1|by {INVOKER}"

    # Cancel, with no cancel action in the view, removes the buttons.
    _, _, cancel = confirmation(sim, "palworld.alice")
    cancelled = initial(sim, sim.component(cancel))
    assert cancelled["type"] == 7 and cancelled["data"]["content"] == "Cancelled."
    assert cancelled["data"]["components"] == []

    # After the expiry even the invoker is refused, and the view is still not called.
    _, confirm, _ = confirmation(sim, "minecraft.steve", ttl=1)
    time.sleep(2.2)  # the expiry has one-second resolution
    assert_refused(initial(sim, sim.component(confirm)), "This confirmation expired, run the command again")
    _, confirm, _ = confirmation(sim, "minecraft.steve")
    assert initial(sim, sim.component(confirm))["data"]["content"].startswith("wiped minecraft.steve|a:b|call 2|")

    # A plain ui.id button is routed as before.
    hello = initial(sim, sim.command("hello"))
    plain = hello["data"]["components"][0]["components"][0]["custom_id"]
    assert plain == "danger:echo:x%3Ay"
    assert initial(sim, sim.component(plain, user_id=OTHER))["data"]["content"] == "echo x:y"
    stop_clean(process)


def test_confirmation_binding_is_exact_for_ids_beyond_2_63(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    big = "18446744073709551615"  # 2^64 - 1: a float would round it and its neighbour to the same value
    _, confirm, _ = confirmation(sim, "valheim.bob", user=big)
    assert_refused(initial(sim, sim.component(confirm, user_id="18446744073709551614")),
                   f"Only <@{big}> can confirm this")
    done = initial(sim, sim.component(confirm, user_id=big))
    assert done["data"]["content"] == f"wiped valheim.bob|a:b|call 1|by {big}"
    stop_clean(process)


def test_a_bad_confirmation_names_the_script_line(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    for command, where, what in (("longconfirm", "longconfirm.lua:9:", "Discord allows 100"),
                                 ("noconfirmer", "noconfirmer.lua:8:", "needs user")):
        answer = initial(sim, sim.command(command))
        text = answer["data"]["embeds"][0]["description"]
        assert where in text and what in text, text
        assert answer["data"]["flags"] & 64
    stop_clean(process)


def test_integer_options_arrive_as_lua_integers(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    options = [{"name": "count", "type": 4, "value": 5}, {"name": "ratio", "type": 10, "value": 2.5}]
    assert initial(sim, sim.command("typed", options))["data"]["content"] == "integer 5|float 2.5"
    stop_clean(process)


def test_an_event_handler_error_is_logged_with_a_traceback(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    sim.emit("PEON_TEST", {"n": 7})
    process.wait_for_log("event PEON_TEST handler failed")
    log = process.stderr()
    assert "hello.lua:13: event boom 7" in log and "stack traceback" in log, log
    assert initial(sim, sim.command("hello"))["data"]["content"] == f"hello {INVOKER}"
    stop_clean(process)


def test_reload_by_a_non_admin_is_refused_and_nothing_reloads(bot, sim, tmp_path):
    scripts = tmp_path / "scripts"
    (scripts / "commands").mkdir(parents=True)
    for name in ("reload.lua", "ping.lua"):  # the real commands, without the rest of the set
        shutil.copy(REPO / "scripts" / "commands" / name, scripts / "commands" / name)
    shutil.copytree(REPO / "scripts" / "lib", scripts / "lib")
    process = start(bot, sim, scripts, tmp_path / "data")
    ping = scripts / "commands" / "ping.lua"
    ping.write_text(ping.read_text().replace('"Pong!"', '"Pong again!"'))

    refused = initial(sim, sim.command("reload", permissions=MEMBER_PERMISSIONS, user_id=OTHER))
    assert refused["type"] == 4 and refused["data"]["flags"] & 64
    assert "admin" in refused["data"]["content"] and "Manage Server" in refused["data"]["content"]
    assert initial(sim, sim.command("ping"))["data"]["content"] == "Pong!"  # the old scripts still answer
    assert "reloaded" not in process.stderr()

    # The same request from an administrator does reload: the refusal was about permissions.
    reloaded = initial(sim, sim.command("reload", permissions=ADMIN_PERMISSIONS))
    assert "Scripts reloaded" in reloaded["data"]["embeds"][0]["title"], reloaded
    assert initial(sim, sim.command("ping"))["data"]["content"] == "Pong again!"

    # The report names what changed: a new command, a removed one, a changed description.
    (scripts / "commands" / "hello.lua").write_text(
        "return { name = 'hello', description = 'Says hello', handler = function(ctx) ctx:reply('hi') end }\n")
    ping.write_text(ping.read_text().replace("Check that peon-bot is alive", "Is the bot there?"))
    reloaded = initial(sim, sim.command("reload", permissions=ADMIN_PERMISSIONS))
    embed = reloaded["data"]["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "3 commands loaded in" in embed["description"] and " ms" in embed["description"]
    assert fields["Added"] == "/hello" and fields["Changed"] == "/ping" and fields["Removed"] == "none"
    (scripts / "commands" / "hello.lua").unlink()
    embed = initial(sim, sim.command("reload", permissions=ADMIN_PERMISSIONS))["data"]["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Removed"] == "/hello" and fields["Added"] == "none" and fields["Changed"] == "none"
    stop_clean(process)


# A background loop that holds 2 MiB of its generation's data while it pauses.
TICKER = """
local ballast = string.rep("x", 2 * 1024 * 1024)
return {
  name = "ticker",
  description = "A background loop",
  handler = function(ctx) ctx:reply({ content = "ticking", ephemeral = true }) end,
  events = { LOAD = function() peon.every(60, function() return #ballast end) end },
}
"""


def test_a_burst_of_reloads_does_not_keep_retired_generations(bot, sim, tmp_path):
    """Each /reload retires a generation whose peon.every loop pauses for a minute. Those pauses are woken by
    the reload, so the retired generations become garbage at once: 60 reloads in a row (120 MiB of ballast in
    all, against the scripts' 64 MiB cap) all succeed and the bot still answers."""
    scripts = tmp_path / "scripts"
    (scripts / "commands").mkdir(parents=True)
    for name in ("reload.lua", "ping.lua"):
        shutil.copy(REPO / "scripts" / "commands" / name, scripts / "commands" / name)
    shutil.copytree(REPO / "scripts" / "lib", scripts / "lib")
    (scripts / "commands" / "ticker.lua").write_text(TICKER)
    process = start(bot, sim, scripts, tmp_path / "data")
    for i in range(60):
        answer = initial(sim, sim.command("reload", permissions=ADMIN_PERMISSIONS))
        embeds = answer["data"].get("embeds") or [{}]
        assert "Scripts reloaded" in embeds[0].get("title", ""), (i, answer)
    assert initial(sim, sim.command("ping"))["data"]["content"] == "Pong!"
    assert "not enough memory" not in process.stderr()
    stop_clean(process)


def test_memory_bomb_is_stopped_and_the_bot_keeps_answering(bot, sim, tmp_path):
    process = start(bot, sim, fixture_scripts(tmp_path), tmp_path / "data")
    for _ in range(2):  # the memory is given back: a second bomb is stopped the same way
        message, flags = final_answer(sim, sim.command("bomb"))
        assert flags & 64, message  # only the user who ran it sees the error
        embed = message["embeds"][0]
        assert embed["title"] == "Something went wrong", embed
        assert "/bomb went over the scripts' memory cap" in embed["description"], embed
        assert initial(sim, sim.command("hello"))["data"]["content"] == f"hello {INVOKER}"
    stop_clean(process)


def test_buttons_from_before_a_restart_still_work(bot, sim, tmp_path):
    scripts, data = fixture_scripts(tmp_path), tmp_path / "data"
    first = start(bot, sim, scripts, data)
    hello = initial(sim, sim.command("hello"))
    plain = hello["data"]["components"][0]["components"][0]["custom_id"]
    _, confirm, _ = confirmation(sim, "valheim.bob")
    stop_clean(first)

    second = start(bot, sim, scripts, data, ready_sessions=2)
    assert initial(sim, sim.component(plain))["data"]["content"] == "echo x:y"
    assert_refused(initial(sim, sim.component(confirm, user_id=OTHER)), f"Only <@{INVOKER}> can confirm this")
    assert initial(sim, sim.component(confirm))["data"]["content"].startswith("wiped valheim.bob|a:b|call 1|")
    stop_clean(second)
