"""When a round's steps fall due: windows, plans, reminders and how time left is shown.

Pure functions over campaigns and rounds (no storage, no platform), shared by the moderator
commands (bot/services/campaigns.py), the transitions (bot/services/round_steps.py), the
scheduler and the Slack App Home.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.errors import UserError
from bot.models import Campaign, CampaignMode, Phase, Round
from bot.recurrence import Recurrence, add_local, parse_recurrence
from bot.timeparse import MAX_AHEAD, describe, parse_duration, parse_when
from config.community import CommunitySettings

OPEN, VOTING, CLOSE, REMIND = "open", "voting", "close", "remind"


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


def check_windows(
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


def plan_round(
    campaign: Campaign,
    number: int,
    start: datetime,
    settings: CommunitySettings,
    now: datetime,
    submit: Window | None = None,
    vote: Window | None = None,
) -> Round:
    """A round's due times from the campaign's windows (or the given ones)."""
    tz = settings.timezone
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
    remind_at = reminder_time(voting_at or start, closes_at, settings.reminder_hours)
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
        now,
    )


def check_order(round_: Round, now: datetime) -> None:
    if round_.voting_at is not None and round_.voting_at < round_.opens_at:
        raise UserError("Voting must open after submissions open.")
    start = round_.voting_at or round_.opens_at
    if round_.closes_at is not None and round_.closes_at <= start:
        raise UserError("Voting must close after it opens.")
    if round_.closes_at is not None and round_.closes_at - now > MAX_AHEAD:
        raise UserError(f"That is too far ahead; the limit is {MAX_AHEAD.days} days.")


def timeline(campaign: Campaign, round_: Round, timezone: str, now: datetime) -> str:
    """What comes next and when, in the community's timezone, for replies and announcements."""
    tz = timezone
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


def retime(
    campaign: Campaign,
    round_: Round,
    submit: Window | None,
    vote: Window | None,
    timezone: str,
    now: datetime,
) -> tuple[datetime | None, datetime | None, list[str]]:
    """The round's (voting opens, voting closes) after a moderator changes its windows, with
    what changed in words. Windows count from the round's start (voting: from when it opens);
    a time already passed is refused with the command that does it now."""
    voting_at, closes_at = round_.voting_at, round_.closes_at
    changes: list[str] = []
    if submit is not None:
        if campaign.phase not in (Phase.SCHEDULED, Phase.SUBMISSIONS):
            raise UserError("Submissions have already closed in this round.")
        voting_at = submit.after(round_.opens_at, timezone)
        if voting_at <= now:
            raise UserError(
                "That time has already passed; use `/campaign vote` to open voting now."
            )
        changes.append(f"voting opens {describe(voting_at, timezone)}")
        if vote is None and campaign.vote_seconds is not None:
            closes_at = add_local(voting_at, timedelta(seconds=campaign.vote_seconds), timezone)
    if vote is not None:
        if campaign.mode == CampaignMode.CONTEST and voting_at is None and vote.end is None:
            closes_at = None  # set when a moderator opens voting
        else:
            closes_at = vote.after(voting_at or round_.opens_at, timezone)
            if closes_at <= now:
                raise UserError("That time has already passed; use `/campaign close` to close now.")
        if closes_at is not None:
            changes.append(f"closes {describe(closes_at, timezone)}")
    check_order(replace(round_, voting_at=voting_at, closes_at=closes_at), now)
    return voting_at, closes_at, changes
