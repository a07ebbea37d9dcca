"""Slack payloads -> neutral events. Pure functions, tested on recorded payloads.

What the engine does not care about (bot messages, top-level messages, reactions on files,
unknown actions) is dropped here, at the edge. Event ids come from Slack's own ids: the Events
API envelope's ``event_id`` (the same on every retry, so a retried or duplicated delivery is a
replay the engine ignores) and the ``trigger_id`` of a command, button or form submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.slack import emoji
from adapters.slack.blocks import ANSWER_ACTION, TEXT_ACTION
from adapters.slack.forms import form_options, form_target, prompt_text_answer
from bot.commands.spec import Command, Registry
from bot.commands.text import parse_command
from bot.errors import UserError
from bot.events import (
    Actor,
    AutocompleteRequested,
    CommandInvoked,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)

Payload = dict[str, Any]
PREFIX = "slack"


def community_id(team_id: str) -> str:
    return f"{PREFIX}:{team_id}"


def team_of(body: Payload) -> str:
    """The workspace a payload comes from, wherever this payload type keeps it."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return ""


def user_of(body: Payload) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id") or user or "")


def unescape(text: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` in command text (mentions stay as ``<@U…|name>``);
    the engine stores what the member typed, and every renderer escapes it again."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# -- slash commands -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenForm:
    """The member gave no options to a command that has a form: open it instead."""

    command: Command


def topic_of(slash: str) -> str:
    return slash.strip().lstrip("/").lower()


def slash_command(registry: Registry, body: Payload, actor: Actor) -> CommandInvoked | OpenForm:
    """A slash command's text parsed against the command model (raises UserError if bad)."""
    topic = topic_of(str(body.get("command", "")))
    text = unescape(str(body.get("text") or "")).strip()
    if not text:
        forms = [c for c in registry.in_topic(topic) if c.form_when_empty]
        if len(forms) == 1 and registry.get(topic, "") is None and topic not in _DEFAULTS:
            return OpenForm(forms[0])
    parsed = parse_command(registry, topic, text)
    if parsed.command.form_when_empty and not parsed.options:
        return OpenForm(parsed.command)
    return CommandInvoked(
        event_id=f"{PREFIX}:cmd:{body.get('trigger_id', '')}",
        actor=actor,
        topic=parsed.command.topic,
        verb=parsed.command.verb,
        options=parsed.options,
        channel_id=str(body.get("channel_id", "")),
    )


# topics whose bare command already means something (a default verb in the text parser)
_DEFAULTS = frozenset({"leaderboard", "points", "rewards", "cocreate"})


# -- Events API -----------------------------------------------------------------------------
def reaction(envelope: Payload, actor: Actor) -> ReactionAdded | ReactionRemoved | None:
    event = envelope.get("event") or {}
    kind = event.get("type")
    item = event.get("item") or {}
    if kind not in ("reaction_added", "reaction_removed") or item.get("type") != "message":
        return None
    name = str(event.get("reaction") or "")
    if not name or not item.get("channel") or not item.get("ts"):
        return None
    cls = ReactionAdded if kind == "reaction_added" else ReactionRemoved
    return cls(
        event_id=f"{PREFIX}:{envelope.get('event_id', '')}",
        actor=actor,
        channel_id=str(item["channel"]),
        message_id=str(item["ts"]),
        emoji=emoji.to_unicode(name),
    )


def is_thread_reply(event: Payload) -> bool:
    """A member's reply in a thread: not the parent, not a bot, not an edit or a join notice."""
    subtype = event.get("subtype")
    if subtype not in (None, "thread_broadcast", "file_share"):
        return False
    if event.get("bot_id") or not event.get("user"):
        return False
    thread, ts = event.get("thread_ts"), event.get("ts")
    return bool(thread) and thread != ts


def thread_message(envelope: Payload, actor: Actor) -> ThreadMessagePosted | None:
    event = envelope.get("event") or {}
    if event.get("type") != "message" or not is_thread_reply(event):
        return None
    return ThreadMessagePosted(
        event_id=f"{PREFIX}:{envelope.get('event_id', '')}",
        actor=actor,
        channel_id=str(event.get("channel", "")),
        thread_id=str(event["thread_ts"]),
        message_id=str(event["ts"]),
    )


# -- interactivity --------------------------------------------------------------------------
def prompt_id_of(action_id: str) -> int | None:
    """The prompt an answer control belongs to (``cocreate_answer:12`` or ``…:12:4``)."""
    parts = action_id.split(":")
    if len(parts) < 2 or parts[0] not in (ANSWER_ACTION, TEXT_ACTION) or not parts[1].isdigit():
        return None
    return int(parts[1])


def prompt_answer(body: Payload, action: Payload, actor: Actor) -> PromptAnswered | None:
    """A button press or a selection on a prompt's controls."""
    prompt_id = prompt_id_of(str(action.get("action_id", "")))
    if prompt_id is None or not str(action.get("action_id", "")).startswith(ANSWER_ACTION):
        return None
    kind = action.get("type")
    if kind == "button":
        values: tuple[str, ...] = (str(action.get("value", "")),)
    elif kind == "static_select":
        values = (str((action.get("selected_option") or {}).get("value", "")),)
    elif kind == "multi_static_select":
        values = tuple(str(o.get("value", "")) for o in action.get("selected_options") or [])
    else:
        return None
    # one trigger per interaction; the action_ts tells two selections of one menu apart
    ref = body.get("trigger_id") or action.get("action_ts", "")
    return PromptAnswered(f"{PREFIX}:act:{ref}", actor, prompt_id, values)


def form_submission(registry: Registry, body: Payload, actor: Actor) -> CommandInvoked:
    view = body.get("view") or {}
    topic, verb, channel = form_target(view)
    command = registry.get(topic, verb)
    if command is None:
        raise UserError("That form is out of date; run the command again.")
    values = (view.get("state") or {}).get("values") or {}
    return CommandInvoked(
        event_id=_view_event_id(body),
        actor=actor,
        topic=topic,
        verb=verb,
        options=form_options(command, values),
        channel_id=channel,
    )


def prompt_text_submission(body: Payload, actor: Actor) -> tuple[PromptAnswered, str]:
    """The free-text answer modal, and the channel the prompt was answered from."""
    view = body.get("view") or {}
    prompt_id, text, channel = prompt_text_answer(view)
    return PromptAnswered(_view_event_id(body), actor, prompt_id, (text,)), channel


def _view_event_id(body: Payload) -> str:
    """Each submission has its own trigger; a form resubmitted after a refusal is new."""
    view = body.get("view") or {}
    ref = body.get("trigger_id") or f"{view.get('id', '')}:{view.get('hash', '')}"
    return f"{PREFIX}:view:{ref}"


def suggestion(body: Payload, actor: Actor) -> AutocompleteRequested | None:
    """A modal's external select asking for options while the member types."""
    action_id = str(body.get("action_id", ""))
    _, sep, kind = action_id.partition(":")
    if not sep or not kind:
        return None
    ref = body.get("action_ts") or body.get("value", "")
    return AutocompleteRequested(
        f"{PREFIX}:suggest:{ref}", actor, kind, str(body.get("value") or "")
    )
