"""The Discord adapter (discord.py 2.x). ``create_adapter`` is what ``cocreate run`` calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.discord.adapter import DiscordAdapter

if TYPE_CHECKING:
    from bot.commands.spec import Registry
    from bot.http import HttpServer
    from config.settings import Settings

__all__ = ["DiscordAdapter", "create_adapter"]


def create_adapter(settings: Settings, registry: Registry, http: HttpServer) -> DiscordAdapter:
    """The adapter as the process settings describe it (``http`` is not needed: Discord
    reaches the bot over its own gateway connection)."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    if settings.discord_shard_ids and not settings.discord_shard_count:
        raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
    return DiscordAdapter(
        settings.discord_token.get_secret_value(),
        registry,
        api_base_url=settings.discord_api_base_url,
        gateway_url=settings.discord_gateway_url,
        guild_ids=settings.discord_guild_ids,
        shard_count=settings.discord_shard_count,
        shard_ids=settings.discord_shard_ids,
    )
