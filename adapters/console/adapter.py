"""The console adapter: act as any member from a terminal or a script, see what the bot posts.

It is a platform like any other: it turns lines into the same neutral events the Discord and
Slack adapters produce, hands them to the sink it was started with, and shows what the engine
replied and what it posted or sent through the in-memory platform since the previous line.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from adapters.console import parse
from adapters.console.render import indent, message_lines, reply_lines, safe
from adapters.memory.platform import MemoryPlatform
from bot.app import App
from bot.clock import Clock, FakeClock, RehearsalClock
from bot.commands.spec import Registry
from bot.commands.text import parse_command
from bot.errors import UserError
from bot.events import (
    Actor,
    CommandInvoked,
    InboundEvent,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)
from bot.ports import PostedCard
from bot.replies import IdeaCard, Message, Reply

COMMUNITY = "console:local"
CHANNEL = "general"
MODERATOR_NAMES = frozenset({"mod", "admin"})
DEFAULT_ACTOR = "admin"

#: lines that are not something a member does, so the echo names no one
_NO_ACTOR = (parse.Advance, parse.Declare, parse.Help, parse.Quit, parse.Replay)

Sink = Callable[[InboundEvent], Awaitable[Reply]]
Settle = Callable[[], Awaitable[None]]
Tick = Callable[[], Awaitable[object]]


def _span(delta: timedelta) -> str:
    """``1 day 2 hours``: how far a rehearsal clock is ahead, in words."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' * (n != 1)}" for n, unit in parts if n]
    return " ".join(words) or "less than a minute"


@dataclass
class ConsolePlatform(MemoryPlatform):
    """The memory platform, also remembering each card's thread so `comment 3` can reach it.

    Message ids carry a mark of this run: a second `make run` on the same database must not
    give a new card the message id of an earlier run's card, or its votes land on that idea."""

    threads: dict[str, str] = field(default_factory=dict)
    run: str = field(default_factory=lambda: f"{uuid.uuid4().hex[:8]}-")

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        posted = await super().post_card(community_id, channel_id, card, key)
        if posted.thread_id is not None:
            self.threads[posted.message_id] = posted.thread_id
        return posted


@dataclass
class Outcome:
    """What one line produced: text to print, whether the engine accepted it, whether to stop."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True
    quit: bool = False


@dataclass
class _Member:
    admin: bool
    roles: set[str] = field(default_factory=set)


class ConsoleSession:
    """Turns console lines into neutral events for one community, and renders the results."""

    def __init__(
        self,
        platform: ConsolePlatform,
        registry: Registry,
        clock: Clock,
        *,
        community_id: str = COMMUNITY,
        channel_id: str = CHANNEL,
        settle: Settle | None = None,
        tick: Tick | None = None,
        echo: bool = False,
        session_id: str | None = None,
    ) -> None:
        self.platform = platform
        self.registry = registry
        self.clock = clock
        self.community_id = community_id
        self.channel_id = channel_id
        self.echo = echo
        self.actor_name = DEFAULT_ACTOR
        self._settle = settle
        #: run after `advance` moves the fake clock: the scheduler's sweep
        self._tick = tick
        self._sink: Sink | None = None
        # event ids must stay unique across runs on the same database, or a restart's first
        # events would be taken for replays and ignored
        self._session = session_id or uuid.uuid4().hex[:8]
        self._ids = itertools.count(1)
        self._members: dict[str, _Member] = {}
        self._last_event: InboundEvent | None = None
        self._reply: Reply | None = None
        self._seen_posts = len(platform.posts)
        self._seen_dms = len(platform.dms)
        self._seen_cards = dict(platform.cards)

    @classmethod
    def for_app(
        cls,
        app: App,
        platform: ConsolePlatform,
        *,
        echo: bool = False,
        session_id: str | None = None,
    ) -> ConsoleSession:
        """A session on a built app: its command model and clock, and card edits flushed after
        each line so the member sees the new tally at once."""
        return cls(
            platform,
            app.registry,
            app.clock,
            settle=app.cards.flush,
            tick=app.scheduler.sweep,
            echo=echo,
            session_id=session_id,
        )

    async def start(self, sink: Sink) -> None:
        """Adapters get a sink, not the engine: everything the console does goes through it."""
        self._sink = sink

    @property
    def started(self) -> bool:
        return self._sink is not None

    # -- one line ---------------------------------------------------------------------------
    async def handle_line(self, text: str) -> Outcome:
        outcome = Outcome()
        self._reply = None
        try:
            line = parse.parse_line(text)
            if line.actor is not None:
                self.actor_name = line.actor
            if self.echo:
                outcome.lines.extend(self._echo(line, text))
            await self._perform(line.action, outcome)
        except UserError as exc:
            outcome.ok = False
            if self.echo and not outcome.lines:  # an unreadable line is still shown as typed
                outcome.lines.append(f"> {safe(text.strip())}")
            outcome.lines.append(f"⚠ {safe(exc.message)}")
        if self._settle is not None:
            await self._settle()
        outcome.lines.extend(self._platform_news())
        return outcome

    def _echo(self, line: parse.Line, text: str) -> list[str]:
        if isinstance(line.action, parse.Nothing):
            return ["", f"# {safe(line.action.comment)}"] if line.action.comment else []
        rest = text.strip()
        if rest.lower().startswith("as "):
            rest = rest[3:].strip().partition(" ")[2].strip()
        if isinstance(line.action, _NO_ACTOR):
            return [f"> {safe(rest)}"]
        return [f"> as {self.actor_name}: {safe(rest)}"]

    async def _perform(self, action: parse.Action, outcome: Outcome) -> None:
        match action:
            case parse.Nothing() | parse.Declare() | parse.Help() | parse.Quit() | parse.Advance():
                self._local(action, outcome)
                if isinstance(action, parse.Advance) and self._tick is not None:
                    await self._tick()  # what fell due in the meantime happens now
            case parse.Replay():
                if self._last_event is None:
                    raise UserError("Nothing to replay yet.")
                reply = await self._send(self._last_event)
                if reply.silent or reply.ignored:
                    outcome.lines.append(
                        f"(replayed event {self._last_event.event_id}: already handled, "
                        "nothing changed)"
                    )
                else:
                    outcome.lines.extend(reply_lines(reply, self.actor_name))
            case _:
                event = self._event(action)
                self._last_event = event
                reply = await self._send(event)
                outcome.ok = reply.ok
                outcome.lines.extend(self._describe(action, reply))

    def _local(self, action: parse.Action, outcome: Outcome) -> None:
        """Lines the console answers itself, without an event."""
        match action:
            case parse.Help():
                outcome.lines.extend(parse.USAGE.split("\n"))
            case parse.Quit():
                outcome.quit = True
            case parse.Declare(name=name, admin=admin, role=role):
                member = self._member(name)
                if admin is True:
                    member.admin = True
                elif admin is False:  # `plain`: neither a moderator nor holding any role
                    member.admin = False
                    member.roles.clear()
                if role is not None:
                    member.roles.add(role)
                kind = "a moderator" if member.admin else "a member"
                roles = f" with roles {', '.join(sorted(member.roles))}" if member.roles else ""
                outcome.lines.append(f"({name} is {kind}{roles})")
            case parse.Advance(delta=delta):
                outcome.lines.append(self._advance(delta))

    def _advance(self, delta: timedelta) -> str:
        """Move the console's clock on (the scheduler's sweep then runs what fell due)."""
        clock = self.clock
        if not isinstance(clock, FakeClock | RehearsalClock):
            raise UserError("`advance` works only in the console, where the clock can be moved.")
        now = clock.advance(delta)
        said = f"(the clock is now {now:%Y-%m-%d %H:%M} UTC"
        if isinstance(clock, RehearsalClock):
            ahead = _span(clock.offset)
            said += f", {ahead} ahead of real time until the console is restarted"
        return said + ")"

    async def _send(self, event: InboundEvent) -> Reply:
        if self._sink is None:
            raise RuntimeError("the console session was not started")
        self._reply = await self._sink(event)
        return self._reply

    # -- events -----------------------------------------------------------------------------
    def _member(self, name: str) -> _Member:
        if name not in self._members:
            self._members[name] = _Member(admin=name in MODERATOR_NAMES)
        return self._members[name]

    def actor(self) -> Actor:
        member = self._member(self.actor_name)
        return Actor(
            community_id=self.community_id,
            member_id=self.actor_name,
            display_name=self.actor_name.capitalize(),
            roles=frozenset(member.roles),
            is_admin=member.admin,
        )

    def _event(self, action: parse.Action) -> InboundEvent:
        event_id = f"console-{self._session}-{next(self._ids)}"
        actor = self.actor()
        match action:
            case parse.Command(topic=topic, text=text):
                parsed = parse_command(self.registry, topic, text)
                command = parsed.command
                return CommandInvoked(
                    event_id, actor, command.topic, command.verb, parsed.options, self.channel_id
                )
            case parse.React(emoji=emoji, idea_id=idea_id, added=added):
                channel, message = self._card_of(idea_id)
                self.platform.member_reacted(message, actor, emoji, added)
                kind = ReactionAdded if added else ReactionRemoved
                return kind(event_id, actor, channel, message, emoji)
            case parse.Answer(prompt_id=prompt_id, values=values, text=typed):
                return PromptAnswered(event_id, actor, prompt_id, values, typed)
            case parse.Comment(idea_id=idea_id):
                channel, message = self._card_of(idea_id)
                thread = self.platform.threads.get(message)
                if thread is None:
                    raise UserError(f"Idea #{idea_id} has no discussion thread.")
                return ThreadMessagePosted(event_id, actor, channel, thread, f"{event_id}-msg")
        raise TypeError(f"not an event: {action!r}")  # pragma: no cover

    def _card_of(self, idea_id: int) -> tuple[str, str]:
        """The channel and message of idea #N's card, as a member would see it on screen."""
        found = [m for m, card in self.platform.cards.items() if card.idea_id == idea_id]
        if not found:
            raise UserError(
                f"Idea #{idea_id} has no card to react on here (it may not exist, or wait for "
                "a moderator's approval)."
            )
        message = found[-1]
        return self.platform.card_channels[message], message

    def _describe(self, action: parse.Action, reply: Reply) -> list[str]:
        who = self.actor_name
        lines = reply_lines(reply, who)
        if isinstance(action, parse.React):
            verb = "react" if action.added else "unreact"
            if reply.remove_reaction:
                _, message = self._card_of(action.idea_id)
                self.platform.member_reacted(message, self.actor(), action.emoji, added=False)
                lines.append(f"(the {action.emoji} is taken off card #{action.idea_id})")
            elif reply.ignored:
                lines.append(f"({verb} {action.emoji} on #{action.idea_id}: no vote changed)")
            elif reply.vote_removed:
                lines.append(f"({who}'s vote on #{action.idea_id} is removed)")
            elif reply.vote is not None:
                replaced = reply.replaced_emoji
                instead = f"; the {replaced} no longer does" if replaced else ""
                lines.append(f"({who}'s {action.emoji} on #{action.idea_id} counts{instead})")
        elif isinstance(action, parse.Comment) and reply.ok and not lines:
            lines.append(f"({who} wrote in idea #{action.idea_id}'s thread)")
        elif not lines and reply.ignored:
            lines.append("(already handled: nothing changed)")
        return lines

    def _unrepeated(self, message: Message) -> list[str]:
        """A post's lines, without the table or prompt the reply just above already showed."""
        reply = self._reply
        if reply is None:
            return message_lines(message)
        if (message.text, message.table, message.prompt) == (reply.text, reply.table, reply.prompt):
            return ["(the same as above, for everyone)"]
        shown = [
            kind
            for kind, mine, theirs in (
                ("table", message.table, reply.table),
                ("prompt", message.prompt, reply.prompt),
            )
            if mine is not None and mine == theirs
        ]
        if not shown:
            return message_lines(message)
        trimmed = replace(
            message,
            table=None if "table" in shown else message.table,
            prompt=None if "prompt" in shown else message.prompt,
        )
        return [*message_lines(trimmed), f"(with the {' and '.join(shown)} shown above)"]

    # -- what the platform saw ----------------------------------------------------------------
    def news(self) -> list[str]:
        """What the bot posted or edited since the last look, for news that comes on its own
        (the scheduler opening or closing a round while nobody types)."""
        return self._platform_news()

    def _platform_news(self) -> list[str]:
        lines: list[str] = []
        for sent in self.platform.posts[self._seen_posts :]:
            where = f"[#{safe(sent.channel_id)}]"
            if sent.message.card is not None and not sent.message.text:
                lines.append(f"{where} new idea card:")
                lines.extend(indent(message_lines(sent.message)))
            else:
                lines.append(where)
                lines.extend(indent(self._unrepeated(sent.message)))
        self._seen_posts = len(self.platform.posts)
        for message_id, card in self.platform.cards.items():
            before = self._seen_cards.get(message_id)
            if before is not None and before != card:
                lines.append(
                    f"(card #{card.idea_id} updated: {safe(card.title)} [{card.status}] · "
                    f"{card.tally})"
                )
        self._seen_cards = dict(self.platform.cards)
        for _, member, message in self.platform.dms[self._seen_dms :]:
            lines.append(f"[DM to {safe(member)}]")
            lines.extend(indent(message_lines(message)))
        self._seen_dms = len(self.platform.dms)
        return lines
