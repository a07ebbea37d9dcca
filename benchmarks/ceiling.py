"""Ceiling: the rows the vote batches write, by plain sqlite3 in large transactions, no engine.

The same-schema ceiling for ``benchmarks.votes``: a file made by the project's own migrations
(every table, index and trigger of today's schema), opened with the PRAGMAs the app uses, and
for the votes benchmark's stream of reaction events (adds, removes, replays, non-vote emoji)
exactly what the engine's batches write: each claimed event's processed-event row, the votes
added, changed and taken back, the ledger entries (points within the daily caps, reversals),
so the balance, rank-count, never-negative, closed-round, self-vote and tally triggers all
fire, and a member row the first time a member is seen. The rows are planned by the engine's
own vote state machine and written with the storage layer's own statements before anything is
timed; only the transactions are timed.

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

from benchmarks import common, votes
from bot.events import ReactionAdded
from bot.models import Idea, IdeaStatus, LedgerEntry, Vote, VoteScheme
from bot.ports.ledger import EarnedKey
from bot.services.vote_batch import ReactionEvent, VoteBatch
from bot.services.voting import concerns_a_vote
from config.community import CommunitySettings
from storage.sqlite import community, ledger
from storage.sqlite import ideas as idea_repo
from storage.sqlite.db import pragmas
from storage.sqlite.rows import ts
from storage.sqlite.store import open_storage

COMMUNITY = common.COMMUNITY
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BATCH = 1000  # events per transaction: the engine's largest batch (benchmarks.votes)
AUTHORS = 25
EMOJIS = ("👍", "👎")  # benchmarks.votes: up/down mode (its stream adds a pizza: no vote)

FULL = {"events": 200_000, "ideas": 500, "members": 50_000}
QUICK = {"events": 10_000, "ideas": 50, "members": 2_000}

Batch = dict[str, list[tuple[Any, ...]]]


def _kind(event: ReactionEvent) -> str:
    return "reaction_added" if isinstance(event, ReactionAdded) else "reaction_removed"


def _settings() -> CommunitySettings:
    """What benchmarks.votes configures: up and down votes, the default points and caps."""
    return CommunitySettings(vote_mode="updown")


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


def plan(stream: list[ReactionEvent], cards: dict[str, Idea]) -> list[Batch]:
    """The rows the engine's batches write for ``stream``, as statement parameters.

    Events are cut into batches of ``BATCH`` as the engine's batcher cuts a backlog; each
    batch claims the events that concern a vote (a replay's claim finds its row), runs the
    engine's own vote state machine (``VoteBatch``) on the first copies, with the votes, daily
    earnings, ledger keys and balances earlier batches left, and comes out as the parameters of
    the storage layer's own statements: the ceiling writes exactly the rows, and keys, the
    engine would.
    """
    settings = _settings()
    stamp = ts(NOW)
    day = NOW.date().isoformat()
    stored: dict[tuple[int, str], Vote] = {}
    earned: dict[EarnedKey, int] = {}
    known: dict[str, LedgerEntry] = {}
    balances: dict[str, int] = {}
    claimed: set[str] = set()
    named: dict[str, str] = {}
    batches: list[Batch] = []
    for start in range(0, len(stream), BATCH):
        events = [e for e in stream[start : start + BATCH] if concerns_a_vote(e, cards)]
        claims = [
            (COMMUNITY, e.event_id, _kind(e), stamp) for e in events
        ]  # every copy is offered; a replay's claim finds the row and writes nothing
        first: list[ReactionEvent] = []
        for e in events:
            if e.event_id not in claimed:
                claimed.add(e.event_id)
                first.append(e)
        batch = VoteBatch(
            COMMUNITY, settings, NOW, day, cards, {}, stored, earned, known, balances=balances
        )
        for e in first:
            batch.apply(e)
        upserts, deletes = batch.vote_writes()
        for v in upserts:
            stored[(v.idea_id, v.voter_id)] = v
        for pair in deletes:
            del stored[pair]
        fresh = {
            e.actor.member_id: e.actor.display_name
            for e in first
            if e.actor.display_name and named.get(e.actor.member_id) != e.actor.display_name
        }
        named.update(fresh)  # the member repository writes a name it has not seen
        batches.append(
            {
                "events": claims,
                "deletes": deletes,
                "votes": idea_repo.vote_rows(COMMUNITY, upserts, stamp),
                "ledger": ledger.ledger_rows(batch.entries, stamp),
                "members": [(COMMUNITY, m, n, stamp) for m, n in fresh.items()],
            }
        )
    return batches


def write(conn: sqlite3.Connection, batches: list[Batch]) -> tuple[float, float]:
    """Write every batch in its own transaction, as the engine's batch does; seconds taken
    (and the process's CPU seconds, a steadier figure on a machine shared with others)."""
    started = time.perf_counter()
    cpu = time.process_time()
    for batch in batches:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(community.CLAIM_SQL, batch["events"])
        if batch["deletes"]:
            conn.executemany(idea_repo.VOTE_DELETE_SQL, batch["deletes"])
        conn.executemany(idea_repo.VOTE_UPSERT_SQL, batch["votes"])
        conn.executemany(ledger.APPEND_SQL, batch["ledger"])
        if batch["members"]:
            conn.executemany(community.MEMBER_TOUCH_SQL, batch["members"])
        conn.execute("COMMIT")
    return time.perf_counter() - started, time.process_time() - cpu


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def measure_ceiling(
    events: int,
    ideas: int,
    members: int,
    path: Path,
    stream: list[ReactionEvent] | None = None,
) -> dict[str, Any]:
    """Write the rows of a stream of reaction events into a new database at ``path``.

    The stream is ``stream`` (on cards ``m1`` .. ``m{ideas}``, community ``console:bench``,
    as ``benchmarks.common`` makes them) or else ``events`` events of the ``benchmarks.votes``
    stream (adds, removes, replays, non-vote emoji) over ``ideas`` ideas and ``members``
    members. ``events_per_s`` is stream events per second, as the engine's figure is; the row
    counts show what they wrote, and the balances are checked against the ledger.
    """
    conn = _database(path, ideas)
    try:
        cards = _ideas(conn)
        if stream is None:
            size = votes.Size(ideas, members, events, 0, 0, 0.0, 0)
            stream = votes.make_stream(size, list(cards), events, seed=1, tag="s")
        batches = plan(stream, cards)
        planned = {
            "processed_events": len({r[1] for b in batches for r in b["events"]}),
            "ledger": sum(len(b["ledger"]) for b in batches),
            "members": sum(len(b["members"]) for b in batches),
        }
        before = {t: count(conn, t) for t in ("processed_events", "votes", "ledger", "members")}
        seconds, cpu = write(conn, batches)
        rows = {t: count(conn, t) - n for t, n in before.items()}
        mismatched = conn.execute(
            "SELECT count(*) FROM (SELECT l.member_id, sum(l.amount) AS s, b.balance FROM ledger l"
            " JOIN balances b USING (community_id, member_id) GROUP BY l.member_id"
            " HAVING s <> b.balance)"
        ).fetchone()[0]
        if mismatched or any(rows[t] != n for t, n in planned.items()):
            raise SystemExit(f"the ceiling's rows are not what was planned: {rows}, {planned}")
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        conn.close()
    return {
        "events_per_s": round(len(stream) / seconds),
        "ledger_rows_per_s": round(rows["ledger"] / seconds),
        "events": len(stream),
        "batch": BATCH,
        "rows": rows,
        "seconds": round(seconds, 3),
        "events_per_cpu_s": round(len(stream) / cpu),
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
            f"{size['events']:,} reaction events of the votes benchmark's stream"
            f" ({size['ideas']} ideas, {size['members']:,} members), the rows their batches"
            f" write, {BATCH} events per transaction, plain sqlite3, the schema's own triggers",
            f"  rows: {rows['processed_events']:,} processed events, {rows['votes']:,} votes,"
            f" {rows['ledger']:,} ledger entries, {rows['members']:,} members",
            f"  {figures['events_per_s']:,} events/s ({figures['ledger_rows_per_s']:,} ledger"
            f" rows/s); SQLite WAL, synchronous={figures['synchronous']}",
            "balances match their ledger sums",
        ],
        figures,
    )


if __name__ == "__main__":
    main()
