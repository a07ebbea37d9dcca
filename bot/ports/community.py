from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.models import AuditEntry
from config.community import CommunitySettings


class CommunityRepo(Protocol):
    async def ensure(self, community_id: str, platform: str, now: datetime) -> None: ...
    async def settings(self, community_id: str) -> CommunitySettings: ...
    async def save_settings(self, community_id: str, settings: CommunitySettings) -> None: ...


class EventLog(Protocol):
    async def claim(self, community_id: str, event_id: str, kind: str, now: datetime) -> bool:
        """Record an inbound event id; False if it was seen before (a replay)."""
        ...

    async def claim_many(
        self, community_id: str, events: list[tuple[str, str]], now: datetime
    ) -> set[str]:
        """Record (event id, kind) pairs; return the ids that were new (first copy only)."""
        ...

    async def prune(self, handled_before: datetime, limit: int) -> int:
        """Forget up to ``limit`` event ids handled before then, oldest first; returns how many."""
        ...


class AuditRepo(Protocol):
    async def add(
        self,
        community_id: str,
        actor_id: str,
        action: str,
        target: str,
        detail: str,
        now: datetime,
        via: str = "",
    ) -> None:
        """``via``: where a moderator acted when not in chat ("dashboard")."""
        ...

    async def recent(self, community_id: str, limit: int = 50) -> list[AuditEntry]: ...


class MemberRepo(Protocol):
    async def touch(self, community_id: str, member_id: str, name: str, now: datetime) -> None: ...
    async def touch_many(
        self, community_id: str, members: list[tuple[str, str]], now: datetime
    ) -> None:
        """(member id, display name) pairs."""
        ...

    async def names(self, community_id: str, member_ids: list[str]) -> dict[str, str]: ...
