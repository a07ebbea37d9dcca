"""Reaction voting: one vote per member per idea, the latest counts, with points and milestones.

Reactions are applied in batches (group commit): the engine's batcher hands over whatever
arrived while the previous batch was committing, and every event's reply is released only
after its batch commits. Uniqueness lives in the votes table's primary key; each vote keeps the
ledger keys it paid under, so a retraction reverses exactly what was paid.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from bot.clock import Clock
from bot.context import Context
from bot.errors import DeliveryError
from bot.events import Actor, ReactionAdded, ReactionRemoved
from bot.metrics import Metrics
from bot.models import Campaign, Idea, IdeaStatus, Round, Vote
from bot.ports import Platform, ReactionSeen, Storage, UnitOfWork
from bot.ports.ledger import EarnedKey
from bot.replies import Message, Reply
from bot.services.delivery import CardRefresher
from bot.services.outbox import Outbox
from bot.services.points import PointsService, local_day
from bot.services.vote_batch import ReactionEvent, VoteBatch
from bot.wording import plural, quoted
from config.community import CommunitySettings

log = logging.getLogger(__name__)


def _kind(event: ReactionEvent) -> str:
    return "reaction_added" if isinstance(event, ReactionAdded) else "reaction_removed"


async def _refresh(cards: CardRefresher, community_id: str, idea_ids: list[int]) -> None:
    for idea_id in idea_ids:
        cards.request(community_id, idea_id)


def concerns_a_vote(event: ReactionEvent, ideas: dict[str, Idea]) -> bool:
    """A reaction the vote rules look at: a member's, on an idea's card, and when added, one of
    that idea's own vote emojis (kept from its creation). A removal is looked at whatever the
    emoji, so the batch decides what it retracts."""
    idea = ideas.get(event.message_id)
    if event.actor.is_bot or idea is None:
        return False
    return isinstance(event, ReactionRemoved) or idea.scheme.value(event.emoji) is not None


class VotingService:
    def __init__(
        self,
        storage: Storage,
        points: PointsService,
        cards: CardRefresher,
        outbox: Outbox,
        platform: Platform,
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self.storage = storage
        self.points = points
        self.cards = cards
        self.outbox = outbox
        self.platform = platform
        self.clock = clock
        self.metrics = metrics

    async def apply_batch(self, events: list[ReactionEvent]) -> list[Reply]:
        """Apply reaction events in order, in one transaction (the caller's, if it has one),
        with bulk reads and writes. Returns one reply per event; card refreshes and
        announcements run once the batch commits."""
        replies: list[Reply] = [Reply.nothing()] * len(events)
        by_community: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            by_community.setdefault(event.community_id, []).append(index)
        async with self.storage.transaction() as work:
            for community_id, indexes in by_community.items():
                chosen = [events[i] for i in indexes]
                for index, reply in zip(
                    indexes,
                    await self._community_batch(community_id, chosen, work),
                    strict=True,
                ):
                    replies[index] = reply
        return replies

    async def _community_batch(
        self,
        community_id: str,
        events: list[ReactionEvent],
        work: UnitOfWork,
    ) -> list[Reply]:
        storage = self.storage
        now = self.clock.now()
        # adapters pass every reaction on: what is not a vote is decided here, with one read,
        # before anything is claimed or written (no event row, no community, no transaction
        # cost beyond the lookup)
        ideas = await storage.ideas.by_messages(
            community_id, sorted({e.message_id for e in events if not e.actor.is_bot})
        )
        votes = [e if concerns_a_vote(e, ideas) else None for e in events]
        relevant = [e for e in votes if e is not None]
        if not relevant:
            return [Reply.nothing() for _ in events]
        await storage.communities.ensure(community_id, community_id.split(":", 1)[0], now)
        settings = await storage.communities.settings(community_id)
        claimed = await storage.events.claim_many(
            community_id, [(e.event_id, _kind(e)) for e in relevant], now
        )
        live: list[ReactionEvent | None] = []
        for event in votes:
            first = event is not None and event.event_id in claimed
            if event is not None:
                claimed.discard(event.event_id)  # a second copy in the same batch is a replay
            live.append(event if first else None)
        active = [e for e in live if e is not None]
        if not active:
            return [Reply.nothing() for _ in events]
        campaigns: dict[int, Campaign] = {}
        for idea in ideas.values():
            if idea.campaign_id is not None and idea.campaign_id not in campaigns:
                found = await storage.campaigns.get(community_id, idea.campaign_id)
                if found is not None:
                    campaigns[found.id] = found
        rounds: dict[int, Round] = {}
        for idea in ideas.values():
            if idea.round_id is not None and idea.round_id not in rounds:
                round_ = await storage.campaigns.round(idea.round_id)
                if round_ is not None:
                    rounds[round_.id] = round_
        pairs = [
            (ideas[e.message_id].id, e.actor.member_id) for e in active if e.message_id in ideas
        ]
        stored = await storage.votes.get_many(pairs)
        day = local_day(now, settings.timezone)
        earned_keys: list[EarnedKey] = []
        for e in active:
            earned_keys.append((community_id, e.actor.member_id, "vote_cast", day))
            if e.message_id in ideas:
                earned_keys.append(
                    (community_id, ideas[e.message_id].author_id, "vote_received", day)
                )
        keys = [k for v in stored.values() for k in (v.cast_key, v.received_key) if k]
        known = await storage.ledger.by_keys(community_id, keys + [f"reverse:{k}" for k in keys])
        idea_ids = list({idea.id for idea in ideas.values()})
        tallies = await storage.votes.tallies(idea_ids)
        members = {k[1] for k in earned_keys} | {e.member_id for e in known.values()}
        batch = VoteBatch(
            community_id,
            settings,
            now,
            day,
            ideas,
            campaigns,
            stored,
            await storage.ledger.earned_many(earned_keys),
            known,
            support={i: t.support for i, t in tallies.items()},
            rounds=rounds,
            balances=await storage.ledger.balances(community_id, sorted(members)),
        )
        replies = [Reply.nothing() if e is None else batch.apply(e) for e in live]
        upserts, deletes = batch.vote_writes()
        await storage.votes.write_many(community_id, upserts, deletes, now)
        await storage.ledger.append_many(batch.entries, now)
        names = {e.actor.member_id: e.actor.display_name for e in active if e.actor.display_name}
        if names:
            await storage.members.touch_many(community_id, list(names.items()), now)
        for outcome, count in batch.outcomes.items():
            self.metrics.inc("cocreate_votes_total", count, outcome=outcome)
        if batch.touched:
            await self._milestones(community_id, settings, now, batch, work)
            touched = list(batch.touched)
            work.on_commit(functools.partial(_refresh, self.cards, community_id, touched))
        return replies

    async def _milestones(
        self,
        community_id: str,
        settings: CommunitySettings,
        now: datetime,
        batch: VoteBatch,
        work: UnitOfWork,
    ) -> None:
        """Check only ideas whose support reached a threshold not yet recorded."""
        touched = batch.touched
        reached = await self.storage.votes.milestones_of(list(touched))
        review_at = settings.review_threshold
        for idea_id, idea in touched.items():
            support = batch.peak.get(idea_id, 0)
            pending = any(t <= support and (idea_id, t) not in reached for t in settings.milestones)
            reviewing = (
                review_at is not None and support >= review_at and idea.status == IdeaStatus.NEW
            )
            if not pending and not reviewing:
                continue
            ctx = Context(
                Actor(community_id, "system"),
                idea.channel_id or "",
                now,
                settings,
                f"milestone:{idea_id}",
                work,
            )
            await self.check_milestones(ctx, idea, support)

    async def retract_points(self, ctx: Context, vote: Vote) -> None:
        for key in (vote.cast_key, vote.received_key):
            if key:
                await self.points.reverse(ctx.community_id, key, ctx.now, ctx.settings)

    async def recount(self, community_id: str, idea_id: int) -> tuple[int, int]:
        """Match stored votes to the reactions on the card now: votes cast while the bot was
        offline are counted (if eligible), votes whose reaction is gone are retracted. The
        differences go through the same batch path as live reactions.

        Returns (added, removed). Reading the platform happens before the transaction.
        """
        async with self.storage.transaction():
            idea = await self.storage.ideas.get(community_id, idea_id)
        if idea is None or idea.channel_id is None or idea.message_id is None:
            return 0, 0
        try:
            seen = await self.platform.fetch_reactions(
                community_id, idea.channel_id, idea.message_id
            )
        except DeliveryError as exc:
            log.warning("recount skipped", extra={"idea": idea_id, "reason": str(exc)})
            return 0, 0
        stamp = self.clock.now().isoformat()
        async with self.storage.transaction():
            by_member: dict[str, list[ReactionSeen]] = {}
            for r in seen:
                if idea.scheme.value(r.emoji) is not None and not r.actor.is_bot:
                    by_member.setdefault(r.actor.member_id, []).append(r)
            stored = {v.voter_id: v for v in await self.storage.votes.of_idea(idea.id)}
            events: list[ReactionEvent] = []
            for member, reactions in by_member.items():
                vote = stored.get(member)
                if vote is None or all(r.emoji != vote.emoji for r in reactions):
                    r = reactions[-1]
                    event_id = f"recount:{idea.id}:{member}:{r.emoji}:{stamp}"
                    events.append(
                        ReactionAdded(event_id, r.actor, idea.channel_id, idea.message_id, r.emoji)
                    )
            for member, vote in stored.items():
                if member not in by_member:
                    event_id = f"recount:{idea.id}:{member}:-:{stamp}"
                    actor = Actor(community_id, member)
                    events.append(
                        ReactionRemoved(
                            event_id, actor, idea.channel_id, idea.message_id, vote.emoji
                        )
                    )
            replies = await self.apply_batch(events)
        added = sum(1 for r in replies if r.vote is not None)
        removed = sum(1 for r in replies if r.vote_removed)
        if added or removed:
            log.info(
                "recount changed votes", extra={"idea": idea.id, "added": added, "removed": removed}
            )
        return added, removed

    async def check_milestones(self, ctx: Context, idea: Idea, support: int | None = None) -> None:
        """Announce each threshold the first time it is crossed; maybe move to review."""
        if support is None:
            support = (await self.storage.votes.tally(idea.id)).support
        for threshold in ctx.settings.milestones:
            if support < threshold:
                break
            if not await self.storage.votes.mark_milestone(idea.id, threshold, ctx.now):
                continue
            await self.points.award_author(
                idea, "milestone_reached", f"milestone:{idea.id}:{threshold}", ctx.now, ctx.settings
            )
            text = (
                f"🎉 Idea #{idea.id} {quoted(idea.title)} by {idea.author_name} "
                f"reached {plural(threshold, 'supporter')}!"
            )
            channel = ctx.settings.announcements_channel or idea.channel_id or ctx.channel_id
            outbox = self.outbox
            key = f"milestone:{idea.id}:{threshold}"
            await outbox.channel(ctx.community_id, key, channel, Message(text=text))
            outbox.soon(ctx, key)
        review_at = ctx.settings.review_threshold
        if review_at is not None and support >= review_at and idea.status == IdeaStatus.NEW:
            moved = await self.storage.ideas.set_status(
                ctx.community_id, idea.id, IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, ctx.now
            )
            if moved:
                idea.status = IdeaStatus.UNDER_REVIEW
                await self.storage.audit.add(
                    ctx.community_id,
                    "system",
                    "idea.status",
                    f"idea:{idea.id}",
                    "under review (support threshold)",
                    ctx.now,
                )
                message = Message(
                    text=f"Your idea #{idea.id} {quoted(idea.title)} reached "
                    f"{plural(review_at, 'supporter')} and is now under review by the team."
                )
                outbox = self.outbox
                await outbox.member(ctx.community_id, f"review:{idea.id}", idea.author_id, message)
                outbox.soon(ctx, f"review:{idea.id}")
                # the status shows on the card: an edit that must not be lost
                await outbox.card_edit(ctx.community_id, f"idea:{idea.id}:review", idea.id)
                outbox.soon(ctx, f"idea:{idea.id}:review")
