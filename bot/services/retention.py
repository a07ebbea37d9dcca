"""Bounded growth: bookkeeping rows are kept only as long as a replay can still arrive.

A processed event id exists to make a replayed delivery a no-op. Platforms replay within
minutes to an hour (Discord's RESUME replays what was missed during a short disconnect; Slack
retries an unacknowledged event three times within about an hour), so ``EVENT_WINDOW`` of
seven days is generous. A delivered outbox row is kept ``OUTBOX_WINDOW`` for diagnostics and
so a late duplicate of its transition still finds its key; transitions are themselves
conditional updates, so nothing is announced twice once the row is gone. A row still to be
sent is never pruned, however old.

The scheduler's sweep calls ``prune()``: each chunk is its own short transaction, and one sweep
deletes at most ``CHUNK * CHUNKS_PER_SWEEP`` rows per table, so a large backlog (a first start
after an upgrade) is worked off over several sweeps without holding the write lock for long.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import Clock
from bot.ports import Storage

log = logging.getLogger(__name__)
DeleteChunk = Callable[[], Awaitable[int]]

#: how long a handled event id is remembered (a replay older than this would run again)
EVENT_WINDOW = timedelta(days=7)
#: how long a delivered (or given-up) outbox row is kept
OUTBOX_WINDOW = timedelta(days=7)
#: rows deleted per transaction
CHUNK = 500
#: transactions per table per sweep
CHUNKS_PER_SWEEP = 20


class Retention:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        *,
        event_window: timedelta = EVENT_WINDOW,
        outbox_window: timedelta = OUTBOX_WINDOW,
        chunk: int = CHUNK,
        chunks_per_sweep: int = CHUNKS_PER_SWEEP,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.event_window = event_window
        self.outbox_window = outbox_window
        self.chunk = chunk
        self.chunks_per_sweep = chunks_per_sweep

    async def prune(self) -> tuple[int, int]:
        """Delete what fell out of its window; returns (event ids, outbox rows) deleted."""
        now = self.clock.now()
        storage = self.storage
        events = await self._in_chunks(
            lambda: storage.events.prune(now - self.event_window, self.chunk)
        )
        outbox = await self._in_chunks(
            lambda: storage.outbox.prune(now - self.outbox_window, self.chunk)
        )
        if events or outbox:
            log.info("pruned old bookkeeping", extra={"events": events, "outbox": outbox})
        return events, outbox

    async def _in_chunks(self, delete_chunk: DeleteChunk) -> int:
        deleted = 0
        for _ in range(self.chunks_per_sweep):
            async with self.storage.transaction():
                n = await delete_chunk()
            deleted += n
            if n < self.chunk:
                break
        return deleted
