"""Debian's discord.py (python3-discord 2.2.2) is the referee for discordsim: it logs in over zlib-stream,
syncs application commands, receives injected interactions of every type and answers them; the test
reads the answers back through the control API. If discord.py and the simulator disagree, the simulator
is wrong."""
import asyncio

import discord
import pytest
import yarl
from discord import app_commands

LOGIN_TIMEOUT = 20  # discord.py waits guild_ready_timeout (2 s) after the last GUILD_CREATE


async def in_thread(fn, *args, **kwargs):
    """The control client is synchronous; keep discord.py's loop running while it blocks."""
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))


class Panel(discord.ui.View):
    def __init__(self, bot):
        super().__init__(timeout=60)
        self.bot = bot

    @discord.ui.button(label="Start", custom_id="panel:start", style=discord.ButtonStyle.success)
    async def start(self, interaction, button):
        await interaction.response.edit_message(content="starting valheim", view=None)
        self.bot.events["button"].set()

    @discord.ui.button(label="Rename", custom_id="panel:rename")
    async def rename(self, interaction, button):
        await interaction.response.send_modal(RenameModal(self.bot))


class RenameModal(discord.ui.Modal, title="Rename server"):
    new_name = discord.ui.TextInput(label="New name", custom_id="rename:name", max_length=32)

    def __init__(self, bot):
        super().__init__(custom_id="rename:modal", timeout=60)
        self.bot = bot

    async def on_submit(self, interaction):
        await interaction.response.send_message(f"renamed to {self.new_name.value}", ephemeral=True)
        self.bot.events["modal"].set()


class Bot:
    """A discord.py client pointed at the simulator, with a few commands that answer in every way."""

    def __init__(self, sim):
        discord.http.Route.BASE = sim.rest
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sim.gateway)
        self.sim = sim
        self.client = discord.Client(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self.client)
        self.events = {name: asyncio.Event() for name in ("ready", "resumed", "ping", "slow", "button", "modal")}
        self.seen_users = []

        @self.tree.command(name="ping", description="Replies pong")
        async def ping(interaction: discord.Interaction):
            self.seen_users.append(interaction.user.name)
            await interaction.response.send_message(f"pong {interaction.user.name}")
            self.events["ping"].set()

        @self.tree.command(name="slow", description="Defers, then edits and follows up")
        @app_commands.describe(server="A game server")
        async def slow(interaction: discord.Interaction, server: str):
            await interaction.response.defer(thinking=True, ephemeral=True)
            await interaction.edit_original_response(content=f"working on {server}")
            followup = await interaction.followup.send("done", ephemeral=True, wait=True)
            await followup.edit(content="done!")
            self.events["slow"].set()

        @slow.autocomplete("server")
        async def servers(interaction: discord.Interaction, current: str):
            names = ["valheim.bob", "minecraft.alice", "valheim.test"]
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        @self.tree.command(name="panel", description="Shows a control panel")
        async def panel(interaction: discord.Interaction):
            await interaction.response.send_message("valheim.bob is stopped", view=Panel(self))

        @self.client.event
        async def on_ready():
            self.events["ready"].set()

        @self.client.event
        async def on_resumed():
            self.events["resumed"].set()

    async def __aenter__(self):
        self.runner = asyncio.create_task(self.client.start(self.sim.token))
        await asyncio.wait_for(self.events["ready"].wait(), LOGIN_TIMEOUT)
        return self

    async def __aexit__(self, *exc):
        await self.client.close()
        self.runner.cancel()
        await asyncio.gather(self.runner, return_exceptions=True)

    async def wait(self, name, timeout=10):
        await asyncio.wait_for(self.events[name].wait(), timeout)


def run(scenario):
    asyncio.run(asyncio.wait_for(scenario(), 45))


def test_login_sync_command_and_autocomplete(dsim):
    async def scenario():
        async with Bot(dsim) as bot:
            assert bot.client.user.name == "peon-test"
            assert bot.client.application_id is not None
            [guild] = bot.client.guilds
            assert guild.name == "PEON Test"
            channels = {c.name: c for c in guild.channels}
            assert {"peon", "valheim-bob", "game-servers"} <= set(channels)
            assert channels["valheim-bob"].category.name == "game-servers"

            # one 429 first: discord.py reads retry_after from the body, waits and retries
            await in_thread(dsim.rest_fault, "PUT /applications/{application_id}/commands", "429",
                            retry_after=0.2)
            synced = await bot.tree.sync()
            assert sorted(c.name for c in synced) == ["panel", "ping", "slow"]
            stored = await in_thread(dsim.commands)
            assert sorted(c["name"] for c in stored["global"]) == ["panel", "ping", "slow"]
            assert {str(c.id) for c in synced} == {c["id"] for c in stored["global"]}

            hit = await in_thread(dsim.inject_command, "ping")
            await bot.wait("ping")
            answer = await in_thread(dsim.wait_response, hit["id"])
            assert answer["type"] == 4
            assert answer["data"]["content"] == "pong bob"
            assert 0 <= answer["received_after_ms"] < 3000
            assert bot.seen_users == ["bob"]
            posted = await in_thread(dsim.messages, "peon")
            assert [m["content"] for m in posted] == ["pong bob"]

            hit = await in_thread(dsim.inject_autocomplete, "slow", {"server": "valheim"}, focused="server")
            answer = await in_thread(dsim.wait_response, hit["id"])
            assert answer["type"] == 8
            assert [c["value"] for c in answer["data"]["choices"]] == ["valheim.bob", "valheim.test"]

            counters = await in_thread(dsim.counters)
            assert counters["identifies"] == 1
            assert counters["connections"] == counters["compressed_connections"] == 1
            assert counters["heartbeats_received"] >= 1
            assert counters["command_creates"] == 3
            assert counters["rest"]["ratelimited"] == {"user": 1, "global": 0, "shared": 0, "cloudflare": 0}
            assert counters["rest"]["requests"]["PUT /applications/{application_id}/commands"] == 2
            assert counters["rest"]["statuses"].get("400", 0) == 0

            await bot.tree.sync()  # an unchanged re-sync creates nothing new
            assert (await in_thread(dsim.counters))["command_creates"] == 3

    run(scenario)


def test_deferred_answer_edit_and_followup(dsim):
    async def scenario():
        async with Bot(dsim) as bot:
            await bot.tree.sync()
            hit = await in_thread(dsim.inject_command, "slow", {"server": "valheim.bob"})
            await bot.wait("slow")
            record = await in_thread(dsim.wait_events, hit["id"], 4)
            kinds = [e["kind"] for e in record["events"]]
            assert kinds == ["callback", "edit_original", "followup", "edit_followup"]
            callback = record["events"][0]
            assert callback["type"] == 5 and callback["data"]["flags"] == 64
            assert record["original"]["content"] == "working on valheim.bob"
            assert record["original"]["flags"] == 64  # ephemeral, no longer loading
            assert [m["content"] for m in record["followups"]] == ["done!"]
            assert record["events"][2]["edited_original"] is False
            # ephemeral answers are not channel messages
            assert await in_thread(dsim.messages, "peon") == []

            # an HTML 429 without Via is a Cloudflare ban to discord.py: no retry, an error
            await in_thread(dsim.rest_fault, "GET /channels/{channel_id}", "cloudflare")
            with pytest.raises(discord.HTTPException) as banned:
                await bot.client.fetch_channel(int(await in_thread(dsim.channel_id, "peon")))
            assert banned.value.status == 429
            assert (await in_thread(dsim.counters))["rest"]["requests"]["GET /channels/{channel_id}"] == 1

    run(scenario)


def test_button_update_and_modal_round_trip(dsim):
    async def scenario():
        async with Bot(dsim) as bot:
            await bot.tree.sync()
            hit = await in_thread(dsim.inject_command, "panel")
            answer = await in_thread(dsim.wait_response, hit["id"])
            rows = answer["data"]["components"]
            assert [b["custom_id"] for b in rows[0]["components"]] == ["panel:start", "panel:rename"]

            press = await in_thread(dsim.inject_component, "panel:rename")
            answer = await in_thread(dsim.wait_response, press["id"])
            assert answer["type"] == 9 and answer["data"]["custom_id"] == "rename:modal"

            submit = await in_thread(dsim.inject_modal_submit, "rename:modal", {"rename:name": "bobheim"})
            await bot.wait("modal")
            answer = await in_thread(dsim.wait_response, submit["id"])
            assert answer["type"] == 4
            assert answer["data"]["content"] == "renamed to bobheim" and answer["data"]["flags"] == 64

            press = await in_thread(dsim.inject_component, "panel:start")
            await bot.wait("button")
            answer = await in_thread(dsim.wait_response, press["id"])
            assert answer["type"] == 7
            [panel] = await in_thread(dsim.messages, "peon")
            assert panel["content"] == "starting valheim" and panel["components"] == []
            assert panel["edited_timestamp"] is not None

    run(scenario)


def test_resume_after_a_silent_drop_then_events_still_arrive(dsim):
    async def scenario():
        async with Bot(dsim) as bot:
            created = asyncio.Event()
            names = []

            @bot.client.event
            async def on_guild_channel_create(channel):
                names.append(channel.name)
                created.set()

            await in_thread(dsim.drop_gateway)
            await bot.wait("resumed", 20)
            counters = await in_thread(dsim.counters)
            assert counters["identifies"] == 1
            assert counters["resumes"] == 1
            assert counters["drops"] == 1
            assert counters["connections_by_path"].get("/resume") == 1  # resume_gateway_url was used

            guild_id = await in_thread(dsim.guild_id)
            sent = await in_thread(dsim.emit, "CHANNEL_CREATE", {
                "id": "1100000000000000001", "type": 0, "guild_id": guild_id, "name": "factorio-bob",
                "position": 9, "parent_id": None, "permission_overwrites": [], "nsfw": False, "topic": None,
                "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}, guild_id=guild_id)
            assert len(sent["sent"]) == 1
            await asyncio.wait_for(created.wait(), 10)
            assert names == ["factorio-bob"]

    run(scenario)


def test_bad_token_is_refused_at_login(dsim):
    async def scenario():
        discord.http.Route.BASE = dsim.rest
        client = discord.Client(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            await client.start("not-the-token")
        await client.close()

    run(scenario)
    assert dsim.counters()["rest"]["statuses"]["401"] == 1
