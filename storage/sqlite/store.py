"""The SQLite unit of work: every repository over one connection, one transaction."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager
from typing import Any

from bot.errors import StorageError
from bot.ports import UnitOfWork
from storage.sqlite import export
from storage.sqlite.board import SqliteBoardRepo
from storage.sqlite.campaigns import SqliteCampaignRepo
from storage.sqlite.community import (
    SqliteAuditRepo,
    SqliteCommunityRepo,
    SqliteEventLog,
    SqliteMemberRepo,
)
from storage.sqlite.dashboard import SqliteDashboardRepo
from storage.sqlite.db import Database
from storage.sqlite.ideas import SqliteIdeaRepo, SqliteVoteRepo
from storage.sqlite.insights import SqliteInsightsRepo
from storage.sqlite.ledger import SqliteLedgerRepo
from storage.sqlite.outbox import SqliteOutboxRepo
from storage.sqlite.prompts import SqlitePromptRepo
from storage.sqlite.rewards import SqliteRewardRepo


class SqliteStorage:
    def __init__(self, db: Database, default_timezone: str = "UTC") -> None:
        self.db = db
        self.communities = SqliteCommunityRepo(db, default_timezone)
        self.events = SqliteEventLog(db)
        self.audit = SqliteAuditRepo(db)
        self.members = SqliteMemberRepo(db)
        self.campaigns = SqliteCampaignRepo(db)
        self.outbox = SqliteOutboxRepo(db)
        self.ideas = SqliteIdeaRepo(db)
        self.votes = SqliteVoteRepo(db)
        self.ledger = SqliteLedgerRepo(db)
        self.prompts = SqlitePromptRepo(db)
        self.insights = SqliteInsightsRepo(db)
        self.rewards = SqliteRewardRepo(db)
        self.board = SqliteBoardRepo(db)
        self.dashboard = SqliteDashboardRepo(db)

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self.db.transaction()

    async def ping(self) -> bool:
        return await self.db.ping()

    async def export_tables(
        self, community_id: str | None
    ) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        tables = await export.export_tables(self.db, community_id)
        return {name: (list(export.COLUMNS[name]), rows) for name, rows in tables.items()}

    async def close(self) -> None:
        await self.db.close()


async def open_storage(path: str, default_timezone: str = "UTC") -> SqliteStorage:
    """Open the file (creating it), apply migrations, and return the unit of work.

    Raises ``StorageError`` (and leaves nothing open) when the file cannot be used."""
    db = Database(path)
    await db.open()
    try:
        await db.migrate()
    except sqlite3.Error as exc:
        await db.close()
        raise StorageError(f"The database file {path} cannot be used: {exc}") from exc
    except BaseException:
        await db.close()
        raise
    return SqliteStorage(db, default_timezone)
