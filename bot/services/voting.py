"""Reaction voting: one vote per member per idea, the latest counts, with points and milestones.

Uniqueness lives in the votes table's primary key; points are keyed by (idea, voter) so a
repeated reaction never pays twice and a retraction reverses exactly what was paid.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from bot.context import Context
from bot.errors import DeliveryError
from bot.events import Actor, ReactionAdded, ReactionRemoved
from bot.metrics import Metrics
from bot.models import Idea, IdeaStatus, Vote
from bot.ports import ReactionSeen, Storage
from bot.replies import Message, Reply
from bot.services.delivery import Delivery
from bot.services.eligibility import vote_refusal
from bot.services.ideas import IdeaService
from bot.services.points import PointsService

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


class VotingService:
    def __init__(
        self,
        storage: Storage,
        points: PointsService,
        ideas: IdeaService,
        delivery: Delivery,
        metrics: Metrics,
    ) -> None:
        self.storage = storage
        self.points = points
        self.ideas = ideas
        self.delivery = delivery
        self.metrics = metrics

    async def reaction_added(self, ctx: Context, event: ReactionAdded) -> Reply:
        value = ctx.settings.vote_value(event.emoji)
        if value is None:
            return Reply.nothing()
        idea = await self.storage.ideas.by_message(ctx.community_id, event.message_id)
        if idea is None:
            return Reply.nothing()
        campaign = await self.ideas.campaign_of(idea)
        refusal = vote_refusal(ctx.actor, idea, campaign, ctx.settings, ctx.now)
        if refusal is not None:
            self.metrics.inc("cocreate_votes_total", outcome="refused")
            return Reply(refusal, ok=False, extra={"remove_reaction": "1"})
        previous = await self.storage.votes.upsert(
            ctx.community_id, idea.id, ctx.actor.member_id, value, event.emoji, ctx.now
        )
        await self._pay(ctx, idea, previous, value)
        await self.check_milestones(ctx, idea)
        self.ideas.refresh(ctx, idea.id)
        self.metrics.inc("cocreate_votes_total", outcome="counted")
        extra = {"vote": str(value)}
        if previous is not None and previous.emoji != event.emoji:
            # the older reaction no longer counts; adapters may take it off the card
            extra["replaced_emoji"] = previous.emoji
        return Reply(silent=True, extra=extra)

    async def reaction_removed(self, ctx: Context, event: ReactionRemoved) -> Reply:
        idea = await self.storage.ideas.by_message(ctx.community_id, event.message_id)
        if idea is None:
            return Reply.nothing()
        current = await self.storage.votes.get(idea.id, ctx.actor.member_id)
        if current is None or current.emoji != event.emoji:
            # a reaction that was never counted, or one the latest vote already replaced
            return Reply.nothing()
        await self.storage.votes.remove(idea.id, ctx.actor.member_id)
        await self.retract_points(ctx, current)
        self.ideas.refresh(ctx, idea.id)
        self.metrics.inc("cocreate_votes_total", outcome="retracted")
        return Reply(silent=True, extra={"vote": "removed"})

    async def _pay(self, ctx: Context, idea: Idea, previous: Vote | None, after: int) -> None:
        """Pay for the vote as it now stands, and remember the keys so a retraction reverses
        exactly what was paid (also after a merge moves the vote to another idea)."""
        voter = ctx.actor.member_id
        ref = f"{idea.id}:{voter}:{ctx.event_id}"
        cast_key = previous.cast_key if previous else ""
        received_key = previous.received_key if previous else ""
        if previous is None:
            cast_key = f"vote:{ref}"
            await self.points.award(
                ctx.community_id,
                voter,
                "vote_cast",
                cast_key,
                ctx.now,
                ctx.settings,
                ref=f"idea:{idea.id}",
            )
        supports = after > 0 and idea.author_id != voter
        if supports and not received_key:
            received_key = f"received:{ref}"
            await self.points.award(
                ctx.community_id,
                idea.author_id,
                "vote_received",
                received_key,
                ctx.now,
                ctx.settings,
                ref=f"idea:{idea.id}",
            )
        elif not supports and received_key:
            await self.points.reverse(ctx.community_id, received_key, ctx.now, ctx.settings)
            received_key = ""
        await self.storage.votes.set_keys(idea.id, voter, cast_key, received_key)

    async def retract_points(self, ctx: Context, vote: Vote) -> None:
        for key in (vote.cast_key, vote.received_key):
            if key:
                await self.points.reverse(ctx.community_id, key, ctx.now, ctx.settings)

    async def recount(self, services: Services, community_id: str, idea_id: int) -> tuple[int, int]:
        """Match stored votes to the reactions on the card now: votes cast while the bot was
        offline are counted (if eligible), votes whose reaction is gone are retracted.

        Returns (added, removed). Reading the platform happens before the transaction.
        """
        async with self.storage.transaction():
            idea = await self.storage.ideas.get(community_id, idea_id)
        if idea is None or idea.channel_id is None or idea.message_id is None:
            return 0, 0
        try:
            seen = await self.delivery.platform.fetch_reactions(
                community_id, idea.channel_id, idea.message_id
            )
        except DeliveryError as exc:
            log.warning("recount skipped", extra={"idea": idea_id, "reason": str(exc)})
            return 0, 0
        now = services.clock.now()
        added = removed = 0
        async with self.storage.transaction():
            settings = await self.storage.communities.settings(community_id)
            by_member: dict[str, list[ReactionSeen]] = {}
            for r in seen:
                if settings.vote_value(r.emoji) is not None and not r.actor.is_bot:
                    by_member.setdefault(r.actor.member_id, []).append(r)
            stored = {v.voter_id: v for v in await self.storage.votes.of_idea(idea.id)}
            campaign = await self.ideas.campaign_of(idea)
            for member, reactions in by_member.items():
                vote = stored.get(member)
                if vote is not None and any(r.emoji == vote.emoji for r in reactions):
                    continue
                chosen = reactions[-1]
                ctx = Context(
                    services,
                    chosen.actor,
                    idea.channel_id,
                    now,
                    settings,
                    f"recount:{idea.id}:{member}:{now.isoformat()}",
                )
                if vote_refusal(chosen.actor, idea, campaign, settings, now) is not None:
                    continue
                value = settings.vote_value(chosen.emoji)
                assert value is not None
                previous = await self.storage.votes.upsert(
                    community_id, idea.id, member, value, chosen.emoji, now
                )
                await self._pay(ctx, idea, previous, value)
                added += 1
            for member, vote in stored.items():
                if member not in by_member:
                    await self.storage.votes.remove(idea.id, member)
                    actor = Actor(community_id, member)
                    ctx = Context(services, actor, idea.channel_id, now, settings, "recount")
                    await self.retract_points(ctx, vote)
                    removed += 1
        if added or removed:
            log.info(
                "recount changed votes", extra={"idea": idea.id, "added": added, "removed": removed}
            )
            if self.ideas.cards is not None:
                self.ideas.cards.request(community_id, idea.id)
        return added, removed

    async def check_milestones(self, ctx: Context, idea: Idea) -> None:
        """Announce each threshold the first time it is crossed; maybe move to review."""
        tally = await self.storage.votes.tally(idea.id)
        for threshold in ctx.settings.milestones:
            if tally.support < threshold:
                break
            if not await self.storage.votes.mark_milestone(idea.id, threshold, ctx.now):
                continue
            await self.points.award(
                ctx.community_id,
                idea.author_id,
                "milestone_reached",
                f"milestone:{idea.id}:{threshold}",
                ctx.now,
                ctx.settings,
                ref=f"idea:{idea.id}",
            )
            text = (
                f"🎉 Idea #{idea.id} {idea.title!r} by {idea.author_name} "
                f"reached {threshold} supporters!"
            )
            channel = ctx.settings.announcements_channel or idea.channel_id or ctx.channel_id
            message = Message(text=text)
            ctx.later(functools.partial(self._announce, ctx.community_id, channel, message))
        review_at = ctx.settings.review_threshold
        if review_at is not None and tally.support >= review_at and idea.status == IdeaStatus.NEW:
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
                    "under_review (support threshold)",
                    ctx.now,
                )
                message = Message(
                    text=f"Your idea #{idea.id} {idea.title!r} reached {review_at} supporters "
                    "and is now under review by the team."
                )
                ctx.later(lambda: self._dm(ctx.community_id, idea.author_id, message))

    async def _announce(self, community_id: str, channel: str, message: Message) -> None:
        await self.delivery.post(community_id, channel, message)

    async def _dm(self, community_id: str, member: str, message: Message) -> None:
        await self.delivery.notify(community_id, [member], message)
