"""kill -9 of `cocreate run` in the middle of a burst of votes: every vote the console had
acknowledged (printed its outcome for) is in the database after a restart, and the tallies and
balances agree with the ledger."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite.store import open_storage
from tests.faults.util import ledger_mismatches

# a real process (started, killed or signalled): run by .ci/run's slow pass, not make test
pytestmark = pytest.mark.slow

IDEAS = 3
BURST = 5000
KILL_AFTER = 300  # acknowledged votes before the kill
LIMIT = 60.0  # a safety stop for a hung process, not a timing assertion

ACK = re.compile(r"^\((m\d+)'s 👍 on #(\d+) counts\)$")
POSTED = re.compile(r"Idea #(\d+) “I\d” is posted")

SETUP = [
    "as mod /cocreate config set submission_cooldown_minutes 0",
    "as mod /cocreate config set points.vote_received.daily_cap none",
    *(f"as a{n} /idea submit title:I{n}" for n in range(1, IDEAS + 1)),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(tmp_path: Path, db: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "COCREATE_", "HTTP_", "OPS_", "LOG_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        OPS_PORT="0",
        LOG_LEVEL="WARNING",
        LOG_FORMAT="json",
        PYTHONIOENCODING="utf-8",
    )
    with open(tmp_path / "stderr.log", "ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
        )


def vote_line(n: int) -> str:
    return f"as m{n:04d} react 👍 {n % IDEAS + 1}"


def test_acknowledged_votes_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    proc = start(tmp_path, db)
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    stdout, stdin = proc.stdout, proc.stdin

    def read() -> None:
        for raw in stdout:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        lines.put(None)

    def write() -> None:
        try:
            for line in [*SETUP, *(vote_line(n) for n in range(BURST))]:
                stdin.write(f"{line}\n".encode())
                stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the bot was killed mid-burst, as intended

    reader = threading.Thread(target=read, daemon=True)
    writer = threading.Thread(target=write, daemon=True)
    reader.start()
    writer.start()
    output: list[str] = []
    acked: set[tuple[str, int]] = set()
    deadline = time.monotonic() + LIMIT
    try:
        while len(acked) < KILL_AFTER:
            assert time.monotonic() < deadline, "the bot stopped acknowledging votes"
            line = lines.get(timeout=LIMIT)
            assert line is not None, "the bot exited: " + (tmp_path / "stderr.log").read_text()
            output.append(line)
            if m := ACK.match(line):
                acked.add((m[1], int(m[2])))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=LIMIT)
    # what it printed before it died was acknowledged too
    while (line := lines.get(timeout=LIMIT)) is not None:
        output.append(line)
        if m := ACK.match(line):
            acked.add((m[1], int(m[2])))
    reader.join(timeout=LIMIT)
    writer.join(timeout=LIMIT)
    assert proc.returncode == -signal.SIGKILL
    posted = [POSTED.search(line) for line in output]
    assert sorted(int(m[1]) for m in posted if m) == [1, 2, 3]
    assert KILL_AFTER <= len(acked) < BURST, "the kill did not land in the middle of the burst"

    # restart the bot on the same file: it recovers it and answers from it
    again = start(tmp_path, db)
    out, _ = again.communicate(b"as mod /idea show 1\nquit\n", timeout=LIMIT)
    assert again.returncode == 0, (tmp_path / "stderr.log").read_text()
    shown = re.search(r"(\d+) votes?", out.decode("utf-8"))
    assert shown is not None, out

    state = asyncio.run(_read_back(db))
    votes = {(voter, idea) for voter, idea in state["votes"]}
    assert acked <= votes, sorted(acked - votes)[:10]
    assert int(shown[1]) == sum(1 for _, idea in votes if idea == 1)
    assert state["mismatches"] == []
    # every stored vote carries exactly its points: 1 to the voter, 2 to the idea's author
    cast = dict(state["cast"])
    assert all(cast.get(voter) == 1 for voter, _ in votes), "a vote without its vote_cast point"
    assert sum(cast.values()) == len(votes)
    received = dict(state["received"])
    for n in range(1, IDEAS + 1):
        assert received.get(f"a{n}", 0) == 2 * sum(1 for _, idea in votes if idea == n)


async def _read_back(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    storage = await open_storage(str(db))
    try:
        votes = await storage.db.fetchall("SELECT voter_id, idea_id FROM votes")
        cast = await storage.db.fetchall(
            "SELECT member_id, sum(amount) FROM ledger WHERE rule = 'vote_cast' GROUP BY member_id"
        )
        received = await storage.db.fetchall(
            "SELECT member_id, sum(amount) FROM ledger WHERE rule = 'vote_received'"
            " GROUP BY member_id"
        )
        return {
            "votes": [tuple(r) for r in votes],
            "cast": [tuple(r) for r in cast],
            "received": [tuple(r) for r in received],
            "mismatches": await ledger_mismatches(storage.db),
        }
    finally:
        await storage.close()
