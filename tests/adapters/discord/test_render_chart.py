"""Rendering a chart on Discord: the picture is the results embed's image, described for screen
readers; without it (a refused upload) no embed is left promising a picture."""

from __future__ import annotations

from adapters import chartimage
from adapters.discord import render
from bot.replies import Chart, Message, Table

CHART = Chart("bars", "Results: Winter", ("#1 Oat latte", "#2 Cold brew"), (3, 1), "vote")
PNG = chartimage.render_png(CHART)


def test_the_chart_is_the_image_of_the_results_table() -> None:
    table = Table("Results: Winter", ("place", "title"), (("1st", "Oat latte"),))
    out = render.message(Message("Closed.", table=table, chart=CHART), chart_png=PNG)
    assert [e.title for e in out.embeds] == ["Results: Winter"]
    assert out.embeds[0].image.url == "attachment://chart.png"
    assert out.chart is not None and out.chart.filename == "chart.png"
    assert out.chart.description == "Results: Winter. #1 Oat latte: 3 votes; #2 Cold brew: 1 vote."
    assert out.kwargs()["files"] == [out.chart]

    plain = out.without_chart()
    assert [e.title for e in plain.embeds] == ["Results: Winter"]
    assert not plain.embeds[0].image and plain.embeds[0].description
    assert "files" not in plain.kwargs()
    assert out.embeds[0].image.url == "attachment://chart.png", "the original is unchanged"


def test_a_chart_without_a_table_gets_an_embed_of_its_own() -> None:
    out = render.message(Message("Closed.", chart=CHART), chart_png=PNG)
    assert [e.title for e in out.embeds] == ["Results: Winter"]
    assert out.without_chart().embeds == []


def test_no_picture_drawn_means_the_message_as_before() -> None:
    out = render.message(Message("Closed.", chart=CHART), chart_png=None)
    assert out.embeds == [] and out.chart is None and "files" not in out.kwargs()
