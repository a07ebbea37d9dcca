"""A real `cocreate run` process catches up on a close that fell due while it was down, and a
kill -9 right after the results went out neither repeats nor loses them on the next start."""

from __future__ import annotations

import asyncio
import queue
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.adapter import COMMUNITY
from storage.sqlite.store import open_storage
from tests.faults.test_kill9 import LIMIT, start
from tests.harness import Harness

# a real process (started, killed or signalled): run by .ci/run's slow pass, not make test
pytestmark = pytest.mark.slow

RESULTS = "**Flash** is closed"


async def _prepare(db: Path) -> None:
    """A pick round that closed (by the clock) long ago, while no bot was running."""
    h = await Harness.create(db, community=COMMUNITY)
    try:
        for line in ("/cocreate config set timezone UTC", "/cocreate setup"):
            assert (await h.text(h.moderator(), line)).ok
        reply = await h.cmd(
            h.moderator(), "campaign create", name="Flash", mode="pick", voting="1h"
        )
        assert reply.ok, reply.text
        red = await h.submit(h.moderator(), "Red", campaign="Flash")
        blue = await h.submit(h.moderator(), "Blue", campaign="Flash")
        for voter in ("ann", "ben"):
            assert (await h.react(h.member(voter), red)).ok
        assert (await h.react(h.member("cat"), blue)).ok
        h.clock.advance(timedelta(minutes=5))  # the fake clock stays far behind the real one
    finally:
        await h.close()


async def _read_back(db: Path) -> dict[str, object]:
    storage = await open_storage(str(db))
    try:
        db_ = storage.db
        winners = await db_.fetchall(
            "SELECT member_id FROM ledger WHERE rule = 'round_winner' ORDER BY member_id"
        )
        # the closed round's card edits are left out: the harness posted those cards, so the
        # console platform of the `cocreate run` processes cannot find them to edit
        outbox = await db_.fetchall(
            "SELECT key, delivered_at FROM outbox WHERE kind != 'card_edit' ORDER BY id"
        )
        phase = await db_.scalar("SELECT phase FROM campaigns WHERE name = 'Flash'")
        return {
            "winners": [r[0] for r in winners],
            "undelivered": [r[0] for r in outbox if r[1] is None],
            "results_rows": sum(1 for r in outbox if r[0].endswith(":results")),
            "phase": phase,
        }
    finally:
        await storage.close()


def test_a_close_missed_while_down_runs_at_start_and_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    asyncio.run(_prepare(db))
    proc = start(tmp_path, db)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stdout = proc.stdout

    def read() -> None:
        for raw in stdout:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + LIMIT
    try:
        while not any(RESULTS in line for line in output):
            assert time.monotonic() < deadline, "the missed close was not caught up"
            line = lines.get(timeout=LIMIT)
            assert line is not None, "the bot exited: " + (tmp_path / "stderr.log").read_text()
            output.append(line)
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: straight after the announcement
        proc.wait(timeout=LIMIT)
    text = "\n".join(output)
    assert "Winner: #1 “Red”" in text and "(2 members)" in text

    again = start(tmp_path, db)
    out, _ = again.communicate(b"as ann /points show\nquit\n", timeout=LIMIT)
    assert again.returncode == 0, (tmp_path / "stderr.log").read_text()
    shown = out.decode("utf-8")
    assert RESULTS not in shown  # delivered once, before the kill: not repeated
    assert "You have" in shown

    state = asyncio.run(_read_back(db))
    assert state["phase"] == "closed"
    assert state["winners"] == ["ann", "ben"]  # paid once, only the winner's voters
    assert state["results_rows"] == 1 and state["undelivered"] == []
