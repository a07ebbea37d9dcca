"""The moderators' dashboard: what storage keeps (``DashboardRepo``: sign-in links and
sessions, by the hash of their secret only) and the records the web adapter reads.

The web adapter never sees this repository: it talks to ``bot.services.dashboard.Dashboard``,
which the entry point hands it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LinkOwner:
    """Whom a sign-in link was made for."""

    community_id: str
    member_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class DashboardSession:
    community_id: str
    member_id: str
    display_name: str
    csrf_secret: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime


class DashboardRepo(Protocol):
    """Every call joins the open transaction (or is its own when there is none)."""

    async def add_link(
        self, token_hash: str, owner: LinkOwner, now: datetime, expires_at: datetime
    ) -> None: ...

    async def link(self, token_hash: str, now: datetime) -> LinkOwner | None:
        """Whose the link is, if it is unused and unexpired (reads only)."""
        ...

    async def use_link(self, token_hash: str, now: datetime) -> LinkOwner | None:
        """Mark the link used, if it is unused and unexpired, and say whose it was; None (and
        nothing changed) otherwise. A conditional update: of two racing calls one wins."""
        ...

    async def add_session(
        self,
        id_hash: str,
        owner: LinkOwner,
        csrf_secret: str,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...

    async def session(self, id_hash: str) -> DashboardSession | None:
        """The session, unless it was revoked (expiry is the caller's rule)."""
        ...

    async def seen(self, id_hash: str, now: datetime) -> None:
        """Record that the session was used now (it expires after a while unused)."""
        ...

    async def revoke(self, id_hash: str, now: datetime) -> bool:
        """End the session; False if it was already ended."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget links and sessions that expired before ``before``."""
        ...
