"""Mounting the web board and dashboard on the bot's HttpServer, as ``cocreate run`` does."""

from __future__ import annotations

from adapters.web import web_routes
from bot.http import HttpServer
from tests.harness import Harness


def mount(http: HttpServer, harness: Harness) -> None:
    """The same routes ``bot.cli.run`` adds, on the same app objects."""
    app = harness.app
    http.add_routes(web_routes(app.board, app.links, app.dashboard))
