"""Round windows in real time: for any zone and any start, including the nights the clocks
change, a round's due times are strictly increasing and a window given in hours or minutes lasts
exactly that long; whole days are calendar days on the community's wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Campaign, CampaignMode, Phase
from bot.services.round_times import Window, check_order, plan_round
from bot.timeparse import describe, parse_when
from config.community import CommunitySettings

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour change
    "America/Santiago",
    "Asia/Kolkata",
    "UTC",
]
#: the autumn and spring changes of 2027 in several zones, and ordinary days
TRANSITIONS = [
    datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
    datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
    datetime(2027, 11, 7, 6, 0, tzinfo=UTC),
    datetime(2027, 3, 14, 7, 0, tzinfo=UTC),
    datetime(2027, 4, 3, 16, 0, tzinfo=UTC),
    datetime(2027, 10, 2, 16, 0, tzinfo=UTC),
    datetime(2027, 6, 1, 12, 0, tzinfo=UTC),
]
NOW = datetime(2027, 1, 1, tzinfo=UTC)
short = st.integers(min_value=1, max_value=24 * 60 - 1).map(lambda m: m * 60)  # 1m .. 23h59m


def contest(submit: int, vote: int) -> Campaign:
    return Campaign(
        1,
        "c",
        "Cup",
        "",
        CampaignMode.CONTEST,
        Phase.SCHEDULED,
        3,
        "mod",
        NOW,
        submit_seconds=submit,
        vote_seconds=vote,
    )


@given(
    zone=st.sampled_from(ZONES),
    near=st.sampled_from(TRANSITIONS),
    shift=st.integers(min_value=-6 * 60, max_value=6 * 60),
    submit=short,
    vote=short,
    days=st.integers(min_value=0, max_value=3),
)
def test_due_times_increase_and_hours_are_elapsed_time(
    zone: str, near: datetime, shift: int, submit: int, vote: int, days: int
) -> None:
    start = near + timedelta(minutes=shift)
    settings = CommunitySettings(timezone=zone, reminder_hours=0)
    submit_total = days * 86400 + submit
    round_ = plan_round(contest(submit_total, vote), 1, start, settings, NOW)
    assert round_.voting_at is not None and round_.closes_at is not None
    assert start < round_.voting_at < round_.closes_at
    check_order(round_, NOW)  # never "voting must close after it opens"
    # the part in hours and minutes is elapsed time
    assert round_.closes_at - round_.voting_at == timedelta(seconds=vote)
    if days == 0:
        assert round_.voting_at - start == timedelta(seconds=submit)
    else:  # whole days move the wall clock by whole days (a gap moves it forward)
        tz = ZoneInfo(zone)
        day_end = round_.voting_at - timedelta(seconds=submit)
        assert day_end.astimezone(tz).date() == (start.astimezone(tz).date() + timedelta(days))


def test_the_autumn_change_in_berlin() -> None:
    """`starts:"2027-10-31 02:30" submissions:30m voting:1h`: 02:30 is read as the first of the
    two (summer time); each window lasts what it says, and the times say which 02:xx is meant."""
    tz = "Europe/Berlin"
    start = parse_when("2027-10-31 02:30", NOW, tz, limit=None)
    settings = CommunitySettings(timezone=tz, reminder_hours=0)
    round_ = plan_round(
        contest(0, 0),
        1,
        start,
        settings,
        NOW,
        Window("30m", 1800, None),
        Window("1h", 3600, None),
    )
    assert round_.voting_at is not None and round_.closes_at is not None
    assert round_.voting_at - start == timedelta(minutes=30)
    assert round_.closes_at - round_.voting_at == timedelta(hours=1)
    assert describe(start, tz) == "2027-10-31 02:30 Europe/Berlin (CEST, UTC+02:00)"
    assert describe(round_.voting_at, tz) == "2027-10-31 02:00 Europe/Berlin (CET, UTC+01:00)"
    assert describe(round_.closes_at, tz) == "2027-10-31 03:00 Europe/Berlin"
