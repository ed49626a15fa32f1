"""/about and /help against the real binary and both simulators: /about answers in time while an
orchestrator is slow (and says so), names versions, games and links, and says plainly how to add an
orchestrator when there is none; /help is private and explains every command. Also: the English and
German message tables of these commands have the same keys."""
import pathlib
import re

from botrun import FAKE_TOKEN, REPO, wait_until
from peon_answers import answer, assert_no_key, finish, settle, text_of

DOMAINS = ("list", "about", "help", "debug", "create", "legacy")


def bot_version(process):
    return re.search(r"peon-bot (\S+) starting", process.stderr()).group(1)


def test_about_names_versions_games_and_links(peon, sim, orc):
    orc.settings(version="1.4.0")
    process = peon()
    settle(orc)
    injected = sim.command("about")
    text = text_of(answer(sim, injected))
    assert f"Bot version: {bot_version(process)}" in text
    assert "🟢 **local** · version 1.4.0" in text
    assert "13 games: 7 Days to Die, Ark, Counter Strike 2" in text and "and 1 more" in text
    assert "https://warcamp.org" in text and "https://docs.warcamp.org" in text
    assert "[" + "ORCHESTRATORS]" not in text and "[[" not in text
    assert_no_key(sim, process, injected["id"])
    finish(process)


def test_about_answers_in_time_while_an_orchestrator_is_slow(peon, sim, orc):
    process = peon()
    settle(orc)

    def cached_games():  # /create's autocomplete answers from the same cache /about reads
        hit = sim.autocomplete("create", [{"name": "game_type", "type": 3, "value": "", "focused": True}])
        return sim.wait_initial(hit["id"])["initial"]["data"]["choices"]
    assert wait_until(cached_games, 15), "the plan cache never filled"
    orc.set_latency("GET /orchestrator", 8)
    injected = sim.command("about")
    record = sim.wait_initial(injected["id"])
    assert record["initial"]["type"] == 5  # acknowledged at once, the content follows
    assert not [e for e in record["events"] if e["kind"] in ("late_callback", "rejected_callback")]
    text = text_of(answer(sim, injected))
    assert "🔴 **local** · did not answer in time" in text
    assert "13 games" in text  # the games come from the cache, not from the slow orchestrator
    orc.clear_latency()
    finish(process)


def test_about_without_orchestrators_says_how_to_add_one(bot, sim, tmp_path):
    process = bot(DISCORD_TOKEN=FAKE_TOKEN, DISCORD_API_BASE=sim.rest, PEON_DATA_DIR=str(tmp_path / "data")).start()
    sim.wait_ready()
    process.wait_for_log("INFO  commands:")
    text = text_of(answer(sim, sim.command("about")))
    assert "No orchestrator is registered yet" in text and "PEON_ORCHESTRATOR_URL" in text and "/peon" in text
    assert "Bot version" in text and "https://docs.warcamp.org" in text
    assert "[" + "ORCHESTRATORS]" not in text and "{" not in text
    finish(process)


def test_help_is_private_and_explains_every_command(peon, sim, orc):
    process = peon()
    injected = sim.command("help")
    message = answer(sim, injected)
    assert sim.wait_initial(injected["id"])["initial"]["data"]["flags"] & 64
    text = text_of(message)
    for command in ("/server", "/create", "/list", "/peon", "/about", "/debug", "/reload", "/schedule"):
        assert command in text, command
    assert "daily 04:00" in text and "game-servername" in text and "autocomplete" in text
    for command in ("/permissions", "/audit", "/board", "/notify"):
        assert command in text, command
    assert "#peon" in text  # the control channel as configured
    german = text_of(answer(sim, sim.command("help", locale="de")))
    assert "Hilfe" in german and "automatisch" in german and "[[" not in german
    finish(process)


def test_commands_are_registered_with_german_localizations(peon, sim, orc):
    process = peon()
    state = wait_until(lambda: sim.state()["commands"])
    commands = {c["name"]: c for scope in state.values() for c in scope}
    for name, german in (("list", "liste"), ("about", "über"), ("help", "hilfe"), ("create", "erstellen"),
                         ("debug", "debug")):
        assert commands[name]["name_localizations"]["de"] == german
        assert commands[name]["description_localizations"]["de"]
    assert commands["debug"]["default_member_permissions"] == "32"
    assert commands["create"]["default_member_permissions"] == "32"
    finish(process)


def keys_of(path):
    """The keys of a message table: each `key = "..."` at the start of a line or after a comma."""
    text = pathlib.Path(path).read_text()
    return set(re.findall(r"(?:^\s{2}|,\s+)(\w+)\s*=\s*[\"{]", text, re.M))


def test_english_and_german_tables_have_the_same_keys():
    base = REPO / "scripts" / "lib" / "i18n"
    domains = sorted(f.stem for f in (base / "en").glob("*.lua"))
    assert set(DOMAINS) <= set(domains) and sorted(f.stem for f in (base / "de").glob("*.lua")) == domains
    for domain in domains:
        english, german = keys_of(base / "en" / f"{domain}.lua"), keys_of(base / "de" / f"{domain}.lua")
        assert english and english == german, (domain, english ^ german)
