"""Group commit for reactions: whatever arrives while a batch commits forms the next batch.

A lone reaction is a batch of one, so nothing waits for a timer; under a burst, batches grow
and the per-event cost of a transaction and its round trips is shared. Every caller gets its
own reply, released only after the transaction holding its event has committed: an
acknowledged vote is on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
R = TypeVar("R")


class Batcher(Generic[E, R]):
    def __init__(
        self, process: Callable[[list[E]], Awaitable[list[R]]], max_batch: int = 1000
    ) -> None:
        self._process = process
        self.max_batch = max_batch
        self._queue: list[tuple[E, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.largest = 0  # the most events one batch has held (tests, benchmarks)

    async def submit(self, item: E) -> R:
        """Queue ``item`` and wait for its result. The item is queued before this coroutine
        first suspends, so callers started in some order (tasks created in that order) are
        batched in that order."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            await self._run(batch)

    async def _run(self, batch: list[tuple[E, asyncio.Future[R]]]) -> None:
        self.batches += 1
        self.largest = max(self.largest, len(batch))
        try:
            results = await self._process([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            # one bad event must not fail the others: run them one by one
            log.warning("batch failed; retrying its events one at a time", exc_info=True)
            for entry in batch:
                await self._run([entry])
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)

    async def close(self) -> None:
        if self._worker is not None:
            await self._worker


def _settle(
    future: asyncio.Future[R], result: R | None = None, error: Exception | None = None
) -> None:
    if future.done():  # the caller gave up (cancelled); the event is handled all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
