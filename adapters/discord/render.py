"""Neutral replies, cards, tables and prompts rendered as Discord messages.

Pure: no I/O, only discord.py value objects (embeds, views, files). Everything user-written is
cut to Discord's limits here, and every message carries ``NO_PINGS`` so text a member typed can
never ping @everyone, @here or a role.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any

import discord

from adapters import chartimage
from adapters.discord import ids
from adapters.discord import limits as L
from bot.replies import (
    Attachment,
    Chart,
    IdeaCard,
    Message,
    PromptView,
    Reply,
    Table,
    aligned_lines,
)

#: what every send passes; the bot never pings anyone through text
NO_PINGS = discord.AllowedMentions.none()

STATUS_COLOURS = {
    "new": 0x5865F2,
    "under review": 0xFEE75C,
    "planned": 0x57F287,
    "in progress": 0x3BA55C,
    "shipped": 0x2ECC71,
    "merged": 0x99AAB5,
    "withdrawn": 0x99AAB5,
    "pending review": 0xE67E22,
}
DECLINED_COLOUR = 0xED4245
SCALES = {"rating": (1, 5), "nps": (0, 10)}


@dataclass
class Rendered:
    """Keyword arguments for ``send``/``edit``/interaction responses."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    file: discord.File | None = None
    #: the chart picture, shown as the image of ``embeds[chart_at]``
    chart: discord.File | None = None
    chart_at: int | None = None

    @property
    def files(self) -> list[discord.File]:
        return [f for f in (self.file, self.chart) if f is not None]

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed_mentions": NO_PINGS, "embeds": self.embeds}
        if self.content:
            out["content"] = self.content
        if self.view is not None:
            out["view"] = self.view
        if self.files:
            out["files"] = self.files
        return out

    def without_chart(self) -> Rendered:
        """The same message without the picture (and without an embed that only held it):
        what is sent when Discord refuses the upload, so the text still goes out."""
        if self.chart_at is None:
            return self
        embeds = list(self.embeds)
        holder = embeds[self.chart_at].copy()
        holder.set_image(url=None)
        if holder.description or holder.fields:
            embeds[self.chart_at] = holder
        else:
            del embeds[self.chart_at]
        if self.file is not None:
            self.file.reset()
        return replace(self, embeds=embeds, chart=None, chart_at=None)


def card_embed(card: IdeaCard) -> discord.Embed:
    status = card.status
    colour = DECLINED_COLOUR if status.startswith("declined") else STATUS_COLOURS.get(status)
    embed = discord.Embed(
        title=L.one_line(f"#{card.idea_id} {card.title}", L.EMBED_TITLE),
        description=L.cut(card.description, L.EMBED_DESCRIPTION) or None,
        colour=colour if colour is not None else 0x5865F2,
    )
    embed.add_field(name="Author", value=L.cut(card.author_name, L.FIELD_VALUE), inline=True)
    embed.add_field(name="Status", value=L.cut(status, L.FIELD_VALUE), inline=True)
    if card.campaign:
        embed.add_field(name="Campaign", value=L.cut(card.campaign, L.FIELD_VALUE), inline=True)
    embed.add_field(name="Votes", value=L.cut(card.tally, L.FIELD_VALUE), inline=False)
    if card.merged_into:
        embed.add_field(name="Merged into", value=f"#{card.merged_into}", inline=True)
    footer = "Vote by reacting: " + " ".join(card.vote_emojis) if card.vote_emojis else ""
    if footer:
        embed.set_footer(text=L.cut(footer, L.FOOTER))
    return fit_total(embed)


def table_embed(table: Table) -> discord.Embed:
    rows = [[L.cut(" ".join(str(cell).split()), 40) for cell in row] for row in table.rows]
    lines = aligned_lines(table.headers, rows, rule=False) if rows else ["(nothing yet)"]
    return discord.Embed(
        title=L.one_line(table.title, L.EMBED_TITLE),
        description=L.code_block(lines, L.EMBED_DESCRIPTION),
        colour=0x5865F2,
    )


def prompt_embed(prompt: PromptView) -> discord.Embed:
    embed = discord.Embed(
        title=L.one_line(f"Feedback #{prompt.prompt_id}", L.EMBED_TITLE),
        description=L.cut(prompt.question, L.EMBED_DESCRIPTION),
        colour=0xEB459E,
    )
    if prompt.subject:
        embed.add_field(name="About", value=L.cut(prompt.subject, L.FIELD_VALUE), inline=True)
    if prompt.closes_at:
        embed.add_field(name="Closes", value=L.cut(prompt.closes_at, L.FIELD_VALUE), inline=True)
    notes = ["Anonymous: moderators don't see who answered." if prompt.anonymous else ""]
    notes.append("Closed." if prompt.closed else _how_to_answer(prompt.kind))
    embed.set_footer(text=L.cut(" ".join(n for n in notes if n), L.FOOTER))
    return fit_total(embed)


def _how_to_answer(kind: str) -> str:
    if kind == "text":
        return "Press Answer to write yours; you can change it until the prompt closes."
    if kind == "multiple":
        return "Pick one or more; you can change your answer until the prompt closes."
    return "Pick one; you can change your answer until the prompt closes."


def prompt_view(prompt: PromptView) -> discord.ui.View | None:
    """Persistent controls: no timeout, and custom ids that carry the prompt id, so a press on a
    months-old prompt is understood after any number of restarts."""
    if prompt.closed:
        return None
    view = discord.ui.View(timeout=None)
    pid = prompt.prompt_id
    if prompt.kind in SCALES:
        low, high = SCALES[prompt.kind]
        for n, value in enumerate(range(low, high + 1)):
            view.add_item(
                discord.ui.Button(
                    label=str(value),
                    custom_id=ids.answer_button(pid, str(value)),
                    style=discord.ButtonStyle.secondary,
                    row=n // L.BUTTONS_PER_ROW,
                )
            )
    elif prompt.kind in ("single", "multiple"):
        options = [
            discord.SelectOption(label=L.one_line(o, L.SELECT_OPTION), value=o[: L.SELECT_OPTION])
            for o in prompt.options[: L.MAX_CHOICES]
        ]
        view.add_item(
            discord.ui.Select(
                custom_id=ids.answer_select(pid),
                placeholder="Choose…" if prompt.kind == "single" else "Choose one or more…",
                min_values=1,
                max_values=1 if prompt.kind == "single" else len(options),
                options=options,
            )
        )
    else:
        view.add_item(
            discord.ui.Button(
                label="Answer", custom_id=ids.write_button(pid), style=discord.ButtonStyle.primary
            )
        )
    return view


def as_file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.content), filename=attachment.filename)


def chart_file(chart: Chart, png: bytes) -> discord.File:
    """The chart's picture as an attachment, described for screen readers."""
    return discord.File(
        io.BytesIO(png),
        filename=chartimage.FILENAME,
        description=L.cut(chart.describe(), L.ATTACHMENT_DESCRIPTION),
    )


def message(msg: Message, *, controls: bool = True, chart_png: bytes | None = None) -> Rendered:
    """A channel post or DM. ``controls`` adds a prompt's buttons (not in private echoes);
    ``chart_png`` is the message's chart drawn (``chartimage.drawn``), shown if given."""
    out = _render(msg.text, msg.card, msg.table, msg.prompt, msg.attachment, controls)
    return _with_chart(out, msg.chart, chart_png)


def reply(rep: Reply, chart_png: bytes | None = None) -> Rendered:
    """The answer to a member's interaction. A prompt in a reply is shown without controls: the
    channel post carries them, and one set of buttons per prompt is less confusing."""
    out = _render(rep.text, rep.card, rep.table, rep.prompt, rep.attachment, controls=False)
    return _with_chart(out, rep.chart, chart_png)


def _with_chart(out: Rendered, chart: Chart | None, png: bytes | None) -> Rendered:
    """The chart as the image of the results table's embed (or of an embed of its own)."""
    if chart is None or png is None:
        return out
    picture = chart_file(chart, png)
    holder = next(
        (
            n
            for n in reversed(range(len(out.embeds)))
            if out.embeds[n].title and not out.embeds[n].image
        ),
        None,
    )
    if holder is None:
        out.embeds.append(discord.Embed(title=L.one_line(chart.title, L.EMBED_TITLE)))
        holder = len(out.embeds) - 1
    out.embeds[holder].set_image(url=f"attachment://{chartimage.FILENAME}")
    out.chart, out.chart_at = picture, holder
    _fit_embeds(out.embeds)
    if holder >= len(out.embeds):  # the limit dropped the embed that showed it
        out.chart, out.chart_at = None, None
    return out


def _render(
    text: str,
    card: IdeaCard | None,
    table: Table | None,
    prompt: PromptView | None,
    attachment: Attachment | None,
    controls: bool,
) -> Rendered:
    out = Rendered(content=L.cut(text, L.CONTENT) if text else None)
    if card is not None:
        out.embeds.append(card_embed(card))
    if table is not None:
        out.embeds.append(table_embed(table))
    if prompt is not None:
        out.embeds.append(prompt_embed(prompt))
        if controls:
            out.view = prompt_view(prompt)
    if attachment is not None:
        out.file = as_file(attachment)
    _fit_embeds(out.embeds)
    return out


def fit_total(embed: discord.Embed) -> discord.Embed:
    """Discord refuses an embed whose parts add up to more than 6,000 characters."""
    while len(embed) > L.EMBED_TOTAL and embed.description:
        over = len(embed) - L.EMBED_TOTAL
        embed.description = L.cut(embed.description, max(0, len(embed.description) - over - 1))
    return embed


def _fit_embeds(embeds: list[discord.Embed]) -> None:
    """The 6,000 limit also counts every embed of one message together: drop from the end."""
    while len(embeds) > 1 and sum(len(e) for e in embeds) > L.EMBED_TOTAL:
        embeds.pop()
