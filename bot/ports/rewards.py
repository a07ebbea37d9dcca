"""The reward catalogue and redemptions, as the engine needs them from storage.

The repository only stores and transitions rows; the rules (balance checks, holding and
releasing points through the ledger) live in ``bot.services.rewards`` so that a second storage
backend cannot get them subtly different.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.errors import UserError
from bot.wording import quoted


class RedemptionStatus(StrEnum):
    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"


class RewardNameTaken(UserError):
    """Another live reward in the community already has this name (the unique index said so)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"There is already a reward called {quoted(name)}.")


def reward_key(name: str) -> str:
    """Name uniqueness key: case-folded with runs of white space collapsed (Unicode-aware,
    which SQLite's ``lower()`` is not)."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Reward:
    id: int
    community_id: str
    name: str
    cost: int
    stock: int | None
    active: bool
    created_at: datetime
    #: redemptions of this reward still waiting for a moderator
    held: int = 0

    @property
    def available(self) -> int | None:
        """What may still be requested: stock minus what is already promised (None: unlimited)."""
        if self.stock is None:
            return None
        return max(0, self.stock - self.held)


@dataclass(frozen=True, slots=True)
class Redemption:
    id: int
    community_id: str
    reward_id: int
    reward_name: str
    member_id: str
    cost: int
    status: RedemptionStatus
    reason: str
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


class RewardRepo(Protocol):
    async def add(
        self, community_id: str, name: str, cost: int, stock: int | None, now: datetime
    ) -> Reward:
        """Create a live reward; raises ``RewardNameTaken`` if a live one has the name."""
        ...

    async def get(self, community_id: str, reward_id: int) -> Reward | None:
        """A reward by id, removed ones included (old redemptions still point at them)."""
        ...

    async def by_name(self, community_id: str, name: str) -> Reward | None:
        """The live reward with this name, compared by ``reward_key``."""
        ...

    async def catalogue(self, community_id: str) -> list[Reward]:
        """Live rewards, cheapest first."""
        ...

    async def update(
        self, community_id: str, reward_id: int, name: str, cost: int, stock: int | None
    ) -> bool:
        """Overwrite a live reward's fields; raises ``RewardNameTaken``; False if not live."""
        ...

    async def deactivate(self, community_id: str, reward_id: int) -> bool:
        """Take a reward out of the catalogue; False if it was not live."""
        ...

    async def take_one(self, community_id: str, reward_id: int) -> bool:
        """Decrement stock by one (unlimited stock: no change); False if stock is 0."""
        ...

    async def hold(
        self, community_id: str, reward_id: int, member_id: str, cost: int, now: datetime
    ) -> Redemption:
        """Insert a redemption in status held."""
        ...

    async def redemption(self, community_id: str, redemption_id: int) -> Redemption | None: ...

    async def decide(
        self,
        community_id: str,
        redemption_id: int,
        status: RedemptionStatus,
        actor_id: str,
        now: datetime,
        reason: str = "",
    ) -> bool:
        """Move a held redemption to approved or rejected; False if it was no longer held."""
        ...

    async def pending(self, community_id: str, limit: int = 25) -> list[Redemption]:
        """Held redemptions, oldest first: the moderators' queue."""
        ...
