"""The migrated template new test databases are copied from (tests/harness.py) follows the
migrations: a changed set of migrations gets a template of its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import storage.sqlite.db as db_module
import tests.harness as harness
from tests.harness import open_test_storage


async def _tables(path: Path) -> set[str]:
    storage = await open_test_storage(path)
    try:
        rows = await storage.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        versions = await storage.db.fetchall("SELECT version FROM schema_migrations")
    finally:
        await storage.close()
    assert {int(r[0]) for r in versions} == {v for v, _, _ in db_module.migrations()}
    return {r[0] for r in rows}


async def test_a_new_migration_gets_a_new_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await harness._migrated_template()
    assert "probe" not in await _tables(tmp_path / "before.sqlite3")
    real = db_module.migrations()
    extra = [*real, (real[-1][0] + 1, "9999_probe.sql", "CREATE TABLE probe (x INTEGER);")]
    monkeypatch.setattr(db_module, "migrations", lambda: list(extra))
    monkeypatch.setattr(harness, "migrations", lambda: list(extra))
    after = await harness._migrated_template()
    assert after != before
    template = sqlite3.connect(after)
    try:  # the template itself was built with the new migration (not caught up on opening)
        names = {r[0] for r in template.execute("SELECT name FROM sqlite_master")}
    finally:
        template.close()
    assert "probe" in names
    assert "probe" in await _tables(tmp_path / "after.sqlite3")


async def test_an_existing_file_opens_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "kept.sqlite3"
    storage = await open_test_storage(path)
    await storage.db.execute("CREATE TABLE mine (x INTEGER)")
    await storage.close()
    assert "mine" in await _tables(path)  # not replaced by a fresh copy of the template
