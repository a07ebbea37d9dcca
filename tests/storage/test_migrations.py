"""Migrations and the transaction discipline of ``storage.sqlite.db.Database``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.sqlite.db import Database, migrations
from storage.sqlite.store import open_storage

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    (tmp_path / "nested").mkdir()  # storage never creates a directory itself
    database = Database(str(tmp_path / "nested" / "tx.sqlite3"))
    await database.open()
    await database.migrate()
    await database.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    await database.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    try:
        yield database
    finally:
        await database.close()


async def count(db: Database) -> int:
    return int(await db.scalar("SELECT n FROM counter WHERE id = 1"))


def test_versions_are_unique_contiguous_and_start_at_one() -> None:
    found = migrations()
    versions = [v for v, _, _ in found]
    assert versions == list(range(1, len(found) + 1))
    assert found[0][1] == "0001_core.sql"
    assert all(name.startswith(f"{v:04d}_") for v, name, _ in found)


async def test_fresh_file_gets_every_migration_recorded(tmp_path: Path) -> None:
    database = Database(str(tmp_path / "fresh.sqlite3"))
    await database.open()
    try:
        applied = await database.migrate()
        expected = [v for v, _, _ in migrations()]
        assert applied == expected
        rows = await database.fetchall("SELECT version, name FROM schema_migrations ORDER BY 1")
        assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in migrations()]
        tables = {
            r[0]
            for r in await database.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"communities", "ideas", "votes", "ledger", "balances"} <= tables
        triggers = await database.fetchall("SELECT name FROM sqlite_master WHERE type='trigger'")
        assert {"ledger_balance", "ledger_no_update", "ledger_no_delete"} <= {
            r[0] for r in triggers
        }
        assert await database.migrate() == []
    finally:
        await database.close()


async def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "again.sqlite3")
    first = await open_storage(path)
    await first.events.claim("c", "ev1", "command", NOW)
    await first.close()
    second = await open_storage(path)
    try:
        assert await second.db.migrate() == []
        assert await second.db.scalar("SELECT count(*) FROM schema_migrations") == len(migrations())
        assert await second.events.claim("c", "ev1", "command", NOW) is False
    finally:
        await second.close()


async def test_file_database_uses_wal_and_foreign_keys(db: Database) -> None:
    assert str(await db.scalar("PRAGMA journal_mode")).lower() == "wal"
    assert await db.scalar("PRAGMA foreign_keys") == 1
    assert Path(db.path).parent.is_dir()  # a missing parent directory is created


async def test_exception_rolls_back_every_statement(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):  # noqa: PT012
        async with db.transaction():
            await db.execute("UPDATE counter SET n = 5")
            await db.execute("INSERT INTO counter (id, n) VALUES (2, 7)")
            raise ValueError("boom")
    assert await count(db) == 0
    assert await db.scalar("SELECT count(*) FROM counter") == 1
    async with db.transaction():  # the connection is usable again afterwards
        await db.execute("UPDATE counter SET n = 1")
    assert await count(db) == 1


async def test_nested_transaction_joins_the_outer_one(db: Database) -> None:
    with pytest.raises(RuntimeError):  # noqa: PT012
        async with db.transaction():
            await db.execute("UPDATE counter SET n = n + 1")
            async with db.transaction():  # same task: joins, does not deadlock or commit
                await db.execute("UPDATE counter SET n = n + 10")
            assert await count(db) == 11
            raise RuntimeError("outer fails after the inner block finished")
    assert await count(db) == 0  # the inner work was not committed on its own

    with pytest.raises(RuntimeError):  # noqa: PT012
        async with db.transaction():
            await db.execute("UPDATE counter SET n = n + 1")
            async with db.transaction():
                await db.execute("UPDATE counter SET n = n + 10")
                raise RuntimeError("inner fails")
    assert await count(db) == 0

    async with db.transaction():
        await db.execute("UPDATE counter SET n = n + 1")
        async with db.transaction():
            await db.execute("UPDATE counter SET n = n + 10")
    assert await count(db) == 11


async def test_concurrent_tasks_are_serialised(db: Database) -> None:
    log: list[str] = []

    async def bump(name: str) -> None:
        for _ in range(50):
            async with db.transaction():
                log.append(f"{name}+")
                current = await count(db)
                await asyncio.sleep(0)  # invite the other task in between read and write
                await db.execute("UPDATE counter SET n = ?", (current + 1,))
                log.append(f"{name}-")

    await asyncio.gather(bump("a"), bump("b"))
    assert await count(db) == 100
    # every transaction ran alone: each start is followed by its own end
    assert all(log[i][0] == log[i + 1][0] for i in range(0, len(log), 2))


async def test_failure_in_one_task_does_not_undo_another(db: Database) -> None:
    async def good() -> None:
        async with db.transaction():
            await db.execute("UPDATE counter SET n = n + 1")
            await asyncio.sleep(0)

    async def bad() -> None:
        async with db.transaction():
            await db.execute("UPDATE counter SET n = n + 100")
            await asyncio.sleep(0)
            raise ValueError("bad")

    results = await asyncio.gather(good(), bad(), good(), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "ValueError", "NoneType"]
    assert await count(db) == 2
