"""Fixtures: a fake Discord, and the real engine on SQLite wired to the real Discord adapter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.adapter import MAX_IN_FLIGHT
from bot.app import App, build_app
from bot.platforms import PlatformRouter
from bot.ports.adapter import Sink
from storage.sqlite.store import SqliteStorage
from tests.adapters.discord.fake import FakeDiscord
from tests.harness import open_test_storage

WAIT = 10.0


class Bot:
    """Cocreate running against the fake: the process `cocreate run` builds, minus the CLI."""

    def __init__(
        self, fake: FakeDiscord, storage: SqliteStorage, app: App, adapter: DiscordAdapter
    ) -> None:
        self.fake = fake
        self.storage = storage
        self.app = app
        self.adapter = adapter
        self.community = f"discord:{fake.guild_id}"

    async def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.storage.db.fetchall(sql, args)]

    async def balance(self, member_id: str) -> int:
        return await self.storage.ledger.balance(self.community, member_id)

    async def settle(self) -> None:
        """Let queued gateway events and card edits finish."""
        await asyncio.sleep(0.05)  # what the gateway sent reaches the client's queue
        # every queued event handled, not only taken off the queue (a slow machine is slow)
        await asyncio.wait_for(self.adapter._queue.join(), WAIT)
        await self.app.cards.flush()


async def eventually(check: Callable[[], Any], within: float = WAIT) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


async def start_bot(
    fake: FakeDiscord,
    path: Path,
    *,
    defer_after: float = 2.0,
    guild_ids: bool = True,
    card_interval: float = 0.05,
    shards: tuple[int, list[int]] | None = None,
    wrap: Callable[[Sink], Sink] | None = None,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> Bot:
    storage = await open_test_storage(path)
    router = PlatformRouter()
    app = build_app(storage, router, card_interval=card_interval)
    adapter = DiscordAdapter(
        fake.token,
        app.registry,
        api_base_url=fake.api_url,
        gateway_url=fake.gateway_url,
        guild_ids=[fake.guild_id] if guild_ids else [],
        defer_after=defer_after,
        ready_timeout=WAIT,
        guild_ready_timeout=0.05,
        shard_count=shards[0] if shards else None,
        shard_ids=shards[1] if shards else None,
        max_in_flight=max_in_flight,
    )
    router.register(adapter.name, adapter.platform)
    await adapter.start(wrap(app.engine.handle) if wrap else app.engine.handle)
    return Bot(fake, storage, app, adapter)


async def stop_bot(bot: Bot) -> None:
    try:
        await bot.adapter.stop()
    finally:
        await bot.app.close()
        await bot.storage.close()


def assert_no_pings(fake: FakeDiscord) -> int:
    """Every message the bot posted or edited said: ping no one. Returns how many there were."""
    sends = [r for r in fake.requests if r.status < 300 and r.sends_text]
    for request in sends:
        body = request.message_body()
        assert body.get("allowed_mentions") == {"parse": []}, (request.method, request.path, body)
    return len(sends)


def assert_answered_in_time(fake: FakeDiscord) -> None:
    """Discord's rule: every interaction gets its first answer within three seconds."""
    for record in fake.interactions.values():
        assert record.callback_at is not None, f"interaction {record.id} was never answered"
        assert record.callback_at - record.dispatched_at < 3.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    try:
        yield server
        assert_no_pings(server)
        assert_answered_in_time(server)
    finally:
        await server.stop()


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Bot]:
    running = await start_bot(fake, tmp_path / "cocreate.sqlite3")
    try:
        yield running
    finally:
        await stop_bot(running)
