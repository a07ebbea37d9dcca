"""A neutral ``Chart`` drawn as a small PNG for chat (Discord attaches it, Slack uploads it).

Pillow only, no browser: the font is DejaVu Sans where the system has it (Debian's
fonts-dejavu-core; it covers most scripts) and else the one bundled with Pillow, so the same
chart gives the same bytes on the same machine. Colours come with text
(every bar carries its value, the NPS split names each group), so nothing depends on colour
alone, and the text is dark on white for contrast. The results table still goes out with the
picture; the picture is best-effort and an adapter that cannot draw or send it sends the text.
"""

from __future__ import annotations

import asyncio
import io
import logging
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.replies import Chart

WIDTH = 600
HEIGHT = 300
#: a chart with many bars grows downwards up to this height, then draws the first ones
MAX_HEIGHT = 720
FILENAME = "chart.png"

PAD = 16
ROW = 24
BAR = 16
TITLE_SIZE = 17
TEXT_SIZE = 13

INK = (31, 35, 40)  # the text: contrast above 15:1 on white
MUTED = (87, 96, 106)  # secondary text: above 6:1 on white
GRID = (208, 215, 222)
BACKGROUND = (255, 255, 255)
BAR_COLOUR = (9, 105, 218)
#: promoters, passives, detractors: the Okabe-Ito palette, told apart by colour-blind readers
NPS_COLOURS = ((0, 120, 86), (118, 118, 118), (192, 72, 0))

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
DEJAVU = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
#: typography Pillow's bundled font lacks, drawn in plain ASCII with it
_PLAIN = str.maketrans({"–": "-", "—": "-", "−": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


@cache
def _dejavu() -> Path | None:
    return next((path for path in DEJAVU if path.is_file()), None)


@cache
def font(size: int) -> Font:
    """DejaVu Sans at ``size`` if installed, else Pillow's bundled font (a bitmap font if
    Pillow was built without FreeType)."""
    path = _dejavu()
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _drawable(text: str) -> str:
    return text if _dejavu() is not None else text.translate(_PLAIN)


async def drawn(chart: Chart | None) -> bytes | None:
    """The chart as PNG bytes, drawn off the event loop (tens of milliseconds of CPU, more the
    first time a font loads); None without a chart or when it cannot be drawn (logged: the
    message goes out with its table and without the picture)."""
    if chart is None:
        return None
    try:
        return await asyncio.to_thread(render_png, chart)
    except (OSError, ValueError) as exc:
        log.warning("chart not drawn", extra={"error": str(exc)[:200]})
        return None


@lru_cache(maxsize=32)
def render_png(chart: Chart) -> bytes:
    """The chart as PNG bytes, ``WIDTH`` wide and ``HEIGHT`` high (taller for many bars).
    The last few are kept: an outbox retry or a second reader asks for the same one."""
    if chart.kind == "nps":
        image = _nps(chart)
    elif chart.kind == "columns":
        image = _columns(chart)
    else:
        image = _bars(chart)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def fit(text: str, width: float, size: int = TEXT_SIZE) -> str:
    """``text`` on one line, cut with an ellipsis to at most ``width`` pixels."""
    text = _drawable(" ".join(text.split()))
    f = font(size)
    if f.getlength(text) <= width:
        return text
    while text and f.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _canvas(chart: Chart, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), fit(chart.title, WIDTH - 2 * PAD, TITLE_SIZE), INK, font(TITLE_SIZE))
    top = PAD + TITLE_SIZE + 14
    if not chart.values or (chart.total == 0 and chart.kind == "nps"):
        draw.text((PAD, top + 8), "No answers yet.", MUTED, font(TEXT_SIZE))
    return image, draw, top


def _bars(chart: Chart) -> Image.Image:
    rows = max(1, len(chart.values))
    height = max(HEIGHT, min(MAX_HEIGHT, PAD * 3 + TITLE_SIZE + 14 + rows * ROW))
    image, draw, top = _canvas(chart, height)
    fits = max(1, (height - top - PAD) // ROW)
    shown = list(zip(chart.labels, chart.values, strict=True))
    more = ""
    if len(shown) > fits:
        more = f"and {len(shown) - fits + 1} more (see the table)"
        shown = shown[: fits - 1]
    label_width = WIDTH * 0.34
    values = [f"{value:,}" for _, value in shown]
    value_width = max((font(TEXT_SIZE).getlength(v) for v in values), default=0) + 8
    left = PAD + label_width + 8
    span = WIDTH - PAD - left - value_width
    most = max((max(value, 0) for _, value in shown), default=0)
    draw.line([(left, top - 4), (left, top + len(shown) * ROW)], GRID, 1)
    for n, ((label, value), shown_value) in enumerate(zip(shown, values, strict=True)):
        y = top + n * ROW
        draw.text((PAD, y + 2), fit(label, label_width), INK, font(TEXT_SIZE))
        length = span * max(value, 0) / most if most else 0
        if length:
            draw.rectangle([(left, y + 3), (left + max(length, 2), y + 3 + BAR)], BAR_COLOUR)
        draw.text((left + length + 6, y + 2), shown_value, INK, font(TEXT_SIZE))
    if more:
        draw.text((PAD, top + len(shown) * ROW + 2), more, MUTED, font(TEXT_SIZE))
    return image


def _nps(chart: Chart) -> Image.Image:
    image, draw, top = _canvas(chart, HEIGHT)
    total = chart.total
    if total == 0:
        return image
    score = chart.score if chart.score is not None else 0
    span = WIDTH - 2 * PAD
    draw.text((PAD, top), _drawable(f"NPS {score:+d}"), INK, font(28))
    scale = fit(f"from {chart.amount(total)}, on a scale of −100 to +100", span)
    draw.text((PAD, top + 36), scale, MUTED, font(TEXT_SIZE))
    bar_top, bar_height = top + 64, 40
    x = float(PAD)
    for value, colour in zip(chart.values, NPS_COLOURS, strict=False):
        width = span * value / total
        if width > 0:
            draw.rectangle([(x, bar_top), (x + width, bar_top + bar_height)], colour)
            share = f"{round(100 * value / total)}%"
            if font(TEXT_SIZE).getlength(share) + 8 < width:
                draw.text((x + 6, bar_top + 12), share, BACKGROUND, font(TEXT_SIZE))
        x += width
    legend = bar_top + bar_height + 18
    for n, (label, value, colour) in enumerate(
        zip(chart.labels, chart.values, NPS_COLOURS, strict=False)
    ):
        y = legend + n * ROW
        draw.rectangle([(PAD, y + 2), (PAD + 14, y + 16)], colour)
        line = f"{label}: {chart.amount(value)} ({round(100 * value / total)}%)"
        draw.text((PAD + 22, y + 2), fit(line, span - 22), INK, font(TEXT_SIZE))
    return image


def _columns(chart: Chart) -> Image.Image:
    image, draw, top = _canvas(chart, HEIGHT)
    if not chart.values:
        return image
    bottom = HEIGHT - PAD - TEXT_SIZE - 8
    most = max(max(chart.values), 1)
    draw.text((PAD, top), f"most in a day: {most:,}", MUTED, font(TEXT_SIZE))
    area_top = top + TEXT_SIZE + 10
    slot = (WIDTH - 2 * PAD) / len(chart.values)
    draw.line([(PAD, bottom), (WIDTH - PAD, bottom)], GRID, 1)
    every = max(1, round(len(chart.values) / 6))
    for n, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        x = PAD + n * slot
        height = (bottom - area_top) * max(value, 0) / most
        if height:
            draw.rectangle([(x + 1, bottom - max(height, 2)), (x + slot - 2, bottom)], BAR_COLOUR)
        if n % every == 0:
            draw.text((x, bottom + 4), fit(label, slot * every - 4), MUTED, font(TEXT_SIZE))
    return image
