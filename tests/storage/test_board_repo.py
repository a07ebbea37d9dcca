"""The board's storage side: the status history written by trigger in the change's own
transaction, the trending heat kept by vote triggers (checked against a recount from the votes
whatever happens to them), and the upgrade of a database that had ideas and votes already."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storage.sqlite.db as dbmod
from bot.models import Idea, IdeaStatus, Vote, VoteScheme
from bot.ports.board import HEAT_HALF_LIFE_DAYS, PUBLIC_STATUSES
from storage.sqlite.db import Database, migrations
from storage.sqlite.store import SqliteStorage
from tests.harness import open_test_storage

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
C = "console:a"


async def add_idea(store: SqliteStorage, title: str, author: str = "a1") -> Idea:
    idea = Idea(
        id=0,
        community_id=C,
        campaign_id=None,
        title=title,
        description="",
        author_id=author,
        author_name=author.upper(),
        status=IdeaStatus.NEW,
        created_at=NOW,
        updated_at=NOW,
        scheme=VoteScheme("updown", ("👍", "👎")),
    )
    async with store.transaction():
        await store.communities.ensure(C, "console", NOW)
        return await store.ideas.add(idea)


async def test_a_status_change_and_its_note_join_the_history(store: SqliteStorage) -> None:
    idea = await add_idea(store, "Dark mode")
    later = NOW + timedelta(days=2)
    async with store.transaction():
        assert await store.ideas.set_status(
            C, idea.id, IdeaStatus.NEW, IdeaStatus.PLANNED, later, note="In spring"
        )
        # a refused transition (the status is no longer NEW) writes nothing
        assert not await store.ideas.set_status(
            C, idea.id, IdeaStatus.NEW, IdeaStatus.DECLINED, later, note="nope"
        )
    history = await store.board.history(idea.id)
    assert [(h.status, h.note, h.at) for h in history] == [(IdeaStatus.PLANNED, "In spring", later)]


async def test_history_is_rolled_back_with_the_change(store: SqliteStorage) -> None:
    idea = await add_idea(store, "Dark mode")

    async def failing_command() -> None:
        async with store.transaction():
            await store.ideas.set_status(C, idea.id, IdeaStatus.NEW, IdeaStatus.SHIPPED, NOW)
            raise RuntimeError("the command failed later")

    with pytest.raises(RuntimeError):
        await failing_command()
    assert await store.board.history(idea.id) == []


async def test_saving_an_idea_with_a_new_status_is_recorded_too(store: SqliteStorage) -> None:
    idea = await add_idea(store, "Dark mode")
    idea.status = IdeaStatus.WITHDRAWN
    async with store.transaction():
        await store.ideas.save(idea)
        await store.ideas.save(idea)  # the same status again: no second entry
    assert [h.status for h in await store.board.history(idea.id)] == [IdeaStatus.WITHDRAWN]
    assert await store.board.count(C, PUBLIC_STATUSES, None) == 0


def decayed(weights: list[datetime], now: datetime) -> float:
    return sum(2 ** (-(now - w).total_seconds() / 86400 / HEAT_HALF_LIFE_DAYS) for w in weights)


async def heat(store: SqliteStorage, idea_id: int, now: datetime) -> float:
    value = await store.db.scalar(
        "SELECT heat * pow(2, (heat_at - julianday(?)) / ?) FROM idea_tallies WHERE idea_id = ?",
        (now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), HEAT_HALF_LIFE_DAYS, idea_id),
    )
    return float(value or 0.0)


# (voter, value or 0 to retract, hours later)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["v1", "v2", "v3", "v4"]),
        st.sampled_from([1, -1, 0]),
        st.integers(min_value=-48, max_value=24 * 10),
    ),
    max_size=25,
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
async def test_heat_always_equals_the_decayed_count_of_standing_up_votes(
    tmp_path: Path, ops: list[tuple[str, int, int]]
) -> None:
    path = tmp_path / f"heat-{abs(hash(tuple(ops)))}.sqlite3"
    path.unlink(missing_ok=True)
    store = await open_test_storage(path)
    try:
        idea = await add_idea(store, "Hot")
        standing: dict[str, tuple[int, datetime]] = {}
        for voter, value, hours in ops:
            when = NOW + timedelta(hours=hours)  # out of order, too: clocks and replays
            async with store.transaction():
                if value == 0:
                    await store.votes.write_many(C, [], [(idea.id, voter)], when)
                    standing.pop(voter, None)
                else:
                    vote = Vote(idea.id, voter, value, "👍" if value > 0 else "👎")
                    await store.votes.write_many(C, [vote], [], when)
                    standing[voter] = (value, when)
        at = NOW + timedelta(days=12)
        expected = decayed([w for v, w in standing.values() if v > 0], at)
        assert math.isclose(await heat(store, idea.id, at), expected, rel_tol=1e-9, abs_tol=1e-9)
    finally:
        await store.close()


async def test_trending_puts_recent_support_above_older_support(store: SqliteStorage) -> None:
    old = await add_idea(store, "Old", author="a1")
    fresh = await add_idea(store, "Fresh", author="a2")
    async with store.transaction():
        votes = [Vote(old.id, f"o{n}", 1, "👍") for n in range(4)]
        await store.votes.write_many(C, votes, [], NOW)
        await store.votes.write_many(
            C, [Vote(fresh.id, "f1", 1, "👍")], [], NOW + timedelta(days=8)
        )
    at = NOW + timedelta(days=8)
    top = await store.board.ideas(C, PUBLIC_STATUSES, None, "top", at, 10, 0)
    trending = await store.board.ideas(C, PUBLIC_STATUSES, None, "trending", at, 10, 0)
    assert [i.id for i in top] == [old.id, fresh.id]
    # four votes 8 days old weigh 4 * 2^(-8/3.5) ≈ 0.82, less than one vote now
    assert [i.id for i in trending] == [fresh.id, old.id]


async def test_upgrade_fills_history_and_heat_of_existing_ideas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = migrations()
    before = [m for m in every if m[0] < 16]
    monkeypatch.setattr(dbmod, "migrations", lambda: before)
    database = Database(str(tmp_path / "old.sqlite3"))
    await database.open()
    try:
        await database.migrate()
        await database.execute(
            "INSERT INTO communities (id, platform, created_at) VALUES (?, 'console', '')", (C,)
        )
        stamp = "2026-01-05T09:00:00.000000Z"
        for idea_id, status, reason in (
            (1, "new", ""),
            (2, "declined", "Too costly"),
            (3, "shipped", ""),
        ):
            await database.execute(
                "INSERT INTO ideas (id, community_id, title, title_key, author_id, status,"
                " decline_reason, created_at, updated_at) VALUES (?, ?, ?, ?, 'a', ?, ?, ?, ?)",
                (idea_id, C, f"t{idea_id}", f"t{idea_id}", status, reason, stamp, stamp),
            )
        await database.execute(
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
            " updated_at) VALUES (?, 1, 'v1', 1, '👍', ?, ?), (?, 1, 'v2', 1, '👍', ?, ?)",
            (C, stamp, stamp, C, stamp, stamp),
        )
        monkeypatch.setattr(dbmod, "migrations", lambda: every)
        assert 16 in await database.migrate()
        rows = await database.fetchall(
            "SELECT idea_id, status, note FROM idea_status_history ORDER BY idea_id"
        )
        assert [tuple(r) for r in rows] == [(2, "declined", "Too costly"), (3, "shipped", "")]
        row = await database.fetchone(
            "SELECT heat, heat_at, julianday(?) AS j FROM idea_tallies WHERE idea_id = 1", (stamp,)
        )
        assert row is not None
        assert row["heat"] == pytest.approx(2.0) and row["heat_at"] == pytest.approx(row["j"])
    finally:
        await database.close()
