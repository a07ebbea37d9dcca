"""Campaigns (the rounds and schedules come with the campaigns issue)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.errors import UserError
from bot.models import Campaign, CampaignMode, Phase
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts


def _campaign(row: Any) -> Campaign:
    return Campaign(
        id=row["id"],
        community_id=row["community_id"],
        name=row["name"],
        brief=row["brief"],
        mode=CampaignMode(row["mode"]),
        phase=Phase(row["phase"]),
        winners=row["winners"],
        created_by=row["created_by"],
        created_at=req_ts(row["created_at"]),
        closed_at=parse_ts(row["closed_at"]),
    )


class SqliteCampaignRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        community_id: str,
        name: str,
        brief: str,
        mode: CampaignMode,
        phase: Phase,
        winners: int,
        created_by: str,
        now: datetime,
    ) -> Campaign:
        try:
            cur = await self.db.execute(
                "INSERT INTO campaigns (community_id, name, brief, mode, phase, winners,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, name, brief, mode.value, phase.value, winners, created_by, ts(now)),
            )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a campaign called {name!r}.") from None
        assert cur.lastrowid is not None
        return Campaign(
            cur.lastrowid, community_id, name, brief, mode, phase, winners, created_by, now
        )

    async def get(self, community_id: str, campaign_id: int) -> Campaign | None:
        row = await self.db.fetchone(
            "SELECT * FROM campaigns WHERE community_id = ? AND id = ?",
            (community_id, campaign_id),
        )
        return None if row is None else _campaign(row)

    async def by_name(self, community_id: str, name: str) -> Campaign | None:
        row = await self.db.fetchone(
            "SELECT * FROM campaigns WHERE community_id = ? AND lower(name) = lower(?)",
            (community_id, name.strip()),
        )
        return None if row is None else _campaign(row)

    async def in_community(self, community_id: str, include_closed: bool = False) -> list[Campaign]:
        sql = "SELECT * FROM campaigns WHERE community_id = ?"
        if not include_closed:
            sql += " AND phase NOT IN ('closed', 'cancelled')"
        rows = await self.db.fetchall(sql + " ORDER BY id", (community_id,))
        return [_campaign(r) for r in rows]

    async def set_phase(self, campaign_id: int, expected: Phase, new: Phase, now: datetime) -> bool:
        closed = ts(now) if new in (Phase.CLOSED, Phase.CANCELLED) else None
        cur = await self.db.execute(
            "UPDATE campaigns SET phase = ?, closed_at = ifnull(?, closed_at)"
            " WHERE id = ? AND phase = ?",
            (new.value, closed, campaign_id, expected.value),
        )
        return cur.rowcount == 1
