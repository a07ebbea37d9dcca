"""Leaderboard: the top 10 plus one member's rank, with 1,000,000 members in the ledger.

Members and their ledger entries (and so their balances) are written straight into SQLite; then
`/leaderboard` goes through the real engine, as a member in the middle of the table and as one
at the bottom. The figure is the median of several runs; the board is checked against an
independent ranking.

    python -m benchmarks.leaderboard [--quick]      # --quick: 20,000 members
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from benchmarks import common
from bot.app import build_app
from bot.clock import FakeClock
from bot.events import CommandInvoked
from bot.wording import ordinal
from storage.sqlite.store import open_storage

RUNS = 21


def build(path: Path, members: int) -> tuple[dict[str, int], float]:
    started = time.perf_counter()
    rng = random.Random(6)
    points = {f"u{n}": rng.randint(1, 50_000) for n in range(members)}
    conn = common.create_database(path)
    common.add_members(conn, points)
    common.add_ledger(conn, ((m, p, f"seed:{m}") for m, p in points.items()))
    common.finish(conn)
    return points, time.perf_counter() - started


async def measure(path: Path, who: list[str]) -> tuple[dict[str, float], dict[str, str]]:
    storage = await open_storage(str(path))
    app = build_app(storage, common.QuietPlatform(), FakeClock(common.START), card_interval=3600)
    timings: dict[str, float] = {}
    texts: dict[str, str] = {}
    try:
        for member_id in who:
            samples = []
            for run in range(RUNS):
                event = CommandInvoked(
                    f"bench-{member_id}-{run}", common.member(member_id), "leaderboard", "show"
                )
                started = time.perf_counter()
                reply = await app.engine.handle(event)
                samples.append(time.perf_counter() - started)
                assert reply.ok and reply.table is not None, reply.text
                texts[member_id] = reply.text + "\n" + repr(reply.table.rows[:3])
            timings[member_id] = common.median_ms(samples)
    finally:
        await app.close()
        await storage.close()
    return timings, texts


def main() -> None:
    args = common.arguments(__doc__ or "")
    members = 20_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-board-") as tmp:
        path = Path(tmp) / "board.sqlite3"
        points, built = build(path, members)
        ranked = sorted(points, key=lambda m: (-points[m], m))
        middle, last = ranked[len(ranked) // 2], ranked[-1]
        timings, texts = asyncio.run(measure(path, [middle, last]))
    for member_id in (middle, last):
        rank = 1 + sum(1 for p in points.values() if p > points[member_id])
        expected = f"You are in {ordinal(rank)} place with"
        assert expected in texts[member_id], (rank, texts[member_id])
    top = ranked[0]
    assert top.capitalize() in texts[middle], texts[middle]
    ms = max(timings.values())
    common.emit(
        "leaderboard",
        [
            f"{members:,} members in the ledger (data built in {built:.1f} s)",
            f"/leaderboard (top 10 + own rank), median of {RUNS} runs through the engine:",
            f"  a member in the middle: {timings[middle]:.2f} ms",
            f"  the member at the bottom: {timings[last]:.2f} ms (target <= 5 ms)",
            "board and ranks match an independent ranking",
        ],
        {
            "ms": round(ms, 3),
            "members": members,
            "middle_ms": round(timings[middle], 3),
            "bottom_ms": round(timings[last], 3),
        },
    )


if __name__ == "__main__":
    main()
