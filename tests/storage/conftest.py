"""A fresh SQLite file with every migration applied, for the repository contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.sqlite.store import SqliteStorage
from tests.harness import open_test_storage

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = "console:a"
B = "console:b"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    s = await open_test_storage(tmp_path / "store.sqlite3", default_timezone="Europe/Berlin")
    try:
        yield s
    finally:
        await s.close()
