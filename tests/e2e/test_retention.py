"""Bounded growth (bot/services/retention.py): processed event ids and delivered outbox rows
are kept only as long as a replay can arrive, pruned by the scheduler's sweep in chunks, and
the tables stay bounded under weeks of steady traffic."""

from __future__ import annotations

from datetime import timedelta

from bot.services.retention import CHUNK, EVENT_WINDOW, OUTBOX_WINDOW, Retention
from tests.harness import Harness

DAY = timedelta(days=1)


async def count(h: Harness, table: str) -> int:
    return int(await h.db.scalar(f"SELECT count(*) FROM {table}"))


async def ideas(h: Harness) -> int:
    return int(await h.db.scalar("SELECT count(*) FROM ideas"))


async def sweep_after(h: Harness, delta: timedelta) -> None:
    h.clock.advance(delta)
    await h.app.scheduler.sweep()


ANNOUNCEMENTS = "announcements"


async def announcing_milestones(h: Harness) -> None:
    """Every idea that gets two votes is announced (one outbox row per idea)."""
    for line in ("milestones 2", f"announcements_channel {ANNOUNCEMENTS}"):
        reply = await h.text(h.moderator(), f"/cocreate config set {line}")
        assert reply.ok, reply.text


async def a_day_of_traffic(h: Harness, day: int) -> None:
    """One idea, two votes on it (its card and its milestone announcement go through the
    outbox)."""
    idea = await h.submit(h.member(f"author{day}"), f"Idea of day {day}")
    for n in range(2):
        await h.react(h.member(f"voter{day}-{n}"), idea)


async def test_a_replay_inside_the_window_is_still_ignored(harness: Harness) -> None:
    h = harness
    alice = h.member("alice")
    await h.submit(alice, "Oat latte", event_id="slack-retry-1")
    await sweep_after(h, EVENT_WINDOW - timedelta(hours=1))
    again = await h.cmd(alice, "idea submit", title="Oat latte", event_id="slack-retry-1")
    assert again.silent
    assert await ideas(h) == 1
    assert await h.db.scalar(
        "SELECT count(*) FROM processed_events WHERE event_id = 'slack-retry-1'"
    )


async def test_an_event_older_than_the_window_is_pruned_and_a_recent_one_kept(
    harness: Harness,
) -> None:
    h = harness
    await h.submit(h.member("alice"), "Oat latte", event_id="old-event")
    h.clock.advance(EVENT_WINDOW - timedelta(hours=2))
    await h.submit(h.member("bob"), "Cold brew", event_id="recent-event")
    await sweep_after(h, timedelta(hours=3))
    kept = await h.db.fetchall("SELECT event_id FROM processed_events ORDER BY event_id")
    ids = [r[0] for r in kept]
    assert "old-event" not in ids
    assert "recent-event" in ids


async def test_delivered_outbox_rows_are_pruned_but_pending_ones_never(
    harness: Harness,
) -> None:
    h = harness
    await announcing_milestones(h)
    await a_day_of_traffic(h, 1)
    await h.app.scheduler.sweep()
    delivered = await h.db.fetchall("SELECT id, delivered_at FROM outbox")
    # the idea's card and its milestone announcement, both delivered
    assert len(delivered) == 2 and all(r["delivered_at"] is not None for r in delivered)
    # a second announcement that the platform keeps refusing: still owed, never pruned
    h.platform.missing_channels.add(ANNOUNCEMENTS)
    await a_day_of_traffic(h, 2)
    await h.app.scheduler.sweep()
    pending = await h.db.fetchall("SELECT id FROM outbox WHERE delivered_at IS NULL")
    assert len(pending) == 1
    await sweep_after(h, OUTBOX_WINDOW + DAY)
    rows = await h.db.fetchall("SELECT id, delivered_at FROM outbox")
    assert [r["id"] for r in rows] == [pending[0]["id"]]
    assert rows[0]["delivered_at"] is None


async def test_tables_stay_bounded_over_weeks_of_steady_traffic(harness: Harness) -> None:
    h = harness
    await announcing_milestones(h)
    per_day_events, per_day_outbox = 3, 2  # one submit, two votes; a card, a milestone post
    window_days = max(EVENT_WINDOW, OUTBOX_WINDOW).days
    high: dict[str, int] = {"processed_events": 0, "outbox": 0}
    for day in range(8 * 7):
        await a_day_of_traffic(h, day)
        await sweep_after(h, DAY)
        for table in high:
            high[table] = max(high[table], await count(h, table))
    # at most a window's worth (plus the day being swept and the setup command) is kept
    assert high["processed_events"] <= per_day_events * (window_days + 2) + 2, high
    assert high["outbox"] <= per_day_outbox * (window_days + 2), high
    assert await count(h, "processed_events") <= per_day_events * (window_days + 2)
    assert await ideas(h) == 8 * 7  # what the events did stays; only their bookkeeping goes


async def test_a_backlog_is_pruned_in_bounded_chunks_over_several_sweeps(
    harness: Harness,
) -> None:
    h = harness
    old = h.clock.now()
    backlog = [(f"backlog-{n}", "reaction") for n in range(250)]
    async with h.storage.transaction():
        await h.storage.events.claim_many(h.community, backlog, old)
    h.clock.advance(EVENT_WINDOW + DAY)
    retention = Retention(h.storage, h.clock, chunk=50, chunks_per_sweep=2)
    assert await retention.prune() == (100, 0)
    assert await count(h, "processed_events") == 150
    assert await retention.prune() == (100, 0)
    assert await retention.prune() == (50, 0)
    assert await count(h, "processed_events") == 0
    assert CHUNK <= 1000  # the default chunk keeps each transaction short


async def test_each_prune_chunk_finds_its_rows_through_an_index(harness: Harness) -> None:
    """A chunk must not scan the table (migration 0013): it would hold the lock as it grows."""
    plans = {
        "processed_events": "SELECT community_id, event_id FROM processed_events"
        " WHERE handled_at < ? ORDER BY handled_at LIMIT ?",
        "outbox": "SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?"
        " ORDER BY delivered_at LIMIT ?",
    }
    for table, query in plans.items():
        plan = await harness.db.fetchall(f"EXPLAIN QUERY PLAN {query}", ("x", 1))
        detail = " ".join(str(r["detail"]) for r in plan)
        assert "USING INDEX" in detail or "USING COVERING INDEX" in detail, (table, detail)
        assert "TEMP B-TREE" not in detail, (table, detail)
