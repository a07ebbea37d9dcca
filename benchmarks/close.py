"""Close: closing a round of 5,000 ideas and 1,000,000 votes (tally, ranks, points).

The round is written straight into SQLite, then a moderator's `/campaign close` goes through the
real engine (bot.app.build_app on that file): the recount step, the tally of every idea, the
ranking, the winners' points and status changes, and the results table. The winners are checked
against an independent count.

    python -m benchmarks.close [--quick]      # --quick: 500 ideas, 50,000 votes
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks import common
from bot.app import build_app
from bot.clock import FakeClock
from bot.events import CommandInvoked
from storage.sqlite.store import open_storage

ROUND = "Round"


def build(path: Path, ideas: int, votes: int) -> tuple[dict[int, int], float]:
    started = time.perf_counter()
    conn = common.create_database(path)
    campaign = common.add_campaign(conn, ROUND)
    ids = common.add_ideas(conn, ideas, campaign, authors=max(1, ideas // 2), cards=False)
    mean = votes // ideas
    spread = max(1, mean // 2)
    counts: dict[int, int] = {}
    for n, idea_id in enumerate(ids):  # +d, -d in pairs: the total stays exact
        d = ((n // 2) * 37) % (2 * spread + 1) - spread
        counts[idea_id] = mean + (d if n % 2 == 0 else -d)
    if ideas % 2:  # an odd count leaves the last one unpaired
        counts[ids[-1]] = mean
    counts[ids[0]] += votes - sum(counts.values())
    common.add_votes(conn, counts, voters=max(1_000_000, 2 * mean))
    common.finish(conn)
    return counts, time.perf_counter() - started


async def close_round(path: Path) -> tuple[float, str, list[str], dict[str, float]]:
    storage = await open_storage(str(path))
    app = build_app(storage, common.QuietPlatform(), FakeClock(common.START), card_interval=3600)
    try:
        mod = common.moderator()
        event = CommandInvoked("bench-close", mod, "campaign", "close", {"name": ROUND}, "c")
        started = time.perf_counter()
        reply = await app.engine.handle(event)
        seconds = time.perf_counter() - started
        assert reply.ok, reply.text
        assert reply.table is not None
        winners = [row[1] for row in reply.table.rows[:3]]
        # where the time goes: the close transaction alone, on the same data
        parts: dict[str, float] = {}
        campaign = await storage.campaigns.by_name(common.COMMUNITY, ROUND)
        assert campaign is not None
        t0 = time.perf_counter()
        async with storage.transaction():
            round_ = await app.steps.current(campaign)
            await app.steps.entries(campaign, round_)
        parts["tally_all_ideas_s"] = time.perf_counter() - t0
        return seconds, reply.text, winners, parts
    finally:
        await app.close()
        await storage.close()


def expected_winners(path: Path, counts: dict[int, int]) -> list[str]:
    ranked = sorted(counts, key=lambda i: (-counts[i], i))  # created_at follows the id here
    with sqlite3.connect(path) as conn:
        stored = dict(conn.execute("SELECT idea_id, count(*) FROM votes GROUP BY idea_id"))
    assert stored == counts, "the votes table does not hold the generated votes"
    return [str(i) for i in ranked[:3]]


def main() -> None:
    args = common.arguments(__doc__ or "")
    ideas, votes = (500, 50_000) if args.quick else (5_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-close-") as tmp:
        path = Path(tmp) / "close.sqlite3"
        counts, built = build(path, ideas, votes)
        seconds, text, winners, parts = asyncio.run(close_round(path))
        expected = expected_winners(path, counts)
        assert winners == expected, (winners, expected)
        with sqlite3.connect(path) as conn:
            paid = conn.execute(
                "SELECT count(*) FROM ledger WHERE rule = 'round_winner'"
            ).fetchone()[0]
        assert paid == 3, paid
    common.emit(
        "close",
        [
            f"round: {ideas:,} ideas, {votes:,} votes (data built in {built:.1f} s)",
            f"/campaign close through the engine: {seconds:.3f} s (target <= 2 s)",
            f"  of which tallying every idea again: {parts['tally_all_ideas_s']:.3f} s",
            f"winners #{', #'.join(winners)} match an independent count; 3 winners paid",
            text,
        ],
        {
            "seconds": round(seconds, 4),
            "ideas": ideas,
            "votes": votes,
            "tally_seconds": round(parts["tally_all_ideas_s"], 4),
        },
    )


if __name__ == "__main__":
    main()
