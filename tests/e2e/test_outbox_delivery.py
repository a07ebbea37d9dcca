"""The outbox: each announcement of a step is delivered exactly once, across refusals, a crash
before delivery and a crash after sending but before the delivery was recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.services.outbox import LEASE, decode
from tests.e2e.campaign_steps import (
    ANN,
    announcements,
    at,
    contest,
    outbox_rows,
    reopen,
    setup,
    voting_with_one_vote,
)
from tests.harness import Harness


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
        assert await h.app.steps.run_due(campaign, round_) == "open"
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
