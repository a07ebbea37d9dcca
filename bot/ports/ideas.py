from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.models import Idea, IdeaStatus, Tally, Vote, VoteScheme

SortOrder = Literal["top", "new", "trending"]


@dataclass(frozen=True, slots=True)
class IdeaFilter:
    status: IdeaStatus | None = None
    campaign_id: int | None = None
    author_id: str | None = None
    include_gone: bool = False


class IdeaRepo(Protocol):
    async def add(self, idea: Idea) -> Idea:
        """Insert; raises ``DuplicateTitle`` when a live idea has the same title key."""
        ...

    async def get(self, community_id: str, idea_id: int) -> Idea | None: ...
    async def get_many(self, community_id: str, idea_ids: list[int]) -> dict[int, Idea]: ...
    async def by_message(self, community_id: str, message_id: str) -> Idea | None: ...
    async def by_thread(self, community_id: str, thread_id: str) -> Idea | None: ...
    async def by_messages(self, community_id: str, message_ids: list[str]) -> dict[str, Idea]: ...
    async def save(self, idea: Idea) -> None:
        """Write back title, description, status, reason, merge and card fields."""
        ...

    async def set_status(
        self,
        community_id: str,
        idea_id: int,
        expected: IdeaStatus,
        new: IdeaStatus,
        now: datetime,
        note: str = "",
    ) -> bool:
        """Conditional transition; True only if the status was ``expected``. The change (and
        the moderator's public ``note``) joins the idea's status history."""
        ...

    async def title_taken(
        self,
        community_id: str,
        campaign_id: int | None,
        key: str,
        exclude_id: int | None = None,
        round_id: int | None = None,
    ) -> bool:
        """A live idea with this title in this campaign's round (titles are unique per round)."""
        ...

    async def count_open_by_author(self, community_id: str, author_id: str) -> int: ...
    async def count_other_scheme(self, community_id: str, scheme: VoteScheme) -> int:
        """Ideas still on the board whose voting differs from ``scheme``."""
        ...

    async def last_submitted_at(self, community_id: str, author_id: str) -> datetime | None: ...
    async def search(
        self,
        community_id: str,
        filters: IdeaFilter,
        sort: SortOrder,
        now: datetime,
        limit: int = 10,
        offset: int = 0,
    ) -> list[tuple[Idea, Tally]]: ...
    async def count(self, community_id: str, filters: IdeaFilter) -> int:
        """How many ideas ``search`` would page through with these filters."""
        ...

    async def in_round(self, community_id: str, round_id: int) -> list[Idea]: ...


class DuplicateTitle(Exception):
    pass


class VoteRepo(Protocol):
    async def remove(self, idea_id: int, voter_id: str) -> Vote | None: ...
    async def of_idea(self, idea_id: int) -> list[Vote]: ...
    async def overlap(self, from_idea: int, to_idea: int) -> list[Vote]:
        """Votes on ``from_idea`` by members who also voted on ``to_idea``."""
        ...

    async def tally(self, idea_id: int) -> Tally: ...
    async def voters(self, idea_id: int) -> list[str]: ...
    async def move(self, from_idea: int, to_idea: int) -> int:
        """Move votes to another idea; a voter who voted for both keeps the target's vote."""
        ...

    async def get_many(self, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], Vote]: ...
    async def write_many(
        self, community_id: str, upserts: list[Vote], deletes: list[tuple[int, str]], now: datetime
    ) -> None:
        """Store each vote as given (keys included) and delete the (idea, voter) pairs."""
        ...

    async def tallies(self, idea_ids: list[int]) -> dict[int, Tally]: ...
    async def milestones_of(self, idea_ids: list[int]) -> set[tuple[int, int]]:
        """(idea, threshold) pairs already reached."""
        ...

    async def mark_milestone(self, idea_id: int, threshold: int, now: datetime) -> bool:
        """True the first time only."""
        ...
