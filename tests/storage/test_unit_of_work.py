"""The unit of work owns after-commit work: once after the outermost commit, never on rollback."""

from __future__ import annotations

import logging

import pytest

from storage.sqlite.store import SqliteStorage
from tests.storage.conftest import NOW, A


async def test_actions_run_once_after_the_outermost_commit(store: SqliteStorage) -> None:
    ran: list[str] = []

    async def seen(name: str) -> None:
        # the change is durable and the transaction is free when an action runs
        async with store.transaction():
            assert await store.events.claim(A, f"after:{name}", "test", NOW)
        ran.append(name)

    async with store.transaction() as outer:
        assert await store.events.claim(A, "e1", "test", NOW)
        outer.on_commit(lambda: seen("outer"))
        async with store.transaction() as inner:
            assert inner is outer  # a nested transaction joins the open one
            inner.on_commit(lambda: seen("inner"))
        assert ran == []  # leaving the nested block commits nothing
    assert ran == ["outer", "inner"]
    async with store.transaction():
        assert not await store.events.claim(A, "e1", "test", NOW)  # it was committed first


async def test_a_rollback_drops_the_actions(store: SqliteStorage) -> None:
    ran: list[str] = []

    async def seen() -> None:
        ran.append("ran")

    async def changed_mind() -> None:
        async with store.transaction() as work:
            await store.events.claim(A, "e2", "test", NOW)
            work.on_commit(seen)
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        await changed_mind()
    assert ran == []
    async with store.transaction():  # a later transaction starts with nothing owed
        pass
    assert ran == []
    async with store.transaction():
        assert await store.events.claim(A, "e2", "test", NOW)  # rolled back


async def test_a_failing_action_is_logged_and_the_others_still_run(
    store: SqliteStorage, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    async def broken() -> None:
        raise ConnectionError("platform down")

    async def fine() -> None:
        ran.append("fine")

    with caplog.at_level(logging.ERROR):
        async with store.transaction() as work:
            work.on_commit(broken)
            work.on_commit(fine)
    assert ran == ["fine"]
    assert any(r.getMessage() == "after-commit step failed" for r in caplog.records)
