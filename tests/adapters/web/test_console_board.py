"""`/cocreate board` typed in the console: the friendly "off" answer, then the board's address
once a moderator turns it on; both printed the way the console renders any reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from tests.adapters.test_console import Console, _console


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    c = await _console(tmp_path / "console.sqlite3", FakeClock(), "board")
    try:
        yield c
    finally:
        await c.app.close()
        await c.storage.close()


async def test_cocreate_board_in_the_console(console: Console) -> None:
    out = await console.text("as alice /cocreate board")
    assert "The public board is off for this community." in out
    assert "/cocreate config set public_board on" in out

    assert "public_board is now" in await console.text(
        "as mod /cocreate config set public_board on"
    )
    out = await console.text("as alice /cocreate board")
    assert "This community's public board: http://127.0.0.1:8080/board/console-local/" in out
