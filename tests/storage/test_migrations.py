"""Migrations and the transaction discipline of ``storage.sqlite.db.Database``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import StorageError
from storage.sqlite.db import Database, checksum, migrations, split_sql
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


def test_versions_are_unique_increasing_and_start_at_one() -> None:
    # numbers are reserved per change made in parallel, so there may be gaps between them
    found = migrations()
    versions = [v for v, _, _ in found]
    assert versions == sorted(set(versions)) and versions[0] == 1
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


async def test_existing_ideas_keep_the_voting_of_the_day_of_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0009 snapshots each idea's voting from its community's settings at upgrade time."""
    import storage.sqlite.db as dbmod

    every = migrations()
    before = [m for m in every if m[0] < 9]
    monkeypatch.setattr(dbmod, "migrations", lambda: before)
    database = Database(str(tmp_path / "old.sqlite3"))
    await database.open()
    try:
        await database.migrate()
        settings = '{"vote_mode": "updown", "emoji_up": "🔥", "emoji_down": "🧊"}'
        await database.execute(
            "INSERT INTO communities (id, platform, settings_json, created_at)"
            " VALUES ('c1', 'console', ?, ''), ('c2', 'console', '{}', '')",
            (settings,),
        )
        for idea_id, community in ((1, "c1"), (2, "c2")):
            await database.execute(
                "INSERT INTO ideas (id, community_id, title, title_key, author_id, status,"
                " created_at, updated_at) VALUES (?, ?, 't', 't', 'a', 'new', '', '')",
                (idea_id, community),
            )
        monkeypatch.setattr(dbmod, "migrations", lambda: every)
        assert 9 in await database.migrate()
        rows = await database.fetchall("SELECT id, vote_mode, vote_emojis FROM ideas ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "updown", '["🔥","🧊"]'),
            (2, "up", '["👍"]'),
        ]
    finally:
        await database.close()


# A trigger whose body holds several statements, END on the same line as the last of them, and
# semicolons inside a string and a comment: only SQLite's own completeness check cuts these right.
TRIGGER_MIGRATION = """-- 0099: a trigger with semicolons in its body; and in this comment
CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE audited (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);
CREATE TEMP TRIGGER IF NOT EXISTS audited_insert AFTER INSERT ON audited
BEGIN
  INSERT INTO audit (note) VALUES ('first;
second');
  UPDATE audited SET n = n + 1 WHERE id = NEW.id; END;
INSERT INTO audited (id) VALUES (1);
-- a closing comment; nothing after it
"""


def test_split_sql_cuts_only_where_a_statement_is_complete() -> None:
    statements = split_sql(TRIGGER_MIGRATION)
    assert len(statements) == 4
    assert statements[2].startswith("CREATE TEMP TRIGGER") and statements[2].endswith("END;")
    assert statements[3] == "INSERT INTO audited (id) VALUES (1);"
    assert split_sql("SELECT 1; SELECT ';'") == ["SELECT 1;", "SELECT ';'"]


async def test_a_migration_with_a_trigger_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.sqlite.db as dbmod

    every = [*migrations(), (99, "0099_audit.sql", TRIGGER_MIGRATION)]
    monkeypatch.setattr(dbmod, "migrations", lambda: every)
    database = Database(str(tmp_path / "trigger.sqlite3"))
    await database.open()
    try:
        assert 99 in await database.migrate()
        assert await database.scalar("SELECT n FROM audited WHERE id = 1") == 1
        assert await database.scalar("SELECT note FROM audit") == "first;\nsecond"
    finally:
        await database.close()


async def test_every_applied_migration_has_its_checksum(db: Database) -> None:
    rows = await db.fetchall("SELECT version, checksum FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["checksum"]) for r in rows] == [
        (v, checksum(sql)) for v, _, sql in migrations()
    ]


async def test_an_edited_migration_stops_the_start_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.sqlite.db as dbmod

    path = str(tmp_path / "edited.sqlite3")
    await (await open_storage(path)).close()
    edited = [
        (v, name, sql.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1) if v == 3 else sql)
        for v, name, sql in migrations()
    ]
    monkeypatch.setattr(dbmod, "migrations", lambda: [*edited, (99, "0099_new.sql", "SELECT 1;")])
    with pytest.raises(StorageError) as raised:
        await open_storage(path)
    message = str(raised.value)
    assert message == (
        "The migration 0003_rewards.sql was edited after this database applied it; restore it"
        " and put the change in a new numbered migration."
    )
    database = Database(path)
    await database.open()
    try:  # nothing was applied past the edited file
        assert await database.scalar("SELECT max(version) FROM schema_migrations") != 99
    finally:
        await database.close()


async def test_a_database_from_before_checksums_gets_them_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.sqlite.db as dbmod

    path = str(tmp_path / "old.sqlite3")
    database = Database(path)
    await database.open()
    try:
        await database.migrate()
        # as the previous runner left it: the same schema, no checksum column in its table
        await database.execute("ALTER TABLE schema_migrations DROP COLUMN checksum")
        columns = await database.fetchall("PRAGMA table_info(schema_migrations)")
        assert [c["name"] for c in columns] == ["version", "name", "applied_at"]
        assert await database.migrate() == []  # no false alarm, nothing applied again
        rows = await database.fetchall("SELECT version, checksum FROM schema_migrations")
        assert {r["version"]: r["checksum"] for r in rows} == {
            v: checksum(sql) for v, _, sql in migrations()
        }
        # and from now on an edit is caught
        edited = [(v, n, sql + "\n-- edited" if v == 1 else sql) for v, n, sql in migrations()]
        monkeypatch.setattr(dbmod, "migrations", lambda: edited)
        with pytest.raises(StorageError, match=r"0001_core\.sql"):
            await database.migrate()
    finally:
        await database.close()
