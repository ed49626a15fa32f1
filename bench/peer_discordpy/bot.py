#!/usr/bin/python3
"""peon-peer: peon-bot's `/server action:info server:<uid>` flow written the way a discord.py author would
write it, on Debian's discord.py (python3-discord 2.2) and aiohttp. It is the reference bot that
bench/compare.py measures peon-bot against; it is not a second implementation of PEON.

`/ping` (answers "Pong!") is there to time the dispatch alone. The `/server` command asks the orchestrator `GET /api/v1/server/get/<uid>` (with `X-Api-Key`) and answers with a status
embed. The orchestrator can be slow (image pulls, a busy host), so, as discord.py's documentation recommends
for anything that may take more than 3 seconds, it defers first (`await interaction.response.defer()`: the
user sees "thinking…") and sends the embed as the followup. `PEER_DEFER=0` answers directly instead (one
callback, but a slow orchestrator then misses Discord's 3 s deadline).

Environment (the same names peon-bot reads):
    DISCORD_TOKEN            bot token
    DISCORD_API_BASE         REST base, e.g. http://127.0.0.1:PORT/api/v10 (default: the real Discord); the
                             gateway URL comes from GET {base}/gateway/bot, as in peon-bot
    PEON_ORCHESTRATOR_URL    the orchestrator (default http://peon.orc:5000)
    LOCAL_API_KEY            its API key
    LOG_LEVEL                error, warn, info (default), debug

    /usr/bin/python3 bench/peer_discordpy/bot.py"""
import asyncio
import logging
import os
import re
import sys
import time

import aiohttp
import discord
import yarl
from discord import app_commands

log = logging.getLogger("peon-peer")

ORCHESTRATOR_URL = os.environ.get("PEON_ORCHESTRATOR_URL", "http://peon.orc:5000").rstrip("/")
API_KEY = os.environ.get("LOCAL_API_KEY", "")
DEFER = os.environ.get("PEER_DEFER", "1") != "0"
ACTIONS = ["start", "stop", "restart", "info", "update", "backup"]
UID = re.compile(r"^[\w-]+\.[\w-]+$", re.ASCII)

GREEN, ORANGE, RED = 0x2ECC71, 0xE67E22, 0xE74C3C


def state_emoji(state):
    if state == "running":
        return "🟢"
    if state in ("exited", "stopped", "created", "dead"):
        return "🔴"
    return "🟡"


def status_embed(server):
    """The server object of GET /server/get/<uid> as a status card (the same fields peon-bot shows)."""
    uid = f"{server.get('game_uid')}.{server.get('servername')}"
    state = server.get("server_state") or server.get("container_state") or "unknown"
    colour = GREEN if state == "running" else RED if state == "exited" else ORANGE
    description = server.get("description")
    embed = discord.Embed(title=f"{state_emoji(state)} {uid}", description=description, colour=colour)
    embed.add_field(name="State", value=state)
    embed.add_field(name="Game", value=server.get("game_uid") or "?")
    if server.get("container_type") or server.get("build_version"):
        embed.add_field(name="Build", value=f"{server.get('container_type') or '?'}:{server.get('build_version') or '?'}")
    for key, value in sorted((server.get("server_config") or {}).items()):
        if len(embed.fields) >= 20:
            break
        if isinstance(value, (str, int, float)):
            embed.add_field(name=key.replace("_", " ").title()[:256], value=str(value)[:1024])
    return embed


def failure_embed(uid, why):
    return discord.Embed(title=f"❌ Could not read {uid}", description=why, colour=RED)


class PeerBot(discord.Client):
    def __init__(self):
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.orc = None
        self.servers = []           # autocomplete cache: [(uid, state)]
        self.servers_at = 0.0

    async def setup_hook(self):
        # Point discord.py at the gateway the REST API names (only needed off the real Discord).
        if os.environ.get("DISCORD_API_BASE"):
            data = await self.http.request(discord.http.Route("GET", "/gateway/bot"))
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(data["url"])
        self.orc = aiohttp.ClientSession(ORCHESTRATOR_URL, headers={"X-Api-Key": API_KEY},
                                         timeout=aiohttp.ClientTimeout(total=10))
        self.tree.add_command(server_command)
        self.tree.add_command(ping_command)
        await self.tree.sync()

    async def close(self):
        if self.orc is not None:
            await self.orc.close()
        await super().close()

    async def on_ready(self):
        log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))

    async def orchestrator(self, path):
        """GET an orchestrator route; returns (decoded JSON, None) or (None, what went wrong)."""
        try:
            async with self.orc.get("/api/v1" + path) as resp:
                body = await resp.json(content_type=None)
                if resp.status == 401:
                    return None, "the orchestrator refused the bot's API key (HTTP 401)"
                if resp.status != 200:
                    info = body.get("info") if isinstance(body, dict) else None
                    return None, f"the orchestrator answered HTTP {resp.status}" + (f": {info}" if info else "")
                return body, None
        except asyncio.TimeoutError:
            return None, "the orchestrator did not answer within 10 s"
        except (aiohttp.ClientError, ValueError) as exc:
            return None, f"could not reach the orchestrator ({exc.__class__.__name__})"


client = PeerBot()


@app_commands.command(name="server", description="Start, stop, restart, inspect, update or back up a game server")
@app_commands.describe(action="What to do", server="The server, e.g. valheim.bob",
                       timer="When (stop only)", mode="Update mode")
@app_commands.choices(action=[app_commands.Choice(name=a, value=a) for a in ACTIONS])
async def server_command(interaction: discord.Interaction, action: app_commands.Choice[str],
                         server: str = None, timer: str = None, mode: str = None):
    if action.value != "info":
        await interaction.response.send_message(f"This peer only implements `/server action:info` (not "
                                                f"{action.value}).", ephemeral=True)
        return
    uid = server
    if uid is None and interaction.channel is not None and "-" in getattr(interaction.channel, "name", ""):
        uid = interaction.channel.name.replace("-", ".", 1)   # #valheim-bob -> valheim.bob
    uid = (uid or "").strip().lower()
    if not UID.match(uid) or len(uid) > 100:
        await interaction.response.send_message(f"`{discord.utils.escape_markdown(uid)[:100]}` is not a server "
                                                "name (game.name, e.g. valheim.bob).", ephemeral=True)
        return
    if DEFER:
        await interaction.response.defer()
    data, why = await client.orchestrator(f"/server/get/{uid}")
    embed = status_embed(data) if data is not None and isinstance(data, dict) else \
        failure_embed(uid, why or "the orchestrator's answer was not a server object")
    if DEFER:
        await interaction.followup.send(embed=embed)
    else:
        await interaction.response.send_message(embed=embed)


@app_commands.command(name="ping", description="Check that the bot is alive")
async def ping_command(interaction: discord.Interaction):
    await interaction.response.send_message("Pong!", ephemeral=True)   # the dispatch cost alone


@server_command.autocomplete("server")
async def server_autocomplete(interaction: discord.Interaction, current: str):
    if time.monotonic() - client.servers_at > 60:
        data, _ = await client.orchestrator("/servers")
        if isinstance(data, list):
            client.servers = [(f"{s.get('game_uid')}.{s.get('servername')}", s.get("server_state"))
                              for s in data if isinstance(s, dict)]
            client.servers_at = time.monotonic()
    current = current.lower()
    return [app_commands.Choice(name=f"{state_emoji(state)} {uid}", value=uid)
            for uid, state in client.servers if current in uid][:25]


def main():
    token = os.environ.get("DISCORD_TOKEN")
    if not token:
        print("DISCORD_TOKEN is not set", file=sys.stderr)
        return 2
    if os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    level = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO,
             "debug": logging.DEBUG}.get(os.environ.get("LOG_LEVEL", "info"), logging.INFO)
    client.run(token, log_level=level, root_logger=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
