"""The chart picture for chat: a valid PNG of the promised size for every shape of data, the
same bytes for the same chart, and text that never breaks the drawing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from adapters import chartimage
from bot.replies import Chart

NPS = ("Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)")
CASES = {
    "no responses": Chart("bars", "Prompt #1: Which?", ("Red", "Blue"), (0, 0), "response"),
    "no bars at all": Chart("bars", "Results", (), ()),
    "one bar": Chart("bars", "Results: Winter", ("#1 Oat latte",), (3,), "vote"),
    "long labels": Chart(
        "bars", "Q" * 300, ("x" * 500, "<script>alert(1)</script>", "🎉 émoji ünïcode"), (5, 1, 2)
    ),
    "many bars": Chart(
        "bars", "Options", tuple(f"Option {n}" for n in range(60)), tuple(range(60))
    ),
    "negative value": Chart("bars", "Net", ("up", "down"), (4, -3)),
    "nps": Chart("nps", "Recommend us?", NPS, (7, 3, 2), "response", 42),
    "nps without answers": Chart("nps", "Recommend us?", NPS, (0, 0, 0), "response", None),
    "nps all detractors": Chart("nps", "Recommend us?", NPS, (0, 0, 5), "response", -100),
    "columns": Chart(
        "columns", "Votes per day", tuple(f"Jan {d}" for d in range(1, 31)), (0,) * 29 + (9,)
    ),
    "columns empty": Chart("columns", "Votes per day", (), ()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_chart_draws_as_a_png(name: str) -> None:
    png = chartimage.render_png(CASES[name])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == chartimage.WIDTH
        assert chartimage.HEIGHT <= image.height <= chartimage.MAX_HEIGHT
    assert len(png) < 120_000, "small enough for any chat upload"


def test_the_same_chart_gives_the_same_bytes() -> None:
    chart = CASES["nps"]
    assert chartimage.render_png(chart) == chartimage.render_png(chart)
    assert chartimage.render_png(chart) != chartimage.render_png(CASES["nps all detractors"])


def test_bars_are_drawn_in_proportion() -> None:
    chart = Chart("bars", "Two", ("a", "b"), (10, 5))
    with Image.open(io.BytesIO(chartimage.render_png(chart))) as image:
        rgb = image.convert("RGB")
        lengths = [
            sum(1 for x in range(rgb.width) if rgb.getpixel((x, y)) == chartimage.BAR_COLOUR)
            for y in range(rgb.height)
        ]
    bars = sorted({n for n in lengths if n}, reverse=True)
    assert len(bars) == 2, "two bars, each of one length"
    assert abs(bars[0] / bars[1] - 2) < 0.02


def test_long_text_is_cut_to_fit() -> None:
    cut = chartimage.fit("word " * 100, 200)
    assert cut.endswith("…")
    assert chartimage.font(chartimage.TEXT_SIZE).getlength(cut) <= 200
    assert chartimage.fit("short", 200) == "short"
