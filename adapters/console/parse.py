"""Reading console lines: who is acting, and what they do.

Pure functions, so the grammar is tested without an engine. A line is an optional
``as NAME`` (or ``as NAME:``) followed by one action; without ``as NAME`` the previous actor
acts again. Slash commands are left as text here: they are parsed against the command registry
by the adapter, exactly as the Slack adapter parses command text.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import UserError
from bot.timeparse import parse_duration
from bot.wording import quoted

#: What people can type for the default vote emojis on a keyboard without emoji.
EMOJI_ALIASES: dict[str, str] = {
    "up": "👍",
    "+1": "👍",
    ":+1:": "👍",
    ":thumbsup:": "👍",
    "down": "👎",
    "-1": "👎",
    ":-1:": "👎",
    ":thumbsdown:": "👎",
    "1": "1️⃣",
    "2": "2️⃣",
    "3": "3️⃣",
    "4": "4️⃣",
    "5": "5️⃣",
}

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")

USAGE = """\
Lines you can type (NAME is any member; `mod` and `admin` are moderators):
  as alice /idea submit title:"Oat latte" description:"Creamy and vegan"
  as bob react 👍 3          react on idea #3's card (up, down, 1-5 work too)
  as bob unreact 👍 3        take the reaction back
  as carol answer 2 4        answer prompt #2 (a choice by its number or label; text as typed)
  as alice comment 3         write a message in idea #3's thread
  member dana admin          make dana a moderator (or: member dana role ROLEID, member dana plain)
  replay                     send the previous event again, with the same id (changes nothing)
  advance 2h                 move the clock on 2 hours (or 30m, 1d): the scheduler runs what
                             falls due, so you can rehearse a schedule (until you restart)
  help                       this text; `/cocreate help` lists the bot's commands
  quit                       leave
Without `as NAME`, the last member acts again."""


@dataclass(frozen=True, slots=True)
class Command:
    topic: str
    text: str


@dataclass(frozen=True, slots=True)
class React:
    emoji: str
    idea_id: int
    added: bool = True


@dataclass(frozen=True, slots=True)
class Answer:
    prompt_id: int
    values: tuple[str, ...]
    #: everything after the prompt number as typed (one quoted value: without its quotes)
    text: str = ""


@dataclass(frozen=True, slots=True)
class Comment:
    idea_id: int


@dataclass(frozen=True, slots=True)
class Replay:
    pass


@dataclass(frozen=True, slots=True)
class Advance:
    delta: timedelta


@dataclass(frozen=True, slots=True)
class Declare:
    """``member NAME admin|role ROLEID|plain``: who is a moderator or holds which role."""

    name: str
    admin: bool | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Nothing:
    """A blank line, a comment (``# ...``) or a bare ``as NAME`` that only switches actor."""

    comment: str = ""


Action = Command | React | Answer | Comment | Replay | Advance | Declare | Help | Quit | Nothing


@dataclass(frozen=True, slots=True)
class Line:
    actor: str | None
    action: Action


def parse_line(text: str) -> Line:
    """Parse one line; raise ``UserError`` with a hint when it cannot be read."""
    text = text.strip()
    if not text:
        return Line(None, Nothing())
    if text.startswith("#"):
        return Line(None, Nothing(comment=text[1:].strip()))
    actor: str | None = None
    head, _, rest = text.partition(" ")
    if head.lower() == "as":
        name, _, rest = rest.strip().partition(" ")
        name = name.rstrip(":")
        if not _NAME.match(name):
            raise UserError("After `as`, give a member name (letters, digits, - _ .).")
        actor, text = name.lower(), rest.strip()
    return Line(actor, _action(text))


def _action(text: str) -> Action:
    if not text:
        return Nothing()
    if text.startswith("/"):
        topic, _, rest = text[1:].partition(" ")
        if not topic:
            raise UserError("Write a command after the slash, e.g. `/idea list`.")
        return Command(topic.lower(), rest.strip())
    verb, _, rest = text.partition(" ")
    if verb.lower() == "answer":
        return _answer(rest.strip())
    words = _words(text)
    verb, args = words[0].lower(), words[1:]
    if verb in ("react", "unreact"):
        if len(args) != 2:
            raise UserError(f"Usage: {verb} EMOJI IDEA, e.g. `{verb} 👍 3`.")
        emoji = EMOJI_ALIASES.get(args[0].lower(), args[0])
        return React(emoji, _number(args[1], "idea"), added=verb == "react")
    if verb == "comment":
        if len(args) != 1:
            raise UserError("Usage: comment IDEA, e.g. `comment 3`.")
        return Comment(_number(args[0], "idea"))
    if verb == "member":
        return _declare(args)
    if verb == "advance":
        if not args:
            raise UserError("Usage: advance DURATION, e.g. `advance 2h`.")
        return Advance(parse_duration(" ".join(args), limit=None))
    simple: dict[str, Action] = {"replay": Replay(), "help": Help(), "quit": Quit(), "exit": Quit()}
    if verb in simple and not args:
        return simple[verb]
    raise UserError(f"I don't know {quoted(words[0][:30])}. Type `help` for what you can do.")


def _answer(rest: str) -> Answer:
    """``answer PROMPT VALUE...``: the values for a choice, and the whole text as typed for a
    free-text answer, so `answer 5 cinnamon rolls please` (or `it's great`) needs no quotes."""
    number, _, typed = rest.partition(" ")
    typed = typed.strip()
    if not number or not typed:
        raise UserError("Usage: answer PROMPT ANSWER, e.g. `answer 2 4` or `answer 3 Yes please`.")
    try:
        values = tuple(shlex.split(typed))
    except ValueError:  # an apostrophe in free text is not an unclosed quote
        values = tuple(typed.split())
    if len(values) == 1 and typed[0] in "\"'" and typed[-1] == typed[0]:
        typed = values[0]  # one quoted value: the quotes only grouped the words
    return Answer(_number(number, "prompt"), values, typed)


def _declare(args: list[str]) -> Declare:
    usage = "Usage: member NAME admin | member NAME role ROLEID | member NAME plain."
    if len(args) < 2 or not _NAME.match(args[0]):
        raise UserError(usage)
    name, kind = args[0].lower(), args[1].lower()
    if kind == "admin" and len(args) == 2:
        return Declare(name, admin=True)
    if kind == "plain" and len(args) == 2:
        return Declare(name, admin=False)
    if kind == "role" and len(args) == 3:
        return Declare(name, role=args[2])
    raise UserError(usage)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        raise UserError("A quote is not closed. Put quotes around text with spaces.") from None


def _number(text: str, what: str) -> int:
    cleaned = text.lstrip("#")
    if not cleaned.isdecimal() or int(cleaned) < 1:
        raise UserError(f"{quoted(text[:20])} is not a {what} number (try 3 or #3).")
    return int(cleaned)
