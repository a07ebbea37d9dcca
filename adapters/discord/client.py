"""The discord.py client Cocreate runs: non-privileged intents, no pings, and a gateway tap.

The tap wraps discord.py's parsers for the few dispatches the adapter needs and hands it the raw
payload together with the gateway session id and sequence number of that dispatch. The wrapper
runs synchronously inside the websocket's receive loop, the only moment the sequence number
still belongs to this event, and it then calls discord.py's own parser so its caches and
events keep working. Raw payloads also mean reactions on messages that are not in the cache
(every card after a restart) are seen like any other.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

log = logging.getLogger(__name__)

#: dispatches the adapter acts on
TAPPED = ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_CREATE", "INTERACTION_CREATE")
STASH_LIMIT = 1000
Tap = Callable[[str, dict[str, Any], str | None, int | None], None]


def intents() -> discord.Intents:
    """Only non-privileged intents: servers and channels (for threads and forums), guild
    message metadata (thread comments; no content needed), and reactions."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    return wanted


class _Tapped:
    """Mixed into a discord.py client class (plain or auto-sharded)."""

    _tap: Tap | None = None
    _raw_interactions: OrderedDict[int, dict[str, Any]]
    _connected_flag: bool = False
    #: the adapter's handler for buttons, select menus and forms
    interaction_handler: Callable[[discord.Interaction], Awaitable[None]] | None = None

    def install_tap(self, tap: Tap) -> None:
        self._tap = tap
        self._raw_interactions = OrderedDict()
        parsers: dict[str, Callable[[Any], None]] = self._connection.parsers  # type: ignore[attr-defined]
        for name in TAPPED:
            parsers[name] = self._wrap(name, parsers[name])

    def _wrap(self, name: str, original: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse(data: dict[str, Any]) -> None:
            try:
                self._observe(name, data)
            except Exception:
                log.exception("gateway tap failed", extra={"dispatch": name})
            original(data)

        return parse

    def _observe(self, name: str, data: dict[str, Any]) -> None:
        if name == "INTERACTION_CREATE":
            self._raw_interactions[int(data["id"])] = data
            while len(self._raw_interactions) > STASH_LIMIT:
                self._raw_interactions.popitem(last=False)
            return
        guild_id = data.get("guild_id")
        if guild_id is None or self._tap is None:
            return  # DMs are not community events
        ws = self._get_websocket(int(guild_id))  # type: ignore[attr-defined]
        self._tap(name, data, getattr(ws, "session_id", None), getattr(ws, "sequence", None))

    def raw_interaction(self, interaction_id: int) -> dict[str, Any] | None:
        """The payload discord.py built ``interaction`` from, exactly as Discord sent it."""
        return self._raw_interactions.pop(interaction_id, None)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if self.interaction_handler is not None:
            await self.interaction_handler(interaction)

    # -- health: the gateway's state, from the library's own events ------------------------
    async def on_ready(self) -> None:
        self._connected_flag = True
        log.info("discord gateway ready", extra={"guilds": len(self.guilds)})  # type: ignore[attr-defined]

    async def on_resumed(self) -> None:
        self._connected_flag = True
        log.info("discord gateway resumed")

    async def on_disconnect(self) -> None:
        self._connected_flag = False

    @property
    def gateway_connected(self) -> bool:
        closed: bool = self.is_closed()  # type: ignore[attr-defined]
        return self._connected_flag and not closed


class CocreateClient(_Tapped, discord.Client):
    pass


class ShardedCocreateClient(_Tapped, discord.AutoShardedClient):
    async def on_shard_resumed(self, shard_id: int) -> None:
        self._connected_flag = True


def make_client(
    shard_count: int | None, shard_ids: list[int], guild_ready_timeout: float = 2.0
) -> discord.Client:
    # the bot never joins voice: discord.py's warnings about missing voice libraries are noise
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    options: dict[str, Any] = {
        "guild_ready_timeout": guild_ready_timeout,
        "intents": intents(),
        "allowed_mentions": discord.AllowedMentions.none(),
        "chunk_guilds_at_startup": False,
        "member_cache_flags": discord.MemberCacheFlags.none(),
        # the adapter works from raw payloads: a message cache would only cost a linear scan of
        # it on every reaction (discord.py looks each reaction's message up there)
        "max_messages": None,
    }
    if shard_count:
        if shard_ids:
            options["shard_ids"] = shard_ids
        return ShardedCocreateClient(shard_count=shard_count, **options)
    return CocreateClient(**options)
