"""Command registration with the real binary against the Discord simulator: one bulk overwrite when the
definitions change, none when they don't (across restarts), guild scope, and PEON_WATCH reloads edited
scripts while a broken edit keeps the old set live."""
import shutil
import time

from botrun import FAKE_TOKEN, REPO, assert_clean_sanitizers, wait_until

PUT_GLOBAL = "PUT /applications/{id}/commands"
PUT_GUILD = "PUT /applications/{id}/guilds/{id}/commands"


def copy_scripts(tmp_path):
    scripts = tmp_path / "scripts"
    shutil.copytree(REPO / "scripts", scripts)
    return scripts


def shipped_commands():
    """The names of the repository's command scripts (one file per command, named after it)."""
    return sorted(f.stem for f in (REPO / "scripts" / "commands").glob("*.lua"))


def puts(sim, key=PUT_GLOBAL):
    return sim.counters()["rest"]["requests"].get(key, 0)


def run_bot_once(bot, sim, scripts, data, **extra):
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(scripts),
                  PEON_DATA_DIR=str(data), **extra).start()
    process.wait_for_log("running")
    process.wait_for_log("INFO  commands:")  # the sync outcome line
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
    return process


def global_commands(sim):
    return {c["name"]: c for c in sim.state()["commands"].get("global", [])}


def test_sync_only_when_definitions_change(bot, sim, tmp_path):
    scripts = copy_scripts(tmp_path)
    data = tmp_path / "data"
    first = run_bot_once(bot, sim, scripts, data)
    assert puts(sim) == 1
    assert sorted(global_commands(sim)) == shipped_commands()
    assert global_commands(sim)["reload"]["default_member_permissions"] == "32"
    assert global_commands(sim)["ping"]["contexts"] == [0]  # guild-only, no DMs
    assert "registered with Discord" in first.stderr()

    second = run_bot_once(bot, sim, scripts, data)
    assert puts(sim) == 1  # unchanged: nothing sent
    assert "unchanged" in second.stderr()

    ping = scripts / "commands" / "ping.lua"
    ping.write_text(ping.read_text().replace("Check that peon-bot is alive", "Is the bot there?"))
    run_bot_once(bot, sim, scripts, data)
    assert puts(sim) == 2
    assert global_commands(sim)["ping"]["description"] == "Is the bot there?"
    assert sim.counters()["command_creates"] == len(shipped_commands())  # the edit replaced, created nothing


def test_guild_commands_when_guild_is_set(bot, sim, tmp_path):
    scripts = copy_scripts(tmp_path)
    guild = sim.state()["guilds"][0]["id"]
    process = run_bot_once(bot, sim, scripts, tmp_path / "data", DISCORD_GUILD_ID=guild)
    assert puts(sim, PUT_GUILD) == 1 and puts(sim) == 0
    stored = {c["name"]: c for c in sim.state()["commands"][guild]}
    assert sorted(stored) == shipped_commands()
    # Discord refuses global-only fields on a guild route; the global set keeps commands out of DMs.
    assert "contexts" not in stored["ping"] and "integration_types" not in stored["ping"]
    assert "registered with Discord (this server only)" in process.stderr()


def test_watch_reloads_and_keeps_old_scripts_on_error(bot, sim, tmp_path):
    scripts = copy_scripts(tmp_path)
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(scripts),
                  PEON_WATCH="1").start()
    process.wait_for_log("watching")
    assert wait_until(lambda: puts(sim) == 1, timeout=10)

    (scripts / "commands" / "hello.lua").write_text(
        "return { name = 'hello', description = 'Says hello', handler = function(ctx) ctx:reply('hi') end }\n")
    process.wait_for_log(f"reloaded {len(shipped_commands()) + 1} commands")
    assert wait_until(lambda: puts(sim) == 2, timeout=10)
    assert "hello" in global_commands(sim)

    (scripts / "commands" / "hello.lua").write_text("return { name = 'hello', description = }\n")
    process.wait_for_log("previous scripts stay live")
    assert "hello.lua:1:" in process.stderr()
    time.sleep(0.5)
    assert puts(sim) == 2  # a broken edit registers nothing
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
