"""A round's steps — open, open voting, remind, close — each one transaction.

Every step starts with a conditional update of the campaign's phase (``WHERE phase = expected
AND current_round = r``) inside a write transaction that re-reads the round, so whoever runs it
second (a job fired twice, a second bot process, a moderator racing the scheduler) changes
nothing. What the step must tell people is written to the outbox in that same transaction.
Moderators' commands (bot/services/campaigns.py) and the scheduler (``run_due``) share them.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from bot.clock import Clock
from bot.context import Context, audit
from bot.events import Actor
from bot.models import GONE_STATUSES, Campaign, CampaignMode, Idea, IdeaStatus, Phase, Round, Tally
from bot.ports import AfterCommit, Storage
from bot.recurrence import add_local, parse_recurrence
from bot.replies import Chart, Message, Reply, Table
from bot.services.ideas import IdeaService
from bot.services.outbox import Outbox
from bot.services.points import PointsService
from bot.services.round_times import (
    CLOSE,
    OPEN,
    REMIND,
    VOTING,
    due_step,
    left,
    plan_round,
    reminder_time,
)
from bot.services.voting import VotingService
from bot.timeparse import describe
from bot.wording import a_an, join_names, ordinal, plural, quoted

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "cocreate"


def rank(entries: list[tuple[Idea, Tally]]) -> list[tuple[Idea, Tally]]:
    """Best first: more support, then more voters, then the earlier submission."""
    return sorted(entries, key=lambda e: (-e[1].support, -e[1].voters, e[0].created_at, e[0].id))


#: ideas drawn in a round's results chart (the table lists more)
CHART_IDEAS = 10


def results_chart(title: str, ranked: list[tuple[Idea, Tally]]) -> Chart:
    """The best ideas of a closed round as bars of their support, in ranking order."""
    top = ranked[:CHART_IDEAS]
    return Chart(
        "bars",
        title,
        tuple(f"#{idea.id} {idea.title}" for idea, _ in top),
        tuple(tally.support for _, tally in top),
        "vote",
    )


class RoundSteps:
    def __init__(
        self,
        storage: Storage,
        points: PointsService,
        ideas: IdeaService,
        voting: VotingService,
        outbox: Outbox,
        clock: Clock,
        on_change: AfterCommit,
    ) -> None:
        self.storage = storage
        self.points = points
        self.ideas = ideas
        self.voting = voting
        self.outbox = outbox
        self.clock = clock
        #: called after a commit that changed due times (the scheduler re-arms its alarm)
        self.on_change = on_change

    async def current(self, campaign: Campaign) -> Round:
        round_ = (
            await self.storage.campaigns.round(campaign.current_round)
            if campaign.current_round is not None
            else None
        )
        if round_ is None:  # a campaign stored without one (only possible by hand)
            round_ = await self.storage.campaigns.add_round(
                Round(
                    0,
                    campaign.community_id,
                    campaign.id,
                    1,
                    Phase.SUBMISSIONS,
                    campaign.created_at,
                    None,
                    None,
                    None,
                    False,
                    campaign.created_at,
                )
            )
            campaign.current_round = round_.id
        return round_

    async def entries(self, campaign: Campaign, round_: Round) -> list[tuple[Idea, Tally]]:
        ideas = [
            idea
            for idea in await self.storage.ideas.in_round(campaign.community_id, round_.id)
            if idea.status not in GONE_STATUSES and idea.status != IdeaStatus.DECLINED
        ]
        tallies = await self.storage.votes.tallies([idea.id for idea in ideas])
        return [(idea, tallies[idea.id]) for idea in ideas]

    async def announce(
        self,
        ctx: Context,
        campaign: Campaign,
        key: str,
        text: str,
        table: Table | None = None,
        chart: Chart | None = None,
    ) -> None:
        channel = ctx.settings.announcements_channel or campaign.channel_id or ctx.channel_id
        message = Message(text=text, table=table, chart=chart)
        await self.outbox.channel(ctx.community_id, key, channel, message)
        self.outbox.soon(ctx, key)

    def changed(self, ctx: Context) -> None:
        ctx.later(self.on_change)

    async def move(
        self, ctx: Context, campaign: Campaign, round_: Round, expected: Phase, new: Phase
    ) -> bool:
        if not await self.storage.campaigns.set_phase(
            campaign.id, expected, new, ctx.now, round_id=round_.id
        ):
            return False
        campaign.phase = new
        if new != Phase.PAUSED:
            await self.storage.campaigns.set_round_phase(round_.id, new, ctx.now)
            round_.phase = new
        await audit(
            self.storage.audit,
            ctx,
            f"campaign.{new.value}",
            f"campaign:{campaign.id}",
            f"round {round_.number}",
        )
        return True

    async def open(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
        """scheduled → submissions (voting, in a pick campaign)."""
        pick = campaign.mode == CampaignMode.PICK
        new = Phase.VOTING if pick else Phase.SUBMISSIONS
        if not await self.move(ctx, campaign, round_, Phase.SCHEDULED, new):
            return False
        if pick:
            await self.voting_times(ctx, campaign, round_)
        tz = ctx.settings.timezone
        number = f" (round {round_.number})" if campaign.schedule else ""
        if pick:
            text = f"🗳️ **{campaign.name}**{number} is open: vote for your favourite candidate!"
        elif campaign.always_open:
            text = f"📣 **{campaign.name}** is open: share your ideas with `/idea submit`!"
        else:
            text = f"📣 **{campaign.name}**{number} is open for ideas: `/idea submit`!"
        if campaign.brief:
            text += f"\n{campaign.brief}"
        if round_.voting_at is not None and not pick:
            text += f"\nVoting opens {describe(round_.voting_at, tz)}."
        elif round_.closes_at is not None:
            text += f"\n{'Voting closes' if pick else 'Closes'} {describe(round_.closes_at, tz)}."
        await self.announce(ctx, campaign, f"round:{round_.id}:open", text)
        return True

    async def voting_times(self, ctx: Context, campaign: Campaign, round_: Round) -> None:
        """Voting opened: record when (a moderator may open it early or by hand), and a
        window given as a duration runs from now if no close was set."""
        changed = False
        if campaign.mode == CampaignMode.CONTEST and (
            round_.voting_at is None or round_.voting_at > ctx.now
        ):
            round_.voting_at = ctx.now
            changed = True
        if round_.closes_at is None and campaign.vote_seconds is not None:
            tz = ctx.settings.timezone
            round_.closes_at = add_local(ctx.now, timedelta(seconds=campaign.vote_seconds), tz)
            round_.remind_at = reminder_time(ctx.now, round_.closes_at, ctx.settings.reminder_hours)
            changed = True
        if changed:
            await self.storage.campaigns.set_round_times(
                round_.id, round_.voting_at, round_.closes_at, round_.remind_at
            )
            self.changed(ctx)

    async def open_voting(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
        if not await self.move(ctx, campaign, round_, Phase.SUBMISSIONS, Phase.VOTING):
            return False
        await self.voting_times(ctx, campaign, round_)
        count = len(await self.entries(campaign, round_))
        text = (
            f"🗳️ Voting is open for **{campaign.name}**: {plural(count, 'idea')}. "
            "React on the idea cards!"
        )
        if round_.closes_at is not None:
            text += f"\nVoting closes {describe(round_.closes_at, ctx.settings.timezone)}."
        await self.announce(ctx, campaign, f"round:{round_.id}:voting", text)
        return True

    async def remind(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
        if round_.closes_at is None or not await self.storage.campaigns.mark_reminded(round_.id):
            return False
        round_.reminded = True
        tz = ctx.settings.timezone
        what = "closes" if campaign.always_open else "voting closes"
        text = (
            f"⏰ **{campaign.name}** {what} in "
            f"{left(round_.closes_at - ctx.now)} ({describe(round_.closes_at, tz)}). "
            "Last chance to vote on the idea cards!"
        )
        await self.announce(ctx, campaign, f"round:{round_.id}:remind", text)
        return True

    async def close(self, ctx: Context, campaign: Campaign, round_: Round) -> Reply | None:
        expected = campaign.phase
        if expected not in (Phase.SUBMISSIONS, Phase.VOTING) or (
            expected == Phase.SUBMISSIONS and not campaign.always_open
        ):
            return None
        entries = await self.entries(campaign, round_)
        if not await self.move(ctx, campaign, round_, expected, Phase.CLOSED):
            return None
        ranked = rank(entries)
        winners = [] if campaign.always_open else [e for e in ranked if e[1].support > 0]
        winners = winners[: 1 if campaign.mode == CampaignMode.PICK else campaign.winners]
        paid = 0
        for place, (idea, _) in enumerate(winners, start=1):
            paid += await self.reward_winner(ctx, campaign, round_, idea, place)
        await self.final_cards(ctx, round_, entries)
        results = [
            [str(n), str(i.id), i.title, i.author_name, t.describe(i.scheme.mode)]
            for n, (i, t) in enumerate(ranked, start=1)
        ]
        await self.storage.campaigns.set_round_phase(
            round_.id, Phase.CLOSED, ctx.now, json.dumps(results[:100], ensure_ascii=False)
        )
        table = Table(
            f"Results: {campaign.name}" + (f", round {round_.number}" if campaign.schedule else ""),
            ("place", "#", "title", "author", "votes"),
            tuple((ordinal(int(r[0])), *r[1:]) for r in results[:25]),
        )
        names = join_names(f"#{i.id} {quoted(i.title)}" for i, _ in winners)
        names = f"Winner{'s' * (len(winners) > 1)}: {names}" if winners else "There is no winner"
        if campaign.always_open:
            text = (
                f"🏁 **{campaign.name}** is closed ({a_an(campaign.mode.value)} has no winners). "
                "Thank you for every idea and vote!"
            )
        elif campaign.mode == CampaignMode.PICK and winners:
            text = (
                f"🏁 **{campaign.name}** is closed. {names}. "
                f"Everyone who voted for it earns points ({plural(paid, 'member')})."
            )
        else:
            text = f"🏁 **{campaign.name}** is closed. {names}."
        if not results:
            text = f"🏁 **{campaign.name}** is closed. No ideas were submitted this time."
        if campaign.schedule:
            nxt = await self.next_round(ctx, campaign, round_)
            text += f"\nThe next round opens {describe(nxt.opens_at, ctx.settings.timezone)}."
        shown = table if results else None
        chart = results_chart(table.title, ranked) if results else None
        await self.announce(ctx, campaign, f"round:{round_.id}:results", text, shown, chart)
        # the announcement carries the chart; the reply beside it would post a second copy
        return Reply(text, table=shown, ephemeral=False)

    async def next_round(self, ctx: Context, campaign: Campaign, round_: Round) -> Round:
        recurrence = parse_recurrence(campaign.schedule)
        # an occurrence at this very moment counts: windows that fill the gap between two
        # occurrences make back-to-back rounds
        start = recurrence.next_after(ctx.now - timedelta(microseconds=1), ctx.settings.timezone)
        nxt = plan_round(campaign, round_.number + 1, start, ctx.settings, ctx.now)
        await self.storage.campaigns.add_round(nxt)
        await self.storage.campaigns.set_phase(campaign.id, Phase.CLOSED, Phase.SCHEDULED, ctx.now)
        campaign.current_round = nxt.id
        campaign.phase = Phase.SCHEDULED
        self.changed(ctx)
        return nxt

    async def reward_winner(
        self, ctx: Context, campaign: Campaign, round_: Round, idea: Idea, place: int
    ) -> int:
        key = f"winner:{campaign.id}:{idea.id}"
        paid = 0
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
                    reason=f"voted for the pick in {campaign.name}",
                )
                paid += 1
        else:
            await self.points.award(
                ctx.community_id,
                idea.author_id,
                "round_winner",
                key,
                ctx.now,
                ctx.settings,
                ref=f"campaign:{campaign.id}",
                reason=f"{ordinal(place)} place in {campaign.name}",
            )
            paid = 1
            notice = f"round:{round_.id}:winner:{idea.id}"
            await self.outbox.member(
                ctx.community_id,
                notice,
                idea.author_id,
                Message(
                    text=f"🏆 Your idea #{idea.id} {quoted(idea.title)} placed {ordinal(place)} in "
                    f"{campaign.name}!"
                ),
            )
            self.outbox.soon(ctx, notice)
        if idea.status in (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW):
            await self.storage.ideas.set_status(
                ctx.community_id, idea.id, idea.status, IdeaStatus.PLANNED, ctx.now
            )
            # the card edit is stored with the final tallies (final_cards)
        return paid

    async def final_cards(
        self, ctx: Context, round_: Round, entries: list[tuple[Idea, Tally]]
    ) -> None:
        """Every card of the round shows its final tally and status: one stored edit per card,
        so a live edit lost in a crash is made good. They go out with the sweep that follows
        (not before the close's reply: a round can have thousands of cards)."""
        for idea, _ in entries:
            if idea.message_id is not None:
                key = f"round:{round_.id}:closed:card:{idea.id}"
                await self.outbox.card_edit(ctx.community_id, key, idea.id)

    async def recount_campaign(self, campaign: Campaign) -> None:
        async with self.storage.transaction():
            fresh = await self.storage.campaigns.get(campaign.community_id, campaign.id)
            if fresh is None or fresh.phase not in (Phase.SUBMISSIONS, Phase.VOTING):
                return
            if fresh.current_round is None:
                return
            ideas = await self.storage.ideas.in_round(fresh.community_id, fresh.current_round)
        for idea in ideas:
            # an idea without a card has no reactions to read back: skip it without a
            # transaction of its own (a round of thousands of ideas closes in one go)
            if idea.status in GONE_STATUSES or idea.channel_id is None or idea.message_id is None:
                continue
            await self.voting.recount(campaign.community_id, idea.id)

    async def run_due(self, campaign: Campaign, round_: Round) -> str | None:
        """Run the step of this round that is due now, if it still is. Returns the step run.

        Each step is its own transaction that re-reads the campaign and starts with the
        conditional phase update, so a second caller (a double fire, another process) finds
        the step no longer due and does nothing.
        """
        step = due_step(campaign, round_, self.clock.now())
        if step is None:
            return None
        if step == CLOSE:
            try:
                await self.recount_campaign(campaign)  # platform I/O, outside
            except Exception:
                # a platform outage must not hold a round open: close on the stored votes
                log.exception(
                    "recount before a scheduled close failed", extra={"campaign": campaign.id}
                )
        storage = self.storage
        async with storage.transaction() as work:
            now = self.clock.now()
            fresh = await storage.campaigns.get(campaign.community_id, campaign.id)
            current = await storage.campaigns.round(round_.id)
            if fresh is None or current is None or due_step(fresh, current, now) != step:
                return None
            settings = await storage.communities.settings(fresh.community_id)
            actor = Actor(fresh.community_id, SYSTEM_ACTOR, "Cocreate", is_admin=True)
            event = f"schedule:{current.id}:{step}"
            ctx = Context(actor, fresh.channel_id, now, settings, event, work)
            done: object
            if step == OPEN:
                done = await self.open(ctx, fresh, current)
            elif step == VOTING:
                done = await self.open_voting(ctx, fresh, current)
            elif step == REMIND:
                done = await self.remind(ctx, fresh, current)
            else:
                done = await self.close(ctx, fresh, current)
            if not done:
                return None
        return step
