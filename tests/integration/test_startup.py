"""The binary's start-up contract: configuration errors, signals, secrets, state directory."""
import os
import signal
import sqlite3
import stat
import subprocess

import pytest

from botrun import FAKE_TOKEN, assert_clean_sanitizers


def test_missing_token_exits_2_and_says_how_to_get_one(bot):
    status, out, err = bot(DISCORD_TOKEN=None).run()
    assert status == 2
    assert "DISCORD_TOKEN is not set" in err
    assert "discord.com/developers/applications" in err
    assert_clean_sanitizers(err)


def test_bad_log_level_exits_2_naming_variable_and_choices(bot):
    status, _, err = bot(DISCORD_TOKEN=FAKE_TOKEN, LOG_LEVEL="loud").run()
    assert status == 2
    assert "LOG_LEVEL" in err and "error, warn, info, debug" in err and '"loud"' in err


@pytest.mark.parametrize("name,value,allowed", [
    ("TIMEZONE", "Moon/Base", "IANA"),
    ("PEON_SHARDS", "5/2", "ID/COUNT"),
    ("DISCORD_API_BASE", "discord.com", "http"),
    ("PEON_WATCH", "sometimes", "1 or 0"),
])
def test_unknown_values_exit_2(bot, name, value, allowed):
    status, _, err = bot(DISCORD_TOKEN=FAKE_TOKEN, **{name: value}).run()
    assert status == 2
    assert name in err and allowed in err


def test_sigterm_and_sigint_stop_with_status_0(bot):
    for sig in (signal.SIGTERM, signal.SIGINT):
        process = bot(DISCORD_TOKEN=FAKE_TOKEN).start()
        process.wait_for_log("running")
        assert process.stop(sig) == 0
        assert "stopped" in process.stderr()
        assert_clean_sanitizers(process.stderr())


def test_token_and_api_key_never_appear_in_output(bot):
    key = "orchestrator-key-that-is-secret"
    # Values that the bot echoes in its error message: the redactor must still hide the secrets.
    status, out, err = bot(DISCORD_TOKEN=FAKE_TOKEN, LOCAL_API_KEY=key, PEON_LANGUAGE=FAKE_TOKEN).run()
    assert status == 2
    assert "PEON_LANGUAGE" in err and "[redacted]" in err
    assert FAKE_TOKEN not in err + out and key not in err + out

    process = bot(DISCORD_TOKEN=FAKE_TOKEN, LOCAL_API_KEY=key, LOG_LEVEL="debug").start()
    process.wait_for_log("running")
    assert process.stop() == 0
    assert FAKE_TOKEN not in process.stderr() + process.stdout()
    assert key not in process.stderr() + process.stdout()


def test_dotenv_in_working_directory_is_read_and_environment_wins(bot):
    process = bot(DISCORD_TOKEN=None, LOG_LEVEL="debug")
    (process.workdir / ".env").write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\nLOG_LEVEL=error\n")
    process.start()
    process.wait_for_log("running")  # a debug line: LOG_LEVEL from the environment beat the file's "error"
    assert process.stop() == 0


def test_malformed_dotenv_line_is_reported_with_line_number(bot):
    process = bot(DISCORD_TOKEN=None)
    (process.workdir / ".env").write_text("# ok\nDISCORD_TOKEN\n")
    status, _, err = process.run()
    assert status == 2
    assert ".env line 2" in err


def test_data_dir_is_private_and_database_is_wal(bot, tmp_path):
    data = tmp_path / "state" / "deep"
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, PEON_DATA_DIR=str(data)).start()
    process.wait_for_log("running")
    assert process.stop() == 0
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    db = data / "peon.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_broken_script_is_reported_with_file_and_line(bot, tmp_path):
    scripts = tmp_path / "scripts"
    (scripts / "commands").mkdir(parents=True)
    (scripts / "commands" / "bad.lua").write_text("return {\n  name = 'bad',\n  oops(\n}\n")
    status, _, err = bot(DISCORD_TOKEN=FAKE_TOKEN, PEON_SCRIPTS_DIR=str(scripts)).run()
    assert status == 1
    assert "bad.lua:" in err


def test_missing_scripts_dir_names_the_setting(bot, tmp_path):
    status, _, err = bot(DISCORD_TOKEN=FAKE_TOKEN, PEON_SCRIPTS_DIR=str(tmp_path / "nope")).run()
    assert status == 2
    assert "PEON_SCRIPTS_DIR" in err


def test_version_flag_and_unknown_argument(bot_binary):
    result = subprocess.run([bot_binary, "--version"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0
    assert result.stdout.startswith("peon-bot ")
    result = subprocess.run([bot_binary, "--frobnicate"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "--help" in result.stderr
