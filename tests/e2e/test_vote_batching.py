"""Group commit changes nothing about what a vote means: a burst handled in batches ends in
exactly the state that handling the same events one at a time does."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from bot.events import ReactionAdded, ReactionRemoved
from tests.harness import CHANNEL, Harness

ReactionEvent = ReactionAdded | ReactionRemoved


async def prepared(path: Path) -> tuple[Harness, list[str]]:
    h = await Harness.create(path)
    mod = h.moderator()
    await h.text(mod, "/cocreate config set vote_mode updown")
    await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")
    await h.text(mod, "/cocreate config set milestones 3,6")
    await h.text(mod, "/cocreate config set review_threshold 5")
    await h.text(mod, "/cocreate config set points.vote_cast.daily_cap 7")
    messages = []
    for i in range(5):
        idea = await h.submit(h.member(f"author{i}"), f"Idea {i}")
        messages.append(await h.card_message(idea))
    return h, messages


def stream(h: Harness, messages: list[str], seed: int, size: int) -> list[ReactionEvent]:
    rng = random.Random(seed)
    members = [f"m{i}" for i in range(12)] + ["author0", "author1"]
    events: list[ReactionEvent] = []
    for n in range(size):
        if events and rng.random() < 0.1:
            events.append(rng.choice(events))  # a replay: same event id
            continue
        actor = h.member(rng.choice(members))
        kind = ReactionAdded if rng.random() < 0.7 else ReactionRemoved
        emoji = rng.choice(["👍", "👍", "👎", "🍕"])
        events.append(kind(f"s{seed}-{n}", actor, CHANNEL, rng.choice(messages), emoji))
    return events


async def state(h: Harness) -> tuple[list[tuple[object, ...]], ...]:
    votes = await h.db.fetchall(
        "SELECT idea_id, voter_id, value, emoji, cast_key, received_key FROM votes ORDER BY 1, 2"
    )
    ledger = await h.db.fetchall(
        "SELECT member_id, amount, rule, idem_key FROM ledger ORDER BY idem_key"
    )
    balances = await h.db.fetchall("SELECT member_id, balance, earned FROM balances ORDER BY 1")
    other = await h.db.fetchall(
        "SELECT i.id, i.status, m.threshold FROM ideas i"
        " LEFT JOIN milestones_reached m ON m.idea_id = i.id ORDER BY 1, 3"
    )
    return tuple([tuple(r) for r in rows] for rows in (votes, ledger, balances, other))


async def test_burst_in_batches_equals_one_at_a_time(tmp_path: Path) -> None:
    one, messages = await prepared(tmp_path / "one.sqlite3")
    burst, _ = await prepared(tmp_path / "burst.sqlite3")
    try:
        for seed in (1, 2, 3):
            events = stream(one, messages, seed, 300)
            singles = [await one.engine.handle(e) for e in events]
            before = burst.engine.votes.batches
            batched = await asyncio.gather(*(burst.engine.handle(e) for e in events))
            assert burst.engine.votes.batches - before < len(events) / 5  # really batched
            assert singles == batched
            assert await state(one) == await state(burst)
        assert await burst.ledger_matches_balances()
        kept = await burst.db.fetchall(
            "SELECT idea_id, voters, up, down, total FROM idea_tallies WHERE voters > 0 ORDER BY 1"
        )
        counted = await burst.db.fetchall(
            "SELECT idea_id, count(*), count(*) FILTER (WHERE value > 0),"
            " count(*) FILTER (WHERE value < 0), sum(value) FROM votes GROUP BY 1 ORDER BY 1"
        )
        assert [tuple(r) for r in kept] == [tuple(r) for r in counted]  # the triggers keep up
    finally:
        await one.close()
        await burst.close()


async def test_every_burst_reply_comes_after_its_commit(tmp_path: Path) -> None:
    h, messages = await prepared(tmp_path / "x.sqlite3")
    try:
        events = [
            ReactionAdded(f"b{i}", h.member(f"fan{i}"), CHANNEL, messages[i % 5], "👍")
            for i in range(200)
        ]
        replies = await asyncio.gather(*(h.engine.handle(e) for e in events))
        assert all(r.ok for r in replies)
        # a second connection sees every acknowledged vote: it was committed, not just queued
        import sqlite3

        with sqlite3.connect(h.db.path) as other:
            (count,) = other.execute("SELECT count(*) FROM votes").fetchone()
        assert count == 200
    finally:
        await h.close()
