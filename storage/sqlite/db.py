"""One aiosqlite connection in WAL mode, numbered migrations, and task-reentrant transactions.

A single connection serves the process: SQLite allows one writer at a time anyway, and an
asyncio lock around each transaction keeps coroutines from interleaving statements inside one
another's transactions. Nested ``transaction()`` calls in the same task join the outer one, so a
service can call another service without deadlocking.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import math
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

import bot.services.anonymity as anonymity
from bot.errors import StorageError
from bot.text_clean import title_key
from bot.unit_of_work import CommitWork

log = logging.getLogger(__name__)

_owner: contextvars.ContextVar[object | None] = contextvars.ContextVar("cocreate_tx", default=None)
_work: contextvars.ContextVar[CommitWork | None] = contextvars.ContextVar(
    "cocreate_work", default=None
)

BUSY_RETRIES = 5


def pragmas(path: str) -> list[str]:
    """The settings every connection runs with (benchmarks.ceiling opens with them too)."""
    return [
        "PRAGMA busy_timeout = 5000",
        *(["PRAGMA journal_mode = WAL"] if path != ":memory:" else []),
        "PRAGMA synchronous = NORMAL",
        # 32 MiB of page cache (the default is 2 MiB): votes and ledger entries land at
        # random places in their indexes, and a cache miss there is what bursts pay for
        "PRAGMA cache_size = -32768",
        "PRAGMA foreign_keys = ON",
    ]


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in storage/migrations, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        found.append((version, name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def checksum(sql: str) -> str:
    """What ``schema_migrations`` records per applied file: an edit after applying it shows."""
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def split_sql(sql: str) -> list[str]:
    """A migration's statements, cut where SQLite itself says a statement is complete.

    ``sqlite3.complete_statement`` knows quotes, comments and a trigger's ``BEGIN ... END``, so a
    semicolon inside any of them does not end the statement. Comments before a statement stay
    with it; a trailing comment, or a last statement without its semicolon, comes last.
    """
    statements: list[str] = []
    start = 0
    end = sql.find(";")
    while end != -1:
        if sqlite3.complete_statement(sql[start : end + 1]):
            statements.append(sql[start : end + 1].strip())
            start = end + 1
        end = sql.find(";", end + 1)
    rest = sql[start:].strip()
    if rest and not all(
        not line.strip() or line.strip().startswith("--") for line in rest.splitlines()
    ):
        statements.append(rest)
    return statements


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._rollback_hooks: list[Callable[[], None]] = []

    def on_rollback(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every rollback: caches filled inside a transaction drop it."""
        self._rollback_hooks.append(hook)

    def _rolled_back(self) -> None:
        for hook in self._rollback_hooks:
            hook()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open (or create) the file. Its directory must exist: a mistyped path is reported,
        never silently created (the CLI creates only the embedded default's ``data/``)."""
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            raise StorageError(f"The directory {Path(self.path).parent} does not exist")
        try:
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
            self._conn.row_factory = aiosqlite.Row
            for pragma in pragmas(self.path):
                await self._conn.execute(pragma)
            # migrations recompute stored keys with the engine's own rule (0012_title_keys.sql)
            await self._conn.create_function("cocreate_title_key", 1, title_key, deterministic=True)
            await _ensure_pow(self._conn)
        except sqlite3.Error as exc:
            await self.close()
            raise StorageError(f"The database file {self.path} cannot be opened: {exc}") from exc

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def migrate(self) -> list[int]:
        """Apply every migration newer than the stored version; return the versions applied.

        Each applied file's checksum is recorded; a file edited after a database applied it
        stops the start with a ``StorageError`` naming it, before anything is applied. A database
        from before checksums were recorded gets them filled in from today's files.
        """
        await _register_functions(self.conn)
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
            " checksum TEXT)"
        )
        columns = {r["name"] for r in await self.fetchall("PRAGMA table_info(schema_migrations)")}
        if "checksum" not in columns:  # recorded before checksums were
            await self.conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
        rows = await self.fetchall("SELECT version, checksum FROM schema_migrations")
        recorded = {int(r["version"]): r["checksum"] for r in rows}
        files = [(version, name, sql, checksum(sql)) for version, name, sql in migrations()]
        for version, name, _, digest in files:
            if recorded.get(version) not in (None, digest):
                raise StorageError(
                    f"The migration {name} was edited after this database applied it; restore"
                    " it and put the change in a new numbered migration."
                )
        missing = [(d, v) for v, _, _, d in files if v in recorded and recorded[v] is None]
        if missing:
            async with self.transaction():
                await self.conn.executemany(
                    "UPDATE schema_migrations SET checksum = ? WHERE version = ?", missing
                )
            log.info("recorded migration checksums", extra={"count": len(missing)})
        applied: list[int] = []
        for version, name, sql, digest in files:
            if version in recorded:
                continue
            async with self.transaction():
                for statement in split_sql(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
                    " VALUES (?, ?, datetime('now'), ?)",
                    (version, name, digest),
                )
            applied.append(version)
            log.info("applied migration", extra={"migration": name})
        return applied

    async def ping(self) -> bool:
        try:
            await self.conn.execute("SELECT 1")
        except (sqlite3.Error, RuntimeError, ValueError):
            return False
        return True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[CommitWork]:
        """BEGIN IMMEDIATE ... COMMIT, or join the transaction this task already holds.

        Yields the transaction's unit of work; its after-commit actions run once the outermost
        transaction has committed and the lock is released (they may open transactions).
        """
        task = asyncio.current_task()
        held = _work.get()
        if task is not None and _owner.get() is task and held is not None:
            yield held
            return
        work = CommitWork()
        async with self._lock:
            token = _owner.set(task)
            work_token = _work.set(work)
            try:
                try:
                    await self._begin()
                except BaseException:
                    # cancelled while BEGIN ran in the driver's thread: it may have begun
                    await self._safe_rollback()
                    raise
                try:
                    yield work
                except BaseException:
                    work.discard()
                    await self._safe_rollback()
                    raise
                try:
                    await self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    work.discard()
                    await self._safe_rollback()
                    raise StorageError(f"could not save: {exc}") from exc
            finally:
                _work.reset(work_token)
                _owner.reset(token)
        await work.committed()

    async def _begin(self) -> None:
        for attempt in range(BUSY_RETRIES):
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StorageError(f"could not start a transaction: {exc}") from exc
                await asyncio.sleep(0.05 * (attempt + 1))
        raise StorageError("the database stayed busy; please try again")

    async def _safe_rollback(self) -> None:
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.debug("rollback was not needed (SQLite had already rolled back)")
        finally:
            self._rolled_back()

    # -- small helpers used by repositories ---------------------------------------------------
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        try:
            return await self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "readonly" in text or "disk" in text or "full" in text:
                raise StorageError(f"storage refused the change: {text}") from exc
            raise

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetch_in(
        self, sql: str, head: Sequence[Any], items: Iterable[Any], size: int = 500
    ) -> list[aiosqlite.Row]:
        """Rows of ``sql`` for many items: ``{marks}`` in it becomes one chunk's placeholders
        (SQLite caps the parameters of one statement), ``head`` the parameters before them.
        Duplicate items are asked once."""
        unique = list(dict.fromkeys(items))
        rows: list[aiosqlite.Row] = []
        for start in range(0, len(unique), size):
            chunk = unique[start : start + size]
            marks = ",".join("?" * len(chunk))
            rows += await self.fetchall(sql.format(marks=marks), (*head, *chunk))
        return rows

    async def fetch_values(
        self, sql: str, rows: Iterable[Sequence[Any]], size: int = 200
    ) -> list[aiosqlite.Row]:
        """Rows of ``sql`` joined to many tuples: ``{values}`` becomes ``(?, ?), (?, ?)...``.
        A join on a VALUES list uses the indexes; ``(a, b) IN (VALUES ...)`` would scan."""
        unique = list(dict.fromkeys(tuple(r) for r in rows))
        found: list[aiosqlite.Row] = []
        for start in range(0, len(unique), size):
            chunk = unique[start : start + size]
            values = ",".join("(" + ",".join("?" * len(r)) + ")" for r in chunk)
            found += await self.fetchall(sql.format(values=values), [x for r in chunk for x in r])
        return found

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


async def _ensure_pow(conn: aiosqlite.Connection) -> None:
    """pow() for the trending heat's triggers (0016_board.sql): SQLite's own where it was built
    with its math functions (Debian's is), else Python's, so every build runs the same SQL."""
    try:
        await conn.execute("SELECT pow(2, 0.5)")
    except sqlite3.OperationalError:
        await conn.create_function("pow", 2, math.pow, deterministic=True)


async def _register_functions(conn: aiosqlite.Connection) -> None:
    """The engine's own derivations, callable from migrations that rewrite stored rows."""
    await conn.create_function("cocreate_new_key", 0, lambda: secrets.token_hex(32))
    await conn.create_function(
        "cocreate_respondent_token", 3, anonymity.respondent_token, deterministic=True
    )
    await conn.create_function("cocreate_points_key", 3, anonymity.points_key, deterministic=True)
