"""Ideas, votes and milestones."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.errors import StorageError
from bot.models import OPEN_STATUSES, Idea, IdeaStatus, Tally, Vote, VoteScheme, title_key
from bot.ports.ideas import DuplicateTitle, IdeaFilter, SortOrder
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts

GONE = ("withdrawn", "merged", "rejected", "pending")
VOTE_COLUMNS = "idea_id, voter_id, value, emoji, cast_key, received_key"

TALLY_SQL = "SELECT voters, up, down, total FROM idea_tallies WHERE idea_id = ?"


def _emojis(scheme: VoteScheme) -> str:
    """A scheme's emojis as stored: compact JSON, the form SQLite's json functions write."""
    return json.dumps(list(scheme.emojis), ensure_ascii=False, separators=(",", ":"))


def _idea(row: Any) -> Idea:
    return Idea(
        id=row["id"],
        community_id=row["community_id"],
        campaign_id=row["campaign_id"],
        title=row["title"],
        description=row["description"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        status=IdeaStatus(row["status"]),
        created_at=req_ts(row["created_at"]),
        updated_at=req_ts(row["updated_at"]),
        decline_reason=row["decline_reason"],
        merged_into=row["merged_into"],
        origin_channel=row["origin_channel"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        thread_url=row["thread_url"],
        round_id=row["round_id"],
        scheme=VoteScheme(row["vote_mode"], tuple(json.loads(row["vote_emojis"]))),
    )


def _title_clash(exc: sqlite3.IntegrityError) -> bool:
    """Only the live-title index means "an idea with this title exists"; any other constraint
    (a card's message id, a length check) is a fault, never reported as a duplicate title."""
    return "index 'ideas_live_title'" in str(exc)


def _filter_sql(community_id: str, filters: IdeaFilter) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (on ideas aliased ``i``) and parameters of a list filter."""
    where = ["i.community_id = ?"]
    params: list[Any] = [community_id]
    if filters.status is not None:
        where.append("i.status = ?")
        params.append(filters.status.value)
    elif not filters.include_gone:
        where.append(f"i.status NOT IN ({','.join('?' * len(GONE))})")
        params.extend(GONE)
    if filters.campaign_id is not None:
        where.append("i.campaign_id = ?")
        params.append(filters.campaign_id)
    if filters.author_id is not None:
        where.append("i.author_id = ?")
        params.append(filters.author_id)
    return where, params


class SqliteIdeaRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, idea: Idea) -> Idea:
        try:
            cur = await self.db.execute(
                "INSERT INTO ideas (community_id, campaign_id, title, title_key, description,"
                " author_id, author_name, status, origin_channel, created_at, updated_at,"
                " round_id, vote_mode, vote_emojis)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    idea.community_id,
                    idea.campaign_id,
                    idea.title,
                    title_key(idea.title),
                    idea.description,
                    idea.author_id,
                    idea.author_name,
                    idea.status.value,
                    idea.origin_channel,
                    ts(idea.created_at),
                    ts(idea.updated_at),
                    idea.round_id,
                    idea.scheme.mode,
                    _emojis(idea.scheme),
                ),
            )
        except sqlite3.IntegrityError as exc:
            if _title_clash(exc):
                raise DuplicateTitle(idea.title) from exc
            raise StorageError(f"could not add the idea: {exc}") from exc
        assert cur.lastrowid is not None
        idea.id = cur.lastrowid
        return idea

    async def get(self, community_id: str, idea_id: int) -> Idea | None:
        row = await self.db.fetchone(
            "SELECT * FROM ideas WHERE community_id = ? AND id = ?", (community_id, idea_id)
        )
        return None if row is None else _idea(row)

    async def get_many(self, community_id: str, idea_ids: list[int]) -> dict[int, Idea]:
        rows = await self.db.fetch_in(
            "SELECT * FROM ideas WHERE community_id = ? AND id IN ({marks})",
            (community_id,),
            idea_ids,
        )
        return {r["id"]: _idea(r) for r in rows}

    async def by_message(self, community_id: str, message_id: str) -> Idea | None:
        row = await self.db.fetchone(
            "SELECT * FROM ideas WHERE community_id = ? AND message_id = ?",
            (community_id, message_id),
        )
        return None if row is None else _idea(row)

    async def by_thread(self, community_id: str, thread_id: str) -> Idea | None:
        row = await self.db.fetchone(
            "SELECT * FROM ideas WHERE community_id = ? AND thread_id = ?",
            (community_id, thread_id),
        )
        return None if row is None else _idea(row)

    async def by_messages(self, community_id: str, message_ids: list[str]) -> dict[str, Idea]:
        rows = await self.db.fetch_in(
            "SELECT * FROM ideas WHERE community_id = ? AND message_id IN ({marks})",
            (community_id,),
            message_ids,
        )
        return {r["message_id"]: _idea(r) for r in rows}

    async def save(self, idea: Idea) -> None:
        try:
            await self.db.execute(
                "UPDATE ideas SET title = ?, title_key = ?, description = ?, status = ?,"
                " decline_reason = ?, merged_into = ?, channel_id = ?, message_id = ?,"
                " thread_id = ?, thread_url = ?, updated_at = ? WHERE id = ?",
                (
                    idea.title,
                    title_key(idea.title),
                    idea.description,
                    idea.status.value,
                    idea.decline_reason,
                    idea.merged_into,
                    idea.channel_id,
                    idea.message_id,
                    idea.thread_id,
                    idea.thread_url,
                    ts(idea.updated_at),
                    idea.id,
                ),
            )
        except sqlite3.IntegrityError as exc:
            if _title_clash(exc):
                raise DuplicateTitle(idea.title) from exc
            raise StorageError(f"could not save idea #{idea.id}: {exc}") from exc

    async def set_status(
        self,
        community_id: str,
        idea_id: int,
        expected: IdeaStatus,
        new: IdeaStatus,
        now: datetime,
        note: str = "",
    ) -> bool:
        # the history row itself is written by a trigger (migration 0016), for every route
        cur = await self.db.execute(
            "UPDATE ideas SET status = ?, updated_at = ? WHERE community_id = ? AND id = ?"
            " AND status = ?",
            (new.value, ts(now), community_id, idea_id, expected.value),
        )
        if cur.rowcount != 1:
            return False
        if note:
            await self.db.execute(
                "UPDATE idea_status_history SET note = ? WHERE id ="
                " (SELECT max(id) FROM idea_status_history WHERE idea_id = ?)",
                (note, idea_id),
            )
        return True

    async def title_taken(
        self,
        community_id: str,
        campaign_id: int | None,
        key: str,
        exclude_id: int | None = None,
        round_id: int | None = None,
    ) -> bool:
        found = await self.db.scalar(
            "SELECT 1 FROM ideas WHERE community_id = ? AND ifnull(campaign_id, 0) = ?"
            " AND ifnull(round_id, 0) = ? AND title_key = ?"
            " AND status NOT IN ('withdrawn', 'merged', 'rejected') AND id <> ? LIMIT 1",
            (community_id, campaign_id or 0, round_id or 0, key, exclude_id or -1),
        )
        return found is not None

    async def count_other_scheme(self, community_id: str, scheme: VoteScheme) -> int:
        marks = ",".join("?" * len(GONE))
        value = await self.db.scalar(
            "SELECT count(*) FROM ideas WHERE community_id = ? AND status NOT IN"
            f" ({marks}) AND (vote_mode <> ? OR json(vote_emojis) <> json(?))",
            (
                community_id,
                *GONE,
                scheme.mode,
                _emojis(scheme),
            ),
        )
        return int(value or 0)

    async def count_open_by_author(self, community_id: str, author_id: str) -> int:
        marks = ",".join("?" * len(OPEN_STATUSES))
        value = await self.db.scalar(
            f"SELECT count(*) FROM ideas WHERE community_id = ? AND author_id = ?"
            f" AND status IN ({marks})",
            (community_id, author_id, *sorted(s.value for s in OPEN_STATUSES)),
        )
        return int(value or 0)

    async def last_submitted_at(self, community_id: str, author_id: str) -> datetime | None:
        value = await self.db.scalar(
            "SELECT max(created_at) FROM ideas WHERE community_id = ? AND author_id = ?",
            (community_id, author_id),
        )
        return parse_ts(value)

    async def search(
        self,
        community_id: str,
        filters: IdeaFilter,
        sort: SortOrder,
        now: datetime,
        limit: int = 10,
        offset: int = 0,
    ) -> list[tuple[Idea, Tally]]:
        where, params = _filter_sql(community_id, filters)
        order = {
            "top": "up DESC, voters DESC, i.id ASC",
            "new": "i.id DESC",
            # trending: support gained in the last 7 days, then recency
            "trending": "recent DESC, up DESC, i.id DESC",
        }[sort]
        since = ts(now - timedelta(days=7))
        rows = await self.db.fetchall(
            "SELECT i.*, count(v.voter_id) AS voters,"
            " count(v.voter_id) FILTER (WHERE v.value > 0) AS up,"
            " count(v.voter_id) FILTER (WHERE v.value < 0) AS down,"
            " ifnull(sum(v.value), 0) AS total,"
            " count(v.voter_id) FILTER (WHERE v.value > 0 AND v.updated_at >= ?) AS recent"
            " FROM ideas i LEFT JOIN votes v ON v.idea_id = i.id"
            f" WHERE {' AND '.join(where)} GROUP BY i.id ORDER BY {order} LIMIT ? OFFSET ?",
            (since, *params, limit, offset),
        )
        return [
            (_idea(r), Tally(r["id"], r["voters"], r["up"], r["down"], r["total"])) for r in rows
        ]

    async def count(self, community_id: str, filters: IdeaFilter) -> int:
        where, params = _filter_sql(community_id, filters)
        row = await self.db.fetchone(
            f"SELECT count(*) AS n FROM ideas i WHERE {' AND '.join(where)}", tuple(params)
        )
        return int(row["n"]) if row else 0

    async def in_round(self, community_id: str, round_id: int) -> list[Idea]:
        rows = await self.db.fetchall(
            "SELECT * FROM ideas WHERE community_id = ? AND round_id = ? ORDER BY id",
            (community_id, round_id),
        )
        return [_idea(r) for r in rows]


#: how a batch writes its votes (benchmarks.ceiling writes with it too)
VOTE_UPSERT_SQL = (
    "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, cast_key,"
    " received_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (idea_id, voter_id) DO UPDATE SET value = excluded.value,"
    " emoji = excluded.emoji, cast_key = excluded.cast_key,"
    " received_key = excluded.received_key, updated_at = excluded.updated_at"
)


def vote_rows(community_id: str, votes: list[Vote], stamp: str) -> list[tuple[Any, ...]]:
    """The parameters of ``VOTE_UPSERT_SQL`` for each vote."""
    return [
        (
            community_id,
            v.idea_id,
            v.voter_id,
            v.value,
            v.emoji,
            v.cast_key,
            v.received_key,
            stamp,
            stamp,
        )
        for v in votes
    ]


class SqliteVoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def of_idea(self, idea_id: int) -> list[Vote]:
        rows = await self.db.fetchall(
            f"SELECT {VOTE_COLUMNS} FROM votes WHERE idea_id = ? ORDER BY created_at", (idea_id,)
        )
        return [Vote(*r) for r in rows]

    async def overlap(self, from_idea: int, to_idea: int) -> list[Vote]:
        rows = await self.db.fetchall(
            f"SELECT {VOTE_COLUMNS} FROM votes WHERE idea_id = ? AND voter_id IN"
            " (SELECT voter_id FROM votes WHERE idea_id = ?)",
            (from_idea, to_idea),
        )
        return [Vote(*r) for r in rows]

    async def remove(self, idea_id: int, voter_id: str) -> Vote | None:
        row = await self.db.fetchone(
            f"DELETE FROM votes WHERE idea_id = ? AND voter_id = ? RETURNING {VOTE_COLUMNS}",
            (idea_id, voter_id),
        )
        return None if row is None else Vote(*row)

    async def tally(self, idea_id: int) -> Tally:
        row = await self.db.fetchone(TALLY_SQL, (idea_id,))
        if row is None:
            return Tally(idea_id)
        return Tally(idea_id, row["voters"], row["up"], row["down"], row["total"])

    async def voters(self, idea_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT voter_id FROM votes WHERE idea_id = ? ORDER BY created_at", (idea_id,)
        )
        return [r[0] for r in rows]

    async def move(self, from_idea: int, to_idea: int) -> int:
        cur = await self.db.execute(
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, cast_key,"
            " received_key, created_at, updated_at) SELECT community_id, ?, voter_id, value,"
            " emoji, cast_key, received_key, created_at, updated_at"
            " FROM votes WHERE idea_id = ? ON CONFLICT (idea_id, voter_id) DO NOTHING",
            (to_idea, from_idea),
        )
        moved = cur.rowcount
        await self.db.execute("DELETE FROM votes WHERE idea_id = ?", (from_idea,))
        return moved

    async def get_many(self, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], Vote]:
        rows = await self.db.fetch_values(
            "SELECT v.idea_id, v.voter_id, v.value, v.emoji, v.cast_key, v.received_key"
            " FROM (VALUES {values}) AS k JOIN votes v"
            " ON v.idea_id = k.column1 AND v.voter_id = k.column2",
            pairs,
        )
        return {(r[0], r[1]): Vote(*r) for r in rows}

    async def write_many(
        self, community_id: str, upserts: list[Vote], deletes: list[tuple[int, str]], now: datetime
    ) -> None:
        if deletes:
            await self.db.executemany(
                "DELETE FROM votes WHERE idea_id = ? AND voter_id = ?", deletes
            )
        if upserts:
            await self.db.executemany(VOTE_UPSERT_SQL, vote_rows(community_id, upserts, ts(now)))

    async def tallies(self, idea_ids: list[int]) -> dict[int, Tally]:
        found = {i: Tally(i) for i in idea_ids}
        rows = await self.db.fetch_in(
            "SELECT idea_id, voters, up, down, total FROM idea_tallies WHERE idea_id IN ({marks})",
            (),
            found,
        )
        for r in rows:
            found[r[0]] = Tally(r[0], r["voters"], r["up"], r["down"], r["total"])
        return found

    async def milestones_of(self, idea_ids: list[int]) -> set[tuple[int, int]]:
        rows = await self.db.fetch_in(
            "SELECT idea_id, threshold FROM milestones_reached WHERE idea_id IN ({marks})",
            (),
            idea_ids,
        )
        return {(r[0], r[1]) for r in rows}

    async def mark_milestone(self, idea_id: int, threshold: int, now: datetime) -> bool:
        cur = await self.db.execute(
            "INSERT INTO milestones_reached (idea_id, threshold, reached_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (idea_id, threshold, ts(now)),
        )
        return cur.rowcount == 1
