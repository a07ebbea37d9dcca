"""Shared pieces of the benchmarks: bulk data straight into SQLite, RSS, the JSON last line.

Data is written with ``executemany`` on a plain ``sqlite3`` connection (synchronous off while
loading: it is a fixture, not what is measured), into a file the real migrations created, so the
engine then reads it exactly as it would read a live database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.memory.platform import MemoryPlatform
from bot.events import Actor
from bot.replies import IdeaCard
from storage.sqlite.rows import ts
from storage.sqlite.store import open_storage

COMMUNITY = "console:bench"
CHANNEL = "bench"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHUNK = 50_000


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a small size, for CI")
    return parser.parse_args()


def emit(title: str, lines: Iterable[str], figures: dict[str, Any]) -> None:
    """The human summary, then the figures as one JSON object on the last line."""
    print(f"== {title} ==")
    for line in lines:
        print(line)
    print(json.dumps(figures), flush=True)


def proc_status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM) in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def moderator() -> Actor:
    return Actor(COMMUNITY, "mod", "Mod", is_admin=True)


def member(member_id: str) -> Actor:
    return Actor(COMMUNITY, member_id, member_id.capitalize())


class QuietPlatform(MemoryPlatform):
    """The memory platform, with card edits of cards it never posted accepted silently."""

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        self.cards[message_id] = card
        self.card_edits += 1


# -- bulk data --------------------------------------------------------------------------------
def create_database(path: Path) -> sqlite3.Connection:
    """Apply the real migrations, then open a plain connection for loading."""

    async def migrate() -> None:
        storage = await open_storage(str(path))
        await storage.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.execute(
        "INSERT INTO communities (id, platform, settings_json, created_at)"
        " VALUES (?, 'console', '{}', ?)",
        (COMMUNITY, ts(START)),
    )
    return conn


def _chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def insert(conn: sqlite3.Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """executemany in transactions of CHUNK rows; returns how many rows were given."""
    total = 0
    for batch in _chunks(rows):
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        total += len(batch)
    return total


def add_campaign(conn: sqlite3.Connection, name: str, phase: str = "voting") -> int:
    cur = conn.execute(
        "INSERT INTO campaigns (community_id, name, brief, mode, phase, winners, created_by,"
        " created_at) VALUES (?, ?, '', 'contest', ?, 3, 'mod', ?)",
        (COMMUNITY, name, phase, ts(START)),
    )
    assert cur.lastrowid is not None
    campaign_id = cur.lastrowid
    conn.execute(
        "INSERT INTO rounds (community_id, campaign_id, number, phase, opens_at, created_at)"
        " VALUES (?, ?, 1, ?, ?, ?)",
        (COMMUNITY, campaign_id, phase, ts(START), ts(START)),
    )
    conn.execute(
        "UPDATE campaigns SET current_round = last_insert_rowid() WHERE id = ?", (campaign_id,)
    )
    return campaign_id


def add_ideas(
    conn: sqlite3.Connection, count: int, campaign_id: int | None, authors: int, cards: bool
) -> list[int]:
    """``count`` ideas by ``authors`` members (a{n}); with ``cards`` each has a card m{id}."""
    first = int(conn.execute("SELECT ifnull(max(id), 0) + 1 FROM ideas").fetchone()[0])

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            idea_id = first + n
            when = ts(START + timedelta(seconds=n))
            title = f"Idea {idea_id}"
            author = f"a{n % authors}"
            yield (
                idea_id,
                COMMUNITY,
                campaign_id,
                title,
                title.casefold(),
                author,
                author.capitalize(),
                CHANNEL if cards else None,
                f"m{idea_id}" if cards else None,
                f"t{idea_id}" if cards else None,
                when,
                when,
            )

    insert(
        conn,
        "INSERT INTO ideas (id, community_id, campaign_id, title, title_key, description,"
        " author_id, author_name, status, channel_id, message_id, thread_id, created_at,"
        " updated_at, round_id) VALUES (?, ?, ?, ?, ?, '', ?, ?, 'new', ?, ?, ?, ?, ?,"
        " (SELECT current_round FROM campaigns WHERE id = ?3))",
        rows(),
    )
    return list(range(first, first + count))


def add_votes(conn: sqlite3.Connection, counts: dict[int, int], voters: int, value: int = 1) -> int:
    """``counts[idea]`` distinct voters (u{n} out of ``voters``) on each idea."""
    when = ts(START + timedelta(days=1))

    def rows() -> Iterator[tuple[Any, ...]]:
        for idea_id, count in counts.items():
            offset = (idea_id * 7919) % voters
            for k in range(min(count, voters)):
                # 4729 is prime to 10^n, so k -> (offset + 4729 k) mod voters is one-to-one for
                # the sizes used here; the set() below would catch anything else
                yield (COMMUNITY, idea_id, f"u{(offset + 4729 * k) % voters}", value, "👍", when)

    return insert(
        conn,
        "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?6)",
        rows(),
    )


def add_members(conn: sqlite3.Connection, ids: Iterable[str]) -> int:
    when = ts(START)
    return insert(
        conn,
        "INSERT INTO members (community_id, member_id, display_name, last_seen)"
        " VALUES (?, ?, ?, ?)",
        ((COMMUNITY, m, m.capitalize(), when) for m in ids),
    )


def add_ledger(conn: sqlite3.Connection, entries: Iterable[tuple[str, int, str]]) -> int:
    """(member, amount, idem key) entries, and the balances they make.

    The balance trigger is dropped for the load and the balances computed in one statement,
    then the trigger is put back exactly as the migration made it.
    """
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'ledger_balance'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER ledger_balance")
    when = ts(START)
    day = START.date().isoformat()
    count = insert(
        conn,
        "INSERT INTO ledger (community_id, member_id, amount, rule, idem_key, day, created_at)"
        " VALUES (?, ?, ?, 'vote_cast', ?, ?, ?)",
        ((COMMUNITY, m, amount, key, day, when) for m, amount, key in entries),
    )
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO balances (community_id, member_id, balance, earned)"
        " SELECT community_id, member_id, sum(amount), sum(amount) FROM ledger"
        " WHERE community_id = ? GROUP BY member_id"
        " ON CONFLICT (community_id, member_id) DO UPDATE SET"
        " balance = excluded.balance, earned = excluded.earned",
        (COMMUNITY,),
    )
    conn.execute(trigger)
    conn.execute("COMMIT")
    return count


def finish(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
