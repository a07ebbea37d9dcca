"""Mounting the web board and dashboard on the bot's HttpServer, as ``cocreate run`` does."""

from __future__ import annotations

from bot.http import HttpServer
from tests.harness import Harness


def mount(http: HttpServer, harness: Harness) -> None:
    """Nothing yet: the board and dashboard routes arrive with adapters/web."""
