"""The old "!" prefix commands against the real binary and the Discord simulator: with
ENABLE_LEGACY_COMMANDS=1 each one (and the reference's aliases) gets a reply naming the slash command that
replaces it, pinging nobody and running nothing; bots' messages, messages without the prefix and unknown
words get no answer; without the setting the bot stays silent."""
import itertools
import time

from botrun import ORC_KEY
from peon_answers import answer, assert_no_key, finish, settle

IDS = itertools.count(1500000000000000000)
USER = {"id": "500000000000000077", "username": "oldtimer", "discriminator": "0", "global_name": "Old Timer"}


def say(sim, channel, content, author=USER):
    message = {"id": str(next(IDS)), "channel_id": channel["id"],
               "guild_id": channel["guild_id"], "author": author, "content": content, "type": 0, "embeds": [],
               "attachments": [], "mentions": [], "mention_roles": [], "tts": False, "pinned": False,
               "mention_everyone": False, "timestamp": "2026-01-01T00:00:00.000000+00:00", "flags": 0}
    sim.emit("MESSAGE_CREATE", message, guild_id=channel["guild_id"])
    return message


def channel_named(sim, name):
    for guild in sim.state()["guilds"]:
        for channel in guild["channels"]:
            if channel["name"] == name:
                return dict(channel, guild_id=guild["id"])
    raise AssertionError(name)


EXPECTED = [
    ("!stop bob 30m", "/server action:stop server:valheim.bob timer:30m"),
    ("!Start valheim.bob", "/server action:start server:valheim.bob"),
    ("!start alice 2h", "/server action:stop server:palworld.alice timer:2h"),
    ("!get time bob", "/server action:info server:valheim.bob"),
    ("!getall", "/list type:servers"),
    ("!plans", "/list type:plans"),
    ("!peonbot", "/peon"),
    ("!poke", "/peon"),
    ("!about", "/about"),
    ("!Usage", "/help"),
    ("!register", "admin panel"),
    ("!clear 5", "no longer deletes channel messages"),
]


def test_prefix_commands_get_their_slash_replacement(peon, sim, orc):
    process = peon(ENABLE_LEGACY_COMMANDS="1")
    settle(orc)  # "bob" is found as valheim.bob through the fleet cache
    channel = channel_named(sim, "valheim-bob")
    # None of these is answered: another bot, no prefix, a word that was never a command.
    say(sim, channel, "!stop bob", author=dict(USER, id="500000000000000099", bot=True))
    say(sim, channel, "please !stop bob")
    say(sim, channel, "!dance")
    for typed, _ in EXPECTED:
        say(sim, channel, typed)
        time.sleep(0.05)  # one at a time, so the replies come back in order
    replies = sim.messages(channel["id"], count=len(EXPECTED), timeout=20)
    assert len(replies) == len(EXPECTED), [r["content"] for r in replies]
    for (typed, wanted), reply in zip(EXPECTED, replies):
        assert f"`{typed}`" in reply["content"] and wanted in reply["content"], (typed, reply["content"])
        assert reply["allowed_mentions"] == {"parse": [], "replied_user": False}  # a reply that pings nobody
        assert not reply["mention_everyone"]
    assert "**/server action:stop server:valheim.bob timer:30m**" in replies[0]["content"]
    time.sleep(1)
    assert len(sim.messages(channel["id"])) == len(EXPECTED)
    assert not orc.requests(method="PUT") and not orc.requests(method="DELETE")  # nothing was run
    assert_no_key(sim, process, channels=(channel["id"],))
    finish(process)


def test_silent_without_the_setting(peon, sim, orc):
    process = peon()
    channel = channel_named(sim, "valheim-bob")
    say(sim, channel, "!stop bob 30m")
    answer(sim, sim.command("ping"))  # the bot has handled everything sent before this
    time.sleep(1)
    assert sim.messages(channel["id"]) == []
    assert not orc.requests(method="PUT")
    assert ORC_KEY not in process.stderr()
    finish(process)
