"""Command registration with the real binary: one bulk overwrite when definitions change, none when they
don't (across restarts), and PEON_WATCH reloads edited scripts, keeping the old set on a broken edit."""
import shutil
import time

from conftest import FAKE_TOKEN, REPO, assert_clean_sanitizers
from restfake import RestFake


def copy_scripts(tmp_path):
    scripts = tmp_path / "scripts"
    shutil.copytree(REPO / "scripts", scripts)
    return scripts


def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def run_bot_once(bot, fake, scripts, data, **extra):
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=f"http://127.0.0.1:{fake.port}/api/v10",
                  PEON_SCRIPTS_DIR=str(scripts), PEON_DATA_DIR=str(data), **extra).start()
    process.wait_for_log("running")
    process.wait_for_log("commands")  # the sync outcome line
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
    return process


def test_sync_only_when_definitions_change(bot, tmp_path):
    scripts = copy_scripts(tmp_path)
    data = tmp_path / "data"
    with RestFake() as fake:
        first = run_bot_once(bot, fake, scripts, data)
        puts = fake.kinds("put_commands")
        assert len(puts) == 1
        assert puts[0]["app"] == fake.app_id and puts[0]["guild"] is None
        assert puts[0]["auth"] == f"Bot {FAKE_TOKEN}"
        assert sorted(c["name"] for c in puts[0]["data"]) == ["ping", "reload"]
        assert "registered with Discord" in first.stderr()

        second = run_bot_once(bot, fake, scripts, data)
        assert len(fake.kinds("put_commands")) == 1  # unchanged: nothing sent
        assert "unchanged" in second.stderr()

        ping = scripts / "commands" / "ping.lua"
        ping.write_text(ping.read_text().replace("Check that peon-bot is alive", "Is the bot there?"))
        run_bot_once(bot, fake, scripts, data)
        puts = fake.kinds("put_commands")
        assert len(puts) == 2
        assert {c["name"]: c["description"] for c in puts[1]["data"]}["ping"] == "Is the bot there?"


def test_guild_commands_when_guild_is_set(bot, tmp_path):
    scripts = copy_scripts(tmp_path)
    with RestFake() as fake:
        run_bot_once(bot, fake, scripts, tmp_path / "data", DISCORD_GUILD_ID="300000000000000001")
        (put,) = fake.kinds("put_commands")
        assert put["guild"] == "300000000000000001"


def test_watch_reloads_and_keeps_old_scripts_on_error(bot, tmp_path):
    scripts = copy_scripts(tmp_path)
    with RestFake() as fake:
        process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=f"http://127.0.0.1:{fake.port}/api/v10",
                      PEON_SCRIPTS_DIR=str(scripts), PEON_WATCH="1").start()
        process.wait_for_log("watching")
        assert wait_until(lambda: len(fake.kinds("put_commands")) == 1)

        (scripts / "commands" / "hello.lua").write_text(
            "return { name = 'hello', description = 'Says hello', handler = function(ctx) ctx:reply('hi') end }\n")
        process.wait_for_log("reloaded 3 commands")
        assert wait_until(lambda: len(fake.kinds("put_commands")) == 2)
        assert "hello" in [c["name"] for c in fake.kinds("put_commands")[1]["data"]]

        (scripts / "commands" / "hello.lua").write_text("return { name = 'hello', description = }\n")
        process.wait_for_log("previous scripts stay live")
        assert "hello.lua:1:" in process.stderr()
        time.sleep(0.5)
        assert len(fake.kinds("put_commands")) == 2  # a broken edit registers nothing
        assert process.stop() == 0
        assert_clean_sanitizers(process.stderr())
