"""The web adapter: the public board (and, beside it, the moderators' dashboard), served as
server-rendered HTML by the bot's own HTTP server (``bot/http.py``).

It reads through the core's board port (``bot.ports.board.Board``) and never imports storage;
anything a page changes goes through the engine's sink as the same commands chat uses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from adapters.web.board import BoardPages
from adapters.web.dashboard import DashboardPages
from adapters.web.render import Pages
from adapters.web.sign_in import SignInPages
from adapters.web.static import static_routes
from bot.links import Links
from bot.ports.board import Board
from bot.services.dashboard import Dashboard


def web_routes(
    board: Board, links: Links, dashboard: Dashboard | None = None
) -> list[web.RouteDef]:
    """Every route of the web adapter, for ``HttpServer.add_routes``."""
    pages = Pages(base_path=urlsplit(links.base).path)
    routes = [*static_routes(), *BoardPages(board, links, pages).routes()]
    if dashboard is not None:
        routes += SignInPages(dashboard, links, pages).routes()
        routes += DashboardPages(dashboard, links, pages).routes()
    return routes


__all__ = ["BoardPages", "DashboardPages", "Pages", "SignInPages", "web_routes"]
