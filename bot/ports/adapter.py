"""What a platform adapter is to the process: started with a sink, stopped, healthy or not.

Adapters get a sink (an async callable taking a neutral event and returning the engine's
reply), never the engine itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.events import InboundEvent
from bot.ports import Platform
from bot.replies import Reply

Sink = Callable[[InboundEvent], Awaitable[Reply]]


class Adapter(Protocol):
    @property
    def name(self) -> str:
        """The community id prefix it serves: "discord", "slack", "console"."""
        ...

    @property
    def platform(self) -> Platform:
        """How the engine sends to this platform."""
        ...

    @property
    def connected(self) -> bool: ...

    async def start(self, sink: Sink) -> None:
        """Connect and begin delivering events to ``sink``; return once started."""
        ...

    async def stop(self) -> None: ...
