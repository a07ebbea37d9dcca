"""The public board's queries: ideas pages, an idea's status history, campaigns with their
rounds' archived results, and the leaderboard with display names (never member ids)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.models import IdeaStatus
from bot.ports.board import (
    HEAT_HALF_LIFE_DAYS,
    BoardCampaign,
    BoardIdea,
    BoardRound,
    IdeaOrder,
    LeaderRow,
    ResultRow,
    StatusChange,
)
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts

_IDEA_COLUMNS = (
    "i.id, i.title, i.description, i.author_name, i.status, i.campaign_id,"
    " ifnull(c.name, '') AS campaign, i.vote_mode, ifnull(t.voters, 0) AS voters,"
    " ifnull(t.up, 0) AS up, ifnull(t.down, 0) AS down, ifnull(t.total, 0) AS total,"
    " i.created_at, i.updated_at, i.decline_reason, i.merged_into, i.thread_url"
)
_IDEA_FROM = (
    " FROM ideas i LEFT JOIN idea_tallies t ON t.idea_id = i.id"
    " LEFT JOIN campaigns c ON c.id = i.campaign_id"
)
_ORDER = {
    "top": "ifnull(t.up, 0) DESC, ifnull(t.voters, 0) DESC, i.id ASC",
    "new": "i.id DESC",
    "updated": "i.updated_at DESC, i.id DESC",
    # the heat kept by migration 0016's triggers, decayed to now (every exponent <= 0)
    "trending": "ifnull(t.heat * pow(2, (t.heat_at - ?) / ?), 0) DESC, ifnull(t.up, 0) DESC,"
    " i.id DESC",
}


def julian_day(when: datetime) -> float:
    """SQLite's julianday() of a moment, computed here (one number per query)."""
    return when.astimezone(UTC).timestamp() / 86400.0 + 2440587.5


def _idea(row: Any) -> BoardIdea:
    return BoardIdea(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        author=row["author_name"] or "A member",
        status=IdeaStatus(row["status"]),
        campaign_id=row["campaign_id"],
        campaign=row["campaign"],
        vote_mode=row["vote_mode"],
        voters=row["voters"],
        up=row["up"],
        down=row["down"],
        total=row["total"],
        created_at=req_ts(row["created_at"]),
        updated_at=req_ts(row["updated_at"]),
        decline_reason=row["decline_reason"],
        merged_into=row["merged_into"],
        thread_url=row["thread_url"],
    )


def _where(
    community_id: str, statuses: tuple[IdeaStatus, ...], campaign_id: int | None
) -> tuple[str, list[Any]]:
    where = f"i.community_id = ? AND i.status IN ({','.join('?' * len(statuses))})"
    params: list[Any] = [community_id, *(s.value for s in statuses)]
    if campaign_id is not None:
        where += " AND i.campaign_id = ?"
        params.append(campaign_id)
    return where, params


class SqliteBoardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ideas(
        self,
        community_id: str,
        statuses: tuple[IdeaStatus, ...],
        campaign_id: int | None,
        sort: IdeaOrder,
        now: datetime,
        limit: int,
        offset: int,
    ) -> list[BoardIdea]:
        # two steps: rank narrow rows (id and sort keys, from the indexes) to find the page,
        # then read the page's ideas in full; sorting whole rows would carry every description
        where, params = _where(community_id, statuses, campaign_id)
        joins = " LEFT JOIN idea_tallies t ON t.idea_id = i.id" if sort != "new" else ""
        order_params: list[Any] = []
        if sort == "trending":
            order_params = [julian_day(now), HEAT_HALF_LIFE_DAYS]
        ranked = await self.db.fetchall(
            f"SELECT i.id FROM ideas i{joins} WHERE {where}"
            f" ORDER BY {_ORDER[sort]} LIMIT ? OFFSET ?",
            (*params, *order_params, limit, offset),
        )
        ids = [r[0] for r in ranked]
        if not ids:
            return []
        rows = await self.db.fetch_in(
            f"SELECT {_IDEA_COLUMNS}{_IDEA_FROM} WHERE i.id IN ({{marks}})", (), ids
        )
        found = {r["id"]: _idea(r) for r in rows}
        return [found[i] for i in ids]

    async def count(
        self, community_id: str, statuses: tuple[IdeaStatus, ...], campaign_id: int | None
    ) -> int:
        where, params = _where(community_id, statuses, campaign_id)
        value = await self.db.scalar(f"SELECT count(*) FROM ideas i WHERE {where}", params)
        return int(value or 0)

    async def idea(self, community_id: str, idea_id: int) -> BoardIdea | None:
        row = await self.db.fetchone(
            f"SELECT {_IDEA_COLUMNS}{_IDEA_FROM} WHERE i.community_id = ? AND i.id = ?",
            (community_id, idea_id),
        )
        return None if row is None else _idea(row)

    async def history(self, idea_id: int) -> list[StatusChange]:
        rows = await self.db.fetchall(
            "SELECT status, note, changed_at FROM idea_status_history WHERE idea_id = ?"
            " ORDER BY id",
            (idea_id,),
        )
        return [StatusChange(IdeaStatus(r[0]), r[1], req_ts(r[2])) for r in rows]

    async def latest_notes(
        self, idea_ids: list[int], status: IdeaStatus
    ) -> dict[int, StatusChange]:
        rows = await self.db.fetch_in(
            "SELECT idea_id, status, note, changed_at FROM idea_status_history WHERE id IN"
            " (SELECT max(id) FROM idea_status_history WHERE status = ?"
            " AND idea_id IN ({marks}) GROUP BY idea_id)",
            (status.value,),
            idea_ids,
        )
        return {r[0]: StatusChange(IdeaStatus(r[1]), r[2], req_ts(r[3])) for r in rows}

    async def campaigns(self, community_id: str) -> list[BoardCampaign]:
        rows = await self.db.fetchall(
            "SELECT c.id, c.name, c.brief, c.mode, c.phase, c.created_at, c.closed_at,"
            " (SELECT count(*) FROM ideas i WHERE i.community_id = c.community_id"
            " AND i.campaign_id = c.id AND i.status IN"
            " ('new', 'under_review', 'planned', 'in_progress', 'shipped', 'declined'))"
            " AS ideas,"
            " (SELECT count(*) FROM rounds r WHERE r.campaign_id = c.id) AS rounds"
            " FROM campaigns c WHERE c.community_id = ? AND c.phase <> 'cancelled'"
            " ORDER BY c.id DESC",
            (community_id,),
        )
        return [
            BoardCampaign(
                id=r["id"],
                name=r["name"],
                brief=r["brief"],
                mode=r["mode"],
                phase=r["phase"],
                ideas=r["ideas"],
                rounds=r["rounds"],
                created_at=req_ts(r["created_at"]),
                closed_at=parse_ts(r["closed_at"]),
            )
            for r in rows
        ]

    async def rounds(self, community_id: str, campaign_id: int) -> list[BoardRound]:
        rows = await self.db.fetchall(
            "SELECT number, phase, opens_at, voting_at, closes_at, closed_at, results"
            " FROM rounds WHERE community_id = ? AND campaign_id = ? AND phase <> 'cancelled'"
            " ORDER BY number DESC",
            (community_id, campaign_id),
        )
        return [
            BoardRound(
                number=r["number"],
                phase=r["phase"],
                opens_at=req_ts(r["opens_at"]),
                voting_at=parse_ts(r["voting_at"]),
                closes_at=parse_ts(r["closes_at"]),
                closed_at=parse_ts(r["closed_at"]),
                results=_results(r["results"]),
            )
            for r in rows
        ]

    async def leaderboard(
        self, community_id: str, limit: int, since: datetime | None = None
    ) -> list[LeaderRow]:
        """Points earned (spending on rewards left out), all time or since a moment."""
        if since is None:
            totals = (
                "SELECT member_id, earned AS points FROM balances"
                " WHERE community_id = ?1 AND earned > 0"
            )
            params: tuple[Any, ...] = (community_id, limit)
        else:
            totals = (
                "SELECT member_id, sum(amount) AS points FROM ledger"
                " WHERE community_id = ?1 AND created_at >= ?3 AND rule <> 'redemption'"
                " GROUP BY member_id HAVING points > 0"
            )
            params = (community_id, limit, ts(since))
        rows = await self.db.fetchall(
            f"SELECT s.points, ifnull(m.display_name, '') AS name FROM ({totals}"
            " ORDER BY points DESC, member_id LIMIT ?2) s"
            " LEFT JOIN members m ON m.community_id = ?1 AND m.member_id = s.member_id"
            " ORDER BY s.points DESC, s.member_id",
            params,
        )
        board: list[LeaderRow] = []
        for place, row in enumerate(rows, start=1):
            points = int(row["points"])
            # ties share a rank: 1, 2, 2, 4
            rank = board[-1].rank if board and board[-1].points == points else place
            board.append(LeaderRow(rank, row["name"] or "A member", points))
        return board


def _results(raw: str) -> tuple[ResultRow, ...]:
    """A closed round's archived results ([place, id, title, author, votes] rows)."""
    if not raw:
        return ()
    try:
        rows = json.loads(raw)
    except json.JSONDecodeError:
        return ()
    out = []
    for row in rows:
        try:
            place, idea_id, title, author, votes = row
            out.append(ResultRow(int(place), int(idea_id), str(title), str(author), str(votes)))
        except (TypeError, ValueError):
            continue
    return tuple(out)
