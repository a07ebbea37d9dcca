"""The append-only ledger; balances are maintained by a trigger (0001_core.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import LedgerEntry
from bot.ports.ledger import EarnedKey, NewEntry
from storage.sqlite.db import Database
from storage.sqlite.rows import req_ts, ts

#: the one statement that appends entries (benchmarks.ceiling writes with it too)
APPEND_SQL = (
    "INSERT INTO ledger (community_id, member_id, amount, rule, reason, idem_key, ref,"
    " actor_id, day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (community_id, idem_key) DO NOTHING"
)


def ledger_rows(entries: list[NewEntry], stamp: str) -> list[tuple[Any, ...]]:
    """The parameters of ``APPEND_SQL`` for each entry."""
    return [
        (
            e.community_id,
            e.member_id,
            e.amount,
            e.rule,
            e.reason,
            e.idem_key,
            e.ref,
            e.actor_id,
            e.day,
            stamp,
        )
        for e in entries
    ]


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        community_id=row["community_id"],
        member_id=row["member_id"],
        amount=row["amount"],
        rule=row["rule"],
        reason=row["reason"],
        idem_key=row["idem_key"],
        ref=row["ref"],
        actor_id=row["actor_id"],
        created_at=req_ts(row["created_at"]),
    )


class SqliteLedgerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(
        self,
        community_id: str,
        member_id: str,
        amount: int,
        rule: str,
        idem_key: str,
        now: datetime,
        day: str,
        reason: str = "",
        ref: str = "",
        actor_id: str = "",
    ) -> bool:
        cur = await self.db.execute(
            "INSERT INTO ledger (community_id, member_id, amount, rule, reason, idem_key, ref,"
            " actor_id, day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (community_id, idem_key) DO NOTHING",
            (community_id, member_id, amount, rule, reason, idem_key, ref, actor_id, day, ts(now)),
        )
        return cur.rowcount == 1

    async def append_many(self, entries: list[NewEntry], now: datetime) -> None:
        await self.db.executemany(APPEND_SQL, ledger_rows(entries, ts(now)))

    async def by_keys(self, community_id: str, keys: list[str]) -> dict[str, LedgerEntry]:
        rows = await self.db.fetch_in(
            "SELECT * FROM ledger WHERE community_id = ? AND idem_key IN ({marks})",
            (community_id,),
            (k for k in keys if k),
        )
        return {r["idem_key"]: _entry(r) for r in rows}

    async def earned_many(self, keys: list[EarnedKey]) -> dict[EarnedKey, int]:
        found = dict.fromkeys(keys, 0)
        rows = await self.db.fetch_values(
            "SELECT l.community_id, l.member_id, l.rule, l.day, sum(l.amount) FROM ledger l"
            " JOIN (VALUES {values}) AS k ON l.community_id = k.column1"
            " AND l.member_id = k.column2 AND l.rule = k.column3 AND l.day = k.column4"
            " GROUP BY l.community_id, l.member_id, l.rule, l.day",
            found,
        )
        for r in rows:
            found[(r[0], r[1], r[2], r[3])] = int(r[4])
        return found

    async def by_key(self, community_id: str, idem_key: str) -> LedgerEntry | None:
        row = await self.db.fetchone(
            "SELECT * FROM ledger WHERE community_id = ? AND idem_key = ?",
            (community_id, idem_key),
        )
        return None if row is None else _entry(row)

    async def earned_on(self, community_id: str, member_id: str, rule: str, day: str) -> int:
        value = await self.db.scalar(
            "SELECT ifnull(sum(amount), 0) FROM ledger WHERE community_id = ? AND member_id = ?"
            " AND rule = ? AND day = ?",
            (community_id, member_id, rule, day),
        )
        return int(value or 0)

    async def balance(self, community_id: str, member_id: str) -> int:
        value = await self.db.scalar(
            "SELECT balance FROM balances WHERE community_id = ? AND member_id = ?",
            (community_id, member_id),
        )
        return int(value or 0)

    async def balances(self, community_id: str, member_ids: list[str]) -> dict[str, int]:
        found = dict.fromkeys(member_ids, 0)
        rows = await self.db.fetch_in(
            "SELECT member_id, balance FROM balances WHERE community_id = ?"
            " AND member_id IN ({marks})",
            (community_id,),
            member_ids,
        )
        for r in rows:
            found[r["member_id"]] = int(r["balance"])
        return found

    async def earned_through_idea(
        self, community_id: str, member_id: str, idea_id: int
    ) -> list[LedgerEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM ledger l WHERE community_id = ? AND member_id = ? AND amount > 0"
            " AND idem_key NOT LIKE 'reverse:%'"
            " AND (ref = ? OR (rule = 'round_winner' AND ref LIKE 'campaign:%'"
            "      AND idem_key = 'winner:' || substr(ref, 10) || ':' || ?))"
            " AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.community_id = l.community_id"
            "      AND r.idem_key = 'reverse:' || l.idem_key)"
            " ORDER BY id",
            (community_id, member_id, f"idea:{idea_id}", str(idea_id)),
        )
        return [_entry(r) for r in rows]

    async def history(
        self, community_id: str, member_id: str, limit: int = 10
    ) -> list[LedgerEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM ledger WHERE community_id = ? AND member_id = ? ORDER BY id DESC"
            " LIMIT ?",
            (community_id, member_id, limit),
        )
        return [_entry(r) for r in rows]

    async def top(
        self, community_id: str, since: datetime | None, limit: int = 10
    ) -> list[tuple[str, int]]:
        if since is None:
            rows = await self.db.fetchall(
                "SELECT member_id, earned AS points FROM balances WHERE community_id = ?"
                " AND earned > 0 ORDER BY earned DESC, member_id LIMIT ?",
                (community_id, limit),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT member_id, sum(amount) AS points FROM ledger WHERE community_id = ?"
                " AND created_at >= ? AND rule <> 'redemption' GROUP BY member_id HAVING points > 0"
                " ORDER BY points DESC, member_id LIMIT ?",
                (community_id, ts(since), limit),
            )
        return [(r["member_id"], int(r["points"])) for r in rows]

    async def rank(
        self, community_id: str, member_id: str, since: datetime | None
    ) -> tuple[int, int] | None:
        """Rank = 1 + members strictly ahead. Leaderboards count points earned, not spent."""
        if since is None:
            mine = await self.db.scalar(
                "SELECT earned FROM balances WHERE community_id = ? AND member_id = ?",
                (community_id, member_id),
            )
            if mine is None or mine <= 0:
                return None
            ahead = await self.db.scalar(
                "SELECT ifnull(sum(members), 0) FROM earned_counts"
                " WHERE community_id = ? AND earned > ?",
                (community_id, mine),
            )
            return int(ahead) + 1, int(mine)
        mine = await self.db.scalar(
            "SELECT sum(amount) FROM ledger WHERE community_id = ? AND member_id = ?"
            " AND created_at >= ? AND rule <> 'redemption'",
            (community_id, member_id, ts(since)),
        )
        if mine is None or mine <= 0:
            return None
        ahead = await self.db.scalar(
            "SELECT count(*) FROM (SELECT member_id FROM ledger WHERE community_id = ?"
            " AND created_at >= ? AND rule <> 'redemption' GROUP BY member_id"
            " HAVING sum(amount) > ?)",
            (community_id, ts(since), mine),
        )
        return int(ahead) + 1, int(mine)

    # -- seasons: the points that refer to one campaign or to its ideas -----------------
    _SEASON = (
        "SELECT member_id, sum(amount) AS points FROM ledger WHERE community_id = ?"
        " AND ref IN (SELECT 'idea:' || id FROM ideas WHERE community_id = ? AND campaign_id = ?"
        " UNION ALL SELECT ?) AND rule <> 'redemption' GROUP BY member_id HAVING points > 0"
    )

    async def season_top(
        self, community_id: str, campaign_id: int, limit: int = 10
    ) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            self._SEASON + " ORDER BY points DESC, member_id LIMIT ?",
            (community_id, community_id, campaign_id, f"campaign:{campaign_id}", limit),
        )
        return [(r["member_id"], int(r["points"])) for r in rows]

    async def season_rank(
        self, community_id: str, campaign_id: int, member_id: str
    ) -> tuple[int, int] | None:
        row = await self.db.fetchone(
            f"WITH s AS ({self._SEASON}) SELECT (SELECT points FROM s WHERE member_id = ?) AS mine,"
            " (SELECT count(*) FROM s WHERE points > (SELECT points FROM s WHERE member_id = ?))"
            " AS ahead",
            (
                community_id,
                community_id,
                campaign_id,
                f"campaign:{campaign_id}",
                member_id,
                member_id,
            ),
        )
        if row is None or row["mine"] is None:
            return None
        return int(row["ahead"]) + 1, int(row["mine"])
