"""Parse command text ("/idea submit title:\"Oat latte\" ...") against the command model.

Used by the console adapter and the Slack adapter. Options may be given as ``name:value`` (or
``name=value``) in any order, or positionally in the order the command declares them; quotes
group words. A greedy last option takes the rest of the line. An option given twice is an error
(which one was meant is a guess).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from bot.commands.spec import Command, Registry
from bot.errors import UserError
from bot.wording import quoted


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    command: Command
    options: dict[str, Any]


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        raise UserError("A quote is not closed. Put quotes around text with spaces.") from None


def parse_command(registry: Registry, topic: str, text: str) -> ParsedCommand:
    """Parse the text after ``/topic``. An empty verb means the topic's default (``help``...)."""
    words = split_words(text)
    if topic not in registry.topics:
        raise UserError(f"Unknown command /{topic}. Try `/cocreate help`.")
    verbs = {c.verb: c for c in registry.in_topic(topic)}
    verb = words[0].lower() if words else ""
    pair = " ".join(words[:2]).lower()
    if len(words) >= 2 and pair in verbs:
        verb, words = pair, words[2:]
    elif verb in verbs:
        words = words[1:]
    elif not words and "" in verbs:
        verb = ""
    else:
        default = _default_verb(topic, verbs)
        helper = registry.get("cocreate", "help")
        if default is None and not words and helper is not None:
            # a topic typed alone shows its verbs
            return ParsedCommand(helper, {"topic": topic})
        if default is None:
            known = ", ".join(sorted(v for v in verbs if v))
            raise UserError(f"/{topic} has no `{verb}`. Try one of: {known}.")
        verb = default
    command = verbs[verb]
    return ParsedCommand(command, _bind(command, words))


def _default_verb(topic: str, verbs: dict[str, Command]) -> str | None:
    for candidate in ("show", "list", "help"):
        if candidate in verbs and topic in {"leaderboard", "points", "rewards", "cocreate"}:
            return candidate
    return None


def _bind(command: Command, words: list[str]) -> dict[str, Any]:
    names = {o.name for o in command.options}
    options: dict[str, Any] = {}
    positional: list[str] = []
    for word in words:
        key, sep, value = _split_pair(word)
        if sep and key in names:
            if key in options:
                raise UserError(f"You gave {key} twice in `{command.path}`; give each option once.")
            options[key] = value
        elif sep and not value.startswith("/"):
            raise UserError(
                f"`{command.path}` has no option {quoted(key)}. Usage: {command.usage()}"
            )
        else:
            positional.append(word)
    free = [o for o in command.options if o.name not in options]
    for index, opt in enumerate(free):
        if not positional:
            break
        is_last = index == len(free) - 1
        if opt.greedy or (is_last and len(positional) > 1 and opt.kind in ("string", "text")):
            options[opt.name] = " ".join(positional)
            positional = []
        else:
            options[opt.name] = positional.pop(0)
    if positional:
        raise UserError(
            f"Too many values for `{command.path}`: {quoted(' '.join(positional)[:60])}. "
            f"Usage: {command.usage()}"
        )
    return options


def _split_pair(word: str) -> tuple[str, str, str]:
    for sep in (":", "="):
        key, found, value = word.partition(sep)
        if found and key and key.replace("_", "").isalpha():
            return key.lower(), found, value
    return word, "", ""
