"""Rounds in time: repeating schedules across a daylight-saving change and long downtime,
reminders, pause and resume, and the APScheduler alarm rebuilt from storage on the real clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock, SystemClock
from bot.models import Phase
from tests.e2e.campaign_steps import (
    announcements,
    at,
    contest,
    ok,
    open_contest,
    phase,
    reopen,
    setup,
)
from tests.harness import Harness, open_test_storage


async def test_recurring_rounds_follow_the_wall_clock_across_dst(harness: Harness) -> None:
    h = harness
    await setup(h, "Europe/Paris")
    # Sunday 22 March 2026, 12:00 in Paris (11:00 UTC); the clocks go forward on the 29th
    h.clock.set(datetime(2026, 3, 22, 11, 0, tzinfo=UTC))
    await ok(
        h,
        "campaign create",
        name="Cup",
        mode="pick",
        voting="3d",
        every="monday 09:00",
    )
    opens: list[datetime] = []
    closes: list[datetime] = []
    for _ in range(3):
        campaign = await h.storage.campaigns.by_name(h.community, "Cup")
        assert campaign is not None and campaign.current_round is not None
        round_ = await h.storage.campaigns.round(campaign.current_round)
        assert round_ is not None and round_.closes_at is not None
        opens.append(round_.opens_at)
        closes.append(round_.closes_at)
        h.clock.set(round_.opens_at)
        await h.app.scheduler.sweep()
        assert await phase(h, "Cup") == Phase.VOTING
        h.clock.set(round_.closes_at)
        await h.app.scheduler.sweep()
        assert await phase(h, "Cup") == Phase.SCHEDULED  # the next round is already planned
    # Monday 09:00 in Paris every week: 08:00 UTC in winter time, 07:00 UTC in summer time
    assert [o.astimezone(UTC).hour for o in opens] == [8, 7, 7]
    assert [o.astimezone(UTC).day for o in opens] == [23, 30, 6]
    # 3 days after a Monday 09:00 is Thursday 09:00 local, also across the change
    assert [c.astimezone(UTC).hour for c in closes] == [8, 7, 7]
    rounds = await h.storage.campaigns.rounds(campaign.id)
    assert [r.number for r in rounds] == [1, 2, 3, 4]


async def test_a_recurring_campaign_down_for_weeks_skips_to_the_next_occurrence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        await setup(h)
        await ok(h, "campaign create", name="Cup", mode="pick", voting="1d", every="daily 09:00")
        now = h.clock.now()
    finally:
        await h.close()
    h2 = await reopen(path, h.platform, now + timedelta(days=10, hours=3))
    try:
        await h2.app.scheduler.start()
        rounds = await h2.storage.campaigns.rounds(1)
        # round 1 opened and closed late, at start; round 2 waits for tomorrow 09:00
        assert [(r.number, r.phase) for r in rounds] == [(1, Phase.CLOSED), (2, Phase.SCHEDULED)]
        assert rounds[1].opens_at == datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    finally:
        await h2.close()


async def test_a_repeating_contest_takes_last_rounds_title_again(harness: Harness) -> None:
    h = harness
    await setup(h)
    await ok(
        h,
        "campaign create",
        name="Cup",
        submissions="1d",
        voting="1d",
        every="monday 09:00",
        starts="1m",
    )
    await at(h, timedelta(minutes=1))
    first = await h.submit(h.member("alice"), "Lemon tart")
    again = await h.cmd(h.member("bob"), "idea submit", title="lemon TART")
    assert not again.ok and "already exists" in again.text  # unique within a round
    await at(h, timedelta(days=1))
    await at(h, timedelta(days=1))
    assert await phase(h, "Cup") == Phase.SCHEDULED  # round 2 waits for next Monday
    await at(h, timedelta(days=5))
    assert await phase(h, "Cup") == Phase.SUBMISSIONS
    second = await h.submit(h.member("alice"), "Lemon tart")  # a new round, a new chance
    assert second != first
    ideas = await h.storage.ideas.get_many(h.community, [first, second])
    assert ideas[first].round_id != ideas[second].round_id


async def test_alarms_are_rebuilt_from_storage_and_ring_on_real_time(tmp_path: Path) -> None:
    """APScheduler on the real clock: one job per campaign at its due time, rebuilt at start;
    a job that fires runs the sweep, and the step happens (here a board that ends in 1 s)."""

    path = tmp_path / "bot.sqlite3"
    storage = await open_test_storage(path)
    platform = MemoryPlatform()
    app = build_app(storage, platform, SystemClock(), card_interval=0.01)
    h = Harness(app, storage, platform, FakeClock())
    try:
        await setup(h)
        await ok(h, "campaign create", name="Later", mode="pick", voting="3d", starts="2h")
        later = await storage.campaigns.by_name(h.community, "Later")
        assert later is not None
        assert app.scheduler.jobs() == {}  # not started: nothing armed
        await app.scheduler.start()
        jobs = app.scheduler.jobs()
        assert set(jobs) == {"sweep", f"campaign:{later.id}"}
        round_ = await storage.campaigns.round(later.current_round or 0)
        assert round_ is not None and jobs[f"campaign:{later.id}"] == round_.opens_at
        # a job that fell due during a restart is never dropped: no misfire grace, coalesced
        alarm = app.scheduler._alarm
        assert alarm is not None
        job = alarm.get_job(f"campaign:{later.id}")
        assert job is not None and job.misfire_grace_time is None and job.coalesce
        await ok(h, "campaign create", name="Soon", mode="board", voting="1s")
        soon = await storage.campaigns.by_name(h.community, "Soon")
        assert soon is not None and f"campaign:{soon.id}" in app.scheduler.jobs()
        for _ in range(100):  # the alarm rings about a second from now
            await asyncio.sleep(0.05)
            if await phase(h, "Soon") == Phase.CLOSED:
                break
        assert await phase(h, "Soon") == Phase.CLOSED
        assert any("**Soon** is closed" in t for t in announcements(h))
        assert f"campaign:{soon.id}" not in app.scheduler.jobs()  # nothing left to ring for
    finally:
        await app.close()
        await storage.close()
    # a new process rebuilds the same alarm from the database
    storage = await open_test_storage(path)
    app = build_app(storage, MemoryPlatform(), SystemClock(), card_interval=0.01)
    try:
        await app.scheduler.start()
        assert set(app.scheduler.jobs()) == {"sweep", f"campaign:{later.id}"}
    finally:
        await app.close()
        await storage.close()


async def test_reminder_is_skipped_when_the_window_is_shorter(harness: Harness) -> None:
    h = harness
    await setup(h)
    await ok(h, "campaign create", name="Cup", mode="pick", voting="12h")
    await at(h, timedelta(hours=12))
    assert await phase(h, "Cup") == Phase.CLOSED
    assert not any("voting closes in" in t for t in announcements(h))
    await h.text(h.moderator(), "/cocreate config set reminder_hours 2")
    await ok(h, "campaign create", name="Short", mode="pick", voting="12h")
    await at(h, timedelta(hours=10))
    assert [t for t in announcements(h) if "voting closes in" in t] == [
        "⏰ **Short** voting closes in 2h (2026-01-06 09:00 UTC). "
        "Last chance to vote on the idea cards!"
    ]


async def test_pause_stops_the_clock_and_resume_moves_due_times(harness: Harness) -> None:
    h = harness
    idea = await open_contest(h)
    await at(h, timedelta(days=1))  # one day of submissions left
    await ok(h, "campaign pause", name="Cup")
    assert await at(h, timedelta(days=3)) == 0  # voting was due meanwhile: nothing happens
    assert await phase(h, "Cup") == Phase.PAUSED
    assert not (await h.react(h.member("v1"), idea)).ok
    resumed = await ok(h, "campaign resume", name="Cup")
    assert "Voting opens" in resumed and "(in 1d)" in resumed
    assert await phase(h, "Cup") == Phase.SUBMISSIONS
    assert await at(h, timedelta(hours=23, minutes=59)) == 0
    assert await at(h, timedelta(minutes=1)) == 1
    assert await phase(h, "Cup") == Phase.VOTING
    campaign = await h.storage.campaigns.by_name(h.community, "Cup")
    assert campaign is not None and campaign.current_round is not None
    round_ = await h.storage.campaigns.round(campaign.current_round)
    assert round_ is not None and round_.closes_at is not None
    assert round_.closes_at == h.clock.now() + timedelta(days=2)  # the window kept its length
    texts = announcements(h)
    assert any("paused" in t for t in texts) and any("running again" in t for t in texts)


async def test_times_of_a_paused_campaign_change_only_after_resuming(harness: Harness) -> None:
    h = harness
    await setup(h)
    await contest(h)
    await ok(h, "campaign pause", name="Cup")
    refused = await h.cmd(h.moderator(), "campaign edit", name="Cup", voting="1d")
    assert not refused.ok and "resume it first" in refused.text
    assert "brief" in await ok(h, "campaign edit", name="Cup", brief="Still editable")
