"""Charts for the dashboard as inline SVG, drawn on the server: no script, no external file.

Each chart is a ``<figure>``: the SVG (``role="img"``, named by its ``<title>`` and described
by a ``<desc>`` that says every figure in words) and, beside it, the same figures as a
``<table>`` with a caption inside ``<details>``, for screen readers, keyboards and copying.
Colour never carries meaning alone: every bar has its value written next to it and every
NPS group its name. Every text (a prompt's question, an option called ``<script>``, a member's
display name) is escaped here; the result is ``Markup`` so templates insert it as it is. Only
presentation attributes are used (no ``style``), so a Content-Security-Policy without
``'unsafe-inline'`` allows it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markupsafe import Markup

from bot.replies import Chart
from bot.wording import plural, plural_of

WIDTH = 520
ROW = 30
BAR = 18
LABEL_WIDTH = 185
LABEL_CHARS = 25
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
BAR_COLOUR = "#0969da"
#: promoters, passives, detractors: each at least 3:1 against white, named in text beside it
NPS_COLOURS = ("#007856", "#767676", "#c04800")
SERIES_COLOURS = ("#0969da", "#8250df", "#1a7f37", "#bc4c00")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


#: characters XML 1.0 does not allow anywhere, even escaped
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: object) -> str:
    """Text as SVG/HTML character data or an attribute value: escaped, and without the
    characters XML cannot hold, so the page stays well-formed whatever a member typed."""
    return html.escape(_NOT_XML.sub("", str(text)), quote=True)


def short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def share(value: int, total: int) -> str:
    return f"{round(100 * value / total)}%" if total else "–"


def figure(chart: Chart, chart_id: str) -> Markup:
    """The chart and its table, ready to place in a page (``chart_id`` unique on the page)."""
    return Markup(
        f'<figure class="chart" id="{esc(chart_id)}">{_caption(chart.title)}'
        f"{svg(chart, chart_id)}{table(chart, chart_id)}</figure>"
    )


def _caption(title: str) -> str:
    return f'<figcaption class="chart-title">{esc(title)}</figcaption>'


def svg(chart: Chart, chart_id: str) -> Markup:
    if chart.kind == "nps":
        height, body = _nps(chart)
    elif chart.kind == "columns":
        height, body = _columns(chart)
    else:
        height, body = _bars(chart.labels, chart.values)
    return _frame(chart_id, chart.title, chart.describe(), height, body)


def table(chart: Chart, chart_id: str) -> Markup:
    """The chart's figures as a table: label, count and share of the total."""
    unit = plural_of(chart.unit).capitalize() if chart.unit else "Value"
    rows = [
        (label, f"{value:,}", share(value, chart.total))
        for label, value in zip(chart.labels, chart.values, strict=True)
    ]
    caption = chart.title
    if chart.kind == "nps" and chart.score is not None:
        caption += f" (NPS {chart.score:+d})"
    return _table(chart_id, caption, ("", unit, "Share"), rows)


def grouped_figure(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    chart_id: str,
) -> Markup:
    """Several counts per label side by side (ideas, voters and votes per round), each bar
    with its value and series name written beside it, and the table of all of them. Series
    are named by a singular noun ("idea"): "1 idea", "2 ideas"."""
    bars = len(series)
    most = max((v for _, values in series for v in values), default=0)
    height = 10 + len(labels) * (bars * (BAR + 4) + 18) + 34
    parts = [_legend(series, 10)]
    y = 40
    for n, label in enumerate(labels):
        parts.append(_text(0, y + 13, short(label, 60), weight="600", full=label))
        y += 18
        for (name, values), colour in zip(series, SERIES_COLOURS, strict=False):
            value = values[n]
            parts.append(_bar(0, y, value, most, colour, plural(value, name), label))
            y += BAR + 4
    description = "; ".join(
        f"{label}: " + ", ".join(plural(values[n], name) for name, values in series)
        for n, label in enumerate(labels)
    )
    body = "".join(parts)
    chart_svg = _frame(chart_id, title, f"{title}. {description or 'Nothing yet'}.", height, body)
    rows = [(label, *(f"{values[n]:,}" for _, values in series)) for n, label in enumerate(labels)]
    headers = ("", *(plural_of(name).capitalize() for name, _ in series))
    return Markup(
        f'<figure class="chart" id="{esc(chart_id)}">{_caption(title)}'
        f"{chart_svg}{_table(chart_id, title, headers, rows)}</figure>"
    )


# -- drawing -----------------------------------------------------------------------------------


def _frame(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    cid = esc(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet" class="chart-svg"'
        f' aria-labelledby="{cid}-title {cid}-desc" font-family="{esc(FONT)}" font-size="14">'
        f'<title id="{cid}-title">{esc(title)}</title>'
        f'<desc id="{cid}-desc">{esc(description)}</desc>'
        f"{body}</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    fill: str = INK,
    anchor: str = "start",
    size: int = 14,
    weight: str = "400",
    full: str | None = None,
) -> str:
    hover = f"<title>{esc(full)}</title>" if full is not None and full != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}" text-anchor="{anchor}"'
        f' font-size="{size}" font-weight="{weight}">{hover}{esc(text)}</text>'
    )


def _bar(
    left: float, y: float, value: int, most: int, colour: str, written: str, label: str
) -> str:
    span = WIDTH - left - 110
    length = span * max(value, 0) / most if most > 0 else 0
    rect = ""
    if length > 0:
        rect = (
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(length, 2):.1f}" height="{BAR}"'
            f' rx="3" fill="{colour}"><title>{esc(label)}: {esc(written)}</title></rect>'
        )
    return rect + _text(left + length + 6, y + BAR - 4, written)


def _bars(labels: Sequence[str], values: Sequence[int]) -> tuple[int, str]:
    if not values:
        return 60, _text(0, 34, "Nothing to show yet.", fill=MUTED)
    most = max(values)
    height = len(values) * ROW + 12
    parts = [
        f'<line x1="{LABEL_WIDTH}" y1="2" x2="{LABEL_WIDTH}" y2="{height - 6}"'
        f' stroke="{GRID}" stroke-width="1"/>'
    ]
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 6 + n * ROW
        parts.append(_text(0, y + BAR - 4, short(label), full=label))
        parts.append(_bar(LABEL_WIDTH + 1, y, value, most, BAR_COLOUR, f"{value:,}", label))
    return height, "".join(parts)


def _nps(chart: Chart) -> tuple[int, str]:
    total = chart.total
    if total == 0:
        return 60, _text(0, 34, "No answers yet.", fill=MUTED)
    score = chart.score if chart.score is not None else 0
    parts = [
        _text(0, 32, f"NPS {score:+d}", size=30, weight="700"),
        _text(0, 56, f"from {chart.amount(total)}, on a scale of −100 to +100", fill=MUTED),
    ]
    x, top, height = 0.0, 70, 40
    for label, value, colour in zip(chart.labels, chart.values, NPS_COLOURS, strict=False):
        width = WIDTH * value / total
        if width > 0:
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{height}"'
                f' fill="{colour}"><title>{esc(label)}: {esc(chart.amount(value))}'
                f" ({share(value, total)})</title></rect>"
            )
            if width > 44:
                parts.append(
                    _text(x + 8, top + 26, share(value, total), fill="#ffffff", weight="600")
                )
        x += width
    y = top + height + 16
    for label, value, colour in zip(chart.labels, chart.values, NPS_COLOURS, strict=False):
        parts.append(f'<rect x="0" y="{y}" width="14" height="14" rx="2" fill="{colour}"/>')
        line = f"{label}: {chart.amount(value)} ({share(value, total)})"
        parts.append(_text(22, y + 12, line))
        y += 24
    return y + 4, "".join(parts)


def _columns(chart: Chart) -> tuple[int, str]:
    values = chart.values
    if not values:
        return 60, _text(0, 34, "Nothing to show yet.", fill=MUTED)
    most = max(max(values), 1)
    top, bottom = 30, 190
    slot = WIDTH / len(values)
    parts = [
        _text(0, 16, f"Most in a day: {chart.amount(max(values))}", fill=MUTED),
        f'<line x1="0" y1="{bottom}" x2="{WIDTH}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>',
    ]
    every = max(1, round(len(values) / 6))
    for n, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        x = n * slot
        height = (bottom - top) * max(value, 0) / most
        if height > 0:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{bottom - max(height, 2):.1f}"'
                f' width="{max(slot - 3, 1):.1f}" height="{max(height, 2):.1f}"'
                f' fill="{BAR_COLOUR}"><title>{esc(label)}: {esc(chart.amount(value))}</title>'
                "</rect>"
            )
        if n % every == 0 or n == len(values) - 1:
            anchor = "end" if n == len(values) - 1 else "start"
            x_text = x + slot - 2 if anchor == "end" else x + 1
            if anchor == "start" and n > len(values) - 1 - every / 2:
                continue  # too close to the last label
            parts.append(_text(x_text, bottom + 20, label, fill=MUTED, anchor=anchor, size=13))
    return bottom + 30, "".join(parts)


def _legend(series: Sequence[tuple[str, Sequence[int]]], y: int) -> str:
    parts, x = [], 0
    for (name, _), colour in zip(series, SERIES_COLOURS, strict=False):
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" rx="2" fill="{colour}"/>')
        parts.append(_text(x + 20, y + 12, plural_of(name).capitalize()))
        x += 40 + 9 * len(name)
    return "".join(parts)


def _table(
    chart_id: str, caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> Markup:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{esc(row[0])}</th>'
        + "".join(f"<td>{esc(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">Nothing yet.</td></tr>'
    return Markup(
        f'<details class="chart-table"><summary>The figures as a table</summary>'
        f'<table id="{esc(chart_id)}-table"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )
