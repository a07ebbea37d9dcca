"""What the moderators' dashboard charts show: each prompt's answers, votes per day, each
round's participation, points per rule and the top contributors.

Neutral frozen figures, no markup: the web adapter draws them (SVG and tables) and tests read
them directly. Prompt distributions and the NPS come from ``bot.services.prompt_results``, the
one place those rules live. An anonymous prompt contributes its counts only; no figure here
carries a member id, and contributors are shown by display name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.ports import Storage
from bot.ports.prompts import Prompt
from bot.replies import Chart
from bot.services.prompt_results import (
    NPS_GROUPS,
    SCALES,
    distribution_of,
    nps_score,
    nps_split,
    scores_of,
)
from config.community import rule_name

#: how far back votes per day go (today included)
DAYS = 30
PROMPTS = 10
ROUNDS = 12
CONTRIBUTORS = 10
#: a contributor whose display name the bot never learnt
NAMELESS = "A member without a display name"
#: figures this recent are shown again instead of counted again (a busy community's counts
#: take a moment, and every dashboard page load asks)
FRESH_FOR = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PromptFigures:
    prompt_id: int
    kind: str
    question: str
    anonymous: bool
    closed: bool
    responses: int
    #: (score or option, responses), zeros included, in display order; empty for free text
    distribution: tuple[tuple[str, int], ...]
    average: float | None
    nps: int | None
    #: (promoters, passives, detractors) for an NPS prompt
    split: tuple[int, int, int] | None

    @property
    def title(self) -> str:
        text = f"Prompt #{self.prompt_id}: {self.question}"
        return text if len(text) <= 90 else text[:89] + "…"

    def chart(self) -> Chart | None:
        """The distribution as bars (and for NPS, also ``nps_chart``); None for free text."""
        if not self.distribution:
            return None
        title = f"Prompt #{self.prompt_id}, answers per score" if self.split else self.title
        return Chart(
            "bars",
            title,
            tuple(k for k, _ in self.distribution),
            tuple(n for _, n in self.distribution),
            "response",
        )

    def nps_chart(self) -> Chart | None:
        if self.split is None:
            return None
        return Chart("nps", self.title, NPS_GROUPS, self.split, "response", self.nps)


@dataclass(frozen=True, slots=True)
class DayVotes:
    day: date
    votes: int


@dataclass(frozen=True, slots=True)
class RoundFigures:
    campaign: str
    round_number: int
    phase: str
    ideas: int
    voters: int
    votes: int

    @property
    def label(self) -> str:
        return f"{self.campaign}, round {self.round_number}"


@dataclass(frozen=True, slots=True)
class RulePoints:
    #: the rule's name as people read it ("submitting an idea"), never its code word
    rule: str
    points: int


@dataclass(frozen=True, slots=True)
class Contributor:
    name: str
    points: int


@dataclass(frozen=True, slots=True)
class Insights:
    community_id: str
    timezone: str
    generated_at: datetime
    prompts: tuple[PromptFigures, ...]
    #: the last ``DAYS`` days in the community's time zone, oldest first, zeros included
    votes_per_day: tuple[DayVotes, ...]
    #: newest round first
    rounds: tuple[RoundFigures, ...]
    points_per_rule: tuple[RulePoints, ...]
    top_contributors: tuple[Contributor, ...]

    def votes_chart(self) -> Chart:
        return Chart(
            "columns",
            f"Votes per day, last {DAYS} days",
            tuple(d.day.strftime("%b %d").replace(" 0", " ") for d in self.votes_per_day),
            tuple(d.votes for d in self.votes_per_day),
            "vote",
        )

    def points_chart(self) -> Chart:
        return Chart(
            "bars",
            "Points earned per rule",
            tuple(r.rule[:1].upper() + r.rule[1:] for r in self.points_per_rule),
            tuple(r.points for r in self.points_per_rule),
            "point",
        )

    def contributors_chart(self) -> Chart:
        return Chart(
            "bars",
            "Top contributors",
            tuple(c.name for c in self.top_contributors),
            tuple(c.points for c in self.top_contributors),
            "point",
        )


class InsightsService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock
        self._recent: dict[str, Insights] = {}

    async def for_community(self, community_id: str) -> Insights:
        """Every figure of one community, as of at most ``FRESH_FOR`` ago."""
        now = self.clock.now()
        recent = self._recent.get(community_id)
        if recent is not None and timedelta(0) <= now - recent.generated_at < FRESH_FOR:
            return recent
        found = await self.count(community_id)
        if len(self._recent) > 1000:  # many communities: keep memory bounded
            self._recent.clear()
        self._recent[community_id] = found
        return found

    async def count(self, community_id: str) -> Insights:
        """Every figure of one community, counted now. Each figure is read in a transaction of
        its own: the database takes one writer at a time, so votes wait for one query at most,
        never for the whole page (the figures may be a few moments apart)."""
        now = self.clock.now()
        storage = self.storage
        async with storage.transaction():
            settings = await storage.communities.settings(community_id)
        zone = ZoneInfo(settings.timezone)
        prompts = await self._prompts(community_id, now)
        first_day = now.astimezone(zone).date() - timedelta(days=DAYS - 1)
        since = datetime.combine(first_day, datetime.min.time(), zone)
        async with storage.transaction():
            hours = await storage.insights.votes_by_hour(community_id, since)
        async with storage.transaction():
            rounds = await storage.insights.rounds(community_id, ROUNDS)
        async with storage.transaction():
            per_rule = await storage.insights.points_by_rule(community_id)
        async with storage.transaction():
            top = await storage.ledger.top(community_id, None, CONTRIBUTORS)
            names = await storage.members.names(community_id, [m for m, _ in top])
        return Insights(
            community_id=community_id,
            timezone=settings.timezone,
            generated_at=now,
            prompts=prompts,
            votes_per_day=votes_per_day(hours, first_day, zone),
            rounds=tuple(
                RoundFigures(r.campaign, r.number, r.phase, r.ideas, r.voters, r.votes)
                for r in rounds
            ),
            points_per_rule=points_per_rule(per_rule),
            top_contributors=tuple(
                Contributor(display_name(names.get(member), member), points)
                for member, points in top
            ),
        )

    async def _prompts(self, community_id: str, now: datetime) -> tuple[PromptFigures, ...]:
        async with self.storage.transaction():
            found = []
            for prompt in await self.storage.prompts.recent(community_id, PROMPTS):
                responses, per_value = await self.storage.insights.answer_counts(
                    community_id, prompt.id, values=prompt.kind != "text"
                )
                found.append(prompt_figures(prompt, responses, per_value, now))
        return tuple(found)


def prompt_figures(
    prompt: Prompt, responses: int, per_value: Mapping[str, int], now: datetime
) -> PromptFigures:
    """A prompt's figures from the counts of its answer values, by the rules of
    ``prompt_results`` (free-text answers are counted, never shown)."""
    distribution = distribution_of(prompt, per_value)
    scores = scores_of(distribution) if prompt.kind in SCALES else []
    return PromptFigures(
        prompt_id=prompt.id,
        kind=prompt.kind,
        question=prompt.question,
        anonymous=prompt.anonymous,
        closed=prompt.is_closed(now),
        responses=responses,
        distribution=distribution,
        average=sum(scores) / len(scores) if scores else None,
        nps=nps_score(scores) if prompt.kind == "nps" else None,
        split=nps_split(scores) if prompt.kind == "nps" else None,
    )


def votes_per_day(
    hours: list[tuple[datetime, int]], first_day: date, zone: ZoneInfo
) -> tuple[DayVotes, ...]:
    """Hourly counts gathered into the community's days (an hour belongs to the day it starts
    in), ``DAYS`` days from ``first_day``, days without votes as zeros."""
    counts = {first_day + timedelta(days=n): 0 for n in range(DAYS)}
    for hour, n in hours:
        day = hour.astimezone(zone).date()
        if day in counts:
            counts[day] += n
    return tuple(DayVotes(day, n) for day, n in counts.items())


def points_per_rule(per_rule: list[tuple[str, int]]) -> tuple[RulePoints, ...]:
    """Rules by their names, most points first; a rule that nets to nothing is left out."""
    named: dict[str, int] = {}
    for rule, points in per_rule:
        name = rule_name(rule)
        named[name] = named.get(name, 0) + points
    ranked = sorted(named.items(), key=lambda item: (-item[1], item[0]))
    return tuple(RulePoints(name, points) for name, points in ranked if points)


def display_name(name: str | None, member_id: str) -> str:
    """A display name, never a platform id (the member store falls back to the id)."""
    return name if name and name != member_id else NAMELESS
