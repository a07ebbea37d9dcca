"""Neutral outbound content: the engine says what to show, adapters decide how it looks.

Discord renders a card as an embed and a table as a code block; Slack renders Block Kit; the
console prints text. User-supplied text is carried as plain data and never interpreted as a
mention by any renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.wording import plural

ChartKind = Literal["bars", "nps", "columns"]
CHART_KINDS: tuple[ChartKind, ...] = ("bars", "nps", "columns")


@dataclass(frozen=True, slots=True)
class IdeaCard:
    idea_id: int
    title: str
    description: str
    author_id: str
    author_name: str
    status: str
    campaign: str | None
    tally: str
    vote_emojis: tuple[str, ...]
    merged_into: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A small chart to show beside a results table: the data, never pixels. Each adapter
    draws it its own way (an image in chat, SVG on the dashboard) and the table stays, for
    screen readers and exports.

    ``bars``: one bar per label. ``columns``: one column per label along a time line (votes
    per day). ``nps``: the split of promoters, passives and detractors (the
    labels, in that order) with ``score``, the NPS. ``unit`` names what a value counts, in the
    singular ("response", "vote"), for text like "Red: 3 responses".
    """

    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    values: tuple[int, ...]
    unit: str = ""
    score: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        if len(self.labels) != len(self.values):
            raise ValueError("a chart needs one value per label")

    @property
    def total(self) -> int:
        return sum(self.values)

    def amount(self, value: int) -> str:
        return plural(value, self.unit) if self.unit else f"{value:,}"

    def describe(self) -> str:
        """The chart in one sentence, for alt text and anywhere a picture cannot be shown."""
        parts = [
            f"{label}: {self.amount(value)}"
            for label, value in zip(self.labels, self.values, strict=True)
        ]
        head = self.title
        if self.kind == "nps" and self.score is not None:
            head += f", NPS {self.score:+d}"
        return f"{head}. " + ("; ".join(parts) if parts else "Nothing yet") + "."


@dataclass(frozen=True, slots=True)
class PromptView:
    """A feedback prompt as members see it, with the answer controls the adapter draws."""

    prompt_id: int
    kind: str
    question: str
    subject: str | None
    options: tuple[str, ...]
    anonymous: bool
    closes_at: str | None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class CampaignLine:
    """A running campaign in one line: its mode, phase and the next step with the time left."""

    name: str
    mode: str
    phase: str
    next_step: str


@dataclass(frozen=True, slots=True)
class IdeaLine:
    idea_id: int
    title: str
    status: str
    tally: str


@dataclass(frozen=True, slots=True)
class HomeView:
    """One member's own page (Slack's App Home): points and all-time rank (None before their
    first points), the running campaigns, the open prompts with their controls, their ideas."""

    points: int
    rank: int | None
    campaigns: tuple[CampaignLine, ...]
    prompts: tuple[PromptView, ...]
    ideas: tuple[IdeaLine, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "text/csv"


@dataclass(frozen=True, slots=True)
class Message:
    """Something posted to a channel or sent to a member."""

    text: str
    card: IdeaCard | None = None
    table: Table | None = None
    prompt: PromptView | None = None
    attachment: Attachment | None = None
    #: a picture of the table's numbers, best-effort: the text goes out without it if need be
    chart: Chart | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one inbound event, shown to the member who caused it.

    ``ephemeral`` replies are private to that member. ``silent`` means nothing is shown (for
    example a duplicate delivery that was already handled). The typed fields after ``choices``
    say what the event did, for adapters, metrics and tests; none of them is shown.
    """

    text: str = ""
    ephemeral: bool = True
    card: IdeaCard | None = None
    table: Table | None = None
    prompt: PromptView | None = None
    attachment: Attachment | None = None
    chart: Chart | None = None
    silent: bool = False
    ok: bool = True
    #: (label, value) suggestions, for an autocomplete request
    choices: tuple[tuple[str, str], ...] = ()
    #: nothing was done (a replay, an emoji that is not a vote...)
    ignored: bool = False
    #: a refused vote: an adapter that can should take the member's reaction off the card
    remove_reaction: bool = False
    #: the vote value a reaction now counts for
    vote: int | None = None
    #: a reaction's removal retracted the member's vote
    vote_removed: bool = False
    #: the member's earlier reaction that no longer counts (adapters may take it off)
    replaced_emoji: str | None = None
    #: the idea a submission created
    idea_id: int | None = None
    #: the prompt a command created
    prompt_id: int | None = None
    #: how many answers a prompt's results count
    responses: int | None = None
    #: the member's own page, for a home request
    home: HomeView | None = None

    @classmethod
    def nothing(cls) -> Reply:
        """Nothing to show and nothing done (a replay, an emoji that is not a vote...)."""
        return cls(silent=True, ignored=True)

    @classmethod
    def error(cls, text: str) -> Reply:
        return cls(text=text, ephemeral=True, ok=False)


def aligned_lines(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: Callable[[str], int] = len,
    rule: bool = True,
) -> list[str]:
    """A table as monospace lines (header, optional rule, rows), columns padded to fit.

    Every renderer that shows a table as text (console, Discord code block, Slack code block)
    uses this; each cleans its cells first and passes its own idea of a character's width.
    """
    widths = [width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], width(cell))

    def line(cells: Sequence[str]) -> str:
        padded = [c + " " * (widths[i] - width(c)) for i, c in enumerate(cells[: len(widths)])]
        return "  ".join(padded).rstrip()

    head = [line(headers)] + (["  ".join("-" * w for w in widths)] if rule else [])
    return head + [line(r) for r in rows]
