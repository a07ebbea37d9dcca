"""The moderators' dashboard: sign-in links, sessions, and the actions and reads behind its pages.

Sign-in has no password. ``/cocreate dashboard`` stores an outbox row saying whom to send a
link; the link's token is made only when that DM is delivered (``SignInLinks``), so it exists
in the message and nowhere else: storage keeps its SHA-256 hash. A link works once, for
``LINK_LIFETIME``; using it is a conditional update, so two racing requests open one session.

A session is a random cookie (stored hashed too) scoped to one community, ending after
``SESSION_LIFETIME`` or ``SESSION_IDLE`` without use, or when the moderator signs out. Every
action needs the session's CSRF token (an HMAC of its secret) and goes through the engine as
the same ``CommandInvoked`` a chat command makes, with the moderator as the actor, so chat and
the dashboard can never disagree and the audit log names the moderator (``via`` dashboard).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.context import Context
from bot.events import Actor, CommandInvoked, InboundEvent
from bot.links import Links
from bot.models import IdeaStatus, OutboxItem
from bot.ports import Platform, Storage
from bot.ports.dashboard import DashboardSession, LinkOwner
from bot.ports.ideas import IdeaFilter
from bot.ports.prompts import Prompt
from bot.ports.rewards import Redemption
from bot.replies import Attachment, Message, Reply
from bot.services.insights import Insights, InsightsService
from bot.services.outbox import Outbox
from bot.wording import member_names

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
SESSION_IDLE = timedelta(hours=1)
#: links and sessions are forgotten this long after they expired (at the next sign-in)
FORGET_AFTER = timedelta(days=1)
#: the outbox kind of a sign-in link's DM
LINK_KIND = "dashboard_link"
#: what the audit log says about an action taken on the dashboard
VIA = "dashboard"
#: the engine commands the dashboard's forms may run: nothing else goes through it
ACTIONS = frozenset(
    {
        ("idea", "status"),
        ("idea", "merge"),
        ("idea", "approve"),
        ("idea", "reject"),
        ("rewards", "approve"),
        ("rewards", "reject"),
        ("prompt", "close"),
    }
)
IDEAS_PER_PAGE = 25
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

Sink = Callable[[InboundEvent], Awaitable[Reply]]


def secret_hash(secret: str) -> str:
    """What storage keeps of a link's token or a session's cookie."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def link_text(url: str, minutes: int) -> str:
    return (
        f"Here is your sign-in link to the moderator dashboard: {url}\n"
        f"It works once, for the next {minutes} minutes. Do not share it: whoever opens it "
        "acts as you. If you did not ask for it, you can ignore this message."
    )


class SignInLinks:
    """``/cocreate dashboard``'s side: a DM with a fresh single-use link, through the outbox."""

    def __init__(
        self,
        storage: Storage,
        platform: Platform,
        outbox: Outbox,
        clock: Clock,
        links: Links,
    ) -> None:
        self.storage = storage
        self.platform = platform
        self.outbox = outbox
        self.clock = clock
        self.links = links
        outbox.register(LINK_KIND, self._deliver)

    async def request(self, ctx: Context) -> None:
        """Inside the command's transaction: owe the moderator a DM with a link."""
        key = f"dashboard:{ctx.event_id}"
        payload = json.dumps({"name": ctx.actor.display_name}, ensure_ascii=False)
        await self.storage.outbox.add(
            ctx.community_id, key, "member", ctx.actor.member_id, payload, ctx.now, kind=LINK_KIND
        )
        self.outbox.soon(ctx, key)

    async def _deliver(self, item: OutboxItem, key: str, now: datetime) -> str | None:
        token = secrets.token_urlsafe(32)
        name = str(json.loads(item.payload).get("name") or "")
        owner = LinkOwner(item.community_id, item.address, name)
        async with self.storage.transaction():
            expires = now + LINK_LIFETIME
            await self.storage.dashboard.add_link(secret_hash(token), owner, now, expires)
        url = self.links.dashboard_sign_in(token)
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        await self.platform.notify(
            item.community_id, item.address, Message(text=link_text(url, minutes)), key
        )
        return None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: ``cookie`` is its secret, given to the browser and kept nowhere else."""

    cookie: str
    community_id: str
    display_name: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Moderator:
    """A valid session, as the pages and actions see it."""

    community_id: str
    member_id: str
    display_name: str
    csrf_token: str
    #: when the session ends at the latest (it ends earlier after ``SESSION_IDLE`` unused)
    expires_at: datetime
    session_hash: str
    #: how the dashboard names the community (its board name, when it has one)
    community_name: str = "Moderator dashboard"

    @property
    def actor(self) -> Actor:
        # a moderator when the link was sent; the dashboard acts with moderator rights
        return Actor(self.community_id, self.member_id, self.display_name, is_admin=True)


@dataclass(frozen=True, slots=True)
class Overview:
    ideas_by_status: tuple[tuple[IdeaStatus, int], ...]
    waiting_review: int
    held_redemptions: int
    open_prompts: int


@dataclass(frozen=True, slots=True)
class IdeaRow:
    id: int
    title: str
    author: str
    status: IdeaStatus
    tally: str


@dataclass(frozen=True, slots=True)
class IdeaList:
    ideas: tuple[IdeaRow, ...]
    status: IdeaStatus | None
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class RedemptionRow:
    id: int
    reward: str
    member: str
    cost: int
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class PromptRow:
    id: int
    question: str
    kind: str
    anonymous: bool
    responses: int
    closes_at: datetime | None


class Dashboard:
    """What the web adapter asks of the dashboard. It holds no storage handle of its own
    beyond this object: sessions, reads and actions all go through here."""

    def __init__(
        self, storage: Storage, sink: Sink, clock: Clock, insights: InsightsService
    ) -> None:
        self.storage = storage
        self.sink = sink
        self.clock = clock
        self._insights = insights

    # -- sessions -----------------------------------------------------------------------------
    async def link(self, token: str) -> LinkOwner | None:
        """Whose a sign-in link is, while it still works; nothing changes (the page a link
        opens asks to sign in with a button: a link preview fetching it uses nothing)."""
        if not token or len(token) > 200:
            return None
        async with self.storage.transaction():
            return await self.storage.dashboard.link(secret_hash(token), self.clock.now())

    async def sign_in(self, token: str) -> SignedIn | None:
        """Use a sign-in link; None (and nothing changed) for an expired, used or made-up one."""
        if not token or len(token) > 200:
            return None
        storage = self.storage
        async with storage.transaction():
            now = self.clock.now()
            owner = await storage.dashboard.use_link(secret_hash(token), now)
            if owner is None:
                return None
            # sign-ins are rare: the tables stay small without a sweep of their own
            await storage.dashboard.prune(now - FORGET_AFTER)
            cookie = secrets.token_urlsafe(32)
            expires = now + SESSION_LIFETIME
            await storage.dashboard.add_session(
                secret_hash(cookie), owner, secrets.token_hex(32), now, expires
            )
        return SignedIn(cookie, owner.community_id, owner.display_name, expires)

    async def session(self, community_id: str, cookie: str | None) -> Moderator | None:
        """The moderator behind ``cookie`` on ``community_id``'s dashboard, if the session is
        valid there (not ended, not expired, not unused too long, this community)."""
        if not cookie or len(cookie) > 200:
            return None
        storage = self.storage
        id_hash = secret_hash(cookie)
        async with storage.transaction():
            now = self.clock.now()
            found = await storage.dashboard.session(id_hash)
            if found is None or not _valid(found, community_id, now):
                return None
            await storage.dashboard.seen(id_hash, now)
            settings = await storage.communities.settings(community_id)
        return Moderator(
            found.community_id,
            found.member_id,
            found.display_name,
            _csrf(found.csrf_secret),
            found.expires_at,
            id_hash,
            settings.board_name or "Moderator dashboard",
        )

    @staticmethod
    def csrf_ok(moderator: Moderator, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(
            moderator.csrf_token.encode(), token.encode("utf-8", "surrogatepass")
        )

    async def sign_out(self, moderator: Moderator) -> bool:
        async with self.storage.transaction():
            return await self.storage.dashboard.revoke(moderator.session_hash, self.clock.now())

    # -- actions -------------------------------------------------------------------------------
    async def act(
        self,
        moderator: Moderator,
        topic: str,
        verb: str,
        options: dict[str, object],
        nonce: str | None = None,
    ) -> Reply:
        """Run one of the dashboard's commands through the engine, as the moderator.

        ``nonce`` (a hidden field of the form) makes the form's event id: a form sent twice
        (a double click, a reload) is a replay, which the engine ignores."""
        if (topic, verb) not in ACTIONS:
            return Reply.error("The dashboard cannot do that.")
        if nonce is None or not _NONCE.match(nonce):
            nonce = uuid.uuid4().hex
        event = CommandInvoked(
            f"dashboard:{moderator.session_hash[:16]}:{nonce}",
            moderator.actor,
            topic,
            verb,
            dict(options),
            via=VIA,
        )
        return await self.sink(event)

    async def export(self, moderator: Moderator) -> Attachment | None:
        """The zip ``/cocreate export`` makes, made by that very command (and audited so)."""
        event = CommandInvoked(
            f"dashboard:{moderator.session_hash[:16]}:{uuid.uuid4().hex}",
            moderator.actor,
            "cocreate",
            "export",
            {},
            via=VIA,
        )
        reply = await self.sink(event)
        return reply.attachment

    # -- reads ---------------------------------------------------------------------------------
    async def insights(self, moderator: Moderator) -> Insights:
        """The figures behind the charts, for the moderator's community only."""
        return await self._insights.for_community(moderator.community_id)

    async def overview(self, moderator: Moderator) -> Overview:
        storage = self.storage
        community = moderator.community_id
        shown = [s for s in IdeaStatus if s not in (IdeaStatus.WITHDRAWN, IdeaStatus.REJECTED)]
        async with storage.transaction():
            now = self.clock.now()
            counts = []
            for status in shown:
                counts.append(
                    (
                        status,
                        await storage.ideas.count(
                            community, IdeaFilter(status=status, include_gone=True)
                        ),
                    )
                )
            held = len(await storage.rewards.pending(community, 1000))
            recent = await storage.prompts.recent(community, 100)
            prompts = [p for p in recent if not p.is_closed(now)]
        waiting = dict(counts).get(IdeaStatus.PENDING, 0)
        return Overview(
            tuple((s, n) for s, n in counts if s is not IdeaStatus.PENDING),
            waiting,
            held,
            len(prompts),
        )

    async def ideas(self, moderator: Moderator, status: IdeaStatus | None, page: int) -> IdeaList:
        storage = self.storage
        community = moderator.community_id
        filters = IdeaFilter(status=status, include_gone=status is not None)
        async with storage.transaction():
            now = self.clock.now()
            total = await storage.ideas.count(community, filters)
            pages = max(1, -(-total // IDEAS_PER_PAGE))
            page = min(max(1, page), pages)
            found = await storage.ideas.search(
                community, filters, "new", now, IDEAS_PER_PAGE, (page - 1) * IDEAS_PER_PAGE
            )
        rows = tuple(
            IdeaRow(
                idea.id,
                idea.title,
                idea.author_name,
                idea.status,
                tally.describe(idea.scheme.mode),
            )
            for idea, tally in found
        )
        return IdeaList(rows, status, page, pages, total)

    async def redemptions(self, moderator: Moderator) -> tuple[RedemptionRow, ...]:
        storage = self.storage
        community = moderator.community_id
        async with storage.transaction():
            held: list[Redemption] = await storage.rewards.pending(community, 100)
            names = await member_names(storage.members, community, (r.member_id for r in held))
        return tuple(
            RedemptionRow(r.id, r.reward_name, names[r.member_id], r.cost, r.created_at)
            for r in held
        )

    async def prompts(self, moderator: Moderator) -> tuple[PromptRow, ...]:
        storage = self.storage
        community = moderator.community_id
        async with storage.transaction():
            now = self.clock.now()
            open_: list[Prompt] = [
                p for p in await storage.prompts.recent(community, 100) if not p.is_closed(now)
            ]
            counts = await storage.prompts.response_counts(community, [p.id for p in open_])
        return tuple(
            PromptRow(p.id, p.question, p.kind, p.anonymous, counts.get(p.id, 0), p.closes_at)
            for p in open_
        )


def _valid(session: DashboardSession, community_id: str, now: datetime) -> bool:
    return (
        session.community_id == community_id
        and now < session.expires_at
        and now < session.last_seen + SESSION_IDLE
    )


def _csrf(secret: str) -> str:
    return hmac.new(bytes.fromhex(secret), b"dashboard-csrf", hashlib.sha256).hexdigest()
