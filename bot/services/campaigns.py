"""Campaigns: briefs with a mode and a phase, and the close that ranks and pays winners.

Phases move by conditional updates, so a close that is triggered twice (two clicks, two
processes, a scheduler and a moderator) takes effect exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Context
from bot.errors import NotFound, UserError
from bot.models import GONE_STATUSES, Campaign, CampaignMode, Idea, IdeaStatus, Phase, Tally
from bot.ports import Storage
from bot.replies import Message, Reply, Table
from bot.services.delivery import Delivery
from bot.services.ideas import IdeaService
from bot.services.points import PointsService

if TYPE_CHECKING:
    from bot.app import Services

NAME_MAX = 60
BRIEF_MAX = 1000


def rank(entries: list[tuple[Idea, Tally]]) -> list[tuple[Idea, Tally]]:
    """Best first: more support, then more voters, then the earlier submission."""
    return sorted(entries, key=lambda e: (-e[1].support, -e[1].voters, e[0].created_at, e[0].id))


class CampaignService:
    def __init__(
        self, storage: Storage, points: PointsService, ideas: IdeaService, delivery: Delivery
    ) -> None:
        self.storage = storage
        self.points = points
        self.ideas = ideas
        self.delivery = delivery

    async def get(self, ctx: Context, name: str) -> Campaign:
        campaign = await self.storage.campaigns.by_name(ctx.community_id, name)
        if campaign is None:
            raise NotFound(f"There is no campaign called {name!r}. See `/campaign list`.")
        return campaign

    async def create(
        self, ctx: Context, name: str, mode: str = "contest", brief: str = "", winners: int = 3
    ) -> Reply:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX:
            raise UserError(f"A campaign name needs 1 to {NAME_MAX} characters.")
        if len(brief) > BRIEF_MAX:
            raise UserError(f"The brief is too long; the limit is {BRIEF_MAX} characters.")
        kind = CampaignMode(mode)
        phase = Phase.VOTING if kind == CampaignMode.PICK else Phase.SUBMISSIONS
        campaign = await self.storage.campaigns.add(
            ctx.community_id,
            name,
            brief.strip(),
            kind,
            phase,
            winners,
            ctx.actor.member_id,
            ctx.now,
        )
        await ctx.audit("campaign.create", f"campaign:{campaign.id}", f"{kind.value} {name}")
        self._announce(ctx, f"📣 New {kind.value} campaign: **{name}**. {brief}".strip())
        return Reply(f"Campaign {name!r} ({kind.value}) is open: {phase.value}.", ephemeral=False)

    async def list_campaigns(self, ctx: Context, include_closed: bool = False) -> Reply:
        campaigns = await self.storage.campaigns.in_community(ctx.community_id, include_closed)
        if not campaigns:
            return Reply("No campaigns yet.")
        table = Table(
            "Campaigns",
            ("name", "mode", "phase"),
            tuple((c.name, c.mode.value, c.phase.value) for c in campaigns),
        )
        return Reply(f"{len(campaigns)} campaign(s)", table=table)

    async def show(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        ranked = rank(await self._entries(campaign))
        lines = [f"{campaign.name} — {campaign.mode.value}, phase {campaign.phase.value}"]
        if campaign.brief:
            lines.append(campaign.brief)
        lines.append(f"{len(ranked)} idea(s)")
        table = Table(
            "Leading ideas",
            ("#", "title", "votes"),
            tuple((str(i.id), i.title, t.describe(ctx.settings.vote_mode)) for i, t in ranked[:10]),
        )
        return Reply("\n".join(lines), table=table if ranked else None)

    async def _entries(self, campaign: Campaign) -> list[tuple[Idea, Tally]]:
        entries = []
        for idea in await self.storage.ideas.in_campaign(campaign.community_id, campaign.id):
            if idea.status in GONE_STATUSES or idea.status == IdeaStatus.DECLINED:
                continue
            entries.append((idea, await self.storage.votes.tally(idea.id)))
        return entries

    async def move(self, ctx: Context, name: str, expected: Phase, new: Phase) -> Campaign:
        campaign = await self.get(ctx, name)
        if campaign.phase != expected or not await self.storage.campaigns.set_phase(
            campaign.id, expected, new, ctx.now
        ):
            raise UserError(
                f"Campaign {campaign.name!r} is in phase {campaign.phase.value}, "
                f"so it cannot move to {new.value}."
            )
        campaign.phase = new
        await ctx.audit(f"campaign.{new.value}", f"campaign:{campaign.id}")
        return campaign

    async def open_voting(self, ctx: Context, name: str) -> Reply:
        campaign = await self.move(ctx, name, Phase.SUBMISSIONS, Phase.VOTING)
        self._announce(ctx, f"🗳️ Voting is open for **{campaign.name}**! React on the idea cards.")
        return Reply(f"Voting is open for {campaign.name!r}.", ephemeral=False)

    async def recount(self, services: Services, community_id: str, name: str) -> None:
        """Before a close: count reactions made while the bot was offline (or missed)."""
        async with self.storage.transaction():
            campaign = await self.storage.campaigns.by_name(community_id, name)
            if campaign is None or campaign.phase != Phase.VOTING:
                return
            ideas = await self.storage.ideas.in_campaign(community_id, campaign.id)
        for idea in ideas:
            # an idea without a card has no reactions to read back: skip it without a
            # transaction of its own (a round of thousands of ideas closes in one go)
            if idea.status in GONE_STATUSES or idea.channel_id is None or idea.message_id is None:
                continue
            await services.voting.recount(services, community_id, idea.id)

    async def close(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.always_open:
            expected = campaign.phase if campaign.phase != Phase.CLOSED else Phase.VOTING
        else:
            expected = Phase.VOTING
        campaign = await self.move(ctx, name, expected, Phase.CLOSED)
        ranked = rank(await self._entries(campaign))
        winners = [] if campaign.always_open else [e for e in ranked if e[1].support > 0]
        winners = winners[: 1 if campaign.mode == CampaignMode.PICK else campaign.winners]
        for place, (idea, _) in enumerate(winners, start=1):
            await self._reward_winner(ctx, campaign, idea, place)
        table = Table(
            f"Results: {campaign.name}",
            ("place", "#", "title", "author", "votes"),
            tuple(
                (str(n), str(i.id), i.title, i.author_name, t.describe(ctx.settings.vote_mode))
                for n, (i, t) in enumerate(ranked[:25], start=1)
            ),
        )
        names = ", ".join(f"#{i.id} {i.title!r}" for i, _ in winners) or "no winner"
        text = f"🏁 **{campaign.name}** is closed. Winners: {names}."
        ctx.later(lambda: self._post(ctx, Message(text=text, table=table)))
        return Reply(text, table=table, ephemeral=False)

    async def _reward_winner(
        self, ctx: Context, campaign: Campaign, idea: Idea, place: int
    ) -> None:
        key = f"winner:{campaign.id}:{idea.id}"
        if campaign.mode == CampaignMode.PICK:
            for voter in await self.storage.votes.voters(idea.id):
                await self.points.award(
                    ctx.community_id,
                    voter,
                    "round_winner",
                    f"{key}:{voter}",
                    ctx.now,
                    ctx.settings,
                    ref=f"campaign:{campaign.id}",
                )
        else:
            await self.points.award(
                ctx.community_id,
                idea.author_id,
                "round_winner",
                key,
                ctx.now,
                ctx.settings,
                ref=f"campaign:{campaign.id}",
                reason=f"place {place} in {campaign.name}",
            )
        if idea.status in (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW):
            await self.storage.ideas.set_status(
                ctx.community_id, idea.id, idea.status, IdeaStatus.PLANNED, ctx.now
            )
            self.ideas.refresh(ctx, idea.id)
        message = Message(
            text=f"🏆 Your idea #{idea.id} {idea.title!r} placed {place} in {campaign.name}!"
        )
        author = idea.author_id
        ctx.later(lambda: self._dm(ctx, author, message))

    async def _dm(self, ctx: Context, member: str, message: Message) -> None:
        await self.delivery.notify(ctx.community_id, [member], message)

    def _announce(self, ctx: Context, text: str) -> None:
        ctx.later(lambda: self._post(ctx, Message(text=text)))

    async def _post(self, ctx: Context, message: Message) -> None:
        channel = ctx.settings.announcements_channel or ctx.channel_id
        await self.delivery.post(ctx.community_id, channel, message)

    async def pause(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase not in (Phase.SUBMISSIONS, Phase.VOTING):
            raise UserError(
                f"Campaign {campaign.name!r} is {campaign.phase.value}; nothing to pause."
            )
        await self.move(ctx, name, campaign.phase, Phase.PAUSED)
        return Reply(f"Campaign {campaign.name!r} is paused.")

    async def cancel(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase in (Phase.CLOSED, Phase.CANCELLED):
            raise UserError(f"Campaign {campaign.name!r} is already {campaign.phase.value}.")
        await self.move(ctx, name, campaign.phase, Phase.CANCELLED)
        return Reply(f"Campaign {campaign.name!r} is cancelled.")
