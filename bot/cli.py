"""The `cocreate` command line (also `python -m bot`): run, demo, migrate, export, healthcheck.

This module is the process's composition root: the only place in ``bot/`` that imports storage
and adapters, because something has to choose them. The engine itself never does.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import SecretStr, ValidationError

from adapters.console.adapter import ConsolePlatform, ConsoleSession
from adapters.console.demo import run_demo
from adapters.console.repl import ConsoleAdapter, stream_lines
from bot.app import App, build_app
from bot.clock import FakeClock, SystemClock
from bot.commands.spec import Registry
from bot.http import HealthReport, HttpServer, probe
from bot.logs import configure_logging
from bot.platforms import PlatformRouter
from bot.ports.adapter import Adapter
from config.settings import Settings, load_settings
from storage.sqlite.db import Database
from storage.sqlite.export import export_tables, write_csv, write_json
from storage.sqlite.store import SqliteStorage, open_storage

log = logging.getLogger("bot.cli")

DESCRIPTION = (
    "Cocreate: a customer co-creation bot. Settings come from environment variables "
    "(DATABASE_URL, LOG_LEVEL, HTTP_PORT, DISCORD_TOKEN, SLACK_BOT_TOKEN, ...) and an optional "
    "TOML file."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocreate", description=DESCRIPTION)
    parser.add_argument(
        "--config", metavar="FILE", help="a TOML settings file (environment variables win)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser(
        "run",
        help="run the bot: the HTTP server and the platforms whose credentials are set",
        description=(
            "Apply migrations, serve /healthz and /metrics on HTTP_HOST:HTTP_PORT, and start "
            "Discord (DISCORD_TOKEN) and/or Slack (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET). "
            "With no platform credentials, open the console on standard input: at a terminal, "
            "`quit` or Ctrl-D ends the program; with piped input the bot keeps serving after the "
            "input ends, until SIGTERM/SIGINT or a `quit` line."
        ),
    )
    demo = verbs.add_parser(
        "demo",
        help="play a whole community cycle through the real engine on a fresh database",
        description=(
            "A scheduled contest round (opened, moved to voting, reminded and closed by the "
            "scheduler as the demo's clock advances), ideas, votes (with a refused self-vote and "
            "a replayed event), a feedback prompt, the results and the leaderboards, typed into "
            "the console adapter."
        ),
    )
    demo.add_argument(
        "--database",
        metavar="PATH",
        help="keep the demo's SQLite file here (it must not exist yet); default: a temp file",
    )
    verbs.add_parser(
        "migrate",
        help="apply pending database migrations and list them",
        description="Apply every pending migration to DATABASE_URL and print what was applied.",
    )
    export = verbs.add_parser(
        "export",
        help="write ideas, votes, responses, ledger, balances and results as CSV or JSON files",
        description=(
            "Write one file per table (ideas, votes, responses, ledger, balances, results: a row "
            "per place of each closed round) into DIR. "
            "Anonymous prompts' responses carry no member."
        ),
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="default: csv")
    export.add_argument("--out", metavar="DIR", required=True, help="the directory to write to")
    export.add_argument(
        "--community", metavar="ID", help="only this community (e.g. console:local); default: all"
    )
    invite = verbs.add_parser(
        "discord-invite",
        help="print the Discord invite URL with exactly the permissions the bot needs",
        description=(
            "Print the OAuth2 URL that adds the bot to a server (scopes bot and "
            "applications.commands). The application id comes from --client-id, or else from "
            "DISCORD_TOKEN (a bot token starts with it)."
        ),
    )
    invite.add_argument(
        "--client-id", metavar="ID", help="the Application ID from the Developer Portal"
    )
    verbs.add_parser(
        "healthcheck",
        help="exit 0 if the running bot's /healthz answers 200, else 1",
        description="Probe http://127.0.0.1:HTTP_PORT/healthz, for a container HEALTHCHECK.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        settings.sqlite_path()
    except (FileNotFoundError, ValidationError, ValueError) as exc:
        print(f"cocreate: bad settings: {exc}", file=sys.stderr)
        return 2
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")
    verb: str = args.verb
    if verb == "run":
        return asyncio.run(run(settings))
    if verb == "demo":
        if args.database is not None and Path(args.database).exists():
            print(
                f"cocreate demo: {args.database} exists; the demo needs a fresh database",
                file=sys.stderr,
            )
            return 2
        return asyncio.run(demo(settings, args.database))
    if verb == "migrate":
        return asyncio.run(migrate(settings))
    if verb == "export":
        return asyncio.run(export(settings, args.format, Path(args.out), args.community))
    if verb == "discord-invite":
        return discord_invite(settings, args.client_id)
    return asyncio.run(healthcheck(settings))


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

        adapters.append(discord_adapter(settings, registry, http, storage))
    if settings.slack_enabled:
        from adapters.slack import create_adapter as slack_adapter

        adapters.append(slack_adapter(settings, registry, http, storage))
    return adapters


def _connected(adapter: Adapter) -> Callable[[], bool]:
    return lambda: adapter.connected


async def run(settings: Settings) -> int:
    """Serve until SIGTERM/SIGINT (or, in the console, `quit` or the end of a terminal's input)."""
    _logging(settings)
    storage = await open_storage(settings.sqlite_path(), settings.timezone)
    router = PlatformRouter()
    app = build_app(storage, router, SystemClock())
    checks: dict[str, Callable[[], bool]] = {}

    async def health() -> HealthReport:
        report = {"storage": await storage.ping()}
        report.update({name: check() for name, check in checks.items()})
        return HealthReport(report)

    http = HttpServer(settings.http_host, settings.http_port, health, app.metrics)
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
        storage = await open_storage(path, "UTC")
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
    db = Database(settings.sqlite_path())
    await db.open()
    try:
        applied = await db.migrate()
        current = await db.scalar("SELECT max(version) FROM schema_migrations")
    finally:
        await db.close()
    if applied:
        print(f"applied migrations: {', '.join(str(v) for v in applied)} (now at {current})")
    else:
        print(f"up to date (schema version {current})")
    return 0


async def export(settings: Settings, fmt: str, out_dir: Path, community: str | None) -> int:
    _logging(settings, at_least=logging.WARNING)
    storage = await open_storage(settings.sqlite_path(), settings.timezone)
    try:
        tables = await export_tables(storage.db, community)
    finally:
        await storage.close()
    writer = write_csv if fmt == "csv" else write_json
    for path, rows in writer(tables, out_dir):
        print(f"wrote {path} ({rows} row{'s' * (rows != 1)})")
    return 0


def discord_invite(settings: Settings, client_id: str | None) -> int:
    from adapters.discord.invite import NEEDED, client_id_from_token, invite_url

    if client_id is None and settings.discord_token is not None:
        client_id = client_id_from_token(settings.discord_token.get_secret_value())
    if client_id is None or not client_id.isdecimal():
        print(
            "cocreate discord-invite: give --client-id (the Application ID on the Developer "
            "Portal's General Information page) or set DISCORD_TOKEN",
            file=sys.stderr,
        )
        return 2
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
