"""Counts for the moderators' charts: votes per hour, each round's participation, points per
rule. Aggregates only; no query here returns a member."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ports.insights import RoundCounts
from storage.sqlite.db import Database
from storage.sqlite.rows import req_ts, ts

#: ideas that never took part: withdrawn by their author or refused in the review queue
_LEFT_OUT = ("withdrawn", "rejected", "pending")


class SqliteInsightsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def votes_by_hour(self, community_id: str, since: datetime) -> list[tuple[datetime, int]]:
        rows = await self.db.fetchall(
            "SELECT substr(created_at, 1, 13) AS hour, count(*) AS n FROM votes"
            " WHERE community_id = ? AND created_at >= ? GROUP BY hour ORDER BY hour",
            (community_id, ts(since)),
        )
        return [
            (datetime.strptime(r["hour"], "%Y-%m-%dT%H").replace(tzinfo=UTC), int(r["n"]))
            for r in rows
        ]

    async def rounds(self, community_id: str, limit: int) -> list[RoundCounts]:
        marks = ", ".join("?" for _ in _LEFT_OUT)
        rows = await self.db.fetchall(
            "SELECT c.id AS campaign_id, c.name AS campaign, r.id AS round_id, r.number,"
            " r.phase, r.opens_at,"
            f" (SELECT count(*) FROM ideas i WHERE i.round_id = r.id AND i.status NOT IN ({marks}))"
            " AS ideas,"
            " (SELECT count(DISTINCT v.voter_id) FROM ideas i JOIN votes v ON v.idea_id = i.id"
            "  WHERE i.round_id = r.id) AS voters,"
            " (SELECT count(*) FROM ideas i JOIN votes v ON v.idea_id = i.id"
            "  WHERE i.round_id = r.id) AS votes"
            " FROM rounds r JOIN campaigns c ON c.id = r.campaign_id"
            " WHERE r.community_id = ? AND r.phase <> 'scheduled'"
            " ORDER BY r.opens_at DESC, r.id DESC LIMIT ?",
            (*_LEFT_OUT, community_id, limit),
        )
        return [
            RoundCounts(
                campaign_id=r["campaign_id"],
                campaign=r["campaign"],
                round_id=r["round_id"],
                number=r["number"],
                phase=r["phase"],
                opens_at=req_ts(r["opens_at"]),
                ideas=int(r["ideas"]),
                voters=int(r["voters"]),
                votes=int(r["votes"]),
            )
            for r in rows
        ]

    async def points_by_rule(self, community_id: str) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            "SELECT rule, sum(amount) AS points FROM ledger"
            " WHERE community_id = ? AND rule <> 'redemption' GROUP BY rule ORDER BY rule",
            (community_id,),
        )
        return [(r["rule"], int(r["points"])) for r in rows]
