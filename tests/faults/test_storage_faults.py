"""SQLite busy/locked, read-only and full: retried, or a clear error with nothing half-written,
and the bot keeps working once the condition clears."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import STORAGE_TEXT
from bot.errors import StorageError
from tests.faults.util import dump, ledger_mismatches
from tests.harness import Harness


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection holding the write lock (BEGIN IMMEDIATE) until released."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def db_path(h: Harness) -> Path:
    return Path(h.db.path)


async def test_a_short_lock_is_waited_out_by_busy_timeout(harness: Harness) -> None:
    h = harness
    with write_lock(db_path(h)) as other:
        released: list[bool] = []

        def release() -> None:
            other.execute("COMMIT")
            released.append(True)

        asyncio.get_running_loop().call_later(0.2, release)
        reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
        assert released == [True]  # the command really ran into the lock
    assert reply.ok, reply.text
    assert await h.db.scalar("SELECT count(*) FROM ideas") == 1
    assert await h.balance("alice") == 10


async def test_a_short_lock_is_retried_when_busy_timeout_is_short(harness: Harness) -> None:
    """The engine's own retries (storage/sqlite/db.py BUSY_RETRIES), not only busy_timeout."""
    h = harness
    await h.db.conn.execute("PRAGMA busy_timeout = 10")
    with write_lock(db_path(h)) as other:
        asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
        reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
        assert not other.in_transaction
    assert reply.ok, reply.text
    assert await h.balance("alice") == 10


async def test_a_lock_held_past_the_retries_is_a_clear_error_and_changes_nothing(
    harness: Harness,
) -> None:
    h = harness
    assert (await h.cmd(h.member("bob"), "idea submit", title="Tea")).ok
    await h.db.conn.execute("PRAGMA busy_timeout = 10")
    before = await dump(h)
    with write_lock(db_path(h)):
        reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte", event_id="e-1")
        assert not reply.ok and reply.text == STORAGE_TEXT and reply.ephemeral
    assert await dump(h) == before
    assert len(h.platform.cards) == 1  # no card was posted for the idea that was not saved
    # the condition clears: the same delivery (same event id) is handled now, once
    again = await h.cmd(h.member("alice"), "idea submit", title="Oat latte", event_id="e-1")
    assert again.ok, again.text
    assert await h.balance("alice") == 10
    assert await ledger_mismatches(h.db) == []


async def test_a_read_only_database_is_a_clear_error_and_changes_nothing(
    harness: Harness,
) -> None:
    h = harness
    assert (await h.cmd(h.member("bob"), "idea submit", title="Tea")).ok
    before = await dump(h)
    await h.db.conn.execute("PRAGMA query_only = ON")  # as if the file had become read-only
    reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte", event_id="e-1")
    assert not reply.ok and reply.text == STORAGE_TEXT
    vote = await h.react(h.member("carol"), 1)
    assert not vote.ok and vote.text == STORAGE_TEXT
    # every event claims its id in a write transaction, so reads are refused the same way
    assert (await h.cmd(h.member("carol"), "idea show", idea=1)).text == STORAGE_TEXT
    await h.db.conn.execute("PRAGMA query_only = OFF")
    assert await dump(h) == before
    assert (await h.cmd(h.member("alice"), "idea submit", title="Oat latte", event_id="e-1")).ok
    assert (await h.react(h.member("carol"), 1)).ok
    assert await h.balance("alice") == 10 and await h.balance("bob") == 12
    assert await ledger_mismatches(h.db) == []


async def test_read_only_after_the_idea_was_written_rolls_the_idea_back(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file turns read-only between the idea's row and its points: neither is kept."""
    h = harness
    before = await dump(h)
    append = h.storage.ledger.append

    async def turn_read_only(*args: object, **kwargs: object) -> bool:
        assert await h.db.scalar("SELECT count(*) FROM ideas") == 1  # the idea is written
        await h.db.conn.execute("PRAGMA query_only = ON")
        return await append(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(h.storage.ledger, "append", turn_read_only)
    reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
    assert not reply.ok and reply.text == STORAGE_TEXT
    await h.db.conn.execute("PRAGMA query_only = OFF")
    monkeypatch.undo()
    assert await dump(h) == before
    assert h.platform.cards == {}
    assert (await h.cmd(h.member("alice"), "idea submit", title="Oat latte")).ok
    assert await h.balance("alice") == 10


async def test_a_full_disk_is_a_clear_error_and_leaves_nothing_half_written(
    harness: Harness,
) -> None:
    h = harness
    assert (await h.cmd(h.member("bob"), "idea submit", title="Tea")).ok
    pages = await h.db.scalar("PRAGMA page_count")
    await h.db.conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow
    failed: list[str] = []
    for n in range(40):  # fill the free space in the pages there are, until a write needs more
        before = await dump(h)
        author = h.member(f"m{n}")
        reply = await h.cmd(
            author, "idea submit", title=f"Idea {n}", description="x" * 1900, event_id=f"e-{n}"
        )
        if reply.ok:
            assert await h.balance(author.member_id) == 10  # a saved idea has its points
            continue
        assert reply.text == STORAGE_TEXT, reply.text
        assert await dump(h) == before
        failed.append(f"e-{n}")
        if len(failed) == 3:
            break
    assert len(failed) == 3, "the database never filled up"
    assert await ledger_mismatches(h.db) == []
    ideas = await h.db.scalar("SELECT count(*) FROM ideas")
    assert await h.db.scalar("SELECT count(*) FROM ledger WHERE rule = 'idea_submitted'") == ideas
    await h.db.conn.execute("PRAGMA max_page_count = 1073741823")  # space is freed
    n = int(failed[0].split("-")[1])
    retry = await h.cmd(
        h.member(f"m{n}"), "idea submit", title=f"Idea {n}", description="x", event_id=failed[0]
    )
    assert retry.ok, retry.text
    assert await h.balance(f"m{n}") == 10


async def test_a_task_cancelled_while_starting_a_transaction_breaks_no_later_one(
    harness: Harness,
) -> None:
    """A task cancelled while its BEGIN waits for the lock (a shutdown, a client that went
    away, a timeout) must not leave the shared connection inside a transaction."""
    h = harness
    with write_lock(db_path(h)) as other:

        async def write() -> None:
            async with h.storage.transaction():
                await h.db.execute(
                    "INSERT INTO audit_log (community_id, actor_id, action,"
                    " created_at) VALUES ('c', 'a', 'x', 'now')"
                )

        task = asyncio.create_task(write())
        await asyncio.sleep(0.1)  # BEGIN IMMEDIATE now waits in SQLite's busy handler
        # the other writer finishes a little later: the abandoned BEGIN then succeeds
        asyncio.get_running_loop().call_later(0.1, other.execute, "COMMIT")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled()
    try:
        async with h.storage.transaction():
            await h.db.execute(
                "INSERT INTO audit_log (community_id, actor_id, action, created_at)"
                " VALUES ('c', 'a', 'y', 'now')"
            )
    except StorageError as exc:
        pytest.fail(f"the next transaction failed: {exc}")
    reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
    assert reply.ok, reply.text
