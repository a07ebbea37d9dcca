"""The files the pages use (one stylesheet, no CDN, no external font), served by the bot."""

from __future__ import annotations

import re
from importlib import resources

from aiohttp import web

from adapters.web.render import cached

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\.(css|svg|png|ico|txt)$")
_TYPES = {
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "ico": "image/x-icon",
    "txt": "text/plain; charset=utf-8",
}
STATIC_CACHE = "public, max-age=3600"


async def favicon(request: web.Request) -> web.Response:
    """Browsers ask for /favicon.ico whatever the page says: send them the SVG."""
    raise web.HTTPMovedPermanently("/static/favicon.svg")


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    match = _NAME.match(name)
    if match is None:
        raise web.HTTPNotFound()
    try:
        body = resources.files("adapters.web").joinpath("static", name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise web.HTTPNotFound() from None
    return cached(request, body, _TYPES[match.group(1)], cache=STATIC_CACHE)


def static_routes() -> list[web.RouteDef]:
    return [web.get("/static/{name}", static_file), web.get("/favicon.ico", favicon)]
