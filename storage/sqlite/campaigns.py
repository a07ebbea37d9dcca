"""Campaigns and their rounds.

``campaigns.phase`` is the guard every transition updates conditionally (``WHERE phase = ?``),
so a step fired twice, or by two processes sharing the database, takes effect once.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.errors import UserError
from bot.models import Campaign, CampaignMode, Phase, Round
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts

ACTIVE = ("scheduled", "submissions", "voting")


def _campaign(row: Any) -> Campaign:
    paused = row["paused_phase"]
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
        channel_id=row["channel_id"],
        current_round=row["current_round"],
        paused_phase=Phase(paused) if paused else None,
        paused_at=parse_ts(row["paused_at"]),
        schedule=row["schedule"],
        submit_seconds=row["submit_seconds"],
        vote_seconds=row["vote_seconds"],
    )


def _round(row: Any, prefix: str = "") -> Round:
    return Round(
        id=row[prefix + "id"],
        community_id=row[prefix + "community_id"],
        campaign_id=row[prefix + "campaign_id"],
        number=row[prefix + "number"],
        phase=Phase(row[prefix + "phase"]),
        opens_at=req_ts(row[prefix + "opens_at"]),
        voting_at=parse_ts(row[prefix + "voting_at"]),
        closes_at=parse_ts(row[prefix + "closes_at"]),
        remind_at=parse_ts(row[prefix + "remind_at"]),
        reminded=bool(row[prefix + "reminded"]),
        created_at=req_ts(row[prefix + "created_at"]),
        closed_at=parse_ts(row[prefix + "closed_at"]),
        results=row[prefix + "results"],
    )


def _opt(when: datetime | None) -> str | None:
    return None if when is None else ts(when)


_ROUND_COLUMNS = (
    "id",
    "community_id",
    "campaign_id",
    "number",
    "phase",
    "opens_at",
    "voting_at",
    "closes_at",
    "remind_at",
    "reminded",
    "created_at",
    "closed_at",
    "results",
)
_R_SELECT = ", ".join(f"r.{c} AS r_{c}" for c in _ROUND_COLUMNS)


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
        *,
        channel_id: str = "",
        schedule: str = "",
        submit_seconds: int | None = None,
        vote_seconds: int | None = None,
    ) -> Campaign:
        try:
            cur = await self.db.execute(
                "INSERT INTO campaigns (community_id, name, brief, mode, phase, winners,"
                " created_by, created_at, channel_id, schedule, submit_seconds, vote_seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    community_id,
                    name,
                    brief,
                    mode.value,
                    phase.value,
                    winners,
                    created_by,
                    ts(now),
                    channel_id,
                    schedule,
                    submit_seconds,
                    vote_seconds,
                ),
            )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a campaign called {name!r}.") from None
        assert cur.lastrowid is not None
        return Campaign(
            cur.lastrowid,
            community_id,
            name,
            brief,
            mode,
            phase,
            winners,
            created_by,
            now,
            channel_id=channel_id,
            schedule=schedule,
            submit_seconds=submit_seconds,
            vote_seconds=vote_seconds,
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

    async def set_phase(
        self,
        campaign_id: int,
        expected: Phase,
        new: Phase,
        now: datetime,
        round_id: int | None = None,
    ) -> bool:
        closed = ts(now) if new in (Phase.CLOSED, Phase.CANCELLED) else None
        sql = (
            "UPDATE campaigns SET phase = ?, closed_at = ifnull(?, closed_at)"
            " WHERE id = ? AND phase = ?"
        )
        args: tuple[Any, ...] = (new.value, closed, campaign_id, expected.value)
        if round_id is not None:
            sql += " AND current_round = ?"
            args += (round_id,)
        cur = await self.db.execute(sql, args)
        return cur.rowcount == 1

    async def update(
        self,
        campaign_id: int,
        *,
        name: str,
        brief: str,
        winners: int,
        schedule: str,
        submit_seconds: int | None,
        vote_seconds: int | None,
    ) -> None:
        try:
            await self.db.execute(
                "UPDATE campaigns SET name = ?, brief = ?, winners = ?, schedule = ?,"
                " submit_seconds = ?, vote_seconds = ? WHERE id = ?",
                (name, brief, winners, schedule, submit_seconds, vote_seconds, campaign_id),
            )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a campaign called {name!r}.") from None

    async def pause(self, campaign_id: int, expected: Phase, now: datetime) -> bool:
        cur = await self.db.execute(
            "UPDATE campaigns SET phase = 'paused', paused_phase = ?, paused_at = ?"
            " WHERE id = ? AND phase = ?",
            (expected.value, ts(now), campaign_id, expected.value),
        )
        return cur.rowcount == 1

    async def resume(self, campaign_id: int, into: Phase) -> bool:
        cur = await self.db.execute(
            "UPDATE campaigns SET phase = ?, paused_phase = NULL, paused_at = NULL"
            " WHERE id = ? AND phase = 'paused'",
            (into.value, campaign_id),
        )
        return cur.rowcount == 1

    # -- rounds ---------------------------------------------------------------------------
    async def add_round(self, round_: Round) -> Round:
        cur = await self.db.execute(
            "INSERT INTO rounds (community_id, campaign_id, number, phase, opens_at, voting_at,"
            " closes_at, remind_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                round_.community_id,
                round_.campaign_id,
                round_.number,
                round_.phase.value,
                ts(round_.opens_at),
                _opt(round_.voting_at),
                _opt(round_.closes_at),
                _opt(round_.remind_at),
                ts(round_.created_at),
            ),
        )
        assert cur.lastrowid is not None
        round_.id = cur.lastrowid
        await self.db.execute(
            "UPDATE campaigns SET current_round = ? WHERE id = ?", (round_.id, round_.campaign_id)
        )
        return round_

    async def round(self, round_id: int) -> Round | None:
        row = await self.db.fetchone("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return None if row is None else _round(row)

    async def rounds(self, campaign_id: int) -> list[Round]:
        rows = await self.db.fetchall(
            "SELECT * FROM rounds WHERE campaign_id = ? ORDER BY number", (campaign_id,)
        )
        return [_round(r) for r in rows]

    async def set_round_times(
        self,
        round_id: int,
        voting_at: datetime | None,
        closes_at: datetime | None,
        remind_at: datetime | None,
    ) -> None:
        await self.db.execute(
            "UPDATE rounds SET voting_at = ?, closes_at = ?, remind_at = ? WHERE id = ?",
            (_opt(voting_at), _opt(closes_at), _opt(remind_at), round_id),
        )

    async def shift_round(self, round_id: int, after: datetime, by: timedelta) -> None:
        """Move the round's due times later than ``after`` by ``by`` (a pause's length)."""
        for column in ("opens_at", "voting_at", "closes_at", "remind_at"):
            rows = await self.db.fetchall(
                f"SELECT {column} AS t FROM rounds WHERE id = ? AND {column} > ?",
                (round_id, ts(after)),
            )
            for row in rows:
                moved = req_ts(row["t"]) + by
                await self.db.execute(
                    f"UPDATE rounds SET {column} = ? WHERE id = ?", (ts(moved), round_id)
                )

    async def set_round_phase(
        self, round_id: int, new: Phase, now: datetime, results: str | None = None
    ) -> None:
        closed = ts(now) if new in (Phase.CLOSED, Phase.CANCELLED) else None
        await self.db.execute(
            "UPDATE rounds SET phase = ?, closed_at = ifnull(?, closed_at),"
            " results = ifnull(?, results) WHERE id = ?",
            (new.value, closed, results, round_id),
        )

    async def mark_reminded(self, round_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE rounds SET reminded = 1 WHERE id = ? AND reminded = 0", (round_id,)
        )
        return cur.rowcount == 1

    async def active_rounds(self, due_by: datetime | None = None) -> list[tuple[Campaign, Round]]:
        """Active campaigns (every community) with their current round; with ``due_by``, only
        those with a due time at or before it (the scheduler decides which step is due)."""
        sql = (
            f"SELECT c.*, {_R_SELECT} FROM campaigns c JOIN rounds r ON r.id = c.current_round"
            " WHERE c.phase IN ('scheduled', 'submissions', 'voting')"
        )
        args: tuple[Any, ...] = ()
        if due_by is not None:
            when = ts(due_by)
            sql += (
                " AND ((c.phase = 'scheduled' AND r.opens_at <= ?)"
                " OR (c.phase = 'submissions' AND r.voting_at <= ?) OR r.closes_at <= ?"
                " OR (r.reminded = 0 AND r.remind_at <= ?))"
            )
            args = (when, when, when, when)
        rows = await self.db.fetchall(sql + " ORDER BY c.id", args)
        return [(_campaign(r), _round(r, "r_")) for r in rows]
