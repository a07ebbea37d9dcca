"""Feedback prompts: the records and the storage interface the prompt service needs.

A prompt is closed either because a moderator closed it (``closed_at``) or because its close
time passed; the second needs no job and no write, so a bot that was offline at the close time
still refuses late answers. Answers are stored as a tuple of strings for every kind, plus a
numeric ``score`` for rating and NPS prompts so the schema can check its range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

PromptKind = Literal["rating", "nps", "single", "multiple", "text"]
PROMPT_KINDS: tuple[PromptKind, ...] = ("rating", "nps", "single", "multiple", "text")
SubjectKind = Literal["idea", "campaign", "product"]


@dataclass(frozen=True, slots=True)
class Subject:
    """What a prompt asks about: an idea (by id), a campaign (by id) or a product (by name)."""

    kind: SubjectKind
    label: str
    ref: int | None = None

    def describe(self) -> str:
        if self.kind == "idea":
            return f"idea #{self.ref}: {self.label}"
        return f"{self.kind} {self.label}"


@dataclass(frozen=True, slots=True)
class NewPrompt:
    community_id: str
    kind: PromptKind
    question: str
    options: tuple[str, ...]
    anonymous: bool
    subject: Subject | None
    audience_role: str | None
    closes_at: datetime | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Prompt:
    id: int
    community_id: str
    kind: PromptKind
    question: str
    options: tuple[str, ...]
    anonymous: bool
    subject: Subject | None
    audience_role: str | None
    closes_at: datetime | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None = None
    channel_id: str | None = None
    message_id: str | None = None

    def is_closed(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.closes_at is not None and now >= self.closes_at)

    def closed_since(self) -> datetime | None:
        """When it closed (or will close by time), for messages; None if open-ended."""
        return self.closed_at or self.closes_at


@dataclass(frozen=True, slots=True)
class PromptResponse:
    prompt_id: int
    #: the member, or for an anonymous prompt a respondent token (``bot.services.anonymity``)
    member_id: str
    #: the name at answer time; empty for anonymous prompts, which never store one
    member_name: str
    values: tuple[str, ...]
    score: int | None
    created_at: datetime
    updated_at: datetime


class PromptRepo(Protocol):
    async def add(self, prompt: NewPrompt) -> Prompt: ...
    async def get(self, community_id: str, prompt_id: int) -> Prompt | None: ...
    async def recent(self, community_id: str, limit: int = 25) -> list[Prompt]:
        """Newest first."""
        ...

    async def set_message(
        self, community_id: str, prompt_id: int, channel_id: str, message_id: str
    ) -> None: ...
    async def close(self, community_id: str, prompt_id: int, now: datetime) -> bool:
        """Conditional close: True only if no moderator had closed it yet."""
        ...

    async def upsert_response(
        self,
        community_id: str,
        prompt_id: int,
        member_id: str,
        member_name: str,
        values: tuple[str, ...],
        score: int | None,
        now: datetime,
    ) -> bool:
        """Insert or replace one member's answer; True if it is their first for this prompt."""
        ...

    async def upsert_anonymous_response(
        self,
        community_id: str,
        prompt_id: int,
        token: str,
        values: tuple[str, ...],
        score: int | None,
        stamp: datetime,
    ) -> bool:
        """Insert or replace the answer stored under a respondent token; True if it is new.

        A change replaces the answer only: ``stamp`` (not the time of answering), the revision
        and the name stay as first written, so the row tells nothing about when or how often.
        """
        ...

    async def anonymity_key(self, community_id: str) -> str:
        """The community's secret for respondent tokens (hex), created on first use."""
        ...

    async def responses(self, community_id: str, prompt_id: int) -> list[PromptResponse]:
        """Every answer, oldest first."""
        ...

    async def response_counts(self, community_id: str, prompt_ids: list[int]) -> dict[int, int]:
        """Number of answers per prompt; prompts without any are left out."""
        ...
