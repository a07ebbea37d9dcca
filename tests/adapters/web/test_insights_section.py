"""The Insights section of the dashboard, from figures made through the engine: every chart
with its table, well-formed, anonymous prompts as counts only, user text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from adapters.web.insights import sections
from adapters.web.render import new_environment
from tests.e2e.test_prompt_results import answer_all
from tests.e2e.test_prompts import create
from tests.harness import Harness


async def test_the_insights_section_shows_every_chart_with_its_table(harness: Harness) -> None:
    h = harness
    ana, ben = h.member("ana"), h.member("ben")
    assert (await h.cmd(h.moderator(), "campaign create", name="Winter <b>2026</b>")).ok
    idea = await h.submit(ana, "<script>alert(1)</script>")
    assert (await h.cmd(h.moderator(), "campaign vote", name="Winter <b>2026</b>")).ok
    await h.react(ben, idea)
    h.clock.advance(timedelta(hours=2))
    nps = await create(h, kind="nps", question="Recommend <us>?", anonymous=True)
    await answer_all(h, nps, {"ana": ("10",), "ben": ("3",)})
    choice = await create(h, kind="single", question="Cup?", options="Small | <i>Large</i>")
    await answer_all(h, choice, {"ana": ("Small",)})
    text = await create(h, kind="text", question="Anything else?", anonymous=True)
    await answer_all(h, text, {"ben": ("secret words from ben",)})

    insights = await h.app.insights.for_community(h.community)
    html = (
        new_environment()
        .get_template("_insights.html")
        .render(insight_sections=sections(insights), generated_at=insights.generated_at)
    )

    page = ET.fromstring(f"<div>{html}</div>")  # the sections are well-formed markup
    assert "<script>" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;i&gt;Large&lt;/i&gt;" in html and "Recommend &lt;us&gt;?" in html
    headings = [e.text for e in page.iter("h2")]
    assert headings == [
        "Votes per day",
        "Participation per campaign and round",
        "Feedback prompts",
        "Points earned per rule",
        "Top contributors",
    ]
    svgs = list(page.iter("{http://www.w3.org/2000/svg}svg"))
    figures = list(page.iter("figure"))
    assert len(svgs) == len(figures) == 7  # votes, rounds, NPS split + bars, choice, points, top
    for figure in figures:
        assert figure.find("details/table/caption") is not None, figure.get("id")
    assert "NPS +0" in html and "Prompt #3: anonymous, so only counts." in html
    assert "secret words" not in html and "1 written answer" in html
    assert "Winter &lt;b&gt;2026&lt;/b&gt;, round 1" in html
    assert "Ana" in html and "ana:" not in html
