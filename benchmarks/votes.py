"""Votes: a stream of reaction events through the real engine and SQLite storage, no platform.

Measures sustained events/s with group commit (every reply is released only after the batch
holding its event has committed), latency from event to durable acknowledgement at a paced
offered rate, and peak RSS; and, in the same run, the baseline: the same kind of events through
the straightforward path that commits each vote in its own transaction. The final tallies are
checked against an independent count of the events.

    python -m benchmarks.votes [--quick]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from adapters.memory.platform import MemoryPlatform
from bot.app import App, build_app
from bot.clock import FakeClock
from bot.events import Actor, CommandInvoked, ReactionAdded, ReactionRemoved
from storage.sqlite.store import SqliteStorage, open_storage

COMMUNITY = "console:bench"
CHANNEL = "bench"
EMOJIS = ("👍", "👍", "👍", "👎", "🍕")  # up/down mode; the pizza is not a vote

ReactionEvent = ReactionAdded | ReactionRemoved


@dataclass
class Size:
    ideas: int
    members: int
    events: int
    baseline_events: int
    paced_rate: int
    paced_seconds: float
    in_flight: int


FULL = Size(
    ideas=500,
    members=50_000,
    events=200_000,
    baseline_events=5_000,
    paced_rate=10_000,
    paced_seconds=5.0,
    in_flight=5_000,
)
QUICK = Size(
    ideas=50,
    members=2_000,
    events=10_000,
    baseline_events=1_000,
    paced_rate=10_000,
    paced_seconds=1.0,
    in_flight=2_000,
)


async def setup(path: Path, size: Size, max_batch: int) -> tuple[App, SqliteStorage, list[str]]:
    storage = await open_storage(str(path))
    platform = MemoryPlatform()
    app = build_app(storage, platform, FakeClock(), card_interval=0.5)
    app.engine.votes.max_batch = max_batch
    admin = Actor(COMMUNITY, "admin", display_name="Admin", is_admin=True)
    settings = {
        "vote_mode": "updown",
        "submission_cooldown_minutes": "0",
        "max_open_ideas_per_member": "1000",
        "review_threshold": "none",
        "milestones": "100000",
    }
    for n, (key, value) in enumerate(settings.items()):
        options = {"key": key, "value": value}
        reply = await app.engine.handle(
            CommandInvoked(f"cfg{n}", admin, "cocreate", "config set", options, CHANNEL)
        )
        assert reply.ok, reply.text
    for i in range(size.ideas):
        author = Actor(COMMUNITY, f"author{i % 25}", display_name=f"Author {i % 25}")
        options = {"title": f"Idea number {i}"}
        reply = await app.engine.handle(
            CommandInvoked(f"idea{i}", author, "idea", "submit", options, CHANNEL)
        )
        assert reply.ok, reply.text
    await app.cards.flush()
    return app, storage, list(platform.cards)


def make_stream(
    size: Size, messages: list[str], count: int, seed: int, tag: str
) -> list[ReactionEvent]:
    """Adds, removes, duplicates and replays, across many members and ideas."""
    rng = random.Random(seed)
    actors = [Actor(COMMUNITY, f"m{i}", display_name=f"M{i}") for i in range(size.members)]
    events: list[ReactionEvent] = []
    for n in range(count):
        roll = rng.random()
        if events and roll < 0.05:
            events.append(events[rng.randrange(len(events))])  # a replay (same event id)
            continue
        kind = ReactionRemoved if roll < 0.25 else ReactionAdded
        actor = rng.choice(actors)
        events.append(kind(f"{tag}{n}", actor, CHANNEL, rng.choice(messages), rng.choice(EMOJIS)))
    return events


def expected_votes(events: list[ReactionEvent]) -> dict[tuple[str, str], str]:
    """An independent count: the latest vote emoji per (card, member); a removal of that emoji
    takes it away; replays count once; the pizza never counts."""
    seen: set[str] = set()
    votes: dict[tuple[str, str], str] = {}
    for e in events:
        if e.event_id in seen:
            continue
        seen.add(e.event_id)
        key = (e.message_id, e.actor.member_id)
        if e.emoji not in ("👍", "👎"):
            continue
        if isinstance(e, ReactionAdded):
            votes[key] = e.emoji
        elif votes.get(key) == e.emoji:
            del votes[key]
    return votes


async def check(storage: SqliteStorage, events: list[ReactionEvent]) -> None:
    rows = await storage.db.fetchall(
        "SELECT i.message_id, v.voter_id, v.emoji FROM votes v JOIN ideas i ON i.id = v.idea_id"
    )
    stored = {(r[0], r[1]): r[2] for r in rows}
    if stored != expected_votes(events):
        raise SystemExit("votes do not match the independent count")
    mismatched = await storage.db.scalar(
        "SELECT count(*) FROM (SELECT l.member_id, sum(l.amount) AS s, b.balance FROM ledger l"
        " JOIN balances b USING (community_id, member_id) GROUP BY l.member_id"
        " HAVING s <> b.balance)"
    )
    if mismatched:
        raise SystemExit(f"{mismatched} balances differ from their ledger sums")


async def sustained(app: App, events: list[ReactionEvent], in_flight: int) -> float:
    """Events/s with at most ``in_flight`` events waiting for their acknowledgement."""
    started = time.perf_counter()
    for start in range(0, len(events), in_flight):
        chunk = events[start : start + in_flight]
        await asyncio.gather(*(app.engine.handle(e) for e in chunk))
    return len(events) / (time.perf_counter() - started)


async def paced(app: App, events: list[ReactionEvent], rate: int) -> list[float]:
    """Offer events at ``rate`` per second; return each one's latency to its acknowledgement."""
    latencies: list[float] = []

    async def one(event: ReactionEvent) -> None:
        sent = time.perf_counter()
        await app.engine.handle(event)
        latencies.append(time.perf_counter() - sent)

    tasks = []
    started = time.perf_counter()
    tick = 0.005
    per_tick = max(1, int(rate * tick))
    for start in range(0, len(events), per_tick):
        due = started + (start / rate)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.extend(asyncio.create_task(one(e)) for e in events[start : start + per_tick])
    await asyncio.gather(*tasks)
    return latencies


async def baseline(path: Path, size: Size) -> tuple[float, list[ReactionEvent]]:
    """Each vote in its own transaction, one after another."""
    app, storage, messages = await setup(path, size, max_batch=1)
    events = make_stream(size, messages, size.baseline_events, seed=7, tag="b")
    started = time.perf_counter()
    for event in events:
        await app.engine.handle(event)
    rate = len(events) / (time.perf_counter() - started)
    await check(storage, events)
    await app.close()
    await storage.close()
    return rate, events


async def main(quick: bool) -> dict[str, object]:
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-") as tmp:
        base_rate, _ = await baseline(Path(tmp) / "baseline.sqlite3", size)
        app, storage, messages = await setup(Path(tmp) / "votes.sqlite3", size, max_batch=1000)
        synchronous = await storage.db.scalar("PRAGMA synchronous")
        events = make_stream(size, messages, size.events, seed=1, tag="s")
        rate = await sustained(app, events, size.in_flight)
        batches = app.engine.votes.batches
        offered = int(size.paced_rate * size.paced_seconds)
        paced_events = make_stream(size, messages, offered, seed=2, tag="p")
        latencies = await paced(app, paced_events, size.paced_rate)
        await check(storage, events + paced_events)
        await app.close()
        await storage.close()
    quantiles = statistics.quantiles(latencies, n=100)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures: dict[str, object] = {
        "events_per_s": round(rate),
        "baseline_events_per_s": round(base_rate),
        "ratio": round(rate / base_rate, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
        "peak_rss_mb": round(peak_rss, 1),
        "events": size.events,
        "in_flight": size.in_flight,
        "batches": batches,
        "offered_per_s": size.paced_rate,
        "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(synchronous, "?"),
        "journal": "WAL",
    }
    print(f"votes benchmark ({'quick' if quick else 'full'} size)")
    print(f"  {size.events:,} events ({size.ideas} ideas, {size.members:,} members; adds, removes,")
    print(f"  replays and non-vote emoji), at most {size.in_flight:,} in flight, {batches} batches")
    print(f"  sustained: {rate:,.0f} events/s, every acknowledged vote committed")
    ratio = rate / base_rate
    print(f"  baseline (one transaction per vote): {base_rate:,.0f} events/s → {ratio:.1f}×")
    print(
        f"  at {size.paced_rate:,} events/s offered: p50 {figures['p50_ms']} ms,"
        f" p99 {figures['p99_ms']} ms to durable acknowledgement"
    )
    print(f"  peak RSS {peak_rss:.0f} MB; SQLite WAL, synchronous={figures['synchronous']}")
    print("  tallies and balances match an independent count")
    return figures


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.votes", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small size (for CI)")
    args = parser.parse_args(argv)
    figures = asyncio.run(main(args.quick))
    sys.stdout.flush()
    print(json.dumps(figures))


if __name__ == "__main__":
    cli()
