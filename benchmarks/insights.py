"""Insights: the figures of the dashboard's charts, and their SVG, for a busy community.

A round of 5,000 ideas with 1,000,000 votes, a ledger of 1,000,000 entries and ten NPS prompts
of 2,000 answers each are written straight into SQLite; then ``InsightsService.for_community``
(every figure, one transaction) and the SVG sections of the Insights page are timed, median of
several runs. The figures are checked against the data written.

    python -m benchmarks.insights [--quick]      # --quick: 50,000 votes and ledger entries
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from adapters.web.insights import sections
from benchmarks import common
from bot.app import build_app
from bot.clock import FakeClock
from storage.sqlite.rows import ts
from storage.sqlite.store import open_storage

RUNS = 7
IDEAS = 5_000
PROMPTS = 10
ANSWERS = 2_000


def build(path: Path, votes: int) -> float:
    started = time.perf_counter()
    conn = common.create_database(path)
    campaign = common.add_campaign(conn, "Winter")
    common.add_ideas(conn, IDEAS, campaign, authors=1_000, cards=False)
    per_idea = votes // IDEAS
    voters = max(per_idea * 2, 50_000)
    common.add_votes(conn, dict.fromkeys(range(1, IDEAS + 1), per_idea), voters)
    members = [f"u{n}" for n in range(votes)]
    common.add_members(conn, members)
    common.add_ledger(conn, ((m, 1 + n % 50, f"seed:{m}") for n, m in enumerate(members)))
    for p in range(1, PROMPTS + 1):
        cur = conn.execute(
            "INSERT INTO prompts (community_id, kind, question, created_by, created_at)"
            " VALUES (?, 'nps', ?, 'mod', ?)",
            (common.COMMUNITY, f"Would you recommend us? ({p})", ts(common.START)),
        )
        common.insert(
            conn,
            "INSERT INTO prompt_responses (community_id, prompt_id, member_id, member_name,"
            " answer_json, score, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?7)",
            (
                (
                    common.COMMUNITY,
                    cur.lastrowid,
                    f"u{n}",
                    f"U{n}",
                    json.dumps([str(n % 11)]),
                    n % 11,
                    ts(common.START),
                )
                for n in range(ANSWERS)
            ),
        )
    common.finish(conn)
    return time.perf_counter() - started


async def measure(path: Path) -> tuple[float, float, object]:
    storage = await open_storage(str(path))
    clock = FakeClock(common.START + timedelta(days=2))
    app = build_app(storage, common.QuietPlatform(), clock, card_interval=3600)
    figures, pages = [], []
    found = None
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            found = await app.insights.count(common.COMMUNITY)
            figures.append(time.perf_counter() - started)
            started = time.perf_counter()
            html = "".join(str(f) for s in sections(found) for f in s.figures)
            pages.append(time.perf_counter() - started)
            assert html.count("<svg") >= 5
    finally:
        await app.close()
        await storage.close()
    return common.median_ms(figures), common.median_ms(pages), found


def main() -> None:
    args = common.arguments(__doc__ or "")
    votes = 50_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="cocreate-bench-insights-") as tmp:
        path = Path(tmp) / "insights.sqlite3"
        built = build(path, votes)
        figures_ms, svg_ms, found = asyncio.run(measure(path))
    from bot.services.insights import Insights

    assert isinstance(found, Insights)
    assert sum(d.votes for d in found.votes_per_day) == votes
    [winter] = found.rounds
    assert (winter.ideas, winter.votes) == (IDEAS, votes), winter
    assert len(found.prompts) == PROMPTS and all(p.responses == ANSWERS for p in found.prompts)
    assert len(found.top_contributors) == 10 and found.top_contributors[0].points == 50
    common.emit(
        "insights",
        [
            f"{IDEAS:,} ideas, {votes:,} votes, {votes:,} ledger entries, "
            f"{PROMPTS} prompts of {ANSWERS:,} answers (data built in {built:.1f} s)",
            f"every figure of the Insights page, median of {RUNS}: {figures_ms:.1f} ms",
            f"their SVG charts and tables: {svg_ms:.1f} ms",
            "figures match the data written",
        ],
        {
            "ms": round(figures_ms + svg_ms, 3),
            "figures_ms": round(figures_ms, 3),
            "svg_ms": round(svg_ms, 3),
            "votes": votes,
        },
    )


if __name__ == "__main__":
    main()
