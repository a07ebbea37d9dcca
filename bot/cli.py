"""The `cocreate` command line (also `python -m bot`): run, demo, migrate, export, healthcheck.

This module is the process's composition root: the only place in ``bot/`` that imports storage
and adapters, because something has to choose them. The engine itself never does.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import signal
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import SecretStr

from adapters.console.adapter import ConsolePlatform, ConsoleSession
from adapters.console.demo import run_demo
from adapters.console.repl import ConsoleAdapter, stream_lines
from adapters.web import web_routes
from bot.app import App, build_app
from bot.cli_args import build_parser
from bot.clock import Clock, FakeClock, RehearsalClock, SystemClock
from bot.commands.spec import Registry
from bot.errors import StorageError
from bot.http import HealthReport, HttpServer, probe
from bot.links import Links
from bot.logs import configure_logging
from bot.platforms import PlatformRouter
from bot.ports.adapter import Adapter
from bot.startup import (
    DatabaseUnavailable,
    OutputUnwritable,
    SettingsError,
    StartupError,
    UnknownCommunity,
)
from config.settings import DEFAULT_DATABASE_URL, Settings, load_settings
from storage.sqlite.db import Database
from storage.sqlite.export import export_tables, has_community, write_csv, write_json
from storage.sqlite.slack_installations import SqliteSlackInstallations
from storage.sqlite.store import SqliteStorage, open_storage

log = logging.getLogger("bot.cli")


def main(argv: Sequence[str] | None = None) -> int:
    """The one error boundary: whatever stops a verb is one line on stderr and a non-zero exit
    (a ``StartupError``'s own sentence, or a short description of anything unexpected); the
    traceback only with LOG_LEVEL=DEBUG."""
    args = build_parser().parse_args(argv)
    verb: str = args.verb
    settings: Settings | None = None
    try:
        settings = load_settings(args.config)
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(errors="replace")
        return _dispatch(verb, args, settings)
    except StartupError as exc:
        return _failed(exc.sentence, exc.exit_code, exc, settings)
    except Exception as exc:  # noqa: BLE001 (the boundary: anything unexpected is one line too)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        sentence = (
            f"{verb} stopped on an unexpected error ({what}); run with LOG_LEVEL=DEBUG to see where"
        )
        return _failed(sentence, 1, exc, settings)


def _failed(sentence: str, code: int, exc: BaseException, settings: Settings | None) -> int:
    level = settings.log_level if settings is not None else os.environ.get("LOG_LEVEL", "")
    if level.strip().upper() == "DEBUG":
        traceback.print_exception(exc, file=sys.stderr)
    line = " ".join(sentence.split())  # one line, whatever the sentence quoted
    print(f"cocreate: {line}", file=sys.stderr, flush=True)
    return code


def _dispatch(verb: str, args: argparse.Namespace, settings: Settings) -> int:
    if verb == "run":
        return asyncio.run(run(settings))
    if verb == "demo":
        if args.database is not None and Path(args.database).exists():
            raise SettingsError(f"{args.database} exists; the demo needs a fresh database.")
        return asyncio.run(demo(settings, args.database))
    if verb == "migrate":
        return asyncio.run(migrate(settings))
    if verb == "export":
        return asyncio.run(export(settings, args.format, Path(args.out), args.community))
    if verb == "discord-invite":
        return discord_invite(settings, args.client_id)
    return asyncio.run(healthcheck(settings))


def database_path(settings: Settings, path: str | None = None) -> str:
    """The SQLite file to open. Its directory must exist, except the embedded default's
    ``data/``, which is created so ``make run`` works on a fresh clone: a mistyped
    DATABASE_URL is reported instead of growing a directory tree somewhere unexpected."""
    path = path or settings.sqlite_path()
    if path == ":memory:":
        return path
    directory = Path(path).parent
    if directory.is_dir():
        return path
    if path == settings.sqlite_path() and settings.database_url == DEFAULT_DATABASE_URL:
        directory.mkdir(parents=True, exist_ok=True)
        return path
    where = "DATABASE_URL" if path == settings.sqlite_path() else "--database"
    raise DatabaseUnavailable(
        f"The directory {directory} for the database ({where}) does not exist; "
        "create it first or choose another path."
    )


async def open_database(settings: Settings, path: str | None = None) -> SqliteStorage:
    """Open and migrate the database, or say in one sentence why it cannot be used."""
    try:
        return await open_storage(database_path(settings, path), settings.timezone)
    except StorageError as exc:
        raise DatabaseUnavailable(f"{exc} (check DATABASE_URL).") from exc


def secrets(settings: Settings) -> list[str]:
    """Every secret the settings hold, so the log filter can redact it wherever it appears."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
    return found


def _logging(settings: Settings, at_least: int = logging.DEBUG) -> None:
    level = max(logging.getLevelNamesMapping()[settings.log_level], at_least)
    configure_logging(logging.getLevelName(level), settings.log_format, secrets(settings))


def platform_adapters(
    settings: Settings, registry: Registry, http: HttpServer, storage: SqliteStorage
) -> list[Adapter]:
    """The adapters whose credentials are set. Imported only when needed: a console-only
    deployment never loads discord.py or slack-bolt."""
    adapters: list[Adapter] = []
    if settings.discord_enabled:
        from adapters.discord import create_adapter as discord_adapter

        adapters.append(discord_adapter(settings, registry, http))
    if settings.slack_enabled:
        from adapters.slack import create_adapter as slack_adapter

        installations = SqliteSlackInstallations(storage.db)  # the port's storage side
        adapters.append(slack_adapter(settings, registry, http, installations))
    return adapters


def _connected(adapter: Adapter) -> Callable[[], bool]:
    return lambda: adapter.connected


async def run(settings: Settings) -> int:
    """Serve until SIGTERM/SIGINT (or, in the console, `quit` or the end of a terminal's input)."""
    _logging(settings)
    storage = await open_database(settings)
    router = PlatformRouter()
    # the console may rehearse time (`advance`); a platform always runs on the real clock
    console = not (settings.discord_enabled or settings.slack_enabled)
    clock: Clock = RehearsalClock() if console else SystemClock()
    # asked when a link is built: with HTTP_PORT 0 the port is known once the server listens
    links = Links(lambda: settings.public_base_url(http.port))
    app = build_app(storage, router, clock, links=links)
    checks: dict[str, Callable[[], bool]] = {}

    async def health() -> HealthReport:
        report = {"storage": await storage.ping()}
        report.update({name: check() for name, check in checks.items()})
        return HealthReport(report)

    http = HttpServer(
        settings.http_host,
        settings.http_port,
        health,
        app.metrics,
        ops_host=settings.ops_host,
        ops_port=settings.ops_port,
        public_url=settings.public_url.strip() or None,  # https there turns HSTS on
    )
    http.add_routes(web_routes(app.board, app.links, app.dashboard))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    adapters: list[Adapter] = []
    try:
        adapters = platform_adapters(settings, app.registry, http, storage)
        for adapter in adapters:
            router.register(adapter.name, adapter.platform)
            checks[adapter.name] = _connected(adapter)
        await http.start()
        for adapter in adapters:
            await adapter.start(app.engine.handle)
            log.info("adapter started", extra={"adapter": adapter.name})
        checks["scheduler"] = lambda: app.scheduler.running
        if adapters:
            await app.scheduler.start()
            await stop.wait()
        else:
            await _console(app, router, checks, stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("shutting down")
        await app.close()  # the last coalesced card edits go out while the adapters still run
        for adapter in reversed(adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter did not stop cleanly", extra={"adapter": adapter.name})
        await http.stop()
        await storage.close()
    return 0


async def _console(
    app: App, router: PlatformRouter, checks: dict[str, Callable[[], bool]], stop: asyncio.Event
) -> None:
    """No platform credentials: members act from the terminal (or a pipe)."""
    platform = ConsolePlatform()
    router.register("console", platform)
    interactive = sys.stdin.isatty()
    # piped input is echoed so the output reads as a transcript; card edits are flushed after
    # each line so the member sees the new tally right away
    session = ConsoleSession.for_app(app, platform, echo=not interactive)
    console = ConsoleAdapter(session, sys.stdout, interactive=interactive)
    checks[console.name] = lambda: console.connected
    await console.start(app.engine.handle)
    app.scheduler.after_sweep.append(console.show_news)
    await app.scheduler.start()
    log.info("console adapter started", extra={"community": session.community_id})
    reader = asyncio.create_task(console.run(stream_lines(sys.stdin)))
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done and reader.result() == "eof" and not interactive:
            log.info("console input closed; still serving")
            await stopper
    finally:
        stopper.cancel()
        if not reader.done():
            reader.cancel()


async def demo(settings: Settings, database: str | None) -> int:
    _logging(settings, at_least=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="cocreate-demo-") as tmp:
        path = database or str(Path(tmp) / "demo.sqlite3")
        storage = await open_database(settings, path)
        platform = ConsolePlatform()
        clock = FakeClock()
        app = build_app(storage, platform, clock, card_interval=0.01)
        session = ConsoleSession.for_app(app, platform, echo=True, session_id="demo")
        await session.start(app.engine.handle)
        try:
            where = database or "a fresh temporary database"
            print(f"Cocreate demo: a community cycle in {session.community_id}, on {where}")
            surprises = await run_demo(session, sys.stdout)
        finally:
            await app.close()
            await storage.close()
    for surprise in surprises:
        print(f"cocreate demo: unexpected outcome: {surprise}", file=sys.stderr)
    return 1 if surprises else 0


async def migrate(settings: Settings) -> int:
    _logging(settings, at_least=logging.WARNING)
    db = Database(database_path(settings))
    try:
        await db.open()
        try:
            applied = await db.migrate()
            current = await db.scalar("SELECT max(version) FROM schema_migrations")
        finally:
            await db.close()
    except (StorageError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(f"{exc} (check DATABASE_URL).") from exc
    if applied:
        print(f"applied migrations: {', '.join(str(v) for v in applied)} (now at {current})")
    else:
        print(f"up to date (schema version {current})")
    return 0


async def export(settings: Settings, fmt: str, out_dir: Path, community: str | None) -> int:
    _logging(settings, at_least=logging.WARNING)
    _check_writable(out_dir)
    storage = await open_database(settings)
    try:
        if community is not None and not await has_community(storage.db, community):
            raise UnknownCommunity(
                f"There is no community {community} in this database; nothing was exported."
            )
        # one short transaction: every table from the same moment, and a running bot waits
        # only for the reads, never for the files being written
        async with storage.transaction():
            tables = await export_tables(storage.db, community)
    finally:
        await storage.close()
    writer = write_csv if fmt == "csv" else write_json
    try:
        written = await asyncio.to_thread(writer, tables, out_dir)
    except OSError as exc:
        raise OutputUnwritable(
            f"The export cannot be written to {out_dir} ({exc.strerror or exc})."
        ) from exc
    for path, rows in written:
        print(f"wrote {path} ({rows} row{'s' * (rows != 1)})")
    return 0


def _check_writable(out_dir: Path) -> None:
    """Refuse an --out that cannot be written before anything is opened or created."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputUnwritable(f"--out {out_dir} is a file, not a directory.")
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputUnwritable(f"--out {out_dir} cannot be created: {existing} is a file.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputUnwritable(f"--out {out_dir} cannot be written: {existing} is not writable.")


def discord_invite(settings: Settings, client_id: str | None) -> int:
    from adapters.discord.invite import NEEDED, client_id_from_token, invite_url

    if client_id is None and settings.discord_token is not None:
        client_id = client_id_from_token(settings.discord_token.get_secret_value())
    if client_id is None or not client_id.isdecimal():
        raise SettingsError(
            "discord-invite needs --client-id (the Application ID on the Developer "
            "Portal's General Information page) or DISCORD_TOKEN."
        )
    print(invite_url(client_id))
    for name, why in NEEDED.items():
        print(f"  {name.replace('_', ' ')}: {why}")
    return 0


async def healthcheck(settings: Settings) -> int:
    host = settings.http_host
    if host in ("", "0.0.0.0", "::", "localhost"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return 0 if await probe(f"http://{host}:{settings.http_port}/healthz") else 1
