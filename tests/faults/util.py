"""Helpers shared by the fault tests."""

from __future__ import annotations

from typing import Any

from storage.sqlite.db import Database
from tests.harness import Harness

#: bookkeeping the engine writes for every event it sees, even one it ignores or refuses by
#: reply (the claimed event id, who was seen, that the community exists); no member sees them
BOOKKEEPING = frozenset({"processed_events", "members", "communities"})

Dump = dict[str, list[tuple[Any, ...]]]


async def dump(h: Harness, skip: frozenset[str] = frozenset()) -> Dump:
    """Every row of every table (but ``skip``), in a stable order."""
    names = await h.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    out: Dump = {}
    for (name,) in names:
        if name in skip:
            continue
        rows = await h.db.fetchall(f"SELECT * FROM {name}")
        out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def ledger_mismatches(db: Database) -> list[tuple[Any, ...]]:
    """Members whose balance is not the sum of their ledger entries (should be none)."""
    rows = await db.fetchall(
        "SELECT b.community_id, b.member_id, b.balance, s.total FROM balances b"
        " FULL OUTER JOIN (SELECT community_id, member_id, sum(amount) AS total FROM ledger"
        " GROUP BY community_id, member_id) s USING (community_id, member_id)"
        " WHERE b.balance IS NOT s.total"
    )
    return [tuple(r) for r in rows]
