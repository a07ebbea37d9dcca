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
        # one pass over the votes table (``+community_id`` keeps SQLite off any index by
        # community, which would cost a primary-key lookup per vote at a million votes)
        rows = await self.db.fetchall(
            "SELECT substr(created_at, 1, 13) AS hour, count(*) AS n FROM votes"
            " WHERE +community_id = ? AND created_at >= ? GROUP BY hour ORDER BY hour",
            (community_id, ts(since)),
        )
        return [
            (datetime.strptime(r["hour"], "%Y-%m-%dT%H").replace(tzinfo=UTC), int(r["n"]))
            for r in rows
        ]

    async def answer_counts(
        self, community_id: str, prompt_id: int, values: bool = True
    ) -> tuple[int, dict[str, int]]:
        total = await self.db.scalar(
            "SELECT count(*) FROM prompt_responses WHERE community_id = ? AND prompt_id = ?",
            (community_id, prompt_id),
        )
        if not values:
            return int(total or 0), {}
        rows = await self.db.fetchall(
            "SELECT a.value AS value, count(*) AS n"
            " FROM prompt_responses r, json_each(r.answer_json) a"
            " WHERE r.community_id = ? AND r.prompt_id = ? GROUP BY a.value",
            (community_id, prompt_id),
        )
        return int(total or 0), {str(r["value"]): int(r["n"]) for r in rows}

    async def rounds(self, community_id: str, limit: int) -> list[RoundCounts]:
        """Ideas and votes from the tallies the vote triggers keep (one row per idea); the
        distinct voters need the votes themselves, read once for all the rounds shown."""
        marks = ", ".join("?" for _ in _LEFT_OUT)
        rows = await self.db.fetchall(
            "SELECT c.id AS campaign_id, c.name AS campaign, r.id AS round_id, r.number,"
            " r.phase, r.opens_at,"
            f" (SELECT count(*) FROM ideas i WHERE i.round_id = r.id AND i.status NOT IN ({marks}))"
            " AS ideas,"
            " (SELECT ifnull(sum(t.voters), 0) FROM ideas i JOIN idea_tallies t"
            "  ON t.idea_id = i.id WHERE i.round_id = r.id) AS votes"
            " FROM rounds r JOIN campaigns c ON c.id = r.campaign_id"
            " WHERE r.community_id = ? AND r.phase <> 'scheduled'"
            " ORDER BY r.opens_at DESC, r.id DESC LIMIT ?",
            (*_LEFT_OUT, community_id, limit),
        )
        voters = await self._voters([r["round_id"] for r in rows])
        return [
            RoundCounts(
                campaign_id=r["campaign_id"],
                campaign=r["campaign"],
                round_id=r["round_id"],
                number=r["number"],
                phase=r["phase"],
                opens_at=req_ts(r["opens_at"]),
                ideas=int(r["ideas"]),
                voters=voters.get(r["round_id"], 0),
                votes=int(r["votes"]),
            )
            for r in rows
        ]

    async def _voters(self, round_ids: list[int]) -> dict[int, int]:
        rows = await self.db.fetch_in(
            "SELECT i.round_id, count(DISTINCT v.voter_id) AS n FROM ideas i"
            " JOIN votes v ON v.idea_id = i.id WHERE i.round_id IN ({marks})"
            " GROUP BY i.round_id",
            (),
            round_ids,
        )
        return {r["round_id"]: int(r["n"]) for r in rows}

    async def points_by_rule(self, community_id: str) -> list[tuple[str, int]]:
        # one pass over the ledger, as above (no index holds both rule and amount)
        rows = await self.db.fetchall(
            "SELECT rule, sum(amount) AS points FROM ledger"
            " WHERE +community_id = ? AND rule <> 'redemption' GROUP BY rule ORDER BY rule",
            (community_id,),
        )
        return [(r["rule"], int(r["points"])) for r in rows]
