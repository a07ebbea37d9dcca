"""The Slack adapter (slack-bolt, async): commands, cards, votes, prompts and App Home."""

from __future__ import annotations

from adapters.slack.adapter import SlackAdapter, config_from
from bot.commands.spec import Registry
from bot.http import HttpServer
from bot.ports.installations import InstallationRepo
from config.settings import Settings


def create_adapter(
    settings: Settings, registry: Registry, http: HttpServer, installations: InstallationRepo
) -> SlackAdapter:
    """What ``cocreate run`` calls when Slack credentials are set (routes mount right away);
    ``installations`` is the storage's OAuth install store, handed in by the entry point."""
    return SlackAdapter(config_from(settings), registry, http, installations)


__all__ = ["SlackAdapter", "create_adapter"]
