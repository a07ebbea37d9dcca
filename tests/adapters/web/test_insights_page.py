"""The Insights page of the dashboard over real HTTP: behind the dashboard's session, charts
(SVG with tables) of the signed-in moderator's own community, linked from the navigation, and
the overview's activity chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.web.dashboard_site import Site
from tests.e2e.test_prompt_results import answer_all
from tests.e2e.test_prompts import create

SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    s = await Site.start(tmp_path / "web.sqlite3")
    try:
        yield s
    finally:
        await s.close()


def figures(html: str) -> list[ET.Element]:
    """Every chart figure in the page, each parsed on its own (the page is HTML, not XML)."""
    found, start = [], 0
    while (start := html.find('<figure class="chart"', start)) != -1:
        end = html.index("</figure>", start) + len("</figure>")
        found.append(ET.fromstring(html[start:end]))
        start = end
    return found


async def test_the_insights_page_shows_the_communitys_charts(site: Site) -> None:
    h = site.h
    idea = await h.submit(h.member("ana"), "Oat latte")
    await h.react(h.member("ben"), idea)
    pid = await create(h, kind="nps", question="Recommend <us>?", anonymous=True)
    await answer_all(h, pid, {"ana": ("10",), "ben": ("9",), "cy": ("1",)})
    await site.sign_in()

    overview = await site.get(site.root())
    text = await overview.text()
    assert overview.status == 200
    assert f'href="{site.root()}insights"' in text, "the navigation links to Insights"
    [activity] = figures(text)
    assert activity.get("id") == "votes-per-day" and activity.find(SVG) is not None

    page = await site.get(site.root() + "insights")
    html = await page.text()
    assert page.status == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert 'aria-current="page">Insights<' in html
    assert "/static/charts.css" in html
    shown = figures(html)
    ids = [f.get("id") for f in shown]
    assert ids == [
        "votes-per-day",
        f"prompt-{pid}-nps",
        f"prompt-{pid}",
        "points-per-rule",
        "top-contributors",
    ]
    for figure in shown:
        svg = figure.find(SVG)
        assert svg is not None and svg.get("role") == "img"
        assert figure.find("details/table/caption") is not None
    assert "NPS +33" in html and "Recommend &lt;us&gt;?" in html and "<us>" not in html
    assert "anonymous, so only counts" in html

    css = await site.get("/static/charts.css")
    assert css.status == 200 and ".chart-svg" in await css.text()


async def test_the_insights_page_needs_a_session_of_that_community(site: Site) -> None:
    refused = await site.get(site.root() + "insights")
    assert refused.status == 403
    assert "<svg" not in await refused.text()

    await site.sign_in(community="console:other")
    elsewhere = await site.get(site.root() + "insights")
    assert elsewhere.status == 403, "a session opens its own community's dashboard only"
    own = await site.get(site.root("console:other") + "insights")
    assert own.status == 200
