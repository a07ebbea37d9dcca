"""The scheduler's guarantees, proved on a real SQLite file with a controllable clock: a full
contest cycle, a restart during voting, a close missed while the bot was down, a double fire,
two processes on one database, and a platform outage during the close's recount."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.models import IdeaStatus, Phase
from tests.e2e.campaign_steps import (
    announcements,
    at,
    contest,
    open_contest,
    outbox_rows,
    phase,
    reopen,
    setup,
    voting_with_one_vote,
    winner_rows,
)
from tests.harness import Harness


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
    assert "Voting is open" in texts[2] and "2 ideas" in texts[2]
    assert "voting closes in 1d" in texts[3]
    assert "Winner: #1 “Oat latte”" in texts[4]
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
        assert f"#{idea} “Oat latte”" in texts[order[1]] and f"#{other}" not in texts[order[1]]
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
    results = await asyncio.gather(
        h.app.scheduler.sweep(),
        h.app.scheduler.sweep(),
        h.app.steps.run_due(campaign, round_),
        h.app.steps.run_due(campaign, round_),
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
