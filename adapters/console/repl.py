"""The console's read-eval-print loop over a terminal, a pipe or a list of lines.

Standard input is read on a daemon thread, not with the event loop's pipe support: that works
for terminals, pipes and redirected regular files alike, and a thread blocked in ``readline`` on
a terminal never keeps the process from exiting on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from typing import Literal, TextIO

from adapters.console.adapter import ConsoleSession, Sink

log = logging.getLogger(__name__)

Ended = Literal["quit", "eof"]

BANNER = (
    "Cocreate console: you act as any member of the community {community}. "
    "Type `help` for how, `quit` to leave."
)


async def stream_lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines from a blocking stream, read on a daemon thread and handed to the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def hand_over(item: str | None) -> None:
        # the loop may already be gone when the process is shutting down
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                hand_over(line)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            log.warning("console input failed", extra={"error": str(exc)})
        finally:
            hand_over(None)

    threading.Thread(target=pump, name="console-input", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def list_lines(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


class ConsoleAdapter:
    """Runs a session over lines of input and prints each outcome to ``out``."""

    name = "console"

    def __init__(self, session: ConsoleSession, out: TextIO, *, interactive: bool = False) -> None:
        self.session = session
        self.out = out
        self.interactive = interactive
        self.failures = 0
        self._busy = False

    async def start(self, sink: Sink) -> None:
        await self.session.start(sink)

    @property
    def connected(self) -> bool:
        return self.session.started

    def _write(self, text: str, end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()

    async def run(self, lines: AsyncIterator[str]) -> Ended:
        """Handle lines until `quit` (returns "quit") or the end of input (returns "eof")."""
        if self.interactive:
            self._write(BANNER.format(community=self.session.community_id))
            self._prompt()
        async for raw in lines:
            self._busy = True  # news from a sweep the line ran is shown after its echo
            try:
                outcome = await self.session.handle_line(raw)
            except Exception:
                # a bug in one line must not end an interactive session
                log.exception("console line failed")
                self.failures += 1
                self._write("⚠ Sorry, that line failed on our side; nothing else was affected.")
                self._prompt()
                continue
            finally:
                self._busy = False
            if not outcome.ok:
                self.failures += 1
            for line in outcome.lines:
                self._write(line)
            if outcome.quit:
                return "quit"
            self._prompt()
        if self.interactive:
            self._write("")
        return "eof"

    async def show_news(self) -> None:
        """Print what the bot did on its own (a scheduled step), between typed lines."""
        if self._busy:
            return  # the line being handled shows it, after its own echo
        lines = self.session.news()
        if not lines:
            return
        if self.interactive:
            self._write("")
        for line in lines:
            self._write(line)
        self._prompt()

    def _prompt(self) -> None:
        if self.interactive:
            self._write(f"{self.session.actor_name}> ", end="")
