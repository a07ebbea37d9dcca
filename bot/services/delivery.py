"""Live card edits, coalesced per card: a burst of a thousand reactions produces a handful of
edits, each showing the tally as it is when sent. (Posts, DMs and the edits that must not be
lost, a status change or a closed round's tallies, go through the outbox.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.ports import Platform
from bot.replies import IdeaCard

log = logging.getLogger(__name__)

CardKey = tuple[str, int]  # (community id, idea id)
#: loads many cards in one go: (channel id, message id, card) for each key that has a card
CardLoader = Callable[[list[CardKey]], Awaitable[dict[CardKey, tuple[str, str, IdeaCard]]]]


#: live edits sent per interval at most, the cards waiting longest first: under a storm on many
#: cards each is refreshed in turn instead of hundreds of edits a second that the platform would
#: only answer with 429s (Discord allows about five message edits per five seconds a channel)
PER_INTERVAL = 25


class CardRefresher:
    """Edits idea cards after votes change, at most once per ``interval`` per card, and at most
    ``per_interval`` cards per interval (the ones waiting longest first).

    Each edit shows the tally as it is when sent, so the last one is exact. Rate limits are the
    platform client's business (discord.py and slack_sdk wait out a 429 and retry); an edit that
    still fails is logged, and the next vote on the card requests a fresh one.
    """

    def __init__(
        self,
        platform: Platform,
        load: CardLoader,
        interval: float = 1.0,
        per_interval: int = PER_INTERVAL,
    ) -> None:
        self.platform = platform
        self._load = load
        self.interval = interval
        self.per_interval = per_interval
        self._dirty: dict[tuple[str, int], None] = {}
        self._task: asyncio.Task[None] | None = None
        # held while a batch is sent: flush() waits for a running batch instead of cancelling
        # it (cancelling a task inside a storage transaction is never safe)
        self._sending = asyncio.Lock()
        self.edits = 0

    def request(self, community_id: str, idea_id: int) -> None:
        self._dirty[(community_id, idea_id)] = None
        self._ensure_task()

    @property
    def pending(self) -> int:
        """How many cards wait for an edit."""
        return len(self._dirty)

    def _ensure_task(self) -> None:
        if self._dirty and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.interval)
            async with self._sending:
                await self._flush_once(self.per_interval)

    def _requeue(self, keys: list[tuple[str, int]]) -> None:
        """Put unsent cards back, ahead of the ones requested since."""
        self._dirty = {**dict.fromkeys(keys), **self._dirty}

    async def _flush_once(self, limit: int | None = None) -> None:
        batch = list(self._dirty)[:limit]
        for key in batch:
            del self._dirty[key]
        index = 0
        try:
            try:
                cards = await self._load(batch)
            except Exception:
                log.exception("card edits not loaded", extra={"cards": len(batch)})
                return
            for index in range(len(batch)):
                community_id, idea_id = batch[index]
                try:
                    loaded = cards.get((community_id, idea_id))
                    if loaded is None:
                        continue
                    channel_id, message_id, card = loaded
                    await self.platform.update_card(community_id, channel_id, message_id, card)
                    self.edits += 1
                except Exception:
                    log.exception("card edit failed", extra={"idea": idea_id})
        except BaseException:
            # cancelled (a flush or shutdown) part-way: the unsent cards must not be lost
            self._requeue(batch[index:])
            raise

    async def flush(self) -> None:
        """Send every pending edit now (tests, the console after each line)."""
        async with self._sending:
            # the background task is asleep (or waiting for the lock), never mid-batch here
            await self._stop_task()
            await self._flush_once()
        self._ensure_task()

    async def _stop_task(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def close(self) -> None:
        """Shutdown: send what is pending, then stop."""
        await self.flush()
        async with self._sending:
            await self._stop_task()
        if self._dirty:
            log.warning("card edits not sent at shutdown", extra={"cards": len(self._dirty)})
