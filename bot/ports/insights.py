"""The figures behind the moderators' charts, counted by the database.

Only counts leave storage here: no member id, no name, no answer text, so nothing an anonymous
prompt was told can be linked to anyone through these queries. (Prompt distributions are
computed by ``bot.services.prompt_results`` from the prompt repository, the one place that
knows what a prompt's answers mean.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RoundCounts:
    """One round of a campaign: its ideas (not withdrawn or refused in review), the members who
    voted on them, and the votes they cast."""

    campaign_id: int
    campaign: str
    round_id: int
    number: int
    phase: str
    opens_at: datetime
    ideas: int
    voters: int
    votes: int


class InsightsRepo(Protocol):
    async def votes_by_hour(self, community_id: str, since: datetime) -> list[tuple[datetime, int]]:
        """Votes standing now that were first cast at or after ``since``, counted per UTC hour
        (the hour's start, oldest first); hours without votes are left out."""
        ...

    async def answer_counts(
        self, community_id: str, prompt_id: int, values: bool = True
    ) -> tuple[int, dict[str, int]]:
        """(responses, how many responses gave each answer value): a multiple choice answer
        counts once under each option picked; a score under its number. Without ``values``,
        only the responses are counted (free text: its answers are not figures)."""
        ...

    async def rounds(self, community_id: str, limit: int) -> list[RoundCounts]:
        """The community's most recent ``limit`` rounds, newest first."""
        ...

    async def points_by_rule(self, community_id: str) -> list[tuple[str, int]]:
        """Net points earned per rule (a reversal is stored under the rule it takes back, so it
        counts against it), by rule code word; spending on rewards left out."""
        ...
