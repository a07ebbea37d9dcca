"""Memory: the RSS of a running engine with 100,000 members, 10,000 ideas and 1,000,000 votes.

The data (members, ideas with cards, votes and the ledger entries they paid) is written straight
into SQLite; then a fresh process opens it as `cocreate run` does (migrations, the real engine,
a platform that records what is sent) and serves a mix of work: reactions, idea lists, idea
cards, points, the leaderboard and a campaign page. The figure is that process's peak RSS.

    python -m benchmarks.memory [--quick]      # --quick: 10,000 members, 1,000 ideas, 100,000 votes
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from bot.app import build_app
from bot.clock import FakeClock
from bot.events import CommandInvoked, ReactionAdded
from storage.sqlite.store import open_storage

FULL = (100_000, 10_000, 1_000_000)
QUICK = (10_000, 1_000, 100_000)
WORK = 2_000  # reactions served after the start, besides the commands


def build(path: Path, members: int, ideas: int, votes: int) -> float:
    started = time.perf_counter()
    conn = common.create_database(path)
    common.add_members(conn, (f"u{n}" for n in range(members)))
    campaign = common.add_campaign(conn, "Board")
    ids = common.add_ideas(conn, ideas, campaign, authors=members // 10, cards=True)
    per_idea = votes // ideas
    common.add_votes(conn, dict.fromkeys(ids, per_idea), voters=members)
    # what those votes paid: a vote_cast point each (a ledger entry per vote)
    common.add_ledger(
        conn,
        (
            (voter, 1, f"vote:{idea}:{voter}")
            for idea, voter in conn.execute("SELECT idea_id, voter_id FROM votes").fetchall()
        ),
    )
    common.finish(conn)
    return time.perf_counter() - started


async def serve(path: Path, ideas: int, members: int) -> dict[str, Any]:
    """Run in the measured process: open, start the engine, serve a mix of events."""
    start_rss = common.proc_status_mb("VmRSS")
    storage = await open_storage(str(path))
    app = build_app(storage, common.QuietPlatform(), FakeClock(common.START), card_interval=0.01)
    engine = app.engine
    opened_rss = common.proc_status_mb("VmRSS")
    counted = 0
    try:
        for n in range(WORK):
            idea = 1 + (n * 7) % ideas
            voter = common.member(f"late{n}")
            reply = await engine.handle(ReactionAdded(f"r{n}", voter, "c", f"m{idea}", "👍"))
            counted += reply.vote == 1
            if n % 100 == 0:
                who = common.member(f"u{n % members}")
                for topic, verb, options in (
                    ("idea", "list", {"sort": "top"}),
                    ("idea", "list", {"sort": "trending"}),
                    ("idea", "show", {"idea": idea}),
                    ("points", "show", {}),
                    ("leaderboard", "show", {}),
                    ("campaign", "show", {"name": "Board"}),
                ):
                    event = CommandInvoked(f"c{n}-{topic}-{verb}", who, topic, verb, options, "c")
                    result = await engine.handle(event)
                    assert result.ok, (topic, verb, result.text)
        await app.cards.flush()
    finally:
        await app.close()
        await storage.close()
    assert counted == WORK, counted
    return {
        "rss_mb": round(common.proc_status_mb("VmHWM"), 1),
        "rss_now_mb": round(common.proc_status_mb("VmRSS"), 1),
        "interpreter_mb": round(start_rss, 1),
        "opened_mb": round(opened_rss, 1),
    }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        figures = asyncio.run(serve(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
        print(json.dumps(figures))
        return
    args = common.arguments(__doc__ or "")
    members, ideas, votes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-memory-") as tmp:
        path = Path(tmp) / "memory.sqlite3"
        built = build(path, members, ideas, votes)
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1024 / 1024
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.memory",
                "--serve",
                str(path),
                str(ideas),
                str(members),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    common.emit(
        "memory",
        [
            f"{members:,} members, {ideas:,} ideas, {votes:,} votes (+ their ledger entries);"
            f" database {size_mb:,.0f} MB, built in {built:.1f} s",
            f"a fresh engine process: {figures['interpreter_mb']} MB before opening, "
            f"{figures['opened_mb']} MB with the engine started",
            f"after {WORK:,} reactions and {WORK // 100 * 6} commands: peak RSS "
            f"{figures['rss_mb']} MB (target <= 150 MB), now {figures['rss_now_mb']} MB",
        ],
        {**figures, "members": members, "ideas": ideas, "votes": votes},
    )


if __name__ == "__main__":
    main()
