"""What moderators do to ideas: statuses, merges and the review queue.

Each change is a conditional update (``... WHERE status = expected``), is written to the audit
log, and tells the author and every voter through the outbox (stored with the change, delivered
right after the commit). A notification that cannot be delivered never fails the change.
"""

from __future__ import annotations

from bot.context import Context, audit
from bot.errors import UserError
from bot.models import GONE_STATUSES, SETTABLE_STATUSES, Idea, IdeaStatus
from bot.ports import Storage
from bot.ports.ideas import IdeaFilter
from bot.replies import Message, Reply, Table
from bot.services.idea_cards import IdeaCards
from bot.services.ideas import IdeaService
from bot.services.outbox import Outbox
from bot.services.points import PointsService
from bot.services.voting import VotingService
from bot.wording import plural, quoted

#: Moves that make sense; anything else needs an explicit intermediate step.
ALLOWED: dict[IdeaStatus, frozenset[IdeaStatus]] = {
    IdeaStatus.NEW: frozenset(SETTABLE_STATUSES) - {IdeaStatus.NEW},
    IdeaStatus.UNDER_REVIEW: frozenset(SETTABLE_STATUSES) - {IdeaStatus.UNDER_REVIEW},
    IdeaStatus.PLANNED: frozenset(SETTABLE_STATUSES) - {IdeaStatus.PLANNED},
    IdeaStatus.IN_PROGRESS: frozenset(
        {IdeaStatus.PLANNED, IdeaStatus.SHIPPED, IdeaStatus.DECLINED, IdeaStatus.UNDER_REVIEW}
    ),
    IdeaStatus.SHIPPED: frozenset({IdeaStatus.IN_PROGRESS}),
    IdeaStatus.DECLINED: frozenset({IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW}),
}


class IdeaModeration:
    def __init__(
        self,
        storage: Storage,
        ideas: IdeaService,
        points: PointsService,
        voting: VotingService,
        outbox: Outbox,
        idea_cards: IdeaCards,
    ) -> None:
        self.storage = storage
        self.ideas = ideas
        self.points = points
        self.voting = voting
        self.outbox = outbox
        self.idea_cards = idea_cards

    async def notify_watchers(self, ctx: Context, idea: Idea, voters: list[str], text: str) -> None:
        """DM the author and every voter: stored in the outbox with the change."""
        key = f"idea:{idea.id}:notice:{ctx.event_id}"
        message = Message(text=text)
        for member in dict.fromkeys([idea.author_id, *voters]):
            await self.outbox.member(ctx.community_id, key, member, message)
        self.outbox.soon(ctx, key)

    async def set_status(self, ctx: Context, idea_id: int, status: str, reason: str = "") -> Reply:
        ideas = self.ideas
        idea = await ideas.get(ctx, idea_id)
        new = IdeaStatus(status)
        if idea.status == new:
            raise UserError(f"Idea #{idea.id} is already {new.label}.")
        allowed = ALLOWED.get(idea.status, frozenset())
        if new not in allowed:
            raise UserError(
                f"Idea #{idea.id} is {idea.status.label}; it cannot move to {new.label}."
            )
        reason = reason.strip()
        if new == IdeaStatus.DECLINED and not reason:
            raise UserError("Please give a reason when declining an idea; the author will see it.")
        if len(reason) > 500:
            raise UserError("The reason is too long; keep it under 500 characters.")
        if not await self.storage.ideas.set_status(
            ctx.community_id, idea.id, idea.status, new, ctx.now, note=reason
        ):
            raise UserError(f"Idea #{idea.id} changed meanwhile; please look again.")
        idea.status = new
        idea.decline_reason = reason if new == IdeaStatus.DECLINED else ""
        idea.updated_at = ctx.now
        await self.storage.ideas.save(idea)
        if new == IdeaStatus.SHIPPED:
            await self.points.award_author(
                idea, "idea_shipped", f"shipped:{idea.id}", ctx.now, ctx.settings
            )
        await audit(
            self.storage.audit,
            ctx,
            "idea.status",
            f"idea:{idea.id}",
            f"{new.label} {reason}".strip(),
        )
        voters = await self.storage.votes.voters(idea.id)
        because = f" Reason: {reason}" if reason else ""
        await self.notify_watchers(
            ctx, idea, voters, f"Idea #{idea.id} {quoted(idea.title)} is now {new.label}.{because}"
        )
        await self.idea_cards.edit_card(ctx, idea.id)
        return Reply(f"Idea #{idea.id} is now {new.label}.", ephemeral=False)

    async def merge(self, ctx: Context, duplicate_id: int, into: int) -> Reply:
        ideas = self.ideas
        storage = self.storage
        if duplicate_id == into:
            raise UserError("An idea cannot be merged into itself.")
        dup = await ideas.get(ctx, duplicate_id)
        target = await ideas.get(ctx, into)
        for idea in (dup, target):
            if idea.status in GONE_STATUSES:
                raise UserError(
                    f"Idea #{idea.id} is {idea.status.label} and cannot take part in a merge."
                )
        for idea in (dup, target):
            await ideas.refuse_if_final(idea, "It cannot take part in a merge.")
        if dup.scheme.mode != target.scheme.mode:
            raise UserError(
                f"Idea #{dup.id} is voted on with {dup.scheme.label} and #{target.id} with "
                f"{target.scheme.label}, so their votes cannot be combined. Decline the duplicate "
                "with a reason instead."
            )
        dup_voters = await storage.votes.voters(dup.id)
        dropped = await storage.votes.overlap(dup.id, target.id)
        if not ctx.settings.allow_self_votes:
            # the target's author voted for the duplicate: moved, it would be a vote for their
            # own idea, so it goes like a shared voter's
            dropped += [
                v for v in await storage.votes.of_idea(dup.id) if v.voter_id == target.author_id
            ]
        for vote in dropped:
            # counted once: the duplicate's vote goes, and so do the points it paid
            await self.voting.retract_points(ctx, vote)
            await storage.votes.remove(vote.idea_id, vote.voter_id)
        # the votes that move keep the ledger keys they paid under: the duplicate's author keeps
        # the points they received (the target's author is not paid again), and a later
        # retraction reverses exactly those
        moved = await storage.votes.move(dup.id, target.id)
        if not await storage.ideas.set_status(
            ctx.community_id, dup.id, dup.status, IdeaStatus.MERGED, ctx.now
        ):
            raise UserError(f"Idea #{dup.id} changed meanwhile; please look again.")
        dup.status = IdeaStatus.MERGED
        dup.merged_into = target.id
        dup.updated_at = ctx.now
        await storage.ideas.save(dup)
        await audit(
            self.storage.audit,
            ctx,
            "idea.merge",
            f"idea:{dup.id}",
            f"into idea:{target.id}, {plural(moved, 'vote')} moved",
        )
        await self.voting.check_milestones(ctx, target)
        await self.notify_watchers(
            ctx,
            dup,
            dup_voters,
            f"Idea #{dup.id} {quoted(dup.title)} was merged into "
            f"#{target.id} {quoted(target.title)}; its votes now count there.",
        )
        await self.idea_cards.edit_card(ctx, dup.id)
        await self.idea_cards.edit_card(ctx, target.id)
        votes = f"{plural(moved, 'vote')} moved"
        if dropped:
            votes += (
                f", {len(dropped)} dropped (members who had voted for both ideas count once, "
                "and an author never votes for their own idea)"
            )
        return Reply(f"Merged #{dup.id} into #{target.id}: {votes}.", ephemeral=False)

    async def _decide(self, ctx: Context, idea_id: int, status: IdeaStatus) -> Idea:
        """Move an idea out of the review queue (a conditional update), or refuse."""
        idea = await self.ideas.get(ctx, idea_id)
        if idea.status != IdeaStatus.PENDING:
            raise UserError(
                f"Idea #{idea.id} is not waiting for review (it is {idea.status.label})."
            )
        if not await self.storage.ideas.set_status(
            ctx.community_id, idea.id, IdeaStatus.PENDING, status, ctx.now
        ):
            raise UserError(f"Idea #{idea.id} was decided meanwhile.")
        idea.status = status
        return idea

    async def approve(self, ctx: Context, idea_id: int) -> Reply:
        idea = await self._decide(ctx, idea_id, IdeaStatus.NEW)
        await self.ideas.go_live(ctx, idea)
        await audit(self.storage.audit, ctx, "idea.approve", f"idea:{idea.id}")
        await self.notify_watchers(
            ctx, idea, [], f"Your idea #{idea.id} {quoted(idea.title)} was approved and is live."
        )
        return Reply(f"Idea #{idea.id} is approved and posted.")

    async def reject(self, ctx: Context, idea_id: int, reason: str = "") -> Reply:
        idea = await self._decide(ctx, idea_id, IdeaStatus.REJECTED)
        idea.decline_reason = reason.strip()[:500]
        await self.storage.ideas.save(idea)
        await audit(self.storage.audit, ctx, "idea.reject", f"idea:{idea.id}", reason)
        because = f" Reason: {reason}" if reason else ""
        await self.notify_watchers(
            ctx, idea, [], f"Your idea #{idea.id} {quoted(idea.title)} was not approved.{because}"
        )
        return Reply(f"Idea #{idea.id} is rejected.")

    async def queue(self, ctx: Context) -> Reply:
        rows = await self.storage.ideas.search(
            ctx.community_id, IdeaFilter(status=IdeaStatus.PENDING), "new", ctx.now, limit=25
        )
        if not rows:
            return Reply("The review queue is empty.")
        table = Table(
            "Waiting for review",
            ("#", "title", "author"),
            tuple((str(i.id), i.title, i.author_name) for i, _ in rows),
        )
        return Reply(f"{plural(len(rows), 'idea')} waiting for review", table=table)
