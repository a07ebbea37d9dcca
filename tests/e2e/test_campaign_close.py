"""Closing campaigns through the real engine: ranking, winners paid once, modes and phases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.models import Idea, IdeaStatus, Phase
from tests.e2e.campaign_steps import ok, phase, refused, winner_rows
from tests.harness import Harness

ANN = "announcements"


async def status(h: Harness, idea_id: int) -> IdeaStatus:
    idea = await h.storage.ideas.get(h.community, idea_id)
    assert idea is not None
    return idea.status


async def vote(h: Harness, idea: int, *voters: str, emoji: str = "👍") -> None:
    for voter in voters:
        reply = await h.react(h.member(voter), idea, emoji)
        assert reply.ok, reply.text


async def contest(h: Harness) -> dict[str, int]:
    """Four ideas in a voting contest whose ranking needs both tie-breaks."""
    await h.text(h.moderator(), "/cocreate config set vote_mode updown")
    await h.text(h.moderator(), f"/cocreate config set announcements_channel {ANN}")
    await ok(h, "campaign create", name="Spring", winners=2, brief="Name our flavour")
    ids: dict[str, int] = {}
    for author, title in (("dan", "Dull"), ("alice", "Zesty"), ("bob", "Apple"), ("cat", "Mango")):
        h.clock.advance(timedelta(minutes=3))
        ids[title] = await h.submit(h.member(author), title)  # the only open campaign
    assert (await h.storage.ideas.get(h.community, ids["Zesty"])).campaign_id is not None  # type: ignore[union-attr]
    await ok(h, "campaign vote", name="Spring")
    await vote(h, ids["Mango"], "v1", "v2")
    await vote(h, ids["Mango"], "v3", emoji="👎")  # same support as Zesty, but more voters
    await vote(h, ids["Zesty"], "v1", "v2")  # ties Apple; submitted earlier
    await vote(h, ids["Apple"], "v3", "v4")
    await vote(h, ids["Dull"], "v4")  # the earliest, but the least support
    return ids


async def test_contest_close_ranks_pays_plans_and_announces(harness: Harness) -> None:
    h = harness
    ids = await contest(h)
    reply = await h.cmd(h.moderator(), "campaign close", name="Spring")
    assert reply.ok and not reply.ephemeral, reply.text
    assert reply.table is not None
    order = [int(row[1]) for row in reply.table.rows]
    assert order == [ids["Mango"], ids["Zesty"], ids["Apple"], ids["Dull"]]
    assert [row[0] for row in reply.table.rows] == ["1st", "2nd", "3rd", "4th"]
    assert reply.table.rows[0][2:4] == ("Mango", "Cat")
    assert f"#{ids['Mango']} “Mango” and #{ids['Zesty']} “Zesty”" in reply.text
    assert await phase(h, "Spring") == Phase.CLOSED
    assert await winner_rows(h) == [("alice", 100), ("cat", 100)]
    assert [await status(h, ids[t]) for t in ("Mango", "Zesty", "Apple", "Dull")] == [
        IdeaStatus.PLANNED,
        IdeaStatus.PLANNED,
        IdeaStatus.NEW,
        IdeaStatus.NEW,
    ]
    announced = [s.message for s in h.platform.posts if s.channel_id == ANN]
    results = [m for m in announced if "is closed" in m.text]
    assert len(results) == 1 and results[0].table == reply.table
    assert any("placed 1" in text for text in h.platform.dms_to("cat"))
    assert any("placed 2" in text for text in h.platform.dms_to("alice"))
    assert await h.ledger_matches_balances()


async def test_second_close_is_refused_and_pays_nothing(harness: Harness) -> None:
    h = harness
    await contest(h)
    await ok(h, "campaign close", name="Spring")
    before = await h.db.scalar("SELECT count(*) FROM ledger")
    posts = len(h.platform.posts)
    text = await refused(h, "campaign close", name="spring")
    assert "Spring" in text and "closed" in text
    assert await h.db.scalar("SELECT count(*) FROM ledger") == before
    assert await winner_rows(h) == [("alice", 100), ("cat", 100)]
    assert len(h.platform.posts) == posts


async def test_votes_after_close_are_refused(harness: Harness) -> None:
    h = harness
    ids = await contest(h)
    await ok(h, "campaign close", name="Spring")
    late = await h.react(h.member("v9"), ids["Apple"])
    assert not late.ok and "has ended" in late.text
    assert late.remove_reaction
    assert (await h.storage.votes.tally(ids["Apple"])).voters == 2
    assert await h.balance("v9") == 0


async def test_close_with_no_support_has_no_winner(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Quiet")
    await h.submit(h.member("alice"), "Nobody likes it")
    await ok(h, "campaign vote", name="Quiet")
    text = await ok(h, "campaign close", name="Quiet")
    assert "no winner" in text
    assert await winner_rows(h) == []


async def test_close_before_voting_is_refused(harness: Harness) -> None:
    await ok(harness, "campaign create", name="Early")
    assert "still taking ideas" in await refused(harness, "campaign close", name="Early")
    assert await phase(harness, "Early") == Phase.SUBMISSIONS


# -- pick ------------------------------------------------------------------------------------
async def candidate(h: Harness, campaign_id: int, title: str, author: str = "brand") -> int:
    """Put a candidate into a pick campaign's current round through storage."""
    now = h.clock.now()
    async with h.storage.transaction():
        campaign = await h.storage.campaigns.get(h.community, campaign_id)
        assert campaign is not None
        idea = Idea(
            0, h.community, campaign_id, title, "", author, "Brand", IdeaStatus.NEW, now, now
        )
        idea.round_id = campaign.current_round
        idea = await h.storage.ideas.add(idea)
    await h.app.idea_cards.publish(h.community, idea.id, "general")
    return idea.id


async def test_pick_only_votes_and_pays_the_winners_voters(harness: Harness) -> None:
    h = harness
    assert "voting" in await ok(h, "campaign create", name="Pick", mode="pick")
    assert await phase(h, "Pick") == Phase.VOTING
    member_try = await h.cmd(h.member("alice"), "idea submit", title="Mine", campaign="Pick")
    assert not member_try.ok
    assert "no voting phase to open" in await refused(h, "campaign vote", name="Pick")
    pick = await h.storage.campaigns.by_name(h.community, "Pick")
    assert pick is not None
    red, blue = await candidate(h, pick.id, "Red dress"), await candidate(h, pick.id, "Blue dress")
    await vote(h, red, "ann", "ben")
    await vote(h, blue, "cat")
    text = await ok(h, "campaign close", name="Pick")
    assert f"#{red} “Red dress”" in text and "Blue" not in text.split("Winner:")[1]
    assert await winner_rows(h) == [("ann", 100), ("ben", 100)]
    assert await status(h, red) == IdeaStatus.PLANNED and await status(h, blue) == IdeaStatus.NEW
    await refused(h, "campaign close", name="Pick")
    assert await winner_rows(h) == [("ann", 100), ("ben", 100)]


async def test_moderators_post_pick_candidates(harness: Harness) -> None:
    await ok(harness, "campaign create", name="Pick", mode="pick")
    await ok(harness, "idea submit", title="Red dress", campaign="Pick")


# -- board -----------------------------------------------------------------------------------
async def test_board_close_has_no_winners(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Board", mode="board")
    idea = await h.submit(h.member("alice"), "Always open")
    await vote(h, idea, "bob", "cat")  # a board takes votes in any open phase
    text = await ok(h, "campaign close", name="Board")
    assert "no winner" in text
    assert await winner_rows(h) == []
    assert await status(h, idea) == IdeaStatus.NEW
    assert await phase(h, "Board") == Phase.CLOSED
    await refused(h, "campaign close", name="Board")
    late = await h.cmd(h.member("dan"), "idea submit", title="Too late", campaign="Board")
    assert not late.ok and "not taking ideas" in late.text
    assert not (await h.react(h.member("dan"), idea)).ok


# -- pause, resume, cancel -------------------------------------------------------------------
async def test_pause_resume_cancel_and_their_refusals(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Flow")
    idea = await h.submit(h.member("alice"), "Early bird")
    assert "paused" in await ok(h, "campaign pause", name="Flow")
    assert "nothing to pause" in await refused(h, "campaign pause", name="Flow")
    assert "paused" in await refused(h, "campaign vote", name="Flow")
    h.clock.advance(timedelta(minutes=5))
    blocked = await h.cmd(h.member("bob"), "idea submit", title="While paused", campaign="Flow")
    assert not blocked.ok
    assert not (await h.react(h.member("bob"), idea)).ok
    assert "voting" in await ok(h, "campaign resume", name="Flow", phase="voting")
    assert await phase(h, "Flow") == Phase.VOTING
    assert "not paused (it is open for voting)" in await refused(h, "campaign resume", name="Flow")
    await vote(h, idea, "bob")
    assert "cancelled" in await ok(h, "campaign cancel", name="Flow")
    assert "already cancelled" in await refused(h, "campaign cancel", name="Flow")
    assert "cancelled" in await refused(h, "campaign close", name="Flow")
    assert "cancelled" in await refused(h, "campaign pause", name="Flow")
    assert "cancelled" in await refused(h, "campaign resume", name="Flow")
    assert not (await h.react(h.member("cat"), idea)).ok
    assert await winner_rows(h) == []
    listed = await h.cmd(h.member("bob"), "campaign list")
    assert listed.table is None
    listed_all = await h.cmd(h.member("bob"), "campaign list", all=True)
    assert listed_all.table is not None and listed_all.table.rows == (
        ("Flow", "contest", "cancelled", ""),
    )
    actions = [e.action for e in await h.storage.audit.recent(h.community)]
    assert {"campaign.paused", "campaign.voting", "campaign.cancelled"} <= set(actions)


async def test_resume_into_submissions_by_default(harness: Harness) -> None:
    await ok(harness, "campaign create", name="Flow")
    await ok(harness, "campaign pause", name="Flow")
    assert "submissions" in await ok(harness, "campaign resume", name="Flow")
    await harness.submit(harness.member("alice"), "Back again", campaign="Flow")


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("campaign create", {"name": "Mine"}),
        ("campaign vote", {"name": "Spring"}),
        ("campaign close", {"name": "Spring"}),
        ("campaign pause", {"name": "Spring"}),
        ("campaign resume", {"name": "Spring"}),
        ("campaign cancel", {"name": "Spring"}),
    ],
)
async def test_members_cannot_run_moderator_campaign_commands(
    harness: Harness, path: str, options: dict[str, Any]
) -> None:
    await ok(harness, "campaign create", name="Spring")
    before = await harness.db.fetchall("SELECT name, phase FROM campaigns")
    reply = await harness.cmd(harness.member("alice"), path, **options)
    assert not reply.ok and "moderators" in reply.text
    after = await harness.db.fetchall("SELECT name, phase FROM campaigns")
    assert [tuple(r) for r in after] == [tuple(r) for r in before]


async def test_declined_idea_cannot_win(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Spring", winners=1)
    declined = await h.submit(h.member("alice"), "Declined")
    other = await h.submit(h.member("bob"), "Other")
    await ok(h, "campaign vote", name="Spring")
    await vote(h, declined, "v1", "v2")
    await vote(h, other, "v3")
    await ok(h, "idea status", idea=declined, status="declined", reason="not feasible")
    text = await ok(h, "campaign close", name="Spring")
    assert f"#{other} “Other”" in text
    assert await winner_rows(h) == [("bob", 100)]
