"""The public board's read side: what storage answers (``BoardRepo``) and what the web adapter
asks (``Board``, implemented by ``bot.services.board.BoardService``).

Every record here is a view model for people: display names, never platform ids; nothing from
prompts (anonymous or not); no hidden idea (waiting for review, rejected, withdrawn, merged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from bot.models import IdeaStatus, Tally

BoardSort = Literal["top", "new", "trending"]
SORTS: tuple[BoardSort, ...] = ("top", "new", "trending")
#: the leaderboard's periods, as in chat's /leaderboard
LeaderPeriod = Literal["all", "week", "month"]
PERIODS: tuple[LeaderPeriod, ...] = ("all", "week", "month")
#: the orders storage knows: the sorts, and the latest change first (shipped ideas)
IdeaOrder = Literal["top", "new", "trending", "updated"]

#: the statuses the board shows, in the order people follow them
PUBLIC_STATUSES: tuple[IdeaStatus, ...] = (
    IdeaStatus.NEW,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.SHIPPED,
    IdeaStatus.DECLINED,
)
#: the roadmap's columns
ROADMAP_STATUSES: tuple[IdeaStatus, ...] = (
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.SHIPPED,
)
#: trending: support weighted by age, each vote's weight halving every HEAT_HALF_LIFE_DAYS (a
#: week-old vote counts a quarter of one cast now); kept per idea by triggers (migration 0016)
HEAT_HALF_LIFE_DAYS = 3.5


@dataclass(frozen=True, slots=True)
class BoardIdea:
    id: int
    title: str
    description: str
    author: str  # the display name at submission
    status: IdeaStatus
    campaign_id: int | None
    campaign: str  # the campaign's name, '' for none
    vote_mode: str
    voters: int
    up: int
    down: int
    total: int
    created_at: datetime
    updated_at: datetime
    decline_reason: str = ""
    merged_into: int | None = None
    thread_url: str | None = None

    @property
    def tally(self) -> str:
        """ "12 votes", "+10 / -2 (score +8)", "4.2/5 from 5 votes"."""
        return Tally(self.id, self.voters, self.up, self.down, self.total).describe(self.vote_mode)

    @property
    def support(self) -> int:
        return self.up


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: IdeaStatus
    note: str  # the moderator's public note ('' for none)
    at: datetime


@dataclass(frozen=True, slots=True)
class BoardCampaign:
    id: int
    name: str
    brief: str
    mode: str
    phase: str  # Phase value
    ideas: int  # ideas on the board
    rounds: int
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultRow:
    place: int
    idea_id: int
    title: str
    author: str
    votes: str


@dataclass(frozen=True, slots=True)
class BoardRound:
    number: int
    phase: str  # Phase value
    opens_at: datetime
    voting_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    results: tuple[ResultRow, ...] = ()


@dataclass(frozen=True, slots=True)
class LeaderRow:
    rank: int
    name: str
    points: int


class BoardRepo(Protocol):
    """Storage's side: the few queries the board needs, each one indexed."""

    async def ideas(
        self,
        community_id: str,
        statuses: tuple[IdeaStatus, ...],
        campaign_id: int | None,
        sort: IdeaOrder,
        now: datetime,
        limit: int,
        offset: int,
    ) -> list[BoardIdea]: ...

    async def count(
        self, community_id: str, statuses: tuple[IdeaStatus, ...], campaign_id: int | None
    ) -> int: ...

    async def idea(self, community_id: str, idea_id: int) -> BoardIdea | None: ...

    async def history(self, idea_id: int) -> list[StatusChange]:
        """The idea's status changes, oldest first."""
        ...

    async def latest_notes(
        self, idea_ids: list[int], status: IdeaStatus
    ) -> dict[int, StatusChange]:
        """The latest change to ``status`` of each idea (e.g. the note it shipped with)."""
        ...

    async def campaigns(self, community_id: str) -> list[BoardCampaign]:
        """Every campaign but cancelled ones, newest first."""
        ...

    async def rounds(self, community_id: str, campaign_id: int) -> list[BoardRound]: ...

    async def leaderboard(
        self, community_id: str, limit: int, since: datetime | None = None
    ) -> list[LeaderRow]:
        """Points earned, all time (``since`` None) or since a moment."""
        ...


# -- what the web adapter reads --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BoardCommunity:
    id: str
    slug: str
    name: str
    vote_emojis: tuple[str, ...] = ()
    #: dates on the board are shown in the community's timezone
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class IdeasPage:
    ideas: tuple[BoardIdea, ...]
    sort: BoardSort
    campaign_id: int | None
    status: IdeaStatus | None
    page: int
    pages: int
    total: int
    campaigns: tuple[BoardCampaign, ...] = ()


@dataclass(frozen=True, slots=True)
class IdeaView:
    idea: BoardIdea
    history: tuple[StatusChange, ...]


@dataclass(frozen=True, slots=True)
class Moved:
    """The idea was merged: its page sends people to the one it was merged into."""

    idea_id: int


@dataclass(frozen=True, slots=True)
class RoadmapColumn:
    status: IdeaStatus
    ideas: tuple[BoardIdea, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ShippedIdea:
    idea: BoardIdea
    note: str
    shipped_at: datetime


@dataclass(frozen=True, slots=True)
class ShippedPage:
    ideas: tuple[ShippedIdea, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class CampaignView:
    campaign: BoardCampaign
    rounds: tuple[BoardRound, ...]
    top: tuple[BoardIdea, ...] = field(default=())


class Board(Protocol):
    """The board's queries, for the web adapter. ``community`` is None when the slug names
    no community or its board is off; every other method takes the community it returned."""

    async def community(self, slug: str) -> BoardCommunity | None: ...

    async def ideas(
        self,
        community: BoardCommunity,
        sort: BoardSort,
        campaign_id: int | None,
        status: IdeaStatus | None,
        page: int,
    ) -> IdeasPage: ...

    async def idea(self, community: BoardCommunity, idea_id: int) -> IdeaView | Moved | None: ...
    async def roadmap(self, community: BoardCommunity) -> tuple[RoadmapColumn, ...]: ...
    async def shipped(self, community: BoardCommunity, page: int) -> ShippedPage: ...
    async def campaigns(self, community: BoardCommunity) -> tuple[BoardCampaign, ...]: ...
    async def campaign(
        self, community: BoardCommunity, campaign_id: int
    ) -> CampaignView | None: ...
    async def leaderboard(
        self, community: BoardCommunity, period: LeaderPeriod
    ) -> tuple[LeaderRow, ...]: ...
