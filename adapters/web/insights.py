"""The dashboard's Insights: the core's figures (``bot.services.insights``) laid out as sections
of SVG charts with their tables, for the ``dashboard_insights.html`` template.

Only figures reach this module: counts, prompt questions and options, rule names and display
names. An anonymous prompt shows its counts like any other and says it is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from adapters.web import charts
from bot.services.insights import Insights, PromptFigures
from bot.wording import plural


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the page: a heading, a line under it, and its charts."""

    key: str
    heading: str
    lede: str
    figures: tuple[Markup, ...]


def sections(insights: Insights) -> tuple[Section, ...]:
    total_votes = sum(d.votes for d in insights.votes_per_day)
    rounds = insights.rounds
    return (
        Section(
            "votes",
            "Votes per day",
            f"{plural(total_votes, 'vote')} in the last {len(insights.votes_per_day)} days "
            f"(days in {insights.timezone}; votes taken back are not counted).",
            (charts.figure(insights.votes_chart(), "votes-per-day"),),
        ),
        Section(
            "rounds",
            "Participation per campaign and round",
            "Ideas submitted, members who voted and votes cast, newest round first."
            if rounds
            else "No rounds yet: participation shows here once a campaign runs.",
            (
                charts.grouped_figure(
                    "Participation per round",
                    tuple(r.label for r in rounds),
                    (
                        ("idea", tuple(r.ideas for r in rounds)),
                        ("voter", tuple(r.voters for r in rounds)),
                        ("vote", tuple(r.votes for r in rounds)),
                    ),
                    "participation",
                ),
            )
            if rounds
            else (),
        ),
        Section(
            "prompts",
            "Feedback prompts",
            "The most recent prompts, newest first." if insights.prompts else "No prompts yet.",
            tuple(figure for p in insights.prompts for figure in prompt_figures(p)),
        ),
        Section(
            "points",
            "Points earned per rule",
            "Net points each rule has paid (points taken back count against it); rewards "
            "redeemed are not counted.",
            (charts.figure(insights.points_chart(), "points-per-rule"),),
        ),
        Section(
            "contributors",
            "Top contributors",
            "Points earned by contributing, all time, by display name.",
            (charts.figure(insights.contributors_chart(), "top-contributors"),),
        ),
    )


def prompt_figures(prompt: PromptFigures) -> tuple[Markup, ...]:
    """A prompt's charts: its NPS split (for NPS) and its distribution, or a line of text."""
    found = []
    nps = prompt.nps_chart()
    if nps is not None:
        found.append(charts.figure(nps, f"prompt-{prompt.prompt_id}-nps"))
    bars = prompt.chart()
    if bars is not None:
        found.append(charts.figure(bars, f"prompt-{prompt.prompt_id}"))
    if not found:
        found.append(
            Markup('<p class="chart-note">{} {}</p>').format(
                prompt.title, f"({plural(prompt.responses, 'written answer')}; see the export)"
            )
        )
    if prompt.anonymous:
        found.append(
            Markup('<p class="chart-note">Prompt #{}: anonymous, so only counts.</p>').format(
                prompt.prompt_id
            )
        )
    return tuple(found)
