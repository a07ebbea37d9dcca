"""Adapters start one task per reaction, in arrival order, and do not wait for commits: the
engine must queue a reaction for its batch in the first step of its task, before anything
could suspend it, or two reactions by one member could swap places on the way to the batcher.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.events import ReactionAdded, ReactionRemoved
from tests.harness import CHANNEL, Harness

ReactionEvent = ReactionAdded | ReactionRemoved


async def cards(h: Harness) -> list[str]:
    mod = h.moderator()
    assert (await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")).ok
    ideas = [await h.submit(h.member(n), f"Idea {n}") for n in ("author0", "author1")]
    return [await h.card_message(i) for i in ideas]


async def test_a_reaction_is_queued_in_the_first_step_of_its_task(tmp_path: Path) -> None:
    h = await Harness.create(tmp_path / "order.sqlite3")
    try:
        first, second = await cards(h)
        bob, cy = h.member("bob"), h.member("cy")
        events: list[ReactionEvent] = [
            ReactionAdded("e1", bob, CHANNEL, first, "👍"),
            ReactionRemoved("e2", bob, CHANNEL, first, "👍"),
            ReactionAdded("e3", cy, CHANNEL, second, "👍"),
            ReactionAdded("e4", bob, CHANNEL, first, "👍"),
            ReactionAdded("e1", bob, CHANNEL, first, "👍"),  # a replay of the first add
            ReactionRemoved("e5", cy, CHANNEL, second, "👍"),
        ]
        tasks = [asyncio.create_task(h.engine.handle(e)) for e in events]
        await asyncio.sleep(0)  # each task has run exactly its first step; the batch has not
        queued = [item for item, _ in h.engine.votes._queue]
        assert queued == events
        replies = await asyncio.gather(*tasks)
        assert replies[4].ignored  # the replay
        rows = await h.db.fetchall("SELECT voter_id FROM votes ORDER BY voter_id")
        assert [r[0] for r in rows] == ["bob"]  # add → remove → add: one vote; cy took hers off
        assert await h.ledger_matches_balances()
    finally:
        await h.close()


# -- any order of adds, removes and replays, started as tasks, ends as the same events in order
Step = tuple[int, int, bool, int | None]  # member, card, added, or a replay of step n


@st.composite
def bursts(draw: st.DrawFn) -> list[Step]:
    steps: list[Step] = []
    for n in range(draw(st.integers(1, 40))):
        if steps and draw(st.integers(0, 7)) == 0:
            steps.append((0, 0, False, draw(st.integers(0, n - 1))))
        else:
            member, card = draw(st.integers(0, 3)), draw(st.integers(0, 1))
            steps.append((member, card, draw(st.booleans()), None))
    return steps


@contextmanager
def seeded(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, Harness, list[str]]]:
    loop = asyncio.new_event_loop()
    h = loop.run_until_complete(Harness.create(tmp_path / "bursts.sqlite3"))
    try:
        yield loop, h, loop.run_until_complete(cards(h))
    finally:
        loop.run_until_complete(h.close())
        loop.close()


def test_a_burst_started_as_tasks_ends_as_its_events_in_order(tmp_path: Path) -> None:
    examples = itertools.count()
    with seeded(tmp_path) as (loop, h, messages):

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(bursts())
        def check(steps: list[Step]) -> None:
            run = next(examples)  # fresh members and event ids for every example
            events: list[ReactionEvent] = []
            for n, (member, card, added, replay) in enumerate(steps):
                if replay is not None:
                    events.append(events[replay])
                    continue
                kind = ReactionAdded if added else ReactionRemoved
                actor = h.member(f"r{run}m{member}")
                events.append(kind(f"r{run}e{n}", actor, CHANNEL, messages[card], "👍"))
            expected: dict[tuple[str, str], bool] = {}
            seen: set[str] = set()
            for e in events:
                if e.event_id not in seen:
                    seen.add(e.event_id)
                    expected[(e.message_id, e.actor.member_id)] = isinstance(e, ReactionAdded)

            async def burst() -> set[tuple[str, str]]:
                await asyncio.gather(*[asyncio.create_task(h.engine.handle(e)) for e in events])
                rows = await h.db.fetchall(
                    "SELECT i.message_id, v.voter_id FROM votes v JOIN ideas i ON i.id = v.idea_id"
                    " WHERE v.voter_id LIKE ?",
                    (f"r{run}m%",),
                )
                return {(r[0], r[1]) for r in rows}

            assert loop.run_until_complete(burst()) == {p for p, on in expected.items() if on}

        check()
        assert loop.run_until_complete(h.ledger_matches_balances())
