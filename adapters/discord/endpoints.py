"""Where discord.py sends REST requests and opens the gateway.

discord.py keeps both as class attributes (``Route.BASE`` for REST, interaction callbacks and
webhook follow-ups alike; ``DiscordWebSocket.DEFAULT_GATEWAY`` for the first connection), so
they are process-wide: one Discord adapter per process, which is how Cocreate runs. ``apply``
returns a function that puts the previous values back, for a clean stop (and for tests that
start several clients one after another).
"""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def apply(api_base_url: str | None, gateway_url: str | None) -> Callable[[], None]:
    """Point REST at ``api_base_url`` (with the version: ``http://proxy:8080/api/v10``) and the
    first gateway connection at ``gateway_url``; resumes follow the URL Discord hands out."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_base_url:
        Route.BASE = api_base_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore
