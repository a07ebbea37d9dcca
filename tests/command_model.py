"""The command model alone, for tests that parse or render commands without running them.

Command handlers receive their services when they are registered, so the model comes from a
wired app; the database behind it is never opened (nothing runs a handler here).
"""

from __future__ import annotations

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.commands.spec import Registry
from storage.sqlite.db import Database
from storage.sqlite.store import SqliteStorage


def command_model() -> Registry:
    return build_app(SqliteStorage(Database(":memory:")), MemoryPlatform()).registry
