"""Custom ids for buttons, select menus and forms, and the event ids handed to the engine.

A component's custom id is all the bot gets back when it is pressed, possibly long after a
restart, so it carries everything needed to act: which prompt, which value. Ids are namespaced
with ``cocreate:`` so components from other bots or features are left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "cocreate"
#: Discord refuses a nonce longer than this
NONCE_LENGTH = 25


def answer_button(prompt_id: int, value: str) -> str:
    return f"{PREFIX}:answer:{prompt_id}:{value}"


def answer_select(prompt_id: int) -> str:
    return f"{PREFIX}:choose:{prompt_id}"


def write_button(prompt_id: int) -> str:
    """The button that opens the free-text form for a text prompt."""
    return f"{PREFIX}:write:{prompt_id}"


def written_form(prompt_id: int) -> str:
    return f"{PREFIX}:written:{prompt_id}"


def command_form(topic: str, verb: str) -> str:
    return f"{PREFIX}:form:{topic}:{verb}"


@dataclass(frozen=True, slots=True)
class Parsed:
    kind: str  # answer, choose, write, written, form
    prompt_id: int = 0
    value: str = ""
    topic: str = ""
    verb: str = ""


def parse(custom_id: str) -> Parsed | None:
    """The meaning of one of our custom ids, or None for anything else (never raises)."""
    parts = custom_id.split(":", 3)
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    kind = parts[1]
    if kind == "form" and len(parts) == 4:
        return Parsed(kind, topic=parts[2], verb=parts[3])
    if not parts[2].isdecimal():
        return None
    prompt_id = int(parts[2])
    if kind == "answer" and len(parts) == 4:
        return Parsed(kind, prompt_id, value=parts[3])
    if kind in ("choose", "write", "written") and len(parts) == 3:
        return Parsed(kind, prompt_id)
    return None


def interaction_event(interaction_id: str) -> str:
    return f"discord:interaction:{interaction_id}"


def message_event(message_id: str) -> str:
    return f"discord:message:{message_id}"


def gateway_event(session_id: str | None, sequence: int | None, fallback: str) -> str:
    """A reaction has no id of its own. Within one gateway session the sequence number names
    each dispatch exactly once, and a RESUME replays missed dispatches with their original
    numbers, so (session, sequence) makes a replay a duplicate while a member's add → remove →
    add are three different events. Without a session (should not happen) use ``fallback``,
    which is unique: a replay is then counted again, but nothing is lost."""
    if session_id and sequence is not None:
        return f"discord:gw:{session_id}:{sequence}"
    return f"discord:unsequenced:{fallback}"


def send_nonce(channel_id: str, key: str) -> str:
    """The nonce for an outbox message, the same on every attempt, so a resend after a crash
    comes back as the message already posted (discord.py always sends ``enforce_nonce``).
    Discord checks a nonce per author, not per channel, so the channel is part of the hash: the
    same announcement key posted to two channels must make two messages. 2 + 23 hex digits
    keep it within Discord's 25 characters."""
    digest = hashlib.sha256(f"{channel_id}\x00{key}".encode()).hexdigest()
    return "cc" + digest[: NONCE_LENGTH - 2]
