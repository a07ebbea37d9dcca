"""Discord payloads (the gateway's JSON, as recorded) turned into neutral events.

Pure functions over plain dicts, so they are tested on recorded payloads without a client.
They return None for what is not a member's action at all (system messages, webhooks, messages
outside a server); whether a reaction is a vote, or a thread an idea's discussion, is the
engine's to decide (it knows the cards), and bots are marked on the actor for it to ignore.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from adapters.discord import ids
from bot.commands.spec import Command, Registry
from bot.events import (
    Actor,
    AutocompleteRequested,
    CommandInvoked,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)

DISCORD_EPOCH_MS = 1420070400000
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
#: option types that hold a subcommand or a subcommand group, not a value
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
#: message types a member writes (default, reply); joins, pins, thread notices are not comments
MEMBER_MESSAGE_TYPES = frozenset({0, 19})
Payload = dict[str, Any]


def community(guild_id: str | int) -> str:
    return f"discord:{guild_id}"


def snowflake_time(snowflake: str | int) -> datetime:
    """When a Discord id was made: for a user id, when the account was created."""
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def emoji_text(emoji: Payload) -> str:
    """A unicode emoji as itself; a custom one as ``<:name:id>``, the way members type it."""
    if emoji.get("id"):
        animated = "a" if emoji.get("animated") else ""
        return f"<{animated}:{emoji.get('name') or '_'}:{emoji['id']}>"
    return str(emoji.get("name") or "")


def actor(
    guild_id: str | int,
    user: Payload,
    member: Payload | None = None,
    *,
    admin: bool | None = None,
) -> Actor:
    """The member behind a payload. ``admin`` overrides what the payload's permissions say
    (reaction payloads carry none; the adapter works it out from the cached roles)."""
    member = member or {}
    if admin is None:
        permissions = int(member.get("permissions") or 0)
        admin = bool(permissions & (ADMINISTRATOR | MANAGE_GUILD))
    name = member.get("nick") or user.get("global_name") or user.get("username") or ""
    return Actor(
        community_id=community(guild_id),
        member_id=str(user["id"]),
        display_name=str(name),
        roles=frozenset(str(r) for r in member.get("roles") or ()),
        is_admin=admin,
        is_bot=bool(user.get("bot")),
        account_created_at=snowflake_time(user["id"]),
        joined_at=_when(member.get("joined_at")),
    )


def _interaction_actor(payload: Payload) -> Actor | None:
    member = payload.get("member")
    guild_id = payload.get("guild_id")
    if member is None or guild_id is None:
        return None  # a DM: every community action needs a server
    return actor(guild_id, member["user"], member)


# -- gateway events ------------------------------------------------------------------------


def reaction(
    payload: Payload,
    *,
    added: bool,
    event_id: str,
    bot_id: str,
    admin: bool = False,
    known_bot: bool = False,
) -> ReactionAdded | ReactionRemoved | None:
    """MESSAGE_REACTION_ADD / _REMOVE, whatever the message and the emoji: the engine decides
    what is a vote (a card's own emojis) and ignores bots, which are marked here (the bot
    itself, a bot the payload names; a removal carries no member, so ``known_bot`` says what
    the cache knows of the user)."""
    guild_id = payload.get("guild_id")
    user_id = str(payload.get("user_id", ""))
    if guild_id is None or not user_id:
        return None
    emoji = emoji_text(payload.get("emoji") or {})
    if not emoji:
        return None
    member = payload.get("member")
    user = (member or {}).get("user") or {"id": user_id}
    who = actor(guild_id, user, member, admin=admin)
    if user_id == bot_id or known_bot:
        who = replace(who, is_bot=True)
    channel, message = str(payload["channel_id"]), str(payload["message_id"])
    if added:
        return ReactionAdded(event_id, who, channel, message, emoji)
    return ReactionRemoved(event_id, who, channel, message, emoji)


def thread_message(payload: Payload, *, parent_id: str | None = None) -> ThreadMessagePosted | None:
    """MESSAGE_CREATE in a thread (the caller knows it is one). Needs no message content."""
    guild_id = payload.get("guild_id")
    author = payload.get("author") or {}
    if guild_id is None or not author or author.get("bot") or payload.get("webhook_id"):
        return None
    if int(payload.get("type", 0)) not in MEMBER_MESSAGE_TYPES:
        return None
    thread_id = str(payload["channel_id"])
    who = actor(guild_id, author, payload.get("member"), admin=False)
    return ThreadMessagePosted(
        ids.message_event(str(payload["id"])),
        who,
        parent_id or thread_id,
        thread_id,
        str(payload["id"]),
    )


# -- interactions --------------------------------------------------------------------------


def command_path(data: Payload) -> tuple[str, str, list[Payload]]:
    """(topic, verb, value options) from an application command's nested options.

    ``/cocreate config set`` arrives as group "config" holding subcommand "set": the verb is
    "config set", matching the command model's two-word verbs.
    """
    topic = str(data.get("name", ""))
    words: list[str] = []
    options: list[Payload] = list(data.get("options") or [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        words.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    return topic, " ".join(words), options


def command(payload: Payload, registry: Registry) -> tuple[Command, CommandInvoked] | None:
    """INTERACTION_CREATE of type 2 (slash command)."""
    who = _interaction_actor(payload)
    if who is None:
        return None
    topic, verb, options = command_path(payload.get("data") or {})
    spec = registry.get(topic, verb)
    if spec is None:
        return None
    values = {str(o["name"]): o.get("value") for o in options if o.get("value") is not None}
    event = CommandInvoked(
        ids.interaction_event(str(payload["id"])),
        who,
        topic,
        verb,
        values,
        str(payload.get("channel_id", "")),
    )
    return spec, event


def autocomplete(payload: Payload, registry: Registry) -> tuple[str, AutocompleteRequested] | None:
    """INTERACTION_CREATE of type 4: (option kind, request) for the focused option."""
    who = _interaction_actor(payload)
    if who is None:
        return None
    topic, verb, options = command_path(payload.get("data") or {})
    spec = registry.get(topic, verb)
    focused = next((o for o in options if o.get("focused")), None)
    if spec is None or focused is None:
        return None
    option = spec.option(str(focused["name"]))
    if option is None or option.autocomplete is None:
        return None
    request = AutocompleteRequested(
        ids.interaction_event(str(payload["id"])),
        who,
        option.autocomplete,
        str(focused.get("value") or ""),
    )
    return option.kind, request


def modal_values(payload: Payload) -> dict[str, str]:
    """Text inputs of a submitted form by custom id, with or without Label wrappers."""
    values: dict[str, str] = {}
    stack = list((payload.get("data") or {}).get("components") or [])
    while stack:
        component = stack.pop(0)
        if "component" in component:  # a Label (type 18) wraps one input
            stack.append(component["component"])
        stack.extend(component.get("components") or [])
        if component.get("type") == 4 and "custom_id" in component:
            values[str(component["custom_id"])] = str(component.get("value") or "")
    return values


def form_command(payload: Payload, registry: Registry) -> tuple[Command, CommandInvoked] | None:
    """A submitted command form (``/idea submit`` with no options) as the command it stands for."""
    who = _interaction_actor(payload)
    parsed = ids.parse(str((payload.get("data") or {}).get("custom_id", "")))
    if who is None or parsed is None or parsed.kind != "form":
        return None
    spec = registry.get(parsed.topic, parsed.verb)
    if spec is None:
        return None
    values = {k: v for k, v in modal_values(payload).items() if v.strip() and spec.option(k)}
    event = CommandInvoked(
        ids.interaction_event(str(payload["id"])),
        who,
        spec.topic,
        spec.verb,
        values,
        str(payload.get("channel_id", "")),
    )
    return spec, event


def prompt_answer(payload: Payload) -> PromptAnswered | None:
    """A prompt's button, select menu or free-text form (INTERACTION_CREATE type 3 or 5)."""
    who = _interaction_actor(payload)
    data = payload.get("data") or {}
    parsed = ids.parse(str(data.get("custom_id", "")))
    if who is None or parsed is None:
        return None
    event_id = ids.interaction_event(str(payload["id"]))
    if parsed.kind == "answer":
        return PromptAnswered(event_id, who, parsed.prompt_id, (parsed.value,))
    if parsed.kind == "choose":
        values = tuple(str(v) for v in data.get("values") or ())
        return PromptAnswered(event_id, who, parsed.prompt_id, values)
    if parsed.kind == "written":
        text = modal_values(payload).get("answer", "")
        return PromptAnswered(event_id, who, parsed.prompt_id, (text,))
    return None
