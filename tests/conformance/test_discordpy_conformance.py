"""Debian's discord.py (python3-discord) is the referee: it logs in through the simulator over
zlib-stream, syncs an application command, receives an interaction and answers it. If discord.py and the
simulator disagree, the simulator is wrong."""
import asyncio

import discord
import pytest
import yarl
from discord import app_commands

from fakediscord.client import start_simulator


@pytest.fixture
def sim():
    with start_simulator() as simulator:
        yield simulator


class Bot:
    """A discord.py client pointed at the simulator, with two slash commands."""

    def __init__(self, sim):
        discord.http.Route.BASE = sim.rest
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sim.gateway)
        self.client = discord.Client(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self.client)
        self.ready = asyncio.Event()
        self.answered = asyncio.Event()
        self.deferred_done = asyncio.Event()

        @self.tree.command(name="ping", description="Replies pong")
        async def ping(interaction: discord.Interaction):
            await interaction.response.send_message(f"pong {interaction.user.name}")
            self.answered.set()

        @self.tree.command(name="slow", description="Defers then follows up")
        @app_commands.describe(server="A game server")
        async def slow(interaction: discord.Interaction, server: str):
            await interaction.response.defer(thinking=True, ephemeral=True)
            await interaction.edit_original_response(content=f"working on {server}")
            await interaction.followup.send("done", ephemeral=True)
            self.deferred_done.set()

        @self.client.event
        async def on_ready():
            self.ready.set()


async def in_thread(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))


def test_discordpy_logs_in_syncs_and_answers(sim):
    async def scenario():
        bot = Bot(sim)
        runner = asyncio.create_task(bot.client.start(sim.token))
        try:
            await asyncio.wait_for(bot.ready.wait(), 20)
            assert bot.client.user.name == "peon-test"
            assert [g.name for g in bot.client.guilds] == ["PEON Test"]
            channels = {c.name for c in bot.client.guilds[0].channels}
            assert {"peon", "valheim-bob", "game-servers"} <= channels

            synced = await bot.tree.sync()
            assert sorted(c.name for c in synced) == ["ping", "slow"]
            state = await in_thread(sim.state)
            assert sorted(c["name"] for c in state["commands"]["global"]) == ["ping", "slow"]

            injected = await in_thread(sim.command, "ping")
            await asyncio.wait_for(bot.answered.wait(), 10)
            record = await in_thread(sim.wait_initial, injected["id"])
            assert record["initial"]["type"] == 4
            assert record["initial"]["data"]["content"] == "pong bob"
            assert record["initial"]["after_ms"] < 3000

            injected = await in_thread(sim.command, "slow", [{"name": "server", "type": 3, "value": "valheim.bob"}])
            await asyncio.wait_for(bot.deferred_done.wait(), 10)
            record = await in_thread(sim.wait_events, injected["id"], 3)
            kinds = [(e["kind"], e.get("type")) for e in record["events"]]
            assert kinds == [("callback", 5), ("edit_original", None), ("followup", None)]
            assert record["events"][0]["data"]["flags"] == 64
            assert record["events"][1]["data"]["content"] == "working on valheim.bob"

            counters = await in_thread(sim.counters)
            assert counters["identifies"] == 1
            assert counters["compressed_connections"] == counters["connections"] == 1  # zlib-stream
            assert counters["rest"]["429"]["user"] == 0
        finally:
            await bot.client.close()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    asyncio.run(scenario())


def test_discordpy_resumes_after_a_dropped_connection(sim):
    async def scenario():
        bot = Bot(sim)
        resumed = asyncio.Event()

        @bot.client.event
        async def on_resumed():
            resumed.set()

        runner = asyncio.create_task(bot.client.start(sim.token))
        try:
            await asyncio.wait_for(bot.ready.wait(), 20)
            await in_thread(sim.gateway_fault, "drop")
            await asyncio.wait_for(resumed.wait(), 20)
            counters = await in_thread(sim.counters)
            assert counters["identifies"] == 1
            assert counters["resumes"] == 1
            assert counters["resume_connections"] == 1  # it used resume_gateway_url
        finally:
            await bot.client.close()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    asyncio.run(scenario())
