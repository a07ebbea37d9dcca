"""Ceiling: the rows accepted votes write, by plain sqlite3 in large transactions, no engine.

The same-schema ceiling for ``benchmarks.votes``: a file made by the project's own migrations
(every table, index and trigger of today's schema), opened with the PRAGMAs the app uses, and
for each accepted vote exactly what the vote batch writes: its processed-event row, the vote,
the voter's and the author's ledger entries (so the balance, rank-count, never-negative,
closed-round, self-vote and tally triggers all fire) and the voter's member row the first time
the voter is seen. The rows are planned by the engine's own vote state machine and written with
the storage layer's own statements, before anything is timed; only the transactions are timed.

    python -m benchmarks.ceiling [--quick]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import common
from bot.events import Actor, ReactionAdded
from bot.models import Idea, IdeaStatus, VoteScheme
from bot.services.vote_batch import VoteBatch
from config.community import CommunitySettings, RuleSetting
from storage.sqlite import community, ledger
from storage.sqlite import ideas as idea_repo
from storage.sqlite.db import pragmas
from storage.sqlite.rows import ts
from storage.sqlite.store import open_storage

COMMUNITY = common.COMMUNITY
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BATCH = 1000  # events per transaction: the engine's largest batch (benchmarks.votes)
AUTHORS = 25
EMOJIS = ("👍", "👎")

FULL = {"events": 200_000, "ideas": 500, "members": 50_000}
QUICK = {"events": 10_000, "ideas": 50, "members": 2_000}

Batch = dict[str, list[tuple[Any, ...]]]


def _settings() -> CommunitySettings:
    """Up and down votes, no daily caps: every accepted vote pays the voter and the author."""
    settings = CommunitySettings(vote_mode="updown")
    settings.points.vote_cast = RuleSetting(value=1, daily_cap=None)
    settings.points.vote_received = RuleSetting(value=2, daily_cap=None)
    return settings


def _database(path: Path, idea_count: int) -> sqlite3.Connection:
    async def migrate() -> None:
        storage = await open_storage(str(path))
        await storage.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in pragmas(str(path)):
        conn.execute(pragma)
    conn.execute(
        "INSERT INTO communities (id, platform, settings_json, created_at)"
        " VALUES (?, 'console', '{\"vote_mode\": \"updown\"}', ?)",
        (COMMUNITY, ts(common.START)),
    )
    common.add_ideas(conn, idea_count, None, AUTHORS, cards=True)
    conn.execute(
        "UPDATE ideas SET vote_mode = 'updown', vote_emojis = ? WHERE community_id = ?",
        ('["👍", "👎"]', COMMUNITY),
    )
    return conn


def _ideas(conn: sqlite3.Connection) -> dict[str, Idea]:
    found: dict[str, Idea] = {}
    rows = conn.execute(
        "SELECT id, title, author_id, message_id FROM ideas WHERE community_id = ? ORDER BY id",
        (COMMUNITY,),
    )
    for idea_id, title, author, message in rows:
        found[message] = Idea(
            idea_id,
            COMMUNITY,
            None,
            title,
            "",
            author,
            author.capitalize(),
            IdeaStatus.NEW,
            common.START,
            common.START,
            channel_id=common.CHANNEL,
            message_id=message,
            scheme=VoteScheme("updown", EMOJIS),
        )
    return found


def plan(events: int, members: int, cards: dict[str, Idea]) -> list[Batch]:
    """The rows of ``events`` accepted up votes, distinct (idea, member) pairs, in batches.

    Each batch goes through the engine's vote state machine (``VoteBatch``) and comes out as the
    parameters of the storage layer's statements, so the ceiling writes exactly the rows the
    engine would, with the keys it would make.
    """
    settings = _settings()
    messages = list(cards)
    if events > len(messages) * members:
        raise ValueError("more votes than (idea, member) pairs")
    stamp = ts(NOW)
    day = NOW.date().isoformat()
    seen: set[str] = set()
    batches: list[Batch] = []
    for start in range(0, events, BATCH):
        batch = VoteBatch(COMMUNITY, settings, NOW, day, cards, {}, {}, {}, {})
        claims: list[tuple[Any, ...]] = []
        names: list[tuple[Any, ...]] = []
        for n in range(start, min(events, start + BATCH)):
            # n -> (card, member) is one-to-one while n < cards * members
            message = messages[n % len(messages)]
            member_id = f"m{(n // len(messages) * 7919 + n) % members}"
            actor = Actor(COMMUNITY, member_id, display_name=member_id.capitalize())
            event = ReactionAdded(f"ev{n}", actor, common.CHANNEL, message, EMOJIS[0])
            reply = batch.apply(event)
            if reply.vote is None:
                raise RuntimeError(f"the vote state machine refused a benchmark vote: {reply}")
            claims.append((COMMUNITY, event.event_id, "reaction_added", stamp))
            if member_id not in seen:  # the member repository writes a name it has not seen
                seen.add(member_id)
                names.append((COMMUNITY, member_id, actor.display_name, stamp))
        upserts, deletes = batch.vote_writes()
        assert not deletes
        batches.append(
            {
                "events": claims,
                "votes": idea_repo.vote_rows(COMMUNITY, upserts, stamp),
                "ledger": ledger.ledger_rows(batch.entries, stamp),
                "members": names,
            }
        )
    return batches


def write(conn: sqlite3.Connection, batches: list[Batch]) -> float:
    """Write every batch in its own transaction, as the engine's batch does; seconds taken."""
    started = time.perf_counter()
    for batch in batches:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(community.CLAIM_SQL, batch["events"])
        conn.executemany(idea_repo.VOTE_UPSERT_SQL, batch["votes"])
        conn.executemany(ledger.APPEND_SQL, batch["ledger"])
        if batch["members"]:
            conn.executemany(community.MEMBER_TOUCH_SQL, batch["members"])
        conn.execute("COMMIT")
    return time.perf_counter() - started


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def measure_ceiling(events: int, ideas: int, members: int, path: Path) -> dict[str, Any]:
    """Write ``events`` accepted votes into a new database at ``path``; the figures.

    ``events_per_s`` is accepted votes per second; the row counts show what they wrote, and
    the ledger is checked against the balances its trigger keeps.
    """
    conn = _database(path, ideas)
    try:
        batches = plan(events, members, _ideas(conn))
        before = {t: count(conn, t) for t in ("processed_events", "votes", "ledger", "members")}
        seconds = write(conn, batches)
        rows = {t: count(conn, t) - n for t, n in before.items()}
        mismatched = conn.execute(
            "SELECT count(*) FROM (SELECT l.member_id, sum(l.amount) AS s, b.balance FROM ledger l"
            " JOIN balances b USING (community_id, member_id) GROUP BY l.member_id"
            " HAVING s <> b.balance)"
        ).fetchone()[0]
        if mismatched or rows["votes"] != events or rows["ledger"] != 2 * events:
            raise SystemExit(f"the ceiling's rows are not what was planned: {rows}")
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        conn.close()
    return {
        "events_per_s": round(events / seconds),
        "ledger_rows_per_s": round(rows["ledger"] / seconds),
        "events": events,
        "batch": BATCH,
        "rows": rows,
        "seconds": round(seconds, 3),
        "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(synchronous, "?"),
    }


def main() -> None:
    args = common.arguments(__doc__ or "")
    size = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-ceiling-") as tmp:
        figures = measure_ceiling(
            size["events"], size["ideas"], size["members"], Path(tmp) / "ceiling.sqlite3"
        )
    rows = figures["rows"]
    common.emit(
        "ceiling",
        [
            f"{size['events']:,} accepted votes ({size['ideas']} ideas, {size['members']:,}"
            f" members), {BATCH} per transaction, plain sqlite3, the schema's own triggers",
            f"  rows: {rows['processed_events']:,} processed events, {rows['votes']:,} votes,"
            f" {rows['ledger']:,} ledger entries, {rows['members']:,} members",
            f"  {figures['events_per_s']:,} votes/s ({figures['ledger_rows_per_s']:,} ledger"
            f" rows/s); SQLite WAL, synchronous={figures['synchronous']}",
            "balances match their ledger sums",
        ],
        figures,
    )


if __name__ == "__main__":
    main()
