"""The dashboard's SVG charts: well-formed, named and described for screen readers, every text
escaped (an option called <script> stays text), and a table with a caption beside each."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from adapters.web import charts
from bot.replies import Chart

SVG = "{http://www.w3.org/2000/svg}"
NPS = ("Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)")


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(element: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in element.iter(f"{SVG}text")]


def test_a_bar_chart_is_accessible_and_escaped() -> None:
    chart = Chart(
        "bars",
        'Prompt #3: Which "flavour" & <why>?',
        ("Vanilla", "<script>alert(1)</script>", "x" * 80),
        (5, 0, 12),
        "response",
    )
    markup = charts.figure(chart, "prompt-3")
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    page = parse(markup)
    assert page.tag == "figure" and page.get("id") == "prompt-3"
    assert page.find("figcaption").text == 'Prompt #3: Which "flavour" & <why>?'
    svg = page.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    labelled = svg.get("aria-labelledby", "").split()
    assert labelled == ["prompt-3-title", "prompt-3-desc"]
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "prompt-3-title"
    assert title.text == 'Prompt #3: Which "flavour" & <why>?'
    assert desc is not None and "<script>alert(1)</script>: 0 responses" in (desc.text or "")
    shown = texts(svg)
    assert "<script>alert(1)</script>" in shown, "the label is drawn as text"
    assert "12" in shown and "0" in shown, "every bar has its value written"
    assert any(t.endswith("…") for t in shown), "a long label is shortened"
    assert not list(page.iter("script")) and not list(page.iter(f"{SVG}script"))
    assert "style=" not in markup, "no inline styles (the CSP allows none)"
    widths = [float(r.get("width", 0)) for r in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2 and abs(widths[1] / widths[0] - 12 / 5) < 0.01

    table = page.find("details/table")
    assert table is not None and table.find("caption").text == chart.title
    rows = [[c.text for c in row] for row in table.iter("tr")]
    assert rows[0] == [None, "Responses", "Share"]
    assert rows[2] == ["<script>alert(1)</script>", "0", "0%"]
    assert rows[3] == ["x" * 80, "12", "71%"], "the table keeps the whole label"


def test_the_nps_split_says_every_group_in_words() -> None:
    chart = Chart("nps", "Recommend us?", NPS, (7, 3, 2), "response", 42)
    page = parse(charts.figure(chart, "nps-1"))
    svg = page.find(f"{SVG}svg")
    shown = texts(svg)
    assert "NPS +42" in shown
    assert "Promoters (9–10): 7 responses (58%)" in shown
    assert "Passives (7–8): 3 responses (25%)" in shown
    assert "Detractors (0–6): 2 responses (17%)" in shown
    assert page.find("details/table/caption").text == "Recommend us? (NPS +42)"
    segments = [r for r in svg.iter(f"{SVG}rect") if float(r.get("height", 0)) == 40]
    assert [s.get("fill") for s in segments] == list(charts.NPS_COLOURS)


def test_votes_per_day_draw_a_column_per_day_with_its_count() -> None:
    labels = tuple(f"Jan {d}" for d in range(1, 31))
    values = (0,) * 28 + (3, 9)
    page = parse(charts.figure(Chart("columns", "Votes per day", labels, values, "vote"), "v"))
    svg = page.find(f"{SVG}svg")
    columns = list(svg.iter(f"{SVG}rect"))
    assert len(columns) == 2, "days without votes draw nothing"
    assert [c.find(f"{SVG}title").text for c in columns] == ["Jan 29: 3 votes", "Jan 30: 9 votes"]
    assert "Most in a day: 9 votes" in texts(svg) and "Jan 30" in texts(svg)
    assert len(list(page.iter("tr"))) == 31


def test_empty_charts_say_so() -> None:
    for chart in (
        Chart("bars", "Top contributors", (), (), "point"),
        Chart("nps", "Recommend us?", NPS, (0, 0, 0), "response", None),
        Chart("columns", "Votes per day", (), (), "vote"),
    ):
        page = parse(charts.figure(chart, "empty"))
        shown = " ".join(texts(page.find(f"{SVG}svg")))
        assert "yet" in shown
        assert page.find("details/table") is not None


def test_participation_shows_each_count_with_its_name() -> None:
    markup = charts.grouped_figure(
        "Participation per round",
        ("Winter, round 1", "<b>Summer</b>, round 2"),
        (("idea", (1, 5)), ("voter", (4, 9)), ("vote", (4, 20))),
        "rounds",
    )
    page = parse(markup)
    shown = texts(page.find(f"{SVG}svg"))
    assert {"1 idea", "4 voters", "20 votes", "<b>Summer</b>, round 2"} <= set(shown)
    assert {"Ideas", "Voters", "Votes"} <= set(shown), "the legend names each colour"
    rows = [[c.text for c in row] for row in page.iter("tr")]
    assert rows[0] == [None, "Ideas", "Voters", "Votes"]
    assert rows[2] == ["<b>Summer</b>, round 2", "5", "9", "20"]


@given(
    st.lists(st.tuples(st.text(max_size=120), st.integers(0, 10**6)), max_size=30),
    st.text(max_size=200),
)
def test_any_text_gives_well_formed_markup(rows: list[tuple[str, int]], title: str) -> None:
    labels = tuple(label for label, _ in rows)
    values = tuple(value for _, value in rows)
    for kind in ("bars", "columns"):
        chart = Chart(kind, title, labels, values, "vote")  # type: ignore[arg-type]
        page = parse(charts.figure(chart, "any"))
        svg = page.find(f"{SVG}svg")
        assert svg is not None and svg.get("role") == "img"
        assert not list(page.iter("script")) and not list(page.iter(f"{SVG}script"))
