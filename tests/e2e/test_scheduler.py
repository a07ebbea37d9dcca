"""The scheduler's guarantees, proved on a real SQLite file with a controllable clock.

A full contest cycle, a restart during voting, a close missed while the bot was down, a double
fire (and two processes on one database), a pause/resume across a due time, a daylight-saving
change, and the outbox delivering each announcement exactly once across crashes.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock
from bot.models import IdeaStatus, Phase
from bot.services.outbox import LEASE, decode
from storage.sqlite.store import open_storage
from tests.e2e.campaign_steps import ok, phase, winner_rows
from tests.harness import Harness

ANN = "announcements"


async def setup(h: Harness, timezone: str = "UTC") -> None:
    await h.text(h.moderator(), f"/cocreate config set announcements_channel {ANN}")
    await h.text(h.moderator(), f"/cocreate config set timezone {timezone}")


def announcements(h: Harness) -> list[str]:
    return [p.message.text for p in h.platform.posts if p.channel_id == ANN]


async def outbox_rows(h: Harness) -> list[Any]:
    return list(await h.db.fetchall("SELECT * FROM outbox ORDER BY id"))


async def contest(h: Harness, **extra: Any) -> None:
    """Opens in 1 h; ideas for 2 days; voting for 2 days (reminder 24 h before the close)."""
    options = {"starts": "1h", "submissions": "2d", "voting": "2d", "winners": 1} | extra
    await ok(h, "campaign create", name="Cup", **options)


async def at(h: Harness, delta: timedelta) -> int:
    """Move the clock and let the scheduler do what fell due."""
    h.clock.advance(delta)
    return await h.app.scheduler.sweep()


async def open_contest(h: Harness) -> int:
    """The contest, open for ideas, with Alice's "Oat latte" in it; returns that idea's id."""
    await setup(h)
    await contest(h)
    await at(h, timedelta(hours=1))
    return await h.submit(h.member("alice"), "Oat latte")


async def voting_with_one_vote(h: Harness) -> int:
    """The contest in its voting phase, v1 voting for Alice's idea; returns that idea's id."""
    idea = await open_contest(h)
    await at(h, timedelta(days=2))
    assert (await h.react(h.member("v1"), idea)).ok
    return idea


async def test_full_contest_cycle_runs_every_step_once_in_order(harness: Harness) -> None:
    h = harness
    await setup(h)
    await contest(h)
    assert await phase(h, "Cup") == Phase.SCHEDULED
    assert await at(h, timedelta(minutes=59)) == 0
    assert await at(h, timedelta(minutes=1)) == 1
    assert await phase(h, "Cup") == Phase.SUBMISSIONS
    oat = await h.submit(h.member("alice"), "Oat latte")
    mocha = await h.submit(h.member("bob"), "Mocha")
    assert await at(h, timedelta(days=2)) == 1
    assert await phase(h, "Cup") == Phase.VOTING
    for voter in ("v1", "v2"):
        assert (await h.react(h.member(voter), oat)).ok
    assert (await h.react(h.member("v3"), mocha)).ok
    assert await at(h, timedelta(days=1)) == 1  # the reminder, 24 h before the close
    assert await phase(h, "Cup") == Phase.VOTING
    assert await at(h, timedelta(hours=23, minutes=59)) == 0
    assert await at(h, timedelta(minutes=1)) == 1
    assert await phase(h, "Cup") == Phase.CLOSED
    assert await at(h, timedelta(days=30)) == 0  # nothing left to do, ever

    texts = announcements(h)
    assert len(texts) == 5, texts
    assert "opening" in texts[0] and "is open for ideas" in texts[1]
    assert "Voting is open" in texts[2] and "2 idea(s)" in texts[2]
    assert "voting closes in 1d" in texts[3]
    assert "Winners: #1 'Oat latte'" in texts[4]
    results = h.platform.posts[-1].message.table
    assert results is not None and [r[2] for r in results.rows] == ["Oat latte", "Mocha"]
    assert await winner_rows(h) == [("alice", 100)]
    assert [dm[1] for dm in h.platform.dms] == ["alice"]
    idea = await h.storage.ideas.get(h.community, oat)
    assert idea is not None and idea.status == IdeaStatus.PLANNED
    campaign = await h.storage.campaigns.by_name(h.community, "Cup")
    assert campaign is not None and campaign.current_round is not None
    archived = await h.storage.campaigns.round(campaign.current_round)
    assert archived is not None and archived.phase == Phase.CLOSED
    assert [row[2] for row in json.loads(archived.results)] == ["Oat latte", "Mocha"]
    late = await h.react(h.member("v9"), mocha)
    assert not late.ok and "has ended" in late.text
    assert all(r["delivered_at"] is not None for r in await outbox_rows(h))
    columns, exported = (await h.storage.export_tables(h.community))["results"]
    assert "place" in columns
    assert [(r["campaign"], r["round"], r["place"], r["title"]) for r in exported] == [
        ("Cup", 1, 1, "Oat latte"),
        ("Cup", 1, 2, "Mocha"),
    ]


async def reopen(path: Path, platform: MemoryPlatform, now: datetime) -> Harness:
    """A new process on the same database file (the platform lives on, as a real one does)."""
    storage = await open_storage(str(path))
    clock = FakeClock(now)
    app = build_app(storage, platform, clock, card_interval=0.01)
    return Harness(app, storage, platform, clock)


async def test_restart_during_voting_keeps_votes_and_closes_on_time(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        idea = await open_contest(h)
        await at(h, timedelta(days=2))
        for voter in ("v1", "v2", "v3"):
            assert (await h.react(h.member(voter), idea)).ok
        now = h.clock.now()
    finally:
        await h.close()
    platform = h.platform
    h2 = await reopen(path, platform, now + timedelta(hours=12))
    try:
        assert await h2.app.scheduler.sweep() == 0  # not due yet: nothing happens at start
        assert (await h2.storage.votes.tally(idea)).up == 3
        await at(h2, timedelta(days=1, hours=12))  # reminder and close fall due together
        assert await phase(h2, "Cup") == Phase.CLOSED
        closing = [t for t in announcements(h2) if "is closed" in t]
        assert len(closing) == 1 and "Oat latte" in closing[0]
        # the close superseded the reminder: nobody is told to vote in a closed round
        assert not any("voting closes in" in t for t in announcements(h2))
        assert await winner_rows(h2) == [("alice", 100)]
    finally:
        await h2.close()


async def test_steps_missed_while_down_run_at_start_in_order(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        idea = await open_contest(h)
        other = await h.submit(h.member("bob"), "Mocha")
        now = h.clock.now()
    finally:
        await h.close()
    # down for a week: voting should have opened, and closed, meanwhile. Reactions made on the
    # platform while the bot was away are read back by the recount before the close.
    platform = h.platform
    h2 = await reopen(path, platform, now + timedelta(days=7))
    try:
        message = await h2.card_message(idea)
        for voter in ("v1", "v2"):
            platform.member_reacted(message, h2.member(voter), "👍", added=True)
        await h2.app.scheduler.start()
        assert await phase(h2, "Cup") == Phase.CLOSED
        texts = announcements(h2)
        order = [i for i, t in enumerate(texts) if "Voting is open" in t or "is closed" in t]
        assert len(order) == 2 and "Voting is open" in texts[order[0]]
        assert f"#{idea} 'Oat latte'" in texts[order[1]] and f"#{other}" not in texts[order[1]]
        assert (await h2.storage.votes.tally(idea)).up == 2
        actions = [
            e.action
            for e in reversed(await h2.storage.audit.recent(h2.community))
            if e.action.startswith("campaign.")
        ]
        assert actions == [
            "campaign.create",
            "campaign.submissions",
            "campaign.voting",
            "campaign.closed",
        ]
    finally:
        await h2.close()


async def test_a_double_fire_changes_things_once(harness: Harness) -> None:
    h = harness
    await voting_with_one_vote(h)
    h.clock.advance(timedelta(days=2))
    # the alarm and the periodic sweep fire at once, and the service is asked directly too
    campaign = await h.storage.campaigns.by_name(h.community, "Cup")
    assert campaign is not None and campaign.current_round is not None
    round_ = await h.storage.campaigns.round(campaign.current_round)
    assert round_ is not None
    services = h.app.services
    results = await asyncio.gather(
        h.app.scheduler.sweep(),
        h.app.scheduler.sweep(),
        services.campaigns.steps.run_due(services, campaign, round_),
        services.campaigns.steps.run_due(services, campaign, round_),
    )
    steps = [r for r in results[2:] if r is not None]
    assert sum(r for r in results[:2] if isinstance(r, int)) + len(steps) == 1
    assert len([t for t in announcements(h) if "is closed" in t]) == 1
    assert await winner_rows(h) == [("alice", 100)]
    assert len(h.platform.dms) == 1
    keys = [r["key"] for r in await outbox_rows(h)]
    assert len(keys) == len(set(keys))


async def test_two_processes_sharing_one_database_run_each_step_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    a = await Harness.create(path)
    try:
        await voting_with_one_vote(a)
        later = a.clock.now() + timedelta(days=2)
        a.clock.set(later)
        b = await reopen(path, a.platform, later)  # a second process, same platform account
        try:
            ran = await asyncio.gather(a.app.scheduler.sweep(), b.app.scheduler.sweep())
            assert sorted(ran) == [0, 1]
            assert len([t for t in announcements(a) if "is closed" in t]) == 1
            assert await winner_rows(a) == [("alice", 100)]
            assert len(a.platform.dms) == 1
        finally:
            await b.close()
    finally:
        await a.close()


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


# -- the outbox ------------------------------------------------------------------------------
async def test_an_announcement_refused_by_the_platform_is_retried_until_delivered(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    h.platform.missing_channels.add(ANN)
    await contest(h)  # the "scheduled" announcement cannot be posted
    rows = await outbox_rows(h)
    assert len(rows) == 1 and rows[0]["delivered_at"] is None and rows[0]["attempts"] == 1
    h.platform.missing_channels.clear()
    assert await at(h, timedelta(seconds=10)) == 0
    assert announcements(h) == []  # backing off: not yet
    await at(h, timedelta(seconds=30))
    assert len(announcements(h)) == 1
    await at(h, timedelta(hours=1))
    assert len(announcements(h)) == 2  # the opening, once; the first one not repeated
    rows = await outbox_rows(h)
    assert [r["attempts"] for r in rows] == [2, 1]


async def test_a_crash_between_the_step_and_its_delivery_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        await setup(h)
        await contest(h)
        h.clock.advance(timedelta(hours=1))
        campaign = await h.storage.campaigns.by_name(h.community, "Cup")
        assert campaign is not None and campaign.current_round is not None
        round_ = await h.storage.campaigns.round(campaign.current_round)
        assert round_ is not None
        h.platform.missing_channels.add(ANN)  # stands for the process dying before delivery
        services = h.app.services
        assert await services.campaigns.steps.run_due(services, campaign, round_) == "open"
        now = h.clock.now()
    finally:
        await h.close()
    h.platform.missing_channels.clear()
    h2 = await reopen(path, h.platform, now + timedelta(minutes=5))
    try:
        await h2.app.scheduler.start()
        opened = [t for t in announcements(h2) if "is open for ideas" in t]
        assert len(opened) == 1
        await at(h2, timedelta(hours=1))
        assert len([t for t in announcements(h2) if "is open for ideas" in t]) == 1
    finally:
        await h2.close()


async def test_a_crash_after_sending_but_before_recording_sends_no_duplicate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        await setup(h)
        h.platform.missing_channels.add(ANN)
        await contest(h)  # stored; the first attempt is refused
        h.platform.missing_channels.clear()
        h.clock.advance(timedelta(minutes=1))
        # the process claims the row and sends it, then dies before recording the delivery
        item = (await h.storage.outbox.due(h.clock.now()))[0]
        async with h.storage.transaction():
            assert await h.storage.outbox.started(item.id, h.clock.now(), h.clock.now() + LEASE)
        key = f"{item.community_id}/{item.key}"
        await h.platform.send(h.community, ANN, decode(item.payload), key)
        now = h.clock.now()
    finally:
        await h.close()
    assert len(announcements(h)) == 1
    h2 = await reopen(path, h.platform, now + timedelta(seconds=30))
    try:
        await h2.app.scheduler.start()
        assert len(announcements(h2)) == 1  # within the lease: not resent yet
        await at(h2, LEASE)
        assert len(announcements(h2)) == 1  # resent with its key: the platform dropped it
        rows = await outbox_rows(h2)
        assert rows[0]["delivered_at"] is not None and rows[0]["attempts"] == 3
    finally:
        await h2.close()


# -- the alarm clock -------------------------------------------------------------------------
async def test_alarms_are_rebuilt_from_storage_and_ring_on_real_time(tmp_path: Path) -> None:
    """APScheduler on the real clock: one job per campaign at its due time, rebuilt at start;
    a job that fires runs the sweep, and the step happens (here a board that ends in 1 s)."""
    from bot.clock import SystemClock

    path = tmp_path / "bot.sqlite3"
    storage = await open_storage(str(path))
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
    storage = await open_storage(str(path))
    app = build_app(storage, MemoryPlatform(), SystemClock(), card_interval=0.01)
    try:
        await app.scheduler.start()
        assert set(app.scheduler.jobs()) == {"sweep", f"campaign:{later.id}"}
    finally:
        await app.close()
        await storage.close()


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
    ideas = {i.id: i for i in await h.storage.ideas.in_campaign(h.community, 1)}
    assert ideas[first].round_id != ideas[second].round_id


async def test_a_platform_outage_during_the_recount_does_not_hold_the_round_open(
    harness: Harness,
) -> None:
    h = harness
    await voting_with_one_vote(h)

    async def down(*args: Any) -> list[Any]:
        raise ConnectionResetError("platform unreachable")

    h.platform.fetch_reactions = down  # type: ignore[method-assign]
    await at(h, timedelta(days=2))
    assert await phase(h, "Cup") == Phase.CLOSED  # closed on the votes stored
    assert await winner_rows(h) == [("alice", 100)]


async def test_times_of_a_paused_campaign_change_only_after_resuming(harness: Harness) -> None:
    h = harness
    await setup(h)
    await contest(h)
    await ok(h, "campaign pause", name="Cup")
    refused = await h.cmd(h.moderator(), "campaign edit", name="Cup", voting="1d")
    assert not refused.ok and "resume it first" in refused.text
    assert "brief" in await ok(h, "campaign edit", name="Cup", brief="Still editable")


async def test_a_winner_notice_resent_after_a_crash_is_not_repeated(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    h = await Harness.create(path)
    try:
        await voting_with_one_vote(h)
        h.platform.closed_dms.add("alice")  # the first attempt at the winner's DM is refused...
        await at(h, timedelta(days=2))
        h.platform.closed_dms.clear()
        dm = next(r for r in await outbox_rows(h) if r["target"] == "member")
        assert dm["failed"] and dm["delivered_at"] is not None  # ...and closed DMs are final
        # another winner notice, sent by a process that dies before recording it
        async with h.storage.transaction():
            assert await h.storage.outbox.add(
                h.community, "round:1:winner:extra", "member", "alice", dm["payload"], h.clock.now()
            )
        item = next(i for i in await h.storage.outbox.due(h.clock.now()) if i.target == "member")
        async with h.storage.transaction():
            assert await h.storage.outbox.started(item.id, h.clock.now(), h.clock.now() + LEASE)
        await h.platform.notify(
            h.community, "alice", decode(item.payload), f"{item.community_id}/{item.key}"
        )
        now = h.clock.now()
    finally:
        await h.close()
    h2 = await reopen(path, h.platform, now + LEASE)
    try:
        await h2.app.scheduler.start()
        assert [member for _, member, _ in h2.platform.dms] == ["alice"]  # once, not twice
        assert all(r["delivered_at"] is not None for r in await outbox_rows(h2))
    finally:
        await h2.close()
