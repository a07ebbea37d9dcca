"""Contract tests for the ledger repository on a real SQLite file: idempotent appends, an
append-only table, balances and rank counts kept by triggers, caps and leaderboards."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from storage.sqlite.store import SqliteStorage
from tests.storage.conftest import NOW, A, B


async def pay(store: SqliteStorage, member: str, amount: int, key: str, **kw: Any) -> bool:
    o: dict[str, Any] = {"rule": "manual", "day": "2026-01-05", "now": NOW, "community": A} | kw
    args = (o["community"], member, amount, o["rule"], key, o["now"], o["day"], o.get("reason", ""))
    return await store.ledger.append(*args)


async def test_append_is_idempotent_and_balance_is_the_sum(store: SqliteStorage) -> None:
    assert await pay(store, "bob", 10, "k1", reason="first")
    assert not await pay(store, "bob", 999, "k1")
    assert await pay(store, "bob", -3, "k2")
    assert await pay(store, "bob", 5, "k1", community=B)  # keys are per community
    pairs = ((A, "bob"), (B, "bob"), (A, "nobody"))
    assert [await store.ledger.balance(c, m) for c, m in pairs] == [7, 5, 0]
    entry = await store.ledger.by_key(A, "k1")
    assert entry is not None and entry.amount == 10 and entry.reason == "first"
    assert [e.idem_key for e in await store.ledger.history(A, "bob")] == ["k2", "k1"]
    sums = await store.db.fetchall(
        "SELECT community_id, member_id, sum(amount) FROM ledger GROUP BY 1, 2 ORDER BY 1"
    )
    assert [tuple(r) for r in sums] == [(A, "bob", 7), (B, "bob", 5)]


async def test_ledger_is_append_only(store: SqliteStorage) -> None:
    await pay(store, "bob", 10, "k1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        await store.db.execute("UPDATE ledger SET amount = 1000")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        await store.db.execute("DELETE FROM ledger")
    with pytest.raises(sqlite3.IntegrityError):
        await store.db.execute(
            "INSERT INTO ledger (community_id, member_id, amount, rule, idem_key, day, created_at)"
            " VALUES (?, 'bob', 1, 'manual', 'k1', 'd', 'now')",
            (A,),
        )
    assert await store.ledger.balance(A, "bob") == 10


async def test_earned_on_is_the_net_of_one_rule_on_one_day(store: SqliteStorage) -> None:
    await pay(store, "bob", 3, "a", rule="vote_cast", day="2026-01-05")
    await pay(store, "bob", 2, "b", rule="vote_cast", day="2026-01-05")
    await pay(store, "bob", -2, "c", rule="vote_cast", day="2026-01-05")  # a reversal
    await pay(store, "bob", 7, "d", rule="vote_cast", day="2026-01-06")
    await pay(store, "bob", 9, "e", rule="thread_comment", day="2026-01-05")
    # a reversal gives back room under the daily cap: toggling a reaction burns nothing
    assert await store.ledger.earned_on(A, "bob", "vote_cast", "2026-01-05") == 3
    assert await store.ledger.earned_on(A, "bob", "vote_cast", "2026-01-06") == 7
    assert await store.ledger.earned_on(A, "carol", "vote_cast", "2026-01-05") == 0


async def test_top_and_rank_all_time_and_since(store: SqliteStorage) -> None:
    old = NOW - timedelta(days=40)
    await pay(store, "ann", 50, "a1", now=old)
    for member, amount, key in (("ann", 5, "a2"), ("bob", 20, "b1"), ("cat", 20, "c1")):
        await pay(store, member, amount, key)
    await pay(store, "dan", 5, "d1", community=B)
    assert await store.ledger.top(A, None) == [("ann", 55), ("bob", 20), ("cat", 20)]
    assert await store.ledger.top(A, None, limit=1) == [("ann", 55)]
    since = NOW - timedelta(days=7)
    assert await store.ledger.top(A, since) == [("bob", 20), ("cat", 20), ("ann", 5)]
    assert await store.ledger.rank(A, "ann", None) == (1, 55)
    assert await store.ledger.rank(A, "cat", None) == (2, 20)  # ties share a rank
    assert await store.ledger.rank(A, "ann", since) == (3, 5)
    assert await store.ledger.rank(A, "dan", None) is None


async def test_redemptions_lower_the_balance_but_not_the_leaderboard(store: SqliteStorage) -> None:
    await pay(store, "ann", 100, "a1")
    await pay(store, "bob", 80, "b1")
    await pay(store, "ann", -60, "hold", rule="redemption")
    assert await store.ledger.balance(A, "ann") == 40
    assert await store.db.scalar("SELECT earned FROM balances WHERE member_id = 'ann'") == 100
    since = NOW - timedelta(days=1)
    for period in (None, since):
        assert await store.ledger.top(A, period) == [("ann", 100), ("bob", 80)]
        assert await store.ledger.rank(A, "ann", period) == (1, 100)
        assert await store.ledger.rank(A, "bob", period) == (2, 80)


async def test_rank_counts_follow_balances(store: SqliteStorage) -> None:
    await pay(store, "ann", 5, "a")
    await pay(store, "bob", 5, "b")
    await pay(store, "cat", 9, "c")
    await pay(store, "bob", 4, "d")  # bob moves from 5 to 9
    await pay(store, "dan", 2, "e", rule="redemption")  # spending never ranks
    counts = await store.db.fetchall(
        "SELECT earned, members FROM earned_counts WHERE community_id = ? ORDER BY earned",
        (A,),
    )
    grouped = await store.db.fetchall(
        "SELECT earned, count(*) FROM balances WHERE community_id = ? GROUP BY earned"
        " ORDER BY earned",
        (A,),
    )
    assert [tuple(r) for r in counts] == [tuple(r) for r in grouped] == [(0, 1), (5, 1), (9, 2)]
    assert await store.ledger.rank(A, "ann", None) == (3, 5)
    assert await store.ledger.rank(A, "bob", None) == (1, 9)
