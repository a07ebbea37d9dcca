from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.models import LedgerEntry


@dataclass(frozen=True, slots=True)
class NewEntry:
    community_id: str
    member_id: str
    amount: int
    rule: str
    idem_key: str
    day: str
    reason: str = ""
    ref: str = ""
    actor_id: str = ""


EarnedKey = tuple[str, str, str, str]  # community, member, rule, day


class LedgerRepo(Protocol):
    async def append_many(self, entries: list[NewEntry], now: datetime) -> None:
        """Append entries in order; an entry whose key exists already is skipped."""
        ...

    async def by_keys(self, community_id: str, keys: list[str]) -> dict[str, LedgerEntry]: ...
    async def earned_many(self, keys: list[EarnedKey]) -> dict[EarnedKey, int]:
        """``earned_on`` for many (community, member, rule, day) at once."""
        ...

    async def append(
        self,
        community_id: str,
        member_id: str,
        amount: int,
        rule: str,
        idem_key: str,
        now: datetime,
        day: str,
        reason: str = "",
        ref: str = "",
        actor_id: str = "",
    ) -> bool:
        """Append one entry; False (and no change) if the idempotency key exists already."""
        ...

    async def by_key(self, community_id: str, idem_key: str) -> LedgerEntry | None: ...
    async def earned_on(self, community_id: str, member_id: str, rule: str, day: str) -> int:
        """Net points from one rule on one day (reversals give room back under the cap)."""
        ...

    async def balance(self, community_id: str, member_id: str) -> int: ...
    async def balances(self, community_id: str, member_ids: list[str]) -> dict[str, int]:
        """``balance`` for many members at once (0 for a member with no entries)."""
        ...

    async def earned_through_idea(
        self, community_id: str, member_id: str, idea_id: int
    ) -> list[LedgerEntry]:
        """Entries paid to this member because of this idea (its ``idea:N`` entries and its
        round-winner places) that are not yet reversed, oldest first."""
        ...

    async def history(
        self, community_id: str, member_id: str, limit: int = 10
    ) -> list[LedgerEntry]: ...
    async def top(
        self, community_id: str, since: datetime | None, limit: int = 10
    ) -> list[tuple[str, int]]:
        """(member id, points) best first; ``since`` limits to entries at or after it."""
        ...

    async def rank(
        self, community_id: str, member_id: str, since: datetime | None
    ) -> tuple[int, int] | None:
        """(rank, points) of one member, or None if they have no entries in the period."""
        ...

    async def season_top(
        self, community_id: str, campaign_id: int, limit: int = 10
    ) -> list[tuple[str, int]]:
        """A campaign's season: points earned through it and its ideas, best first."""
        ...

    async def season_rank(
        self, community_id: str, campaign_id: int, member_id: str
    ) -> tuple[int, int] | None: ...
