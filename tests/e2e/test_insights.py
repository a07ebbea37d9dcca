"""The dashboard's figures, from data made through the engine: prompts, votes per day, each
round's participation, points per rule and the top contributors; an anonymous prompt gives
counts only."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.test_prompt_results import answer_all
from tests.e2e.test_prompts import create
from tests.harness import Harness


async def ok(h: Harness, path: str, **options: object) -> None:
    reply = await h.cmd(h.moderator(), path, **options)
    assert reply.ok, reply.text


async def test_insights_count_what_the_engine_stored(harness: Harness) -> None:
    h = harness
    ana, ben, cy, di = (h.member(n) for n in ("ana", "ben", "cy", "di"))
    await ok(h, "campaign create", name="Winter", brief="Name our winter flavour")
    first = await h.submit(ana, "Oat latte")
    second = await h.submit(ben, "Cold brew")
    await h.submit(cy, "Withdrawn soon")
    assert (await h.cmd(cy, "idea withdraw", idea=3)).ok
    await ok(h, "campaign vote", name="Winter")
    await h.react(ben, first)
    await h.react(cy, first)
    h.clock.advance(timedelta(days=1))
    await h.react(di, first)
    await h.react(ana, second)
    await ok(h, "campaign close", name="Winter")

    rating = await create(h, kind="rating", question="How was the launch?")
    await answer_all(h, rating, {"ana": ("5",), "ben": ("4",), "cy": ("4",)})
    nps = await create(h, kind="nps", question="Recommend us?", anonymous=True)
    await answer_all(h, nps, {"ana": ("10",), "ben": ("9",), "cy": ("7",), "di": ("2",)})
    text = await create(h, kind="text", question="Anything else?", anonymous=True)
    await answer_all(h, text, {"ana": ("More oat milk, says Ana",)})

    insights = await h.app.insights.for_community(h.community)

    by_id = {p.prompt_id: p for p in insights.prompts}
    assert by_id[rating].distribution == (("1", 0), ("2", 0), ("3", 0), ("4", 2), ("5", 1))
    assert by_id[rating].average is not None and round(by_id[rating].average, 2) == 4.33
    assert by_id[nps].split == (2, 1, 1) and by_id[nps].nps == 25
    assert by_id[nps].responses == 4 and by_id[nps].anonymous
    chart = by_id[nps].nps_chart()
    assert chart is not None and chart.values == (2, 1, 1) and chart.score == 25
    # a free-text prompt is a count: its answers are not figures
    assert by_id[text].responses == 1 and by_id[text].distribution == ()
    assert by_id[text].chart() is None
    for figures in (by_id[nps], by_id[text]):
        shown = repr(figures)
        assert "ana" not in shown.casefold() and "oat" not in shown.casefold()

    days = insights.votes_per_day
    assert len(days) == 30 and days[-1].day == date(2026, 1, 6)
    assert [d.votes for d in days[-2:]] == [2, 2] and sum(d.votes for d in days) == 4
    assert insights.votes_chart().labels[-1] == "Jan 6"

    [winter] = insights.rounds
    assert (winter.label, winter.phase) == ("Winter, round 1", "closed")
    assert (winter.ideas, winter.voters, winter.votes) == (2, 4, 4)

    per_rule = {r.rule: r.points for r in insights.points_per_rule}
    assert per_rule["submitting an idea"] == 20  # the withdrawn idea gave its 10 back
    assert per_rule["casting a vote"] == 4
    assert per_rule["answering a prompt"] == 5 * 8
    assert all("_" not in rule for rule in per_rule), "friendly names, not code words"
    points = insights.points_chart()
    assert points.labels[0][0].isupper() and points.values == tuple(sorted(points.values)[::-1])

    names = [c.name for c in insights.top_contributors]
    assert names[0] == "Ana" and set(names) <= {"Ana", "Ben", "Cy", "Di"}
    assert all(c.points > 0 for c in insights.top_contributors)
    earned = await h.storage.ledger.top(h.community, None, 10)
    assert [c.points for c in insights.top_contributors] == [p for _, p in earned]


async def test_insights_of_an_empty_community(harness: Harness) -> None:
    insights = await harness.app.insights.for_community(harness.community)
    assert insights.prompts == () and insights.rounds == ()
    assert insights.points_per_rule == () and insights.top_contributors == ()
    assert len(insights.votes_per_day) == 30
    assert all(d.votes == 0 for d in insights.votes_per_day)


async def test_votes_per_day_follow_the_community_time_zone(harness: Harness) -> None:
    h = harness
    await ok(h, "cocreate config set", key="timezone", value="America/New_York")
    ana, ben = h.member("ana"), h.member("ben")
    idea = await h.submit(ana, "Oat latte")
    # 9:00 UTC on Jan 5 is 4:00 in New York; 3:00 UTC on Jan 6 is still Jan 5 there
    await h.react(ben, idea)
    h.clock.advance(timedelta(hours=18))
    await h.unreact(ben, idea)
    await h.react(ben, idea)
    insights = await h.app.insights.for_community(h.community)
    assert insights.timezone == "America/New_York"
    assert insights.votes_per_day[-1].day == date(2026, 1, 5)
    assert insights.votes_per_day[-1].votes == 1  # votes standing now, by when they were cast


async def test_figures_are_counted_again_after_a_short_while(harness: Harness) -> None:
    h = harness
    first = await h.app.insights.for_community(h.community)
    await h.submit(h.member("ana"), "Oat latte")
    again = await h.app.insights.for_community(h.community)
    assert again is first, "a page load moments later shows the same figures"
    h.clock.advance(timedelta(seconds=31))
    later = await h.app.insights.for_community(h.community)
    assert later.generated_at > first.generated_at
    assert {r.rule for r in later.points_per_rule} == {"submitting an idea"}
