"""SQLite reward catalogue and redemptions.

State changes are conditional updates (``... WHERE status = 'held'``, ``... AND stock > 0``)
whose row count says whether they happened, so two moderators acting at once cannot approve
the same redemption twice or hand out stock that is not there.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.ports.rewards import Redemption, RedemptionStatus, Reward, RewardNameTaken, reward_key
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts

_REWARD_COLUMNS = (
    "r.id, r.community_id, r.name, r.cost, r.stock, r.active, r.created_at,"
    " (SELECT count(*) FROM redemptions d WHERE d.reward_id = r.id AND d.status = 'held') AS held"
)
_REDEMPTION_COLUMNS = (
    "d.id, d.community_id, d.reward_id, r.name AS reward_name, d.member_id, d.cost, d.status,"
    " d.reason, d.created_at, d.decided_at, d.decided_by"
)


def _reward(row: Any) -> Reward:
    return Reward(
        id=int(row["id"]),
        community_id=row["community_id"],
        name=row["name"],
        cost=int(row["cost"]),
        stock=None if row["stock"] is None else int(row["stock"]),
        active=bool(row["active"]),
        created_at=req_ts(row["created_at"]),
        held=int(row["held"]),
    )


def _redemption(row: Any) -> Redemption:
    return Redemption(
        id=int(row["id"]),
        community_id=row["community_id"],
        reward_id=int(row["reward_id"]),
        reward_name=row["reward_name"],
        member_id=row["member_id"],
        cost=int(row["cost"]),
        status=RedemptionStatus(row["status"]),
        reason=row["reason"],
        created_at=req_ts(row["created_at"]),
        decided_at=parse_ts(row["decided_at"]),
        decided_by=row["decided_by"],
    )


class SqliteRewardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, community_id: str, name: str, cost: int, stock: int | None, now: datetime
    ) -> Reward:
        try:
            cur = await self.db.execute(
                "INSERT INTO rewards (community_id, name, name_key, cost, stock, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (community_id, name, reward_key(name), cost, stock, ts(now)),
            )
        except sqlite3.IntegrityError as exc:
            if "rewards" in str(exc) and "name_key" in str(exc):
                raise RewardNameTaken(name) from exc
            raise
        reward_id = cur.lastrowid
        assert reward_id is not None
        return Reward(reward_id, community_id, name, cost, stock, True, now)

    async def get(self, community_id: str, reward_id: int) -> Reward | None:
        row = await self.db.fetchone(
            f"SELECT {_REWARD_COLUMNS} FROM rewards r WHERE r.community_id = ? AND r.id = ?",
            (community_id, reward_id),
        )
        return None if row is None else _reward(row)

    async def by_name(self, community_id: str, name: str) -> Reward | None:
        row = await self.db.fetchone(
            f"SELECT {_REWARD_COLUMNS} FROM rewards r"
            " WHERE r.community_id = ? AND r.name_key = ? AND r.active = 1",
            (community_id, reward_key(name)),
        )
        return None if row is None else _reward(row)

    async def catalogue(self, community_id: str) -> list[Reward]:
        rows = await self.db.fetchall(
            f"SELECT {_REWARD_COLUMNS} FROM rewards r WHERE r.community_id = ? AND r.active = 1"
            " ORDER BY r.cost, r.name_key, r.id",
            (community_id,),
        )
        return [_reward(row) for row in rows]

    async def update(
        self, community_id: str, reward_id: int, name: str, cost: int, stock: int | None
    ) -> bool:
        try:
            cur = await self.db.execute(
                "UPDATE rewards SET name = ?, name_key = ?, cost = ?, stock = ?"
                " WHERE community_id = ? AND id = ? AND active = 1",
                (name, reward_key(name), cost, stock, community_id, reward_id),
            )
        except sqlite3.IntegrityError as exc:
            if "rewards" in str(exc) and "name_key" in str(exc):
                raise RewardNameTaken(name) from exc
            raise
        return cur.rowcount == 1

    async def deactivate(self, community_id: str, reward_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE rewards SET active = 0 WHERE community_id = ? AND id = ? AND active = 1",
            (community_id, reward_id),
        )
        return cur.rowcount == 1

    async def take_one(self, community_id: str, reward_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE rewards SET stock = CASE WHEN stock IS NULL THEN NULL ELSE stock - 1 END"
            " WHERE community_id = ? AND id = ? AND (stock IS NULL OR stock > 0)",
            (community_id, reward_id),
        )
        return cur.rowcount == 1

    async def hold(
        self, community_id: str, reward_id: int, member_id: str, cost: int, now: datetime
    ) -> Redemption:
        cur = await self.db.execute(
            "INSERT INTO redemptions (community_id, reward_id, member_id, cost, status, created_at)"
            " VALUES (?, ?, ?, ?, 'held', ?)",
            (community_id, reward_id, member_id, cost, ts(now)),
        )
        redemption_id = cur.lastrowid
        assert redemption_id is not None
        found = await self.redemption(community_id, redemption_id)
        assert found is not None
        return found

    async def redemption(self, community_id: str, redemption_id: int) -> Redemption | None:
        row = await self.db.fetchone(
            f"SELECT {_REDEMPTION_COLUMNS} FROM redemptions d JOIN rewards r ON r.id = d.reward_id"
            " WHERE d.community_id = ? AND d.id = ?",
            (community_id, redemption_id),
        )
        return None if row is None else _redemption(row)

    async def decide(
        self,
        community_id: str,
        redemption_id: int,
        status: RedemptionStatus,
        actor_id: str,
        now: datetime,
        reason: str = "",
    ) -> bool:
        if status == RedemptionStatus.HELD:
            raise ValueError("a decision moves a redemption out of held")
        cur = await self.db.execute(
            "UPDATE redemptions SET status = ?, reason = ?, decided_at = ?, decided_by = ?"
            " WHERE community_id = ? AND id = ? AND status = 'held'",
            (status.value, reason, ts(now), actor_id, community_id, redemption_id),
        )
        return cur.rowcount == 1

    async def pending(self, community_id: str, limit: int = 25) -> list[Redemption]:
        rows = await self.db.fetchall(
            f"SELECT {_REDEMPTION_COLUMNS} FROM redemptions d JOIN rewards r ON r.id = d.reward_id"
            " WHERE d.community_id = ? AND d.status = 'held' ORDER BY d.id LIMIT ?",
            (community_id, limit),
        )
        return [_redemption(row) for row in rows]
