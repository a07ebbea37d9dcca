"""The shared test harness: the real engine on a real SQLite file and an in-memory platform."""

from __future__ import annotations

import atexit
import hashlib
import itertools
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.memory.platform import MemoryPlatform
from bot.app import App, build_app
from bot.clock import FakeClock
from bot.events import (
    Actor,
    CommandInvoked,
    InboundEvent,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)
from bot.links import Links
from bot.replies import Reply
from storage.sqlite.db import migrations
from storage.sqlite.store import SqliteStorage, open_storage

COMMUNITY = "console:test"
CHANNEL = "general"

# Migrating a new file costs more than most tests: every migration is applied once per test
# session to a template, and each new test database starts as a copy of it.
_templates: dict[str, Path] = {}
_template_dir: Path | None = None


async def _migrated_template() -> Path:
    """A database file with every migration applied, rebuilt when the migrations change."""
    global _template_dir
    key = hashlib.sha256(repr(migrations()).encode()).hexdigest()[:16]
    if key not in _templates:
        if _template_dir is None:
            _template_dir = Path(tempfile.mkdtemp(prefix="cocreate-template-"))
            atexit.register(shutil.rmtree, _template_dir, True)
        path = _template_dir / f"{key}.sqlite3"
        storage = await open_storage(str(path))
        await storage.close()  # the last connection checkpoints the WAL into the file
        _templates[key] = path
    return _templates[key]


async def open_test_storage(path: Path | str, default_timezone: str = "UTC") -> SqliteStorage:
    """``open_storage`` on a test database: a new file starts as a copy of the migrated
    template (``open_storage`` then finds nothing to apply); an existing one opens as it is."""
    _copy_if_new(await _migrated_template(), Path(path))
    return await open_storage(str(path), default_timezone)


def _copy_if_new(template: Path, target: Path) -> None:
    assert not Path(f"{template}-wal").exists(), "the template must be one self-contained file"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


class Harness:
    def __init__(
        self, app: App, storage: SqliteStorage, platform: MemoryPlatform, clock: FakeClock
    ):
        self.app = app
        self.engine = app.engine
        self.storage = storage
        self.db = storage.db
        self.platform = platform
        self.clock = clock
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]
        #: every event the harness handed the engine, so a test can deliver one again (a replay)
        self.delivered: list[InboundEvent] = []

    @classmethod
    async def create(
        cls, path: Path, community: str = COMMUNITY, links: Links | None = None
    ) -> Harness:
        storage = await open_test_storage(path)
        platform = MemoryPlatform()
        clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        app = build_app(storage, platform, clock, card_interval=0.01, links=links)
        harness = cls(app, storage, platform, clock)
        harness.community = community
        return harness

    community: str = COMMUNITY

    def member(
        self,
        name: str,
        roles: frozenset[str] | set[str] = frozenset(),
        admin: bool = False,
        account_age_days: int = 400,
        member_days: int = 200,
        community: str | None = None,
    ) -> Actor:
        now = self.clock.now()
        return Actor(
            community_id=community or self.community,
            member_id=name,
            display_name=name.capitalize(),
            roles=frozenset(roles),
            is_admin=admin,
            account_created_at=now - timedelta(days=account_age_days),
            joined_at=now - timedelta(days=member_days),
        )

    def moderator(self, name: str = "mod") -> Actor:
        return self.member(name, admin=True)

    async def deliver(self, event: InboundEvent) -> Reply:
        """Hand ``event`` to the engine, as an adapter does, and remember it."""
        self.delivered.append(event)
        return await self.engine.handle(event)

    def event_id(self) -> str:
        # unique across harnesses on one file, so a "restarted" bot's events are not replays
        return f"ev-{self._run}-{next(self._ids)}"

    async def cmd(
        self,
        actor: Actor,
        path: str,
        *,
        event_id: str | None = None,
        channel: str = CHANNEL,
        **options: Any,
    ) -> Reply:
        topic, _, verb = path.partition(" ")
        event = CommandInvoked(event_id or self.event_id(), actor, topic, verb, options, channel)
        return await self.deliver(event)

    async def text(self, actor: Actor, line: str, channel: str = CHANNEL) -> Reply:
        """Run a command written as text, the way the console and Slack parse it."""
        from bot.commands.text import parse_command

        topic, _, rest = line.lstrip("/").partition(" ")
        parsed = parse_command(self.app.registry, topic, rest)
        event = CommandInvoked(
            self.event_id(),
            actor,
            parsed.command.topic,
            parsed.command.verb,
            parsed.options,
            channel,
        )
        return await self.deliver(event)

    async def card_message(self, idea_id: int) -> str:
        idea = await self.storage.ideas.get(self.community, idea_id)
        assert idea is not None and idea.message_id is not None, "idea has no card"
        return idea.message_id

    async def react(
        self, actor: Actor, idea_id: int, emoji: str = "👍", event_id: str | None = None
    ) -> Reply:
        message_id = await self.card_message(idea_id)
        self.platform.member_reacted(message_id, actor, emoji, added=True)
        reply = await self.deliver(
            ReactionAdded(event_id or self.event_id(), actor, CHANNEL, message_id, emoji)
        )
        if reply.remove_reaction:  # as an adapter with Manage Messages would
            self.platform.member_reacted(message_id, actor, emoji, added=False)
        return reply

    async def unreact(
        self, actor: Actor, idea_id: int, emoji: str = "👍", event_id: str | None = None
    ) -> Reply:
        message_id = await self.card_message(idea_id)
        self.platform.member_reacted(message_id, actor, emoji, added=False)
        return await self.deliver(
            ReactionRemoved(event_id or self.event_id(), actor, CHANNEL, message_id, emoji)
        )

    async def answer(
        self, actor: Actor, prompt_id: int, *values: str, event_id: str | None = None
    ) -> Reply:
        return await self.deliver(
            PromptAnswered(event_id or self.event_id(), actor, prompt_id, tuple(values))
        )

    async def comment(self, actor: Actor, idea_id: int, event_id: str | None = None) -> Reply:
        idea = await self.storage.ideas.get(self.community, idea_id)
        assert idea is not None and idea.thread_id is not None
        return await self.deliver(
            ThreadMessagePosted(
                event_id or self.event_id(), actor, CHANNEL, idea.thread_id, self.event_id()
            )
        )

    async def balance(self, member_id: str) -> int:
        return await self.storage.ledger.balance(self.community, member_id)

    async def ledger_matches_balances(self) -> bool:
        rows = await self.db.fetchall(
            "SELECT l.community_id, l.member_id, sum(l.amount) AS s, b.balance"
            " FROM ledger l LEFT JOIN balances b USING (community_id, member_id)"
            " GROUP BY l.community_id, l.member_id"
        )
        return all(r["s"] == r["balance"] for r in rows)

    async def submit(self, actor: Actor, title: str, description: str = "", **options: Any) -> int:
        """Submit an idea and return its id (fails the test if refused)."""
        reply = await self.cmd(
            actor, "idea submit", title=title, description=description, **options
        )
        assert reply.ok, reply.text
        return int(reply.idea_id)

    async def close(self) -> None:
        await self.app.close()
        await self.storage.close()
