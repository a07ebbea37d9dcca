"""Domain records shared by services and repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import text_clean
from bot.wording import plural


class IdeaStatus(StrEnum):
    PENDING = "pending"  # waiting in the review queue
    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"
    MERGED = "merged"
    REJECTED = "rejected"  # refused in the review queue
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: Statuses that count against the per-member cap on open ideas.
OPEN_STATUSES = frozenset(
    {IdeaStatus.PENDING, IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED}
)
#: Statuses a moderator may set with ``/idea status``.
SETTABLE_STATUSES = (
    IdeaStatus.NEW,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.SHIPPED,
    IdeaStatus.DECLINED,
)
#: Statuses whose ideas are gone from the board (no votes, no edits).
GONE_STATUSES = frozenset(
    {IdeaStatus.MERGED, IdeaStatus.REJECTED, IdeaStatus.WITHDRAWN, IdeaStatus.PENDING}
)


class CampaignMode(StrEnum):
    CONTEST = "contest"
    BOARD = "board"
    MILESTONE = "milestone"
    PICK = "pick"


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    SUBMISSIONS = "submissions"
    VOTING = "voting"
    CLOSED = "closed"
    PAUSED = "paused"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """How replies say it: "open for ideas", never the code word "submissions"."""
        return {"submissions": "open for ideas", "voting": "open for voting"}.get(
            self.value, self.value
        )


@dataclass(slots=True)
class Campaign:
    id: int
    community_id: str
    name: str
    brief: str
    mode: CampaignMode
    phase: Phase
    winners: int
    created_by: str
    created_at: datetime
    closed_at: datetime | None = None
    channel_id: str = ""
    current_round: int | None = None
    paused_phase: Phase | None = None
    paused_at: datetime | None = None
    schedule: str = ""  # recurrence ("mon 09:00"); '' for a one-off campaign
    submit_seconds: int | None = None  # window lengths of a recurring campaign's rounds
    vote_seconds: int | None = None

    @property
    def always_open(self) -> bool:
        return self.mode in (CampaignMode.BOARD, CampaignMode.MILESTONE)

    def takes_submissions(self, by_moderator: bool = False) -> bool:
        """Members submit in the submission phase (any time on a board); in a pick campaign
        only moderators post the candidates, until it closes."""
        if self.mode == CampaignMode.PICK:
            # candidates may be posted before voting opens, too
            return by_moderator and self.phase in (Phase.SCHEDULED, Phase.SUBMISSIONS, Phase.VOTING)
        if self.always_open:
            return self.phase not in (Phase.CLOSED, Phase.CANCELLED, Phase.PAUSED)
        return self.phase == Phase.SUBMISSIONS

    def takes_votes(self) -> bool:
        if self.always_open:
            return self.phase not in (Phase.CLOSED, Phase.CANCELLED, Phase.PAUSED)
        return self.phase == Phase.VOTING


@dataclass(slots=True)
class Round:
    """One run of a campaign's phases, with its due times (``None``: a moderator moves it)."""

    id: int
    community_id: str
    campaign_id: int
    number: int
    phase: Phase
    opens_at: datetime
    voting_at: datetime | None
    closes_at: datetime | None
    remind_at: datetime | None
    reminded: bool
    created_at: datetime
    closed_at: datetime | None = None
    results: str = ""


@dataclass(frozen=True, slots=True)
class VoteScheme:
    """How an idea is voted on: the mode and the emojis that stand for a vote.

    Each idea keeps the scheme it was created with, so a later change of the community's
    ``vote_mode`` or emojis never reinterprets the votes it already holds.
    up: the one emoji is +1; updown: the first is +1, the second -1; scale: the n-th is n.
    """

    mode: str = "up"
    emojis: tuple[str, ...] = ("👍",)

    def value(self, emoji: str) -> int | None:
        """The vote an emoji stands for on this idea, or None for any other emoji."""
        if emoji not in self.emojis:
            return None
        index = self.emojis.index(emoji)
        if self.mode == "scale":
            return index + 1
        return 1 if index == 0 else -1

    @property
    def label(self) -> str:
        """The scheme in words, for replies."""
        if self.mode == "scale":
            return f"a 1 to 5 scale ({' '.join(self.emojis)})"
        if self.mode == "updown":
            return f"up and down votes ({' '.join(self.emojis)})"
        return f"one support vote ({self.emojis[0]})"


@dataclass(slots=True)
class Idea:
    id: int
    community_id: str
    campaign_id: int | None
    title: str
    description: str
    author_id: str
    author_name: str
    status: IdeaStatus
    created_at: datetime
    updated_at: datetime
    decline_reason: str = ""
    merged_into: int | None = None
    origin_channel: str = ""
    channel_id: str | None = None
    message_id: str | None = None
    thread_id: str | None = None
    thread_url: str | None = None
    round_id: int | None = None
    #: the voting this idea was created with (see VoteScheme)
    scheme: VoteScheme = VoteScheme()


@dataclass(frozen=True, slots=True)
class Vote:
    idea_id: int
    voter_id: str
    value: int
    emoji: str
    cast_key: str = ""
    received_key: str = ""


@dataclass(frozen=True, slots=True)
class Tally:
    """Vote counts for one idea. ``support`` is what milestones and rankings use."""

    idea_id: int
    voters: int = 0
    up: int = 0
    down: int = 0
    total: int = 0  # sum of values: net score (updown) or sum of ratings (scale)

    @property
    def support(self) -> int:
        return self.up

    @property
    def average(self) -> float:
        return self.total / self.voters if self.voters else 0.0

    def describe(self, mode: str) -> str:
        if mode == "updown":
            return f"+{self.up} / -{self.down} (score {self.total:+d})"
        if mode == "scale":
            return f"{self.average:.1f}/5 from {plural(self.voters, 'vote')}"
        return plural(self.up, "vote")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    community_id: str
    member_id: str
    amount: int
    rule: str
    reason: str
    idem_key: str
    ref: str
    actor_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    community_id: str
    actor_id: str
    action: str
    target: str
    detail: str
    created_at: datetime
    #: where the moderator acted when not in chat ("dashboard")
    via: str = ""


def title_key(title: str) -> str:
    """Duplicate-detection key (NFKC, case-folded, invisible characters dropped): see
    ``bot.text_clean``."""
    return text_clean.title_key(title)


@dataclass(slots=True)
class OutboxItem:
    """Something the bot owes: a channel post or a DM (kind "message"), an idea's card posted
    or edited ("card", "card_edit"), a prompt posted ("prompt"); delivered exactly once."""

    id: int
    community_id: str
    key: str
    target: str  # "channel" or "member"
    address: str
    payload: str  # JSON of the message
    created_at: datetime
    due_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    message_id: str | None = None
    failed: str = ""
    kind: str = "message"
