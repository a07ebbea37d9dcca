"""The interfaces the engine needs; adapters and storage implement them.

``Platform`` is everything the engine asks of a chat platform. ``Storage`` is the unit of work:
one repository per aggregate and a transaction that spans them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.events import Actor
from bot.ports.board import BoardRepo
from bot.ports.campaigns import CampaignRepo, OutboxRepo
from bot.ports.community import AuditRepo, CommunityRepo, EventLog, MemberRepo
from bot.ports.dashboard import DashboardRepo
from bot.ports.ideas import IdeaRepo, VoteRepo
from bot.ports.insights import InsightsRepo
from bot.ports.ledger import LedgerRepo
from bot.ports.prompts import PromptRepo
from bot.ports.rewards import RewardRepo
from bot.replies import IdeaCard, Message

#: platform I/O to run once a transaction has committed
AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork(Protocol):
    """The open transaction, as the code inside it sees it."""

    def on_commit(self, action: AfterCommit) -> None:
        """Run ``action`` once the outermost transaction has committed; never on a rollback.
        A failing action is logged and does not stop the others."""
        ...


@dataclass(frozen=True, slots=True)
class PostedCard:
    channel_id: str
    message_id: str
    thread_id: str | None = None
    thread_url: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionSeen:
    """One member's reaction on a card as the platform reports it now (for recounts).

    The actor carries what the platform knows of the member (roles, join date) so the same
    eligibility rules apply as for a live reaction.
    """

    actor: Actor
    emoji: str


class Platform(Protocol):
    """What the engine asks of a chat platform. Implementations raise ``DeliveryError``."""

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        """Post an idea card, add the vote emojis, open its discussion thread. A ``key`` works
        as for ``send``: a second post with it hands back the card already posted."""
        ...

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None: ...

    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        """Post to a channel; return the new message's id. A ``key`` marks a message that may
        be sent again after a crash: the platform drops a second copy with the same key where
        it can (Discord's enforced nonce; Slack's message metadata, checked before resending)."""
        ...

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        """Tell one member something privately (a DM). A ``key`` works as for ``send``."""
        ...

    async def fetch_reactions(
        self, community_id: str, channel_id: str, message_id: str
    ) -> list[ReactionSeen]:
        """Every member reaction on a card right now (bots left out), for a recount."""
        ...


class Storage(Protocol):
    """The unit of work; repositories are read-only members (implementations may narrow them)."""

    @property
    def communities(self) -> CommunityRepo: ...
    @property
    def events(self) -> EventLog: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def members(self) -> MemberRepo: ...
    @property
    def campaigns(self) -> CampaignRepo: ...
    @property
    def outbox(self) -> OutboxRepo: ...
    @property
    def ideas(self) -> IdeaRepo: ...
    @property
    def votes(self) -> VoteRepo: ...
    @property
    def ledger(self) -> LedgerRepo: ...
    @property
    def prompts(self) -> PromptRepo: ...
    @property
    def insights(self) -> InsightsRepo: ...
    @property
    def rewards(self) -> RewardRepo: ...
    @property
    def board(self) -> BoardRepo: ...
    @property
    def dashboard(self) -> DashboardRepo: ...

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """All repository calls inside commit together or not at all. A nested call joins the
        open transaction and yields the same unit of work."""
        ...

    async def ping(self) -> bool: ...

    async def export_tables(
        self, community_id: str | None
    ) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        """Ideas, votes, responses, ledger, balances and round results: (columns, rows) per
        table."""
        ...
