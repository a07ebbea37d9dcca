"""The outbox: what a transition must tell people, stored with it and delivered from storage.

``Outbox.channel`` / ``Outbox.member`` are called inside the transition's transaction, so an
announcement exists exactly when its transition does. ``Outbox.deliver`` sends what is due:
each attempt is recorded (committed) before the platform call and the delivery after it, so a
crash in between leaves a row that is sent again (after ``LEASE``) with the same key, which the
platform uses to drop the second copy. Claiming an attempt is a conditional update, so two
processes sharing the database never send the same row at once. Refusals are retried with
backoff; a member who does not accept DMs is given up on at once (it would never work), and a
channel that keeps refusing after ``MAX_ATTEMPTS`` is given up on and logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.errors import DeliveryError
from bot.models import OutboxItem
from bot.ports import Platform, Storage
from bot.replies import Message, Table

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: an attempt not confirmed within this time (the process died mid-send) is made again
LEASE = timedelta(minutes=2)
#: retry waits: 30 s, 1 min, 2 min, ... capped at 30 min
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)


def encode(message: Message) -> str:
    data: dict[str, Any] = {"text": message.text}
    if message.table is not None:
        data["table"] = {
            "title": message.table.title,
            "headers": list(message.table.headers),
            "rows": [list(row) for row in message.table.rows],
        }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(payload: str) -> Message:
    data = json.loads(payload)
    table = data.get("table")
    return Message(
        text=data.get("text", ""),
        table=None
        if table is None
        else Table(table["title"], tuple(table["headers"]), tuple(tuple(r) for r in table["rows"])),
    )


def backoff(attempts: int) -> timedelta:
    wait: timedelta = BASE_BACKOFF * (2 ** min(max(attempts - 1, 0), 20))
    return min(wait, MAX_BACKOFF)


class Outbox:
    def __init__(
        self,
        storage: Storage,
        platform: Platform,
        clock: Clock,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.storage = storage
        self.platform = platform
        self.clock = clock
        self._on_failure = on_failure or (lambda kind: None)
        self._lock = asyncio.Lock()
        self.delivered = 0

    # -- inside a transaction ---------------------------------------------------------------
    async def channel(self, community_id: str, key: str, channel_id: str, message: Message) -> bool:
        """Store a channel post; False if this key was already stored for this channel."""
        return await self.storage.outbox.add(
            community_id, key, "channel", channel_id, encode(message), self.clock.now()
        )

    async def member(self, community_id: str, key: str, member_id: str, message: Message) -> bool:
        """Store a DM to one member."""
        return await self.storage.outbox.add(
            community_id, key, "member", member_id, encode(message), self.clock.now()
        )

    # -- delivery -----------------------------------------------------------------------------
    async def flush(self) -> None:
        """Deliver what is due (an after-commit step for whoever stored something)."""
        await self.deliver()

    async def deliver(self) -> int:
        """Send everything due now; returns how many were delivered. One sender at a time."""
        sent = 0
        async with self._lock:
            while True:
                now = self.clock.now()
                async with self.storage.transaction():
                    items = await self.storage.outbox.due(now, 50)
                if not items:
                    break
                for item in items:
                    sent += await self._one(item)
        return sent

    async def _one(self, item: OutboxItem) -> int:
        storage = self.storage
        async with storage.transaction():
            now = self.clock.now()
            if not await storage.outbox.started(item.id, now, now + LEASE):
                return 0  # claimed by another process meanwhile
        attempts = item.attempts + 1
        message = decode(item.payload)
        try:
            if item.target == "channel":
                key = f"{item.community_id}/{item.key}"
                message_id: str | None = await self.platform.send(
                    item.community_id, item.address, message, key
                )
            else:
                key = f"{item.community_id}/{item.key}"
                await self.platform.notify(item.community_id, item.address, message, key)
                message_id = None
        except DeliveryError as exc:
            self._on_failure(item.target)
            if item.target == "member" or attempts >= MAX_ATTEMPTS:
                await self._give_up(item, str(exc))
            else:
                await self._retry(item, backoff(attempts), str(exc))
            return 0
        except Exception as exc:
            self._on_failure(item.target)
            log.exception("outbox delivery failed", extra={"outbox": item.id, "key": item.key})
            if attempts >= MAX_ATTEMPTS:
                await self._give_up(item, f"{type(exc).__name__}: {exc}")
            else:
                await self._retry(item, backoff(attempts), type(exc).__name__)
            return 0
        async with storage.transaction():
            await storage.outbox.delivered(item.id, message_id, self.clock.now())
        self.delivered += 1
        return 1

    async def _retry(self, item: OutboxItem, wait: timedelta, error: str) -> None:
        log.warning(
            "outbox delivery will be retried",
            extra={
                "outbox": item.id,
                "key": item.key,
                "wait": wait.total_seconds(),
                "error": error,
            },
        )
        async with self.storage.transaction():
            await self.storage.outbox.retry_at(item.id, self.clock.now() + wait, error[:200])

    async def _give_up(self, item: OutboxItem, reason: str) -> None:
        log.warning(
            "outbox delivery given up",
            extra={"outbox": item.id, "key": item.key, "target": item.target, "reason": reason},
        )
        async with self.storage.transaction():
            await self.storage.outbox.give_up(item.id, self.clock.now(), reason[:200])
