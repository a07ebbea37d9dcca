"""The outbox: announcements stored with the transition that causes them, delivered from here.

A row is written in the transition's transaction (so a rolled-back transition announces
nothing), and marked delivered once the platform took it. A row whose attempt started but was
never confirmed (a crash mid-send) is sent again with the same key, which the platform
adapters pass on so the platform drops the second copy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import OutboxItem
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        community_id=row["community_id"],
        key=row["key"],
        target=row["target"],
        address=row["address"],
        payload=row["payload"],
        created_at=req_ts(row["created_at"]),
        due_at=req_ts(row["due_at"]),
        attempts=row["attempts"],
        sent_at=parse_ts(row["sent_at"]),
        delivered_at=parse_ts(row["delivered_at"]),
        message_id=row["message_id"],
        failed=row["failed"],
        kind=row["kind"],
    )


class SqliteOutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        community_id: str,
        key: str,
        target: str,
        address: str,
        payload: str,
        now: datetime,
        kind: str = "message",
    ) -> bool:
        """Store one row; False if this (key, target, address) is already stored."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO outbox (community_id, key, target, address, payload,"
            " created_at, due_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (community_id, key, target, address, payload, ts(now), ts(now), kind),
        )
        return cur.rowcount == 1

    async def due_with_keys(
        self, community_id: str, keys: list[str], now: datetime
    ) -> list[OutboxItem]:
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        rows = await self.db.fetchall(
            f"SELECT * FROM outbox WHERE community_id = ? AND key IN ({marks})"
            " AND delivered_at IS NULL AND due_at <= ? ORDER BY id",
            (community_id, *keys, ts(now)),
        )
        return [_item(r) for r in rows]

    async def with_key(self, community_id: str, key: str) -> list[OutboxItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE community_id = ? AND key = ? ORDER BY id",
            (community_id, key),
        )
        return [_item(r) for r in rows]

    async def given_up(self, community_id: str, kind: str) -> list[OutboxItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE community_id = ? AND kind = ?"
            " AND delivered_at IS NOT NULL AND message_id IS NULL AND failed != '' ORDER BY id",
            (community_id, kind),
        )
        return [_item(r) for r in rows]

    async def again(self, item_id: int, address: str, now: datetime) -> bool:
        cur = await self.db.execute(
            "UPDATE outbox SET address = ?, due_at = ?, attempts = 0, sent_at = NULL,"
            " delivered_at = NULL, failed = '' WHERE id = ? AND delivered_at IS NOT NULL",
            (address, ts(now), item_id),
        )
        return cur.rowcount == 1

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE delivered_at IS NULL AND due_at <= ? ORDER BY id LIMIT ?",
            (ts(now), limit),
        )
        return [_item(r) for r in rows]

    async def next_due(self) -> datetime | None:
        return parse_ts(
            await self.db.scalar("SELECT min(due_at) FROM outbox WHERE delivered_at IS NULL")
        )

    async def started(self, item_id: int, now: datetime, lease_until: datetime) -> bool:
        """Claim one attempt before sending: the row is not due again before ``lease_until``
        (then, unconfirmed, it is sent again). False if another sender claimed it first."""
        cur = await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, sent_at = ?, due_at = ?"
            " WHERE id = ? AND delivered_at IS NULL AND due_at <= ?",
            (ts(now), ts(lease_until), item_id, ts(now)),
        )
        return cur.rowcount == 1

    async def delivered(self, item_id: int, message_id: str | None, now: datetime) -> None:
        await self.db.execute(
            "UPDATE outbox SET delivered_at = ?, message_id = ? WHERE id = ?",
            (ts(now), message_id, item_id),
        )

    async def retry_at(self, item_id: int, when: datetime, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET due_at = ?, failed = ? WHERE id = ?", (ts(when), error, item_id)
        )

    async def give_up(self, item_id: int, now: datetime, reason: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET delivered_at = ?, failed = ? WHERE id = ?",
            (ts(now), reason or "gave up", item_id),
        )

    async def prune(self, delivered_before: datetime, limit: int) -> int:
        """Delete at most ``limit`` rows delivered (or given up on) before ``delivered_before``,
        oldest first; a row still to be sent is never touched."""
        cur = await self.db.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
            " WHERE delivered_at IS NOT NULL AND delivered_at < ? ORDER BY delivered_at LIMIT ?)",
            (ts(delivered_before), limit),
        )
        return cur.rowcount
