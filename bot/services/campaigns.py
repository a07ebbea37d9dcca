"""Campaigns: what moderators and members do with them (create, edit, show, list, open voting,
close, pause, resume, cancel).

A campaign is a brief with a mode, run in rounds:

- contest: submissions, then voting, then results with N winners paid in points;
- pick: moderators post the candidates, members only vote; every voter of the winner is paid;
- board and milestone: always open for ideas and votes, no winners (milestones move ideas to
  review); they end only if given an end or closed by a moderator.

Phase changes are the round steps in bot/services/round_steps.py, shared with the scheduler;
due times and their display are in bot/services/round_times.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.context import Context, audit
from bot.errors import NotFound, UserError
from bot.models import Campaign, CampaignMode, Phase, Round
from bot.ports import Storage
from bot.recurrence import parse_recurrence
from bot.replies import Reply, Table
from bot.services.round_steps import RoundSteps, rank
from bot.services.round_times import (
    Window,
    check_order,
    check_windows,
    next_step_text,
    plan_round,
    read_window,
    reminder_time,
    retime,
    timeline,
)
from bot.timeparse import describe, parse_when
from bot.wording import a_an, member_names, ordinal, plural, quoted

NAME_MAX = 60
BRIEF_MAX = 1000
ACTIVE = (Phase.SCHEDULED, Phase.SUBMISSIONS, Phase.VOTING)


class CampaignService:
    def __init__(self, storage: Storage, steps: RoundSteps) -> None:
        self.storage = storage
        self.steps = steps

    async def get(self, ctx: Context, name: str) -> Campaign:
        campaign = await self.storage.campaigns.by_name(ctx.community_id, name)
        if campaign is None:
            raise NotFound(f"There is no campaign called {quoted(name)}. See `/campaign list`.")
        return campaign

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
        check_windows(kind, submit, vote, recurrence)
        if starts:
            start = parse_when(starts, now, tz, future=False)
            if start < now - timedelta(minutes=1):
                raise UserError(
                    f"{quoted(starts)} has already passed; leave `starts` out to open now."
                )
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
        round_ = plan_round(campaign, 1, start, ctx.settings, ctx.now, submit, vote)
        check_order(round_, now)
        await self.storage.campaigns.add_round(round_)
        campaign.current_round = round_.id
        await audit(
            self.storage.audit,
            ctx,
            "campaign.create",
            f"campaign:{campaign.id}",
            f"{kind.value} {name}",
        )
        if start <= now:
            await self.steps.open(ctx, campaign, round_)
        else:
            await self.steps.announce(
                ctx,
                campaign,
                f"round:{round_.id}:scheduled",
                f"📅 New {kind.value} campaign: **{name}**, opening "
                f"{describe(start, tz)}. {brief}".strip(),
            )
        self.steps.changed(ctx)
        when = timeline(campaign, round_, ctx.settings.timezone, ctx.now)
        return Reply(
            f"Campaign {quoted(name)} ({kind.value}) is {campaign.phase.label}.\n{when}".strip(),
            ephemeral=False,
        )

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
                f"Campaign {quoted(campaign.name)} is {campaign.phase.value}; it can't change."
            )
        tz = ctx.settings.timezone
        round_ = await self.steps.current(campaign)
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
                f"Campaign {quoted(campaign.name)} is paused; "
                "resume it first, then change its times."
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
        check_windows(
            campaign.mode,
            submit
            or (Window("", campaign.submit_seconds, None) if campaign.submit_seconds else None),
            vote or (Window("", campaign.vote_seconds, None) if campaign.vote_seconds else None),
            recurrence,
        )
        if submit is not None or vote is not None:
            voting_at, closes_at, moved = retime(campaign, round_, submit, vote, tz, ctx.now)
            changes.extend(moved)
            if voting_at != round_.voting_at or closes_at != round_.closes_at:
                remind_at = reminder_time(
                    voting_at or round_.opens_at, closes_at, ctx.settings.reminder_hours
                )
                await self.storage.campaigns.set_round_times(
                    round_.id, voting_at, closes_at, remind_at
                )
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
        await audit(
            self.storage.audit, ctx, "campaign.edit", f"campaign:{campaign.id}", "; ".join(changes)
        )
        self.steps.changed(ctx)
        return Reply(f"Campaign {quoted(new_name)} updated: {'; '.join(changes)}.")

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
        return Reply(plural(len(campaigns), "campaign"), table=table)

    async def show(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.steps.current(campaign)
        header = f"{campaign.name} — {campaign.mode.value}"
        if campaign.schedule or round_.number > 1:
            header += f", round {round_.number}"
        lines = [f"{header}, phase {campaign.phase.value}"]
        if campaign.brief:
            lines.append(campaign.brief)
        when = timeline(campaign, round_, ctx.settings.timezone, ctx.now)
        if when:
            lines.append(when)
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
                tuple((ordinal(int(row[0])), *(str(v) for v in row[1:])) for row in results[:10]),
            )
        if campaign.phase not in (Phase.CLOSED, Phase.CANCELLED):
            ranked = rank(await self.steps.entries(campaign, round_))
            lines.append(f"{plural(len(ranked), 'idea')} this round")
            if ranked:
                table = Table(
                    "Leading ideas",
                    ("#", "title", "votes"),
                    tuple((str(i.id), i.title, t.describe(i.scheme.mode)) for i, t in ranked[:10]),
                )
        season = await self.storage.ledger.season_top(ctx.community_id, campaign.id, 3)
        if season:
            names = await member_names(
                self.storage.members, ctx.community_id, (m for m, _ in season)
            )
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

    # -- moderator commands -----------------------------------------------------------------
    async def open_voting(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.steps.current(campaign)
        if campaign.always_open or campaign.mode == CampaignMode.PICK:
            raise UserError(
                f"Campaign {quoted(campaign.name)} is {a_an(campaign.mode.value)} campaign: it "
                "takes votes whenever it is open, so there is no voting phase to open."
            )
        if not await self.steps.open_voting(ctx, campaign, round_):
            raise UserError(
                f"Campaign {quoted(campaign.name)} is {campaign.phase.label}, "
                "so voting cannot open now."
            )
        self.steps.changed(ctx)
        return Reply(f"Voting is open for {quoted(campaign.name)}.", ephemeral=False)

    async def recount(self, community_id: str, name: str) -> None:
        """Before a close: count reactions made while the bot was offline (or missed)."""
        async with self.storage.transaction():
            campaign = await self.storage.campaigns.by_name(community_id, name)
        if campaign is not None:
            await self.steps.recount_campaign(campaign)

    async def close(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        round_ = await self.steps.current(campaign)
        if campaign.phase == Phase.SUBMISSIONS and not campaign.always_open:
            raise UserError(
                f"Campaign {quoted(campaign.name)} is still taking ideas; open "
                f"voting first (`/campaign vote {campaign.name}`)."
            )
        reply = await self.steps.close(ctx, campaign, round_)
        if reply is None:
            raise UserError(
                f"Campaign {quoted(campaign.name)} is {campaign.phase.label}, "
                "so it cannot close now."
            )
        return reply

    async def pause(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase not in ACTIVE:
            raise UserError(
                f"Campaign {quoted(campaign.name)} is {campaign.phase.value}; nothing to pause."
            )
        if not await self.storage.campaigns.pause(campaign.id, campaign.phase, ctx.now):
            raise UserError(
                f"Campaign {quoted(campaign.name)} changed meanwhile; please try again."
            )
        round_ = await self.steps.current(campaign)
        await audit(
            self.storage.audit,
            ctx,
            "campaign.paused",
            f"campaign:{campaign.id}",
            campaign.phase.value,
        )
        await self.steps.announce(
            ctx,
            campaign,
            f"round:{round_.id}:pause:{ctx.event_id}",
            f"⏸️ **{campaign.name}** is paused by the moderators. Its clock is stopped.",
        )
        self.steps.changed(ctx)
        return Reply(
            f"Campaign {quoted(campaign.name)} is paused; its due times wait until you resume it."
        )

    async def resume(self, ctx: Context, name: str, into: str | None = None) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase != Phase.PAUSED or campaign.paused_phase is None:
            raise UserError(
                f"Campaign {quoted(campaign.name)} is not paused (it is {campaign.phase.label})."
            )
        phase = Phase(into) if into else campaign.paused_phase
        if campaign.mode == CampaignMode.PICK and phase == Phase.SUBMISSIONS:
            phase = Phase.VOTING
        if not await self.storage.campaigns.resume(campaign.id, phase):
            raise UserError(
                f"Campaign {quoted(campaign.name)} changed meanwhile; please try again."
            )
        round_ = await self.steps.current(campaign)
        paused_at = campaign.paused_at or ctx.now
        stopped = ctx.now - paused_at
        if stopped > timedelta(0):
            await self.storage.campaigns.shift_round(round_.id, paused_at, stopped)
        if phase != campaign.paused_phase:
            await self.storage.campaigns.set_round_phase(round_.id, phase, ctx.now)
        campaign.phase = phase
        round_ = await self.steps.current(campaign)
        await audit(
            self.storage.audit, ctx, f"campaign.{phase.value}", f"campaign:{campaign.id}", "resumed"
        )
        text = f"▶️ **{campaign.name}** is running again ({phase.value})."
        when = timeline(campaign, round_, ctx.settings.timezone, ctx.now)
        await self.steps.announce(
            ctx, campaign, f"round:{round_.id}:resume:{ctx.event_id}", f"{text}\n{when}".strip()
        )
        self.steps.changed(ctx)
        return Reply(f"Campaign {quoted(campaign.name)} resumed ({phase.value}).\n{when}".strip())

    async def cancel(self, ctx: Context, name: str) -> Reply:
        campaign = await self.get(ctx, name)
        if campaign.phase in (Phase.CLOSED, Phase.CANCELLED):
            raise UserError(f"Campaign {quoted(campaign.name)} is already {campaign.phase.value}.")
        round_ = await self.steps.current(campaign)
        if not await self.steps.move(ctx, campaign, round_, campaign.phase, Phase.CANCELLED):
            raise UserError(
                f"Campaign {quoted(campaign.name)} changed meanwhile; please try again."
            )
        await self.steps.announce(
            ctx,
            campaign,
            f"round:{round_.id}:cancelled",
            f"✖️ **{campaign.name}** was cancelled by the moderators. No winners this time.",
        )
        self.steps.changed(ctx)
        return Reply(f"Campaign {quoted(campaign.name)} is cancelled.")
