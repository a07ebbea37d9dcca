"""One command model, rendered twice: the Discord adapter builds its app-command tree from it,
the Slack adapter and the console parse command text against it. Nothing about a command is
written twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.errors import UserError
from bot.text_clean import clean_text
from bot.wording import quoted

if TYPE_CHECKING:
    from bot.replies import Reply

#: the largest integer storage can hold (SQLite's 64-bit INTEGER)
SQL_INT_MAX = 2**63 - 1

OptionKind = Literal["string", "text", "integer", "boolean", "member", "choice"]
Autocomplete = Literal["idea", "campaign", "config_key", "reward", "prompt", "redemption"]


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    kind: OptionKind = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    autocomplete: Autocomplete | None = None
    #: the last positional option swallows the rest of the command text ("reason")
    greedy: bool = False


Handler = Callable[..., Awaitable["Reply"]]
#: (community id, options) → platform I/O done before the command's transaction
Prepare = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    topic: str
    verb: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    moderator: bool = False
    #: with no options given, adapters open a form (modal) built from the options instead
    form_when_empty: bool = False
    #: platform I/O to do before the command's transaction (e.g. recount reactions)
    prepare: Prepare | None = None

    @property
    def path(self) -> str:
        return f"{self.topic} {self.verb}"

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def usage(self) -> str:
        parts = [f"/{self.topic} {self.verb}"]
        for opt in self.options:
            parts.append(f"<{opt.name}>" if opt.required else f"[{opt.name}]")
        return " ".join(parts)


@dataclass
class Registry:
    topics: dict[str, str] = field(default_factory=dict)
    commands: dict[tuple[str, str], Command] = field(default_factory=dict)

    def topic(self, name: str, description: str) -> None:
        self.topics[name] = description

    def add(self, command: Command) -> None:
        key = (command.topic, command.verb)
        if key in self.commands:
            raise ValueError(f"command {command.path} registered twice")
        if command.topic not in self.topics:
            raise ValueError(f"unknown topic {command.topic}")
        self.commands[key] = command

    def command(
        self,
        topic: str,
        verb: str,
        description: str,
        *options: Option,
        moderator: bool = False,
        form_when_empty: bool = False,
        prepare: Prepare | None = None,
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.add(
                Command(
                    topic, verb, description, handler, options, moderator, form_when_empty, prepare
                )
            )
            return handler

        return decorate

    def get(self, topic: str, verb: str) -> Command | None:
        return self.commands.get((topic, verb))

    def in_topic(self, topic: str) -> list[Command]:
        return [c for (t, _), c in self.commands.items() if t == topic]

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands.values())


def coerce_options(command: Command, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and convert option values against the command's spec; raise UserError if bad.

    This is where member-written text enters the engine from every platform (typed options,
    command text, forms), so every text is cleaned here (``bot.text_clean``): a text with
    nothing visible in it counts as not given."""
    unknown = set(raw) - {o.name for o in command.options}
    if unknown:
        raise UserError(
            f"`{command.path}` has no option {', '.join(sorted(unknown))}. Usage: {command.usage()}"
        )
    values: dict[str, Any] = {}
    for opt in command.options:
        value = raw.get(opt.name)
        if isinstance(value, str):
            value = clean_text(value)
        if value is None or (value == "" and (opt.kind != "text" or opt.required)):
            if opt.required and value == "":
                raise UserError(
                    f"The {opt.name} you gave is empty: nothing in it can be seen. "
                    f"Usage: {command.usage()}"
                )
            if opt.required:
                raise UserError(
                    f"`/{command.path}` is missing `{opt.name}`. Usage: {command.usage()}"
                )
            continue
        values[opt.name] = _coerce(opt, value)
    return values


def _coerce(opt: Option, value: Any) -> Any:
    if opt.kind in ("string", "text", "member"):
        text = clean_text(str(value))
        if opt.kind == "member":
            text = normalise_member(text)
        if opt.min_length is not None and len(text) < opt.min_length:
            raise UserError(f"{opt.name} must be at least {opt.min_length} characters.")
        if opt.max_length is not None and len(text) > opt.max_length:
            raise UserError(
                f"{opt.name} is {len(text):,} characters; the limit is {opt.max_length:,}."
            )
        return text
    if opt.kind == "integer":
        try:
            number = int(str(value).strip().replace(",", "").lstrip("#"))
        except ValueError:
            raise UserError(
                f"{opt.name} must be a whole number, not {quoted(str(value)[:40])}."
            ) from None
        if not -SQL_INT_MAX <= number <= SQL_INT_MAX:
            raise UserError(f"{opt.name} is far too large a number.")
        if opt.min_value is not None and number < opt.min_value:
            raise UserError(f"{opt.name} must be at least {opt.min_value}.")
        if opt.max_value is not None and number > opt.max_value:
            raise UserError(f"{opt.name} must be at most {opt.max_value:,}.")
        return number
    if opt.kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"yes", "true", "on", "1"}:
            return True
        if text in {"no", "false", "off", "0"}:
            return False
        raise UserError(f"{opt.name} must be yes or no.")
    # choice
    text = str(value).strip().lower().replace(" ", "_")
    if text not in opt.choices:
        raise UserError(f"{opt.name} must be one of: {', '.join(opt.choices)}.")
    return text


def normalise_member(text: str) -> str:
    """Accept a member as an id or as a platform mention (<@123>, <@!123>, <@U123|ana>, @ana)."""
    text = text.strip()
    if text.startswith("<@") and text.endswith(">"):
        inner = text[2:-1].lstrip("!")
        return inner.split("|", 1)[0]
    return text.lstrip("@")
