from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.models import Campaign, CampaignMode, OutboxItem, Phase, Round


class CampaignRepo(Protocol):
    async def add(
        self,
        community_id: str,
        name: str,
        brief: str,
        mode: CampaignMode,
        phase: Phase,
        winners: int,
        created_by: str,
        now: datetime,
        *,
        channel_id: str = "",
        schedule: str = "",
        submit_seconds: int | None = None,
        vote_seconds: int | None = None,
    ) -> Campaign: ...
    async def get(self, community_id: str, campaign_id: int) -> Campaign | None: ...
    async def by_name(self, community_id: str, name: str) -> Campaign | None: ...
    async def in_community(
        self, community_id: str, include_closed: bool = False
    ) -> list[Campaign]: ...
    async def set_phase(
        self,
        campaign_id: int,
        expected: Phase,
        new: Phase,
        now: datetime,
        round_id: int | None = None,
    ) -> bool:
        """Conditional transition: True only if the phase was ``expected`` (and, with
        ``round_id``, that round is still the current one)."""
        ...

    async def update(
        self,
        campaign_id: int,
        *,
        name: str,
        brief: str,
        winners: int,
        schedule: str,
        submit_seconds: int | None,
        vote_seconds: int | None,
    ) -> None: ...
    async def pause(self, campaign_id: int, expected: Phase, now: datetime) -> bool: ...
    async def resume(self, campaign_id: int, into: Phase) -> bool: ...

    async def add_round(self, round_: Round) -> Round:
        """Store a round and make it the campaign's current one."""
        ...

    async def round(self, round_id: int) -> Round | None: ...
    async def rounds(self, campaign_id: int) -> list[Round]: ...
    async def set_round_times(
        self,
        round_id: int,
        voting_at: datetime | None,
        closes_at: datetime | None,
        remind_at: datetime | None,
    ) -> None: ...
    async def shift_round(self, round_id: int, after: datetime, by: timedelta) -> None: ...
    async def set_round_phase(
        self, round_id: int, new: Phase, now: datetime, results: str | None = None
    ) -> None: ...
    async def mark_reminded(self, round_id: int) -> bool:
        """Conditional: True only the first time."""
        ...

    async def active_rounds(
        self, due_by: datetime | None = None
    ) -> list[tuple[Campaign, Round]]: ...


class OutboxRepo(Protocol):
    async def add(
        self,
        community_id: str,
        key: str,
        target: str,
        address: str,
        payload: str,
        now: datetime,
        kind: str = "message",
    ) -> bool: ...
    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]: ...
    async def due_with_keys(
        self, community_id: str, keys: list[str], now: datetime
    ) -> list[OutboxItem]:
        """The undelivered rows due now stored under these keys (what a command just wrote)."""
        ...

    async def with_key(self, community_id: str, key: str) -> list[OutboxItem]: ...
    async def given_up(self, community_id: str, kind: str) -> list[OutboxItem]:
        """The rows of ``kind`` that the outbox stopped trying to deliver."""
        ...

    async def again(self, item_id: int, address: str, now: datetime) -> bool:
        """Make a given-up row due again now, to ``address``, with a fresh count of attempts."""
        ...

    async def next_due(self) -> datetime | None: ...
    async def started(self, item_id: int, now: datetime, lease_until: datetime) -> bool: ...
    async def delivered(self, item_id: int, message_id: str | None, now: datetime) -> None: ...
    async def retry_at(self, item_id: int, when: datetime, error: str) -> None: ...
    async def give_up(self, item_id: int, now: datetime, reason: str) -> None: ...
    async def prune(self, delivered_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` rows delivered before then, oldest first; never a pending one."""
        ...
