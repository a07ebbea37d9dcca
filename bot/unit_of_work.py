"""What a transaction owes after it commits: platform I/O never holds the database.

A storage implementation creates one ``CommitWork`` per outermost transaction and hands it to
everything inside (nested transactions join it). Code that must talk to a platform once the
change is durable registers ``on_commit(action)``; the storage runs the actions once, in order,
after the outermost commit, and drops them on a rollback. A failing action is logged and the
others still run: the change they follow is already saved.
"""

from __future__ import annotations

import logging

from bot.ports import AfterCommit

log = logging.getLogger(__name__)


class CommitWork:
    def __init__(self) -> None:
        self._actions: list[AfterCommit] = []

    def on_commit(self, action: AfterCommit) -> None:
        self._actions.append(action)

    def discard(self) -> None:
        """The transaction rolled back: what it promised is no longer owed."""
        self._actions.clear()

    async def committed(self) -> None:
        """Run every registered action once (each failure logged, the rest still run)."""
        actions, self._actions = self._actions, []
        for action in actions:
            try:
                await action()
            except Exception:
                log.exception("after-commit step failed", extra={"action": _name(action)})


def _name(action: AfterCommit) -> str:
    func = getattr(action, "func", action)  # functools.partial
    return str(getattr(func, "__qualname__", type(func).__name__))
