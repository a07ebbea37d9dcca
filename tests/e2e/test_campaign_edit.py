"""/campaign edit, /campaign create's refusals and /campaign list's "next" column, through the
real engine (harness clock: Monday 2026-01-05 09:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.models import Phase
from tests.e2e.campaign_steps import campaign, current, ok, refused
from tests.harness import Harness

PARIS = "Europe/Paris"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def snapshot(h: Harness) -> list[tuple[Any, ...]]:
    """Everything an edit could change, to check that a refused one changed nothing."""
    campaigns = await h.db.fetchall(
        "SELECT name, brief, winners, schedule, submit_seconds, vote_seconds, phase"
        " FROM campaigns ORDER BY id"
    )
    rounds = await h.db.fetchall(
        "SELECT number, phase, opens_at, voting_at, closes_at, remind_at FROM rounds ORDER BY id"
    )
    return [tuple(r) for r in campaigns] + [tuple(r) for r in rounds]


async def paris(h: Harness) -> None:
    reply = await h.text(h.moderator(), f"/cocreate config set timezone {PARIS}")
    assert reply.ok, reply.text


# -- edit: brief, winners, name ----------------------------------------------------------------
async def test_edit_changes_brief_winners_and_name(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Spring", brief="Old brief", submissions="2d", voting="2d")
    text = await ok(h, "campaign edit", name="Spring", brief="  New brief  ", winners=5)
    assert text == "Campaign “Spring” updated: brief; winners → 5."
    spring = await campaign(h, "Spring")
    assert (spring.brief, spring.winners) == ("New brief", 5)

    text = await ok(h, "campaign edit", name="spring", rename="  Summer   fruits ")
    assert "name → Summer fruits" in text
    assert await h.storage.campaigns.by_name(h.community, "Spring") is None
    renamed = await campaign(h, "Summer fruits")
    assert renamed.id == spring.id and renamed.brief == "New brief"
    shown = await h.cmd(h.member("alice"), "campaign show", name="Summer fruits")
    assert shown.text.startswith("Summer fruits — contest")
    assert "New brief" in shown.text
    actions = [e.action for e in await h.storage.audit.recent(h.community)]
    assert actions.count("campaign.edit") == 2


async def test_edit_with_nothing_to_change_is_refused(harness: Harness) -> None:
    await ok(harness, "campaign create", name="Spring")
    assert "Nothing to change" in await refused(harness, "campaign edit", name="Spring")
    assert "no campaign called “Nope”" in await refused(
        harness, "campaign edit", name="Nope", brief="x"
    )


# -- edit: windows -----------------------------------------------------------------------------
async def test_edit_windows_moves_the_round_due_times(harness: Harness) -> None:
    h = harness
    await paris(h)
    await ok(h, "campaign create", name="Spring", submissions="2d", voting="2d")
    before = await current(h, "Spring")
    assert before.opens_at == utc(2026, 1, 5, 9)
    assert before.voting_at == utc(2026, 1, 7, 9)
    assert before.closes_at == utc(2026, 1, 9, 9)
    assert before.remind_at == utc(2026, 1, 8, 9)

    text = await ok(h, "campaign edit", name="Spring", submissions="3d")
    assert "voting opens 2026-01-08 10:00 Europe/Paris" in text
    after = await current(h, "Spring")
    assert after.voting_at == utc(2026, 1, 8, 9)
    assert after.closes_at == utc(2026, 1, 10, 9)  # the 2d voting window follows
    assert after.remind_at == utc(2026, 1, 9, 9)
    assert (await campaign(h, "Spring")).submit_seconds == 3 * 86400

    text = await ok(h, "campaign edit", name="Spring", voting="1d")
    assert "closes 2026-01-09 10:00 Europe/Paris" in text
    after = await current(h, "Spring")
    assert after.voting_at == utc(2026, 1, 8, 9)
    assert after.closes_at == utc(2026, 1, 9, 9)
    assert after.remind_at is None  # a 1d window is not longer than the 24h reminder
    assert (await campaign(h, "Spring")).vote_seconds == 86400

    shown = (await h.cmd(h.member("alice"), "campaign show", name="Spring")).text
    assert "Voting opens 2026-01-08 10:00 Europe/Paris (in 3d)." in shown
    assert "Voting closes 2026-01-09 10:00 Europe/Paris (in 4d)." in shown

    # a date-time is read on the community's wall clock
    await ok(h, "campaign edit", name="Spring", voting="2026-01-12 18:00")
    assert (await current(h, "Spring")).closes_at == utc(2026, 1, 12, 17)
    shown = (await h.cmd(h.member("alice"), "campaign show", name="Spring")).text
    assert "Voting closes 2026-01-12 18:00 Europe/Paris" in shown

    # the scheduler follows the new times, not the old ones
    h.clock.set(utc(2026, 1, 7, 9, 30))
    await h.app.scheduler.sweep()
    assert (await campaign(h, "Spring")).phase == Phase.SUBMISSIONS
    h.clock.set(utc(2026, 1, 8, 9, 0))
    await h.app.scheduler.sweep()
    assert (await campaign(h, "Spring")).phase == Phase.VOTING


async def test_edit_refuses_a_time_that_has_passed_and_changes_nothing(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Spring", brief="Old", submissions="2d", voting="2d")
    h.clock.advance(timedelta(hours=2))
    before = await snapshot(h)

    text = await refused(h, "campaign edit", name="Spring", submissions="1h", brief="New")
    assert "already passed" in text and "`/campaign vote`" in text
    assert await snapshot(h) == before

    await ok(h, "campaign vote", name="Spring")
    before = await snapshot(h)
    h.clock.advance(timedelta(days=3))
    text = await refused(h, "campaign edit", name="Spring", voting="1d", winners=1)
    assert "already passed" in text and "`/campaign close`" in text
    assert await snapshot(h) == before
    text = await refused(h, "campaign edit", name="Spring", submissions="5d")
    assert "Submissions have already closed" in text
    assert await snapshot(h) == before


async def test_edit_is_for_moderators_only(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Spring", brief="Old", submissions="2d", voting="2d")
    before = await snapshot(h)
    for options in ({"brief": "Mine now"}, {"voting": "5d"}, {"rename": "Alice's"}):
        reply = await h.cmd(h.member("alice"), "campaign edit", name="Spring", **options)
        assert not reply.ok and "moderators" in reply.text
    assert await snapshot(h) == before


async def test_a_closed_or_cancelled_campaign_cannot_be_edited(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Done", mode="board")
    await ok(h, "campaign close", name="Done")
    await ok(h, "campaign create", name="Gone")
    await ok(h, "campaign cancel", name="Gone")
    before = await snapshot(h)
    assert "is closed; it can't change" in await refused(
        h, "campaign edit", name="Done", brief="again"
    )
    assert "is cancelled; it can't change" in await refused(
        h, "campaign edit", name="Gone", winners=2
    )
    assert await snapshot(h) == before


async def test_every_off_stops_the_next_round(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Weekly", mode="pick", voting="1d", every="monday 09:00")
    weekly = await campaign(h, "Weekly")
    assert weekly.schedule == "mon 09:00"
    assert "no longer repeats" in await ok(h, "campaign edit", name="Weekly", every="off")
    assert (await campaign(h, "Weekly")).schedule == ""
    shown = (await h.cmd(h.member("alice"), "campaign show", name="Weekly")).text
    assert "Repeats" not in shown

    h.clock.set(utc(2026, 1, 12, 9, 0))
    await h.app.scheduler.sweep()
    assert (await campaign(h, "Weekly")).phase == Phase.VOTING
    h.clock.set(utc(2026, 1, 13, 9, 0))
    await h.app.scheduler.sweep()
    assert (await campaign(h, "Weekly")).phase == Phase.CLOSED
    assert len(await h.storage.campaigns.rounds(weekly.id)) == 1
    closing = [s.message.text for s in h.platform.posts if "is closed" in s.message.text]
    assert len(closing) == 1 and "next round" not in closing[0]
    h.clock.set(utc(2026, 1, 20, 9, 0))
    await h.app.scheduler.sweep()
    assert len(await h.storage.campaigns.rounds(weekly.id)) == 1


async def test_edit_every_checks_the_windows_fit(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Weekly", mode="pick", voting="1d", every="monday 09:00")
    before = await snapshot(h)
    text = await refused(h, "campaign edit", name="Weekly", voting="8d")
    assert "Each round must end before the next begins" in text
    text = await refused(h, "campaign edit", name="Weekly", every="funday 09:00")
    assert "“funday”" in text
    assert await snapshot(h) == before
    assert "repeats every day at 09:00" in await ok(
        h, "campaign edit", name="Weekly", every="daily 09:00"
    )
    assert (await campaign(h, "Weekly")).schedule == "daily 09:00"


async def test_edit_voting_window_while_voting_without_a_planned_start(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Open", voting="2d")  # no submissions window
    await ok(h, "campaign vote", name="Open")
    assert (await current(h, "Open")).closes_at == utc(2026, 1, 7, 9)
    await h.cmd(h.moderator(), "campaign edit", name="Open", voting="1d", brief="Shorter")
    closes = (await current(h, "Open")).closes_at
    assert closes is not None  # the close must not vanish
    assert closes == utc(2026, 1, 6, 9)  # a day after voting opened


async def test_edit_voting_window_after_voting_opened_early(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Early", submissions="3d", voting="2d")
    h.clock.advance(timedelta(hours=1))
    await ok(h, "campaign vote", name="Early")  # voting opens 2026-01-05 10:00
    await ok(h, "campaign edit", name="Early", voting="1d")
    assert (await current(h, "Early")).closes_at == utc(2026, 1, 6, 10)


async def test_windows_as_long_as_the_gap_do_not_skip_an_occurrence(harness: Harness) -> None:
    h = harness
    reply = await h.cmd(
        h.moderator(),
        "campaign create",
        name="Daily",
        mode="pick",
        voting="1d",
        every="daily 09:00",
    )
    if not reply.ok:  # refusing such windows up front would be fine too
        return
    h.clock.set(utc(2026, 1, 6, 9))
    await h.app.scheduler.sweep()
    h.clock.set(utc(2026, 1, 7, 9))
    await h.app.scheduler.sweep()
    nxt = await current(h, "Daily")
    assert nxt.number == 2
    assert nxt.opens_at == utc(2026, 1, 7, 9)  # not 2026-01-08: no day is skipped


# -- create refusals ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"mode": "board", "submissions": "1d"}, "`submissions` is for contests"),
        ({"mode": "pick", "submissions": "1d", "voting": "1d"}, "`submissions` is for contests"),
        ({"every": "monday 09:00"}, "needs `submissions` as a duration"),
        ({"mode": "pick", "every": "monday 09:00"}, "needs `voting` as a duration"),
        ({"mode": "board", "every": "monday 09:00"}, "always open, so it does not repeat"),
        (
            {"every": "mon,thu 09:00", "submissions": "2d", "voting": "2d"},
            "4d of windows is longer than the 3d between every Monday and Thursday at 09:00",
        ),
        (
            {"mode": "pick", "every": "daily 12:00", "voting": "2d"},
            "Each round must end before the next begins",
        ),
        ({"submissions": "soon"}, "submissions: I could not read “soon” as a duration"),
        ({"voting": "2 fortnights"}, "voting:"),
        ({"every": "someday 09:00", "submissions": "1d", "voting": "1d"}, "“someday”"),
        ({"every": "monday", "submissions": "1d", "voting": "1d"}, "needs a time of day"),
        ({"submissions": "2026-01-10 10:00", "voting": "2026-01-08 10:00"}, "close after"),
        ({"submissions": "300d", "voting": "100d"}, "too far ahead"),
        ({"starts": "2026-01-01 10:00"}, "already passed"),
    ],
)
async def test_create_refusals_are_friendly_and_store_nothing(
    harness: Harness, options: dict[str, Any], needle: str
) -> None:
    h = harness
    text = await refused(h, "campaign create", name="Nope", **options)
    assert needle in text
    assert "Traceback" not in text and "went wrong" not in text.lower()
    assert await h.db.scalar("SELECT count(*) FROM campaigns") == 0
    assert await h.db.scalar("SELECT count(*) FROM rounds") == 0
    assert h.platform.posts == []


# -- list --------------------------------------------------------------------------------------
async def test_list_shows_the_next_step_and_the_time_left(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Contest", submissions="2d", voting="2d")
    await ok(h, "campaign create", name="Later", starts="3h", submissions="1d", voting="1d")
    await ok(h, "campaign create", name="Manual")
    await ok(h, "campaign create", name="Board", mode="board")
    await ok(h, "campaign create", name="Pick", mode="pick", voting="1d")
    h.clock.advance(timedelta(minutes=30))
    listed = await h.cmd(h.member("alice"), "campaign list")
    assert listed.table is not None
    assert listed.table.headers == ("name", "mode", "phase", "next")
    rows = {row[0]: row[1:] for row in listed.table.rows}
    assert rows == {
        "Contest": ("contest", "submissions", "voting opens in 1d 23h"),
        "Later": ("contest", "scheduled", "opens in 2h 30m"),
        "Manual": ("contest", "submissions", "voting opens when a moderator decides"),
        "Board": ("board", "submissions", "always open"),
        "Pick": ("pick", "voting", "voting closes in 23h 30m"),
    }

    h.clock.set(utc(2026, 1, 7, 9, 0))
    await h.app.scheduler.sweep()
    listed = await h.cmd(h.member("alice"), "campaign list")
    assert listed.table is not None
    rows = {row[0]: row[1:] for row in listed.table.rows}
    assert rows["Contest"] == ("contest", "voting", "voting closes in 2d")
    assert "Pick" not in rows  # closed campaigns are left out unless asked for
    everything = await h.cmd(h.member("alice"), "campaign list", all=True)
    assert everything.table is not None
    assert ("Pick", "pick", "closed", "") in everything.table.rows
