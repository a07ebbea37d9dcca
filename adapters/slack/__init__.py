"""The Slack adapter (slack-bolt, async): commands, cards, votes, prompts and App Home."""

from __future__ import annotations

from adapters.slack.adapter import SlackAdapter, config_from
from bot.commands.spec import Registry
from bot.http import HttpServer
from config.settings import Settings
from storage.sqlite.slack_installations import SqliteSlackInstallations
from storage.sqlite.store import SqliteStorage


def create_adapter(
    settings: Settings, registry: Registry, http: HttpServer, storage: SqliteStorage
) -> SlackAdapter:
    """What ``cocreate run`` calls when Slack credentials are set (routes mount right away)."""
    return SlackAdapter(
        config_from(settings), registry, http, storage, SqliteSlackInstallations(storage.db)
    )


__all__ = ["SlackAdapter", "create_adapter"]
