"""Each campaign mode end to end through the console, on a SQLite file with a fake clock.

`advance` moves the clock and runs the scheduler's sweep, so what falls due (opening, voting,
the reminder, the close and the next round) shows up in the lines a member would read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.adapter import COMMUNITY
from bot.clock import FakeClock
from bot.models import IdeaStatus, Phase
from tests.adapters.test_console import Console as BaseConsole
from tests.adapters.test_console import _console as start_console


class Console(BaseConsole):
    """The console test driver, with what the campaign tests read back."""

    async def ok(self, line: str) -> str:
        outcome = await self(line)
        text = "\n".join(outcome.lines)
        assert outcome.ok, f"{line!r} was refused:\n{text}"
        return text

    async def refused(self, line: str) -> str:
        outcome = await self(line)
        text = "\n".join(outcome.lines)
        assert not outcome.ok, f"{line!r} was accepted:\n{text}"
        return text

    async def winners(self) -> list[tuple[str, int]]:
        rows = await self.storage.db.fetchall(
            "SELECT member_id, amount FROM ledger WHERE rule = 'round_winner' ORDER BY member_id"
        )
        return [(r[0], r[1]) for r in rows]

    async def ledger_size(self) -> int:
        return int(await self.storage.db.scalar("SELECT count(*) FROM ledger"))

    async def phase(self, name: str) -> Phase:
        campaign = await self.storage.campaigns.by_name(COMMUNITY, name)
        assert campaign is not None
        return campaign.phase

    async def status(self, idea_id: int) -> IdeaStatus:
        idea = await self.storage.ideas.get(COMMUNITY, idea_id)
        assert idea is not None
        return idea.status


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    base = await start_console(tmp_path / "campaigns.sqlite3", FakeClock(), "cc")  # Mon 09:00
    try:
        yield Console(base.app, base.storage, base.session)
    finally:
        await base.app.close()
        await base.storage.close()


# -- contest ---------------------------------------------------------------------------------
async def test_scheduled_contest_runs_on_time_from_opening_to_results(console: Console) -> None:
    c = console
    out = await c.ok(
        "as mod /campaign create name:Spring mode:contest starts:1h submissions:1d voting:2d "
        'winners:2 brief:"Name our flavour"'
    )
    assert "Campaign “Spring” (contest) is scheduled." in out
    assert "Submissions open 2026-01-05 10:00 UTC (in 1h)." in out
    assert "Voting opens 2026-01-06 10:00 UTC (in 1d 1h)." in out
    assert "Voting closes 2026-01-08 10:00 UTC (in 3d 1h)." in out
    assert "📅 New contest campaign: **Spring**, opening 2026-01-05 10:00 UTC." in out

    early = await c.refused('as alice /idea submit title:"Too early" campaign:Spring')
    assert "not taking ideas right now (phase: scheduled)" in early
    assert "/campaign show Spring" in early
    assert await c.storage.db.scalar("SELECT count(*) FROM ideas") == 0

    out = await c.ok("advance 1h")
    assert "📣 **Spring** is open for ideas: `/idea submit`!" in out
    assert "Voting opens 2026-01-06 10:00 UTC." in out
    assert await c.phase("Spring") == Phase.SUBMISSIONS

    # the only campaign taking ideas is the default one
    assert "is posted in campaign “Spring”" in await c.ok('as alice /idea submit title:"Oat latte"')
    await c.ok('as bob /idea submit title:"Maple mocha"')
    await c.ok('as carol /idea submit title:"Chai"')
    not_yet = await c.refused("as dave react 👍 1")
    assert "not open for voting (phase: submissions)" in not_yet

    out = await c.ok("advance 1d")
    assert "🗳️ Voting is open for **Spring**: 3 ideas. React on the idea cards!" in out
    assert "Voting closes 2026-01-08 10:00 UTC." in out
    late_idea = await c.refused('as erin /idea submit title:"Too late" campaign:Spring')
    assert "phase: voting" in late_idea

    for line in (
        "as dave react 👍 1",
        "as erin react 👍 1",
        "as erin react 👍 2",
        "as alice react 👍 2",
        "as bob react 👍 3",
    ):
        assert "counts" in await c.ok(line)

    out = await c.ok("advance 1d")
    assert "⏰ **Spring** voting closes in 1d (2026-01-08 10:00 UTC)." in out
    assert "🏁" not in out
    assert "⏰" not in await c.ok("advance 1h")  # reminded once

    out = await c.ok("advance 23h")
    assert "🏁 **Spring** is closed. Winners: #1 “Oat latte” and #2 “Maple mocha”." in out
    assert "== Results: Spring ==" in out
    lines = out.split("\n")
    header = next(i for i, line in enumerate(lines) if "== Results: Spring ==" in line)
    rows = [line.split() for line in lines[header + 3 : header + 6]]
    assert [row[:3] for row in rows] == [
        ["1st", "1", "Oat"],
        ["2nd", "2", "Maple"],
        ["3rd", "3", "Chai"],
    ]
    assert "[DM to alice]" in out and "🏆 Your idea #1 “Oat latte” placed 1st in Spring!" in out
    assert "[DM to bob]" in out and "🏆 Your idea #2 “Maple mocha” placed 2nd in Spring!" in out
    assert "[DM to carol]" not in out
    assert await c.phase("Spring") == Phase.CLOSED
    assert await c.winners() == [("alice", 100), ("bob", 100)]
    assert await c.status(1) == IdeaStatus.PLANNED and await c.status(3) == IdeaStatus.NEW

    # time goes on: nothing is paid or announced twice
    entries = await c.ledger_size()
    out = await c.ok("advance 2d")
    assert "🏁" not in out and "DM" not in out
    assert await c.ledger_size() == entries
    assert await c.winners() == [("alice", 100), ("bob", 100)]

    late = await c.refused("as frank react 👍 3")
    assert "Spring is closed and voting in it has ended" in late
    assert "See the results with `/campaign show Spring`" in late
    assert "(the 👍 is taken off card #3)" in late
    assert (await c.storage.votes.tally(3)).voters == 1


# -- board -----------------------------------------------------------------------------------
async def test_board_is_always_open_and_closes_without_winners(console: Console) -> None:
    c = console
    out = await c.ok("as mod /campaign create name:Wall mode:board")
    assert "📣 **Wall** is open: share your ideas with `/idea submit`!" in out
    await c.ok('as alice /idea submit title:"Oat latte"')
    assert "(bob's 👍 on #1 counts)" in await c.ok("as bob react 👍 1")
    out = await c.ok("advance 3d")
    assert "🏁" not in out and "⏰" not in out  # no due times
    assert "(carol's 👍 on #1 counts)" in await c.ok("as carol react 👍 1")
    await c.ok('as dave /idea submit title:"Later idea" campaign:Wall')
    listed = await c.ok("as carol /campaign list")
    assert "always open" in listed

    assert "is for moderators" in await c.refused("as carol /campaign close Wall")
    assert await c.phase("Wall") == Phase.SUBMISSIONS
    out = await c.ok("as mod /campaign close Wall")
    assert "🏁 **Wall** is closed (a board has no winners)." in out
    assert "Winners:" not in out
    assert await c.winners() == []
    assert await c.status(1) == IdeaStatus.NEW
    assert await c.phase("Wall") == Phase.CLOSED
    assert "has ended" in await c.refused("as erin react 👍 1")


# -- milestone -------------------------------------------------------------------------------
async def test_milestone_moves_an_idea_under_review_at_the_threshold(console: Console) -> None:
    c = console
    assert "review_threshold is now 2" in await c.ok(
        "as mod /cocreate config set review_threshold 2"
    )
    settings = await c.storage.communities.settings(COMMUNITY)
    assert settings.review_threshold == 2
    await c.ok("as mod /campaign create name:Roadmap mode:milestone")
    await c.ok('as alice /idea submit title:"Dark mode" campaign:Roadmap')
    await c.ok("as bob react 👍 1")
    assert await c.status(1) == IdeaStatus.NEW
    out = await c.ok("as carol react 👍 1")
    assert "(card #1 updated: Dark mode [under review] · 2 votes)" in out
    assert "[DM to alice]" in out and "is now under review by the team" in out
    assert await c.status(1) == IdeaStatus.UNDER_REVIEW
    assert "[under review]" in await c.ok("as alice /idea show 1")
    # a milestone campaign has no winners when it is closed, and review status stays
    out = await c.ok("as mod /campaign close Roadmap")
    assert "a milestone has no winners" in out
    assert await c.winners() == []
    assert await c.status(1) == IdeaStatus.UNDER_REVIEW


# -- pick ------------------------------------------------------------------------------------
async def test_pick_candidates_from_moderators_and_the_winners_voters_are_paid(
    console: Console,
) -> None:
    c = console
    out = await c.ok('as mod /campaign create name:"Dress pick" mode:pick voting:1d')
    assert "🗳️ **Dress pick** is open: vote for your favourite candidate!" in out
    assert await c.phase("Dress pick") == Phase.VOTING
    assert "Voting closes 2026-01-06 09:00 UTC" in out
    await c.ok('as mod /idea submit title:"Red dress" campaign:"Dress pick"')
    await c.ok('as mod /idea submit title:"Blue dress" campaign:"Dress pick"')
    mine = await c.refused('as alice /idea submit title:"My dress" campaign:"Dress pick"')
    assert "the team posts the candidates" in mine
    assert await c.storage.db.scalar("SELECT count(*) FROM ideas") == 2

    for line in ("as alice react 👍 1", "as bob react 👍 1", "as dave react 👍 1"):
        await c.ok(line)
    for line in ("as carol react 👍 2", "as dave react 👍 2"):
        await c.ok(line)
    balances = {m: await c.storage.ledger.balance(COMMUNITY, m) for m in ("alice", "carol")}

    assert "🏁" not in await c.ok("advance 23h")
    out = await c.ok("advance 1h")
    assert "🏁 **Dress pick** is closed. Winner: #1 “Red dress”." in out
    assert "Everyone who voted for it earns points (3 members)." in out
    assert await c.phase("Dress pick") == Phase.CLOSED
    assert await c.winners() == [("alice", 100), ("bob", 100), ("dave", 100)]
    assert await c.storage.ledger.balance(COMMUNITY, "alice") == balances["alice"] + 100
    assert await c.storage.ledger.balance(COMMUNITY, "carol") == balances["carol"]
    assert await c.status(1) == IdeaStatus.PLANNED and await c.status(2) == IdeaStatus.NEW

    await c.ok("advance 1d")
    assert await c.winners() == [("alice", 100), ("bob", 100), ("dave", 100)]


# -- recurring -------------------------------------------------------------------------------
async def test_recurring_contest_opens_round_two_after_the_results(console: Console) -> None:
    c = console
    await c.ok("as mod /cocreate config set timezone Europe/Paris")
    # the clock starts on Monday 2026-01-05 10:00 in Paris: the first round is next Monday
    out = await c.ok(
        'as mod /campaign create name:Weekly mode:contest every:"monday 09:00" '
        "submissions:2d voting:2d winners:1"
    )
    assert "is scheduled" in out
    assert "Submissions open 2026-01-12 09:00 Europe/Paris" in out
    assert "Repeats every Monday at 09:00 (Europe/Paris)." in out
    campaign = await c.storage.campaigns.by_name(COMMUNITY, "Weekly")
    assert campaign is not None and campaign.schedule == "mon 09:00"

    out = await c.ok("advance 7d")  # now 10:00 in Paris on Monday the 12th
    assert "📣 **Weekly** (round 1) is open for ideas" in out
    assert "Voting opens 2026-01-14 09:00 Europe/Paris." in out
    await c.ok('as alice /idea submit title:"Oat latte"')
    await c.ok('as bob /idea submit title:"Chai"')
    out = await c.ok("advance 2d")
    assert "🗳️ Voting is open for **Weekly**: 2 ideas" in out
    await c.ok("as carol react 👍 1")
    await c.ok("as dave react 👍 1")
    await c.ok("as carol react 👍 2")

    out = await c.ok("advance 2d")
    assert "🏁 **Weekly** is closed. Winner: #1 “Oat latte”." in out
    assert "The next round opens 2026-01-19 09:00 Europe/Paris." in out
    assert "== Results: Weekly, round 1 ==" in out
    assert await c.winners() == [("alice", 100)]
    assert await c.phase("Weekly") == Phase.SCHEDULED
    rounds = await c.storage.campaigns.rounds(campaign.id)
    assert [(r.number, r.phase) for r in rounds] == [(1, Phase.CLOSED), (2, Phase.SCHEDULED)]

    shown = await c.ok("as erin /campaign show Weekly")
    assert "Weekly — contest, round 2, phase scheduled" in shown
    assert "Submissions open 2026-01-19 09:00 Europe/Paris (in 2d 23h)." in shown
    assert "== Results: Weekly, round 1 ==" in shown
    assert "Oat latte" in shown and "Chai" in shown

    out = await c.ok("advance 3d")
    assert "📣 **Weekly** (round 2) is open for ideas" in out
    await c.ok('as erin /idea submit title:"Gingerbread"')
    idea = await c.storage.ideas.get(COMMUNITY, 3)
    assert idea is not None and idea.round_id == rounds[1].id
    out = await c.ok("advance 2d")
    assert "🗳️ Voting is open for **Weekly**: 1 idea" in out  # only this round's ideas
    stale = await c.refused("as frank react 👍 2")
    assert "Round 1 of Weekly is closed and voting in it has ended" in stale
    assert "counts" in await c.ok("as frank react 👍 3")

    board = await c.ok('as alice /leaderboard campaign:"Weekly"')
    assert "== Season: Weekly ==" in board
    assert "You are in 1st place" in board and "in the Weekly season" in board


async def test_recurring_pick_names_the_next_round_and_keeps_the_season(console: Console) -> None:
    c = console
    out = await c.ok(
        'as mod /campaign create name:"Dress pick" mode:pick voting:1d every:"monday 09:00"'
    )
    assert "Voting opens 2026-01-12 09:00 UTC (in 7d)." in out
    assert "Repeats every Monday at 09:00 (UTC)." in out
    out = await c.ok("advance 7d")
    assert "🗳️ **Dress pick** (round 1) is open: vote for your favourite candidate!" in out
    await c.ok('as mod /idea submit title:"Red dress" campaign:"Dress pick"')
    await c.ok('as mod /idea submit title:"Blue dress" campaign:"Dress pick"')
    await c.ok("as alice react 👍 1")
    await c.ok("as bob react 👍 1")
    await c.ok("as carol react 👍 2")

    out = await c.ok("advance 1d")
    assert "🏁 **Dress pick** is closed. Winner: #1 “Red dress”." in out
    assert "The next round opens 2026-01-19 09:00 UTC." in out
    assert "== Results: Dress pick, round 1 ==" in out
    assert await c.winners() == [("alice", 100), ("bob", 100)]

    shown = await c.ok('as alice /campaign show "Dress pick"')
    assert "Dress pick — pick, round 2, phase scheduled" in shown
    assert "== Results: Dress pick, round 1 ==" in shown
    assert "Season leaders: Alice 101, Bob 101" in shown
    listed = await c.ok("as alice /campaign list")
    assert "opens in 6d" in listed

    out = await c.ok("advance 6d")
    assert "🗳️ **Dress pick** (round 2) is open" in out
    stale = await c.refused("as dave react 👍 1")
    assert "Round 1 of Dress pick is closed" in stale and '/campaign show "Dress pick"' in stale
    assert (await c.storage.votes.tally(1)).voters == 2

    board = await c.ok('as carol /leaderboard campaign:"Dress pick"')
    assert "== Season: Dress pick ==" in board
    season = await c.storage.ledger.season_top(COMMUNITY, 1, 3)
    assert season[:2] == [("alice", 101), ("bob", 101)]
    assert board.index("Alice") < board.index("Carol")
