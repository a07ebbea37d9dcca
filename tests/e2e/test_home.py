"""A member's own page (Slack's App Home) is an engine query: a neutral view, nothing written."""

from __future__ import annotations

from datetime import timedelta

from bot.events import HomeRequested
from bot.replies import CampaignLine, IdeaLine
from tests.harness import Harness


async def test_home_shows_points_rank_campaigns_open_prompts_and_own_ideas(
    harness: Harness,
) -> None:
    h = harness
    ana = h.member("ana")
    await h.text(h.moderator(), "/campaign create Tasting pick voting:3d")
    await h.text(h.moderator(), '/prompt create rating "How was the launch?"')
    await h.text(h.moderator(), '/prompt create text "Closed already?" closes:1m')
    idea = await h.submit(ana, "Oat latte")
    await h.react(h.member("bob"), idea)
    h.clock.advance(timedelta(minutes=5))  # the second prompt is closed by now
    before = await h.db.scalar("SELECT count(*) FROM processed_events")

    reply = await h.engine.handle(HomeRequested("home-1", ana))

    home = reply.home
    assert home is not None and reply.silent and reply.ok
    assert home.points == await h.balance("ana") and home.rank == 1
    assert home.campaigns == (CampaignLine("Tasting", "pick", "voting", "voting closes in 2d 23h"),)
    assert [p.question for p in home.prompts] == ["How was the launch?"]
    assert home.prompts[0].kind == "rating" and not home.prompts[0].closed
    assert home.ideas == (IdeaLine(idea, "Oat latte", "new", "1 vote"),)
    # a read: no event claimed, so asking again (same id) answers again
    assert await h.db.scalar("SELECT count(*) FROM processed_events") == before
    again = await h.engine.handle(HomeRequested("home-1", ana))
    assert again.home == home


async def test_home_of_a_newcomer_is_empty_but_friendly(harness: Harness) -> None:
    reply = await harness.engine.handle(HomeRequested("home-2", harness.member("new")))
    assert reply.home is not None
    assert (reply.home.points, reply.home.rank) == (0, None)
    assert reply.home.campaigns == () and reply.home.prompts == () and reply.home.ideas == ()
