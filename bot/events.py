"""Neutral inbound events. Adapters translate platform payloads into these at the edge.

Ids are strings everywhere (a Slack ``ts`` is not an integer). Every event carries the
platform's own event id so that a replayed or retried delivery changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Actor:
    """The member who caused an event, with what eligibility rules need to know."""

    community_id: str
    member_id: str
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    is_admin: bool = False
    is_bot: bool = False
    account_created_at: datetime | None = None
    joined_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.display_name or self.member_id


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """A slash command (or its console/Slack text form) with typed options already parsed."""

    event_id: str
    actor: Actor
    topic: str
    verb: str
    options: dict[str, Any] = field(default_factory=dict)
    channel_id: str = ""
    #: where the command came from when not from chat ("dashboard"), for the audit log
    via: str = ""

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class ReactionAdded:
    event_id: str
    actor: Actor
    channel_id: str
    message_id: str
    emoji: str

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class ReactionRemoved:
    event_id: str
    actor: Actor
    channel_id: str
    message_id: str
    emoji: str

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class PromptAnswered:
    """A button press, select or form submission answering a feedback prompt.

    ``text`` is the whole answer as typed on one line of command text (the console's
    ``answer 5 cinnamon rolls please``), when the adapter read one: a free-text answer is saved
    as typed, and a choice may be one label with spaces, without quotes."""

    event_id: str
    actor: Actor
    prompt_id: int
    values: tuple[str, ...]
    text: str | None = None

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class ThreadMessagePosted:
    """A member's message in an idea's discussion thread (earns the comment rule)."""

    event_id: str
    actor: Actor
    channel_id: str
    thread_id: str
    message_id: str

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class AutocompleteRequested:
    """A member is typing an option; suggest values. Reads only, so replays are harmless."""

    event_id: str
    actor: Actor
    kind: str  # an Option.autocomplete value: idea, campaign, config_key, reward, prompt...
    prefix: str = ""

    @property
    def community_id(self) -> str:
        return self.actor.community_id


@dataclass(frozen=True, slots=True)
class HomeRequested:
    """A member opened their own page (Slack's App Home tab). Reads only: answered with a
    ``HomeView``, no event id is claimed and nothing changes."""

    event_id: str
    actor: Actor

    @property
    def community_id(self) -> str:
        return self.actor.community_id


InboundEvent = (
    CommandInvoked
    | ReactionAdded
    | ReactionRemoved
    | PromptAnswered
    | ThreadMessagePosted
    | AutocompleteRequested
    | HomeRequested
)
