"""The outbox: what a transition must tell people, stored with it and delivered from storage.

``Outbox.channel`` / ``Outbox.member`` are called inside the transition's transaction, so an
announcement exists exactly when its transition does. ``Outbox.deliver`` sends what is due:
each attempt is recorded (committed) before the platform call and the delivery after it, so a
crash in between leaves a row that is sent again (after ``LEASE``) with the same key, which the
platform uses to drop the second copy. Claiming an attempt is a conditional update, so two
processes sharing the database never send the same row at once. Refusals are retried with
backoff; a member who does not accept DMs is given up on at once (it would never work), and a
channel that keeps refusing after ``MAX_ATTEMPTS`` is given up on and logged.

Besides messages, a row can be of a kind whose delivery a service owns (``register``): an idea's
card posted (the service records the card's ids on the idea) or edited, a prompt posted. Those
are rendered when delivered, from what is stored then, so a late delivery shows the current
state. A command that stores rows asks for them to be delivered right after its commit
(``soon``); whatever that misses (a crash, a refusal) the scheduler's sweep delivers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.errors import DeliveryError
from bot.models import OutboxItem
from bot.ports import Platform, Storage
from bot.replies import CHART_KINDS, Chart, Message, Table

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

#: delivers one row of a registered kind: (row, the platform key, now) -> the message id
Deliverer = Callable[[OutboxItem, str, datetime], Awaitable[str | None]]
#: called inside the transaction that gives a row up (to flag it where people will see it)
GiveUpHook = Callable[[OutboxItem, str, datetime], Awaitable[None]]

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
    if message.chart is not None:
        chart = message.chart
        data["chart"] = {
            "kind": chart.kind,
            "title": chart.title,
            "labels": list(chart.labels),
            "values": list(chart.values),
            "unit": chart.unit,
            "score": chart.score,
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
        chart=_chart(data.get("chart")),
    )


def _chart(data: dict[str, Any] | None) -> Chart | None:
    """A stored chart, or None for one this version cannot read (the text still goes out)."""
    if not data:
        return None
    kind = next((k for k in CHART_KINDS if k == data.get("kind")), None)
    try:
        if kind is None:
            raise ValueError(f"unknown chart kind {data.get('kind')!r}")
        return Chart(
            kind,
            str(data["title"]),
            tuple(str(label) for label in data["labels"]),
            tuple(int(value) for value in data["values"]),
            str(data.get("unit") or ""),
            None if data.get("score") is None else int(data["score"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("stored chart left out", extra={"error": str(exc)[:200]})
        return None


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
        self._deliverers: dict[str, Deliverer] = {}
        self._give_up_hooks: dict[str, GiveUpHook] = {}
        self.delivered = 0

    def register(self, kind: str, deliver: Deliverer, on_give_up: GiveUpHook | None = None) -> None:
        """Who delivers rows of ``kind`` (and who hears when one is given up)."""
        self._deliverers[kind] = deliver
        if on_give_up is not None:
            self._give_up_hooks[kind] = on_give_up

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

    async def card(self, community_id: str, idea_id: int, channel_id: str) -> bool:
        """Store the posting of an idea's card (and its thread) to ``channel_id``."""
        return await self.storage.outbox.add(
            community_id,
            card_key(idea_id),
            "channel",
            channel_id,
            json.dumps({"idea": idea_id}),
            self.clock.now(),
            kind="card",
        )

    async def card_edit(self, community_id: str, key: str, idea_id: int) -> bool:
        """Store an edit of an idea's card that must not be lost (a status, a final tally).
        The card is rendered when the edit is delivered; an idea without a card yet gets its
        current state when the card is posted, so nothing is edited then."""
        return await self.storage.outbox.add(
            community_id,
            key,
            "channel",
            "",
            json.dumps({"idea": idea_id}),
            self.clock.now(),
            kind="card_edit",
        )

    async def prompt(self, community_id: str, prompt_id: int, channel_id: str) -> bool:
        """Store the posting of a feedback prompt to ``channel_id``."""
        return await self.storage.outbox.add(
            community_id,
            prompt_key(prompt_id),
            "channel",
            channel_id,
            json.dumps({"prompt": prompt_id}),
            self.clock.now(),
            kind="prompt",
        )

    def soon(self, ctx: Context, *keys: str) -> None:
        """Deliver the rows stored under ``keys`` as soon as ``ctx``'s transaction commits:
        members expect their card or notice at once, not at the next sweep."""
        community_id = ctx.community_id

        async def deliver() -> None:
            await self.deliver_keys(community_id, keys)

        ctx.later(deliver)

    # -- delivery -----------------------------------------------------------------------------
    async def deliver_keys(self, community_id: str, keys: Sequence[str]) -> int:
        """Send the due rows stored under ``keys``, not waiting for a sweep that is delivering
        something else (claiming each row is what keeps two senders apart)."""
        async with self.storage.transaction():
            items = await self.storage.outbox.due_with_keys(
                community_id, list(dict.fromkeys(keys)), self.clock.now()
            )
        sent = 0
        for item in items:
            sent += await self._one(item)
        return sent

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
        key = f"{item.community_id}/{item.key}"
        try:
            message_id: str | None = None
            if item.kind != "message":
                deliver = self._deliverers.get(item.kind)
                if deliver is None:
                    raise RuntimeError(f"nothing delivers outbox rows of kind {item.kind!r}")
                message_id = await deliver(item, key, self.clock.now())
            elif item.target == "channel":
                message = decode(item.payload)
                message_id = await self.platform.send(item.community_id, item.address, message, key)
            else:
                await self.platform.notify(
                    item.community_id, item.address, decode(item.payload), key
                )
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
        hook = self._give_up_hooks.get(item.kind)
        async with self.storage.transaction():
            now = self.clock.now()
            await self.storage.outbox.give_up(item.id, now, reason[:200])
            if hook is not None:
                await hook(item, reason[:200], now)


def card_key(idea_id: int) -> str:
    """The outbox key of an idea's card: one card per idea, ever."""
    return f"idea:{idea_id}:card"


def prompt_key(prompt_id: int) -> str:
    return f"prompt:{prompt_id}:post"


def payload_id(item: OutboxItem, what: str) -> int:
    """The idea or prompt id a card, card edit or prompt row is about."""
    return int(json.loads(item.payload)[what])
