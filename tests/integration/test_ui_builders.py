"""scripts/lib/ui.lua through the real binary: a panel built with the builders reaches Discord as valid
components, its custom_id (with ':' and '%' in an argument) comes back decoded to the view, and a builder
given text over Discord's limit stops the handler with the script's file:line in the user's error."""
import pathlib
import shutil

from botrun import FAKE_TOKEN, REPO, assert_clean_sanitizers

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts_ui"


def start(bot, sim, tmp_path):
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts)
    shutil.copytree(REPO / "scripts" / "lib", scripts / "lib")
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_SCRIPTS_DIR=str(scripts),
                  PEON_DATA_DIR=str(tmp_path / "data")).start()
    sim.wait_ready()
    process.wait_for_log("INFO  commands:")
    return process


def test_panel_button_round_trip(bot, sim, tmp_path):
    process = start(bot, sim, tmp_path)
    answer = sim.wait_initial(sim.command("panel")["id"])["initial"]
    assert answer["type"] == 4
    embed = answer["data"]["embeds"][0]
    assert embed["title"] == "Valheim" and embed["fields"] == [{"name": "state", "value": "running", "inline": True}]
    button = answer["data"]["components"][0]["components"][0]
    assert button["custom_id"] == "echo:say:a%3Ab%25c" and button["style"] == 1
    pressed = sim.wait_initial(sim.component(button["custom_id"])["id"])["initial"]
    assert pressed["data"]["content"] == "arg=a:b%c"
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())


def test_builder_limit_names_the_script_line(bot, sim, tmp_path):
    process = start(bot, sim, tmp_path)
    answer = sim.wait_initial(sim.command("badembed")["id"])["initial"]
    text = answer["data"]["embeds"][0]["description"]
    assert "badembed.lua:8:" in text and "256" in text, text
    assert answer["data"]["flags"] & 64  # only the user who ran it sees the error
    assert process.stop() == 0
    assert_clean_sanitizers(process.stderr())
