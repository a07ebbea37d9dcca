"""Campaigns and their rounds: briefs with a mode, phases that move on time, and the close that
ranks the round and pays its winners.

Every phase change is one transaction that starts with a conditional update of the campaign's
phase (``WHERE phase = expected AND current_round = r``): whoever runs it second (a job fired
twice, a second bot process, a moderator racing the scheduler) changes nothing. What the change
must tell people is written to the outbox in that same transaction.

Modes:

- contest: submissions, then voting, then results with N winners paid in points;
- pick: moderators post the candidates, members only vote; every voter of the winner is paid;
- board and milestone: always open for ideas and votes, no winners (milestones move ideas to
  review); they end only if given an end or closed by a moderator.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.context import AfterCommit, Context
from bot.errors import NotFound, UserError
from bot.events import Actor
from bot.models import (
    GONE_STATUSES,
    Campaign,
    CampaignMode,
    Idea,
    IdeaStatus,
    Phase,
    Round,
    Tally,
)
from bot.ports import Storage
from bot.recurrence import Recurrence, add_local, parse_recurrence
from bot.replies import Message, Reply, Table
from bot.services.delivery import Delivery
from bot.services.ideas import IdeaService
from bot.services.outbox import Outbox
from bot.services.points import PointsService
from bot.timeparse import MAX_AHEAD, describe, parse_duration, parse_when

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

NAME_MAX = 60
BRIEF_MAX = 1000
SYSTEM_ACTOR = "cocreate"

OPEN, VOTING, CLOSE, REMIND = "open", "voting", "close", "remind"
ACTIVE = (Phase.SCHEDULED, Phase.SUBMISSIONS, Phase.VOTING)


def rank(entries: list[tuple[Idea, Tally]]) -> list[tuple[Idea, Tally]]:
    """Best first: more support, then more voters, then the earlier submission."""
    return sorted(entries, key=lambda e: (-e[1].support, -e[1].voters, e[0].created_at, e[0].id))


def due_step(campaign: Campaign, round_: Round, now: datetime) -> str | None:
    """The step of this round that is due at ``now``, in the order steps must run."""
    phase = campaign.phase
    if campaign.current_round != round_.id:
        return None
    if phase == Phase.SCHEDULED:
        return OPEN if round_.opens_at <= now else None
    if phase == Phase.SUBMISSIONS and not campaign.always_open and campaign.mode != "pick":
        return VOTING if round_.voting_at is not None and round_.voting_at <= now else None
    if phase not in (Phase.SUBMISSIONS, Phase.VOTING):
        return None
    if round_.closes_at is not None and round_.closes_at <= now:
        return CLOSE
    if round_.remind_at is not None and not round_.reminded and round_.remind_at <= now:
        return REMIND
    return None


def next_due(campaign: Campaign, round_: Round) -> datetime | None:
    """When this campaign's next step falls due (None: only a moderator moves it)."""
    phase = campaign.phase
    if phase == Phase.SCHEDULED:
        return round_.opens_at
    if phase == Phase.SUBMISSIONS and not campaign.always_open and campaign.mode != "pick":
        return round_.voting_at
    if phase not in (Phase.SUBMISSIONS, Phase.VOTING):
        return None
    times = [round_.closes_at]
    if not round_.reminded:
        times.append(round_.remind_at)
    found = [t for t in times if t is not None]
    return min(found) if found else None


def next_step_text(campaign: Campaign, round_: Round | None, now: datetime) -> str:
    """The next step and the time left to it, for `/campaign list`."""
    phase = campaign.phase
    if round_ is None or phase in (Phase.CLOSED, Phase.CANCELLED):
        return ""
    if phase == Phase.PAUSED:
        return "paused"
    contest = campaign.mode == CampaignMode.CONTEST
    when: datetime | None
    if phase == Phase.SCHEDULED:
        what, when = "opens", round_.opens_at
    elif phase == Phase.SUBMISSIONS and contest:
        what, when = "voting opens", round_.voting_at
    else:
        what = "closes" if campaign.always_open else "voting closes"
        when = round_.closes_at
    if when is None:
        return "always open" if campaign.always_open else f"{what} when a moderator decides"
    return f"{what} in {left(when - now)}" if when > now else f"{what} now"


def left(delta: timedelta) -> str:
    """A short "time left": 2d 4h, 3h 20m, 12m, under a minute."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "under a minute"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def reminder_time(start: datetime, closes_at: datetime | None, hours: int) -> datetime | None:
    """The reminder's time, or None if there is none or the window is not longer than it."""
    if closes_at is None or hours <= 0:
        return None
    before = timedelta(hours=hours)
    return closes_at - before if closes_at - start > before else None


@dataclass(frozen=True, slots=True)
class Window:
    """A window given as a duration (``seconds``) or as the date-time it ends (``end``)."""

    text: str
    seconds: int | None
    end: datetime | None

    def after(self, start: datetime, timezone: str) -> datetime:
        if self.end is not None:
            return self.end
        assert self.seconds is not None
        return add_local(start, timedelta(seconds=self.seconds), timezone)


def read_window(text: str, now: datetime, timezone: str, what: str) -> Window:
    cleaned = text.strip()
    if cleaned[:1].isdigit() and ("-" in cleaned[:5] or ":" in cleaned):
        return Window(cleaned, None, parse_when(cleaned, now, timezone))
    try:
        duration = parse_duration(cleaned)
    except UserError as exc:
        raise UserError(f"{what}: {exc.message}") from None
    return Window(cleaned, int(duration.total_seconds()), None)


class CampaignService:
    def __init__(
        self,
        storage: Storage,
        points: PointsService,
        ideas: IdeaService,
        delivery: Delivery,
        outbox: Outbox,
    ) -> None:
        self.storage = storage
        self.points = points
        self.ideas = ideas
        self.delivery = delivery
        self.outbox = outbox
        #: called after a commit that changed due times (the scheduler re-arms its alarm)
        self.on_change: list[AfterCommit] = []

    async def get(self, ctx: Context, name: str) -> Campaign:
        campaign = await self.storage.campaigns.by_name(ctx.community_id, name)
        if campaign is None:
            raise NotFound(f"There is no campaign called {name!r}. See `/campaign list`.")
        return campaign

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

    # -- create and edit ------------------------------------------------------------------
    async def create(
        self,
        ctx: Context,
        name: str,
        mode: str = "contest",
        brief: str = "",
        winners: int = 3,
        starts: str | None = None,
        submissions: str | None = None,
        voting: str | None = None,
        every: str | None = None,
    ) -> Reply:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX:
            raise UserError(f"A campaign name needs 1 to {NAME_MAX} characters.")
        if len(brief) > BRIEF_MAX:
            raise UserError(f"The brief is too long; the limit is {BRIEF_MAX} characters.")
        kind = CampaignMode(mode)
        tz = ctx.settings.timezone
        now = ctx.now
        recurrence = parse_recurrence(every) if every else None
        submit = read_window(submissions, now, tz, "submissions") if submissions else None
        vote = read_window(voting, now, tz, "voting") if voting else None
        self._check_windows(kind, submit, vote, recurrence)
        if starts:
            start = parse_when(starts, now, tz, future=False)
            if start < now - timedelta(minutes=1):
                raise UserError(f"{starts!r} has already passed; leave `starts` out to open now.")
        elif recurrence is not None:
            start = recurrence.next_after(now, tz)
        else:
            start = now
        start = max(start, now)
        campaign = await self.storage.campaigns.add(
            ctx.community_id,
            name,
            brief.strip(),
            kind,
            Phase.SCHEDULED,
            winners,
            ctx.actor.member_id,
            now,
            channel_id=ctx.channel_id,
            schedule=recurrence.text if recurrence else "",
            submit_seconds=submit.seconds if submit else None,
            vote_seconds=vote.seconds if vote else None,
        )
        round_ = self._plan(campaign, 1, start, ctx, submit, vote)
        self._check_order(round_, now)
        await self.storage.campaigns.add_round(round_)
        campaign.current_round = round_.id
        await ctx.audit("campaign.create", f"campaign:{campaign.id}", f"{kind.value} {name}")
        if start <= now:
            await self._open(ctx, campaign, round_)
        else:
            await self._announce(
                ctx,
                campaign,
                f"round:{round_.id}:scheduled",
                f"📅 New {kind.value} campaign: **{name}**, opening "
                f"{describe(start, tz)}. {brief}".strip(),
            )
        self._changed(ctx)
        timeline = self._timeline(ctx, campaign, round_)
        state = {
            Phase.SCHEDULED: "scheduled",
            Phase.SUBMISSIONS: "open for ideas",
            Phase.VOTING: "open for voting",
        }.get(campaign.phase, campaign.phase.value)
        return Reply(
            f"Campaign {name!r} ({kind.value}) is {state}.\n{timeline}".strip(), ephemeral=False
        )

    def _check_windows(
        self,
        kind: CampaignMode,
        submit: Window | None,
        vote: Window | None,
        recurrence: Recurrence | None,
    ) -> None:
        if submit is not None and kind != CampaignMode.CONTEST:
            raise UserError(
                f"A {kind.value} campaign has no submission window; `submissions` is for contests."
            )
        if recurrence is None:
            return
        if kind not in (CampaignMode.CONTEST, CampaignMode.PICK):
            raise UserError(f"A {kind.value} campaign is always open, so it does not repeat.")
        if kind == CampaignMode.CONTEST and (submit is None or submit.seconds is None):
            raise UserError("A repeating contest needs `submissions` as a duration, like 4d.")
        if vote is None or vote.seconds is None:
            raise UserError("A repeating campaign needs `voting` as a duration, like 2d.")
        length = timedelta(seconds=(submit.seconds or 0) if submit else 0) + timedelta(
            seconds=vote.seconds
        )
        if length > recurrence.shortest_gap():
            raise UserError(
                f"Each round must end before the next begins: {left(length)} of windows is "
                f"longer than the {left(recurrence.shortest_gap())} between "
                f"{recurrence.describe()}."
            )

    def _plan(
        self,
        campaign: Campaign,
        number: int,
        start: datetime,
        ctx: Context,
        submit: Window | None = None,
        vote: Window | None = None,
    ) -> Round:
        """A round's due times from the campaign's windows (or the given ones)."""
        tz = ctx.settings.timezone
        if submit is None and campaign.submit_seconds is not None:
            submit = Window("", campaign.submit_seconds, None)
        if vote is None and campaign.vote_seconds is not None:
            vote = Window("", campaign.vote_seconds, None)
        voting_at: datetime | None = None
        closes_at: datetime | None = None
        if campaign.mode == CampaignMode.CONTEST:
            voting_at = submit.after(start, tz) if submit else None
            if vote is not None and (voting_at is not None or vote.end is not None):
                closes_at = vote.after(voting_at or start, tz)
        elif vote is not None:
            closes_at = vote.after(start, tz)
        remind_at = reminder_time(voting_at or start, closes_at, ctx.settings.reminder_hours)
        return Round(
            0,
            campaign.community_id,
            campaign.id,
            number,
            Phase.SCHEDULED,
            start,
            voting_at,
            closes_at,
            remind_at,
            False,
            ctx.now,
        )

    @staticmethod
    def _check_order(round_: Round, now: datetime) -> None:
        if round_.voting_at is not None and round_.voting_at < round_.opens_at:
            raise UserError("Voting must open after submissions open.")
        start = round_.voting_at or round_.opens_at
        if round_.closes_at is not None and round_.closes_at <= start:
            raise UserError("Voting must close after it opens.")
        if round_.closes_at is not None and round_.closes_at - now > MAX_AHEAD:
            raise UserError(f"That is too far ahead; the limit is {MAX_AHEAD.days} days.")

    async def edit(
        self,
        ctx: Context,
        name: str,
        brief: str | None = None,
        winners: int | None = None,
        submissions: str | None = None,
        voting: str | None = None,
        every: str | None = None,
        rename: str | None = None,
    ) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase in (Phase.CLOSED, Phase.CANCELLED):
            raise UserError(
                f"Campaign {campaign.name!r} is {campaign.phase.value}; it can't change."
            )
        tz = ctx.settings.timezone
        round_ = await self.current(campaign)
        changes: list[str] = []
        new_name = campaign.name
        if rename is not None:
            new_name = " ".join(rename.split())
            if not new_name or len(new_name) > NAME_MAX:
                raise UserError(f"A campaign name needs 1 to {NAME_MAX} characters.")
            changes.append(f"name → {new_name}")
        if brief is not None:
            if len(brief) > BRIEF_MAX:
                raise UserError(f"The brief is too long; the limit is {BRIEF_MAX} characters.")
            campaign.brief = brief.strip()
            changes.append("brief")
        if winners is not None:
            campaign.winners = winners
            changes.append(f"winners → {winners}")
        if campaign.phase == Phase.PAUSED and (submissions or voting):
            raise UserError(
                f"Campaign {campaign.name!r} is paused; resume it first, then change its times."
            )
        submit = read_window(submissions, ctx.now, tz, "submissions") if submissions else None
        vote = read_window(voting, ctx.now, tz, "voting") if voting else None
        recurrence = parse_recurrence(campaign.schedule) if campaign.schedule else None
        if every is not None:
            if every.strip().lower() in ("off", "none", "never"):
                recurrence = None
                changes.append("no longer repeats")
            else:
                recurrence = parse_recurrence(every)
                changes.append(f"repeats {recurrence.describe()}")
        if submit is not None:
            campaign.submit_seconds = submit.seconds
        if vote is not None:
            campaign.vote_seconds = vote.seconds
        self._check_windows(
            campaign.mode,
            submit
            or (Window("", campaign.submit_seconds, None) if campaign.submit_seconds else None),
            vote or (Window("", campaign.vote_seconds, None) if campaign.vote_seconds else None),
            recurrence,
        )
        voting_at, closes_at = round_.voting_at, round_.closes_at
        phase = campaign.paused_phase if campaign.phase == Phase.PAUSED else campaign.phase
        if submit is not None:
            if phase not in (Phase.SCHEDULED, Phase.SUBMISSIONS):
                raise UserError("Submissions have already closed in this round.")
            voting_at = submit.after(round_.opens_at, tz)
            if voting_at <= ctx.now:
                raise UserError(
                    "That time has already passed; use `/campaign vote` to open voting now."
                )
            changes.append(f"voting opens {describe(voting_at, tz)}")
            if vote is None and campaign.vote_seconds is not None:
                closes_at = add_local(voting_at, timedelta(seconds=campaign.vote_seconds), tz)
        if vote is not None:
            start = voting_at or round_.opens_at
            if campaign.mode == CampaignMode.CONTEST and voting_at is None and vote.end is None:
                closes_at = None  # set when a moderator opens voting
            else:
                closes_at = vote.after(start, tz)
                if closes_at <= ctx.now:
                    raise UserError(
                        "That time has already passed; use `/campaign close` to close now."
                    )
            if closes_at is not None:
                changes.append(f"closes {describe(closes_at, tz)}")
        if voting_at != round_.voting_at or closes_at != round_.closes_at:
            planned = Round(
                round_.id,
                round_.community_id,
                round_.campaign_id,
                round_.number,
                round_.phase,
                round_.opens_at,
                voting_at,
                closes_at,
                None,
                round_.reminded,
                round_.created_at,
            )
            self._check_order(planned, ctx.now)
            remind_at = reminder_time(
                voting_at or round_.opens_at, closes_at, ctx.settings.reminder_hours
            )
            await self.storage.campaigns.set_round_times(round_.id, voting_at, closes_at, remind_at)
        if not changes:
            raise UserError("Nothing to change: give brief, winners, submissions, voting or every.")
        await self.storage.campaigns.update(
            campaign.id,
            name=new_name,
            brief=campaign.brief,
            winners=campaign.winners,
            schedule=recurrence.text if recurrence else "",
            submit_seconds=campaign.submit_seconds,
            vote_seconds=campaign.vote_seconds,
        )
        await ctx.audit("campaign.edit", f"campaign:{campaign.id}", "; ".join(changes))
        self._changed(ctx)
        return Reply(f"Campaign {new_name!r} updated: {'; '.join(changes)}.")

    # -- reading ---------------------------------------------------------------------------
    async def list_campaigns(self, ctx: Context, include_closed: bool = False) -> Reply:
        campaigns = await self.storage.campaigns.in_community(ctx.community_id, include_closed)
        if not campaigns:
            return Reply("No campaigns yet. Moderators start one with `/campaign create`.")
        rows = []
        for c in campaigns:
            round_ = (
                await self.storage.campaigns.round(c.current_round) if c.current_round else None
            )
            rows.append((c.name, c.mode.value, c.phase.value, next_step_text(c, round_, ctx.now)))
        table = Table("Campaigns", ("name", "mode", "phase", "next"), tuple(rows))
        return Reply(f"{len(campaigns)} campaign(s)", table=table)

    def _timeline(self, ctx: Context, campaign: Campaign, round_: Round) -> str:
        tz = ctx.settings.timezone
        now = ctx.now
        lines: list[str] = []

        def at(when: datetime) -> str:
            tail = f" (in {left(when - now)})" if when > now else ""
            return f"{describe(when, tz)}{tail}"

        pick = campaign.mode == CampaignMode.PICK
        if campaign.phase == Phase.SCHEDULED:
            what = "Voting opens" if pick else "Submissions open"
            lines.append(f"{what} {at(round_.opens_at)}.")
        if campaign.mode == CampaignMode.CONTEST and campaign.phase in (
            Phase.SCHEDULED,
            Phase.SUBMISSIONS,
            Phase.PAUSED,
        ):
            if round_.voting_at is not None:
                lines.append(f"Voting opens {at(round_.voting_at)}.")
            else:
                lines.append("A moderator opens voting (`/campaign vote`).")
        if campaign.phase not in (Phase.CLOSED, Phase.CANCELLED):
            if round_.closes_at is not None:
                verb = "Closes" if campaign.always_open else "Voting closes"
                lines.append(f"{verb} {at(round_.closes_at)}.")
            elif campaign.vote_seconds is not None:
                length = left(timedelta(seconds=campaign.vote_seconds))
                lines.append(f"Voting lasts {length} once it opens.")
            elif not campaign.always_open:
                lines.append("A moderator closes voting (`/campaign close`).")
        if campaign.phase == Phase.PAUSED:
            lines.append("Paused: the clock is stopped until a moderator resumes it.")
        if campaign.schedule:
            lines.append(f"Repeats {parse_recurrence(campaign.schedule).describe()} ({tz}).")
        return "\n".join(lines)

    async def show(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.current(campaign)
        header = f"{campaign.name} — {campaign.mode.value}"
        if campaign.schedule or round_.number > 1:
            header += f", round {round_.number}"
        lines = [f"{header}, phase {campaign.phase.value}"]
        if campaign.brief:
            lines.append(campaign.brief)
        timeline = self._timeline(ctx, campaign, round_)
        if timeline:
            lines.append(timeline)
        table: Table | None = None
        last = await self._last_results(campaign, round_)
        if last is not None:
            closed_round, results = last
            when = describe(closed_round.closed_at or ctx.now, ctx.settings.timezone)
            label = f"Round {closed_round.number}" if closed_round.number > 1 else "Voting"
            lines.append(f"{label} closed {when}.")
            table = Table(
                f"Results: {campaign.name}"
                + (
                    f", round {closed_round.number}"
                    * bool(campaign.schedule or closed_round.number > 1)
                ),
                ("place", "#", "title", "author", "votes"),
                tuple(tuple(str(v) for v in row) for row in results[:10]),
            )
        if campaign.phase not in (Phase.CLOSED, Phase.CANCELLED):
            ranked = rank(await self._entries(campaign, round_))
            lines.append(f"{len(ranked)} idea(s) this round")
            if ranked:
                table = Table(
                    "Leading ideas",
                    ("#", "title", "votes"),
                    tuple(
                        (str(i.id), i.title, t.describe(ctx.settings.vote_mode))
                        for i, t in ranked[:10]
                    ),
                )
        season = await self.storage.ledger.season_top(ctx.community_id, campaign.id, 3)
        if season:
            names = await self.storage.members.names(ctx.community_id, [m for m, _ in season])
            top = ", ".join(f"{names.get(m) or m} {p:,}" for m, p in season)
            quoted = f'"{campaign.name}"' if " " in campaign.name else campaign.name
            lines.append(f"Season leaders: {top} (`/leaderboard campaign:{quoted}`)")
        return Reply("\n".join(lines), table=table)

    async def _last_results(
        self, campaign: Campaign, round_: Round
    ) -> tuple[Round, list[list[str]]] | None:
        candidates = [round_]
        if round_.phase != Phase.CLOSED and round_.number > 1:
            candidates = list(await self.storage.campaigns.rounds(campaign.id))[::-1]
        for r in candidates:
            if r.phase == Phase.CLOSED and r.results:
                return r, json.loads(r.results)
        return None

    async def _entries(self, campaign: Campaign, round_: Round) -> list[tuple[Idea, Tally]]:
        ideas = [
            idea
            for idea in await self.storage.ideas.in_round(campaign.community_id, round_.id)
            if idea.status not in GONE_STATUSES and idea.status != IdeaStatus.DECLINED
        ]
        tallies = await self.storage.votes.tallies([idea.id for idea in ideas])
        return [(idea, tallies[idea.id]) for idea in ideas]

    # -- transitions ------------------------------------------------------------------------
    async def _announce(
        self, ctx: Context, campaign: Campaign, key: str, text: str, table: Table | None = None
    ) -> None:
        channel = ctx.settings.announcements_channel or campaign.channel_id or ctx.channel_id
        await self.outbox.channel(ctx.community_id, key, channel, Message(text=text, table=table))
        ctx.later(self.outbox.flush)

    def _changed(self, ctx: Context) -> None:
        for hook in self.on_change:
            ctx.later(hook)

    async def _move(
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
        await ctx.audit(
            f"campaign.{new.value}", f"campaign:{campaign.id}", f"round {round_.number}"
        )
        return True

    async def _open(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
        """scheduled → submissions (voting, in a pick campaign)."""
        pick = campaign.mode == CampaignMode.PICK
        new = Phase.VOTING if pick else Phase.SUBMISSIONS
        if not await self._move(ctx, campaign, round_, Phase.SCHEDULED, new):
            return False
        if pick:
            await self._voting_times(ctx, campaign, round_)
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
        await self._announce(ctx, campaign, f"round:{round_.id}:open", text)
        return True

    async def _voting_times(self, ctx: Context, campaign: Campaign, round_: Round) -> None:
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
            self._changed(ctx)

    async def _open_voting(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
        if not await self._move(ctx, campaign, round_, Phase.SUBMISSIONS, Phase.VOTING):
            return False
        await self._voting_times(ctx, campaign, round_)
        count = len(await self._entries(campaign, round_))
        text = (
            f"🗳️ Voting is open for **{campaign.name}**: {count} idea(s). React on the idea cards!"
        )
        if round_.closes_at is not None:
            text += f"\nVoting closes {describe(round_.closes_at, ctx.settings.timezone)}."
        await self._announce(ctx, campaign, f"round:{round_.id}:voting", text)
        return True

    async def _remind(self, ctx: Context, campaign: Campaign, round_: Round) -> bool:
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
        await self._announce(ctx, campaign, f"round:{round_.id}:remind", text)
        return True

    async def _close(self, ctx: Context, campaign: Campaign, round_: Round) -> Reply | None:
        expected = campaign.phase
        if expected not in (Phase.SUBMISSIONS, Phase.VOTING) or (
            expected == Phase.SUBMISSIONS and not campaign.always_open
        ):
            return None
        entries = await self._entries(campaign, round_)
        if not await self._move(ctx, campaign, round_, expected, Phase.CLOSED):
            return None
        ranked = rank(entries)
        winners = [] if campaign.always_open else [e for e in ranked if e[1].support > 0]
        winners = winners[: 1 if campaign.mode == CampaignMode.PICK else campaign.winners]
        paid = 0
        for place, (idea, _) in enumerate(winners, start=1):
            paid += await self._reward_winner(ctx, campaign, round_, idea, place)
        mode = ctx.settings.vote_mode
        results = [
            [str(n), str(i.id), i.title, i.author_name, t.describe(mode)]
            for n, (i, t) in enumerate(ranked, start=1)
        ]
        await self.storage.campaigns.set_round_phase(
            round_.id, Phase.CLOSED, ctx.now, json.dumps(results[:100], ensure_ascii=False)
        )
        table = Table(
            f"Results: {campaign.name}" + (f", round {round_.number}" if campaign.schedule else ""),
            ("place", "#", "title", "author", "votes"),
            tuple(tuple(r) for r in results[:25]),
        )
        names = ", ".join(f"#{i.id} {i.title!r}" for i, _ in winners) or "no winner"
        if campaign.always_open:
            text = (
                f"🏁 **{campaign.name}** is closed (a {campaign.mode.value} has no winners). "
                "Thank you for every idea and vote!"
            )
        elif campaign.mode == CampaignMode.PICK and winners:
            text = (
                f"🏁 **{campaign.name}** is closed. Winners: {names}. "
                f"Everyone who voted for it earns points ({paid} member(s))."
            )
        else:
            text = f"🏁 **{campaign.name}** is closed. Winners: {names}."
        if not results:
            text = f"🏁 **{campaign.name}** is closed. No ideas were submitted this time."
        if campaign.schedule:
            nxt = await self._next_round(ctx, campaign, round_)
            text += f"\nThe next round opens {describe(nxt.opens_at, ctx.settings.timezone)}."
        shown = table if results else None
        await self._announce(ctx, campaign, f"round:{round_.id}:results", text, shown)
        return Reply(text, table=shown, ephemeral=False)

    async def _next_round(self, ctx: Context, campaign: Campaign, round_: Round) -> Round:
        recurrence = parse_recurrence(campaign.schedule)
        # an occurrence at this very moment counts: windows that fill the gap between two
        # occurrences make back-to-back rounds
        start = recurrence.next_after(ctx.now - timedelta(microseconds=1), ctx.settings.timezone)
        nxt = self._plan(campaign, round_.number + 1, start, ctx)
        await self.storage.campaigns.add_round(nxt)
        await self.storage.campaigns.set_phase(campaign.id, Phase.CLOSED, Phase.SCHEDULED, ctx.now)
        campaign.current_round = nxt.id
        campaign.phase = Phase.SCHEDULED
        self._changed(ctx)
        return nxt

    async def _reward_winner(
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
                reason=f"place {place} in {campaign.name}",
            )
            paid = 1
            await self.outbox.member(
                ctx.community_id,
                f"round:{round_.id}:winner:{idea.id}",
                idea.author_id,
                Message(
                    text=f"🏆 Your idea #{idea.id} {idea.title!r} placed {place} in "
                    f"{campaign.name}!"
                ),
            )
        if idea.status in (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW):
            await self.storage.ideas.set_status(
                ctx.community_id, idea.id, idea.status, IdeaStatus.PLANNED, ctx.now
            )
            self.ideas.refresh(ctx, idea.id)
        return paid

    # -- moderator commands -----------------------------------------------------------------
    async def open_voting(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.current(campaign)
        if campaign.always_open or campaign.mode == CampaignMode.PICK:
            raise UserError(
                f"Campaign {campaign.name!r} is a {campaign.mode.value} (phase "
                f"{campaign.phase.value}): it takes votes whenever it is open."
            )
        if not await self._open_voting(ctx, campaign, round_):
            raise UserError(
                f"Campaign {campaign.name!r} is in phase {campaign.phase.value}, "
                "so voting cannot open now."
            )
        self._changed(ctx)
        return Reply(f"Voting is open for {campaign.name!r}.", ephemeral=False)

    async def recount(self, services: Services, community_id: str, name: str) -> None:
        """Before a close: count reactions made while the bot was offline (or missed)."""
        async with self.storage.transaction():
            campaign = await self.storage.campaigns.by_name(community_id, name)
        if campaign is not None:
            await self.recount_campaign(services, campaign)

    async def recount_campaign(self, services: Services, campaign: Campaign) -> None:
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
            await services.voting.recount(services, campaign.community_id, idea.id)

    async def close(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.current(campaign)
        if campaign.phase == Phase.SUBMISSIONS and not campaign.always_open:
            raise UserError(
                f"Campaign {campaign.name!r} is still taking ideas (phase submissions); open "
                f"voting first (`/campaign vote {campaign.name}`)."
            )
        reply = await self._close(ctx, campaign, round_)
        if reply is None:
            raise UserError(
                f"Campaign {campaign.name!r} is in phase {campaign.phase.value}, "
                "so it cannot close now."
            )
        return reply

    async def pause(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase not in ACTIVE:
            raise UserError(
                f"Campaign {campaign.name!r} is {campaign.phase.value}; nothing to pause."
            )
        if not await self.storage.campaigns.pause(campaign.id, campaign.phase, ctx.now):
            raise UserError(f"Campaign {campaign.name!r} changed meanwhile; please try again.")
        round_ = await self.current(campaign)
        await ctx.audit("campaign.paused", f"campaign:{campaign.id}", campaign.phase.value)
        await self._announce(
            ctx,
            campaign,
            f"round:{round_.id}:pause:{ctx.event_id}",
            f"⏸️ **{campaign.name}** is paused by the moderators. Its clock is stopped.",
        )
        self._changed(ctx)
        return Reply(
            f"Campaign {campaign.name!r} is paused; its due times wait until you resume it."
        )

    async def resume(self, ctx: Context, name: str, into: str | None = None) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase != Phase.PAUSED or campaign.paused_phase is None:
            raise UserError(
                f"Campaign {campaign.name!r} is not paused (phase {campaign.phase.value})."
            )
        phase = Phase(into) if into else campaign.paused_phase
        if campaign.mode == CampaignMode.PICK and phase == Phase.SUBMISSIONS:
            phase = Phase.VOTING
        if not await self.storage.campaigns.resume(campaign.id, phase):
            raise UserError(f"Campaign {campaign.name!r} changed meanwhile; please try again.")
        round_ = await self.current(campaign)
        paused_at = campaign.paused_at or ctx.now
        stopped = ctx.now - paused_at
        if stopped > timedelta(0):
            await self.storage.campaigns.shift_round(round_.id, paused_at, stopped)
        if phase != campaign.paused_phase:
            await self.storage.campaigns.set_round_phase(round_.id, phase, ctx.now)
        campaign.phase = phase
        round_ = await self.current(campaign)
        await ctx.audit(f"campaign.{phase.value}", f"campaign:{campaign.id}", "resumed")
        text = f"▶️ **{campaign.name}** is running again ({phase.value})."
        timeline = self._timeline(ctx, campaign, round_)
        await self._announce(
            ctx, campaign, f"round:{round_.id}:resume:{ctx.event_id}", f"{text}\n{timeline}".strip()
        )
        self._changed(ctx)
        return Reply(f"Campaign {campaign.name!r} resumed ({phase.value}).\n{timeline}".strip())

    async def cancel(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase in (Phase.CLOSED, Phase.CANCELLED):
            raise UserError(f"Campaign {campaign.name!r} is already {campaign.phase.value}.")
        round_ = await self.current(campaign)
        if not await self._move(ctx, campaign, round_, campaign.phase, Phase.CANCELLED):
            raise UserError(f"Campaign {campaign.name!r} changed meanwhile; please try again.")
        await self.storage.campaigns.set_round_phase(round_.id, Phase.CANCELLED, ctx.now)
        await self._announce(
            ctx,
            campaign,
            f"round:{round_.id}:cancelled",
            f"✖️ **{campaign.name}** was cancelled by the moderators. No winners this time.",
        )
        self._changed(ctx)
        return Reply(f"Campaign {campaign.name!r} is cancelled.")

    # -- the scheduler's entry point -------------------------------------------------------
    async def run_due(self, services: Services, campaign: Campaign, round_: Round) -> str | None:
        """Run the step of this round that is due now, if it still is. Returns the step run.

        Each step is its own transaction that re-reads the campaign and starts with the
        conditional phase update, so a second caller (a double fire, another process) finds
        the step no longer due and does nothing.
        """
        step = due_step(campaign, round_, services.clock.now())
        if step is None:
            return None
        if step == CLOSE:
            try:
                await self.recount_campaign(services, campaign)  # platform I/O, outside
            except Exception:
                # a platform outage must not hold a round open: close on the stored votes
                log.exception(
                    "recount before a scheduled close failed", extra={"campaign": campaign.id}
                )
        storage = self.storage
        async with storage.transaction():
            now = services.clock.now()
            fresh = await storage.campaigns.get(campaign.community_id, campaign.id)
            current = await storage.campaigns.round(round_.id)
            if fresh is None or current is None or due_step(fresh, current, now) != step:
                return None
            settings = await storage.communities.settings(fresh.community_id)
            actor = Actor(fresh.community_id, SYSTEM_ACTOR, "Cocreate", is_admin=True)
            event = f"schedule:{current.id}:{step}"
            ctx = Context(services, actor, fresh.channel_id, now, settings, event)
            done: object
            if step == OPEN:
                done = await self._open(ctx, fresh, current)
            elif step == VOTING:
                done = await self._open_voting(ctx, fresh, current)
            elif step == REMIND:
                done = await self._remind(ctx, fresh, current)
            else:
                done = await self._close(ctx, fresh, current)
            if not done:
                return None
        for action in ctx.after_commit:
            try:
                await action()
            except Exception:
                log.exception("after-commit step failed", extra={"kind": f"schedule:{step}"})
        return step
