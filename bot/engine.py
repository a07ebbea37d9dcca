"""The engine: one entry point for every neutral inbound event.

Each event is handled in one transaction that first claims its platform event id, so a replayed
or retried delivery changes nothing. Platform I/O (posting cards, DMs) runs after the commit.
A ``UserError`` rolls everything back and becomes a friendly private reply.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.clock import Clock
from bot.commands.spec import SQL_INT_MAX, Registry, coerce_options
from bot.context import Context
from bot.errors import PermissionDenied, StorageError, UserError
from bot.events import (
    Actor,
    AutocompleteRequested,
    CommandInvoked,
    HomeRequested,
    InboundEvent,
    PromptAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadMessagePosted,
)
from bot.metrics import Metrics
from bot.ports import Storage, UnitOfWork
from bot.replies import Reply
from bot.services.batcher import Batcher
from bot.services.home import HomeService
from bot.services.ideas import IdeaService
from bot.services.prompts import PromptService
from bot.services.suggest import suggest
from bot.services.voting import VotingService
from bot.text_clean import clean_text, one_line

log = logging.getLogger(__name__)

StepFn = Callable[[Context], Awaitable[Reply]]

FAILURE_TEXT = "Sorry, something went wrong on our side and nothing was changed. Please try again."
STORAGE_TEXT = "Sorry, I could not save that right now, so nothing was changed. Please try again."


def moderators_only(path: str) -> str:
    return f"`/{path}` is for moderators (the moderator role or Manage Server)."


def community_platform(community_id: str) -> str:
    return community_id.split(":", 1)[0] if ":" in community_id else "console"


class Engine:
    def __init__(
        self,
        storage: Storage,
        registry: Registry,
        voting: VotingService,
        ideas: IdeaService,
        prompts: PromptService,
        clock: Clock,
        metrics: Metrics,
        max_batch: int = 1000,
    ) -> None:
        self.storage = storage
        self.registry = registry
        self.voting = voting
        self.ideas = ideas
        self.prompts = prompts
        self.clock = clock
        self.metrics = metrics
        self.home = HomeService(storage, clock)
        self.votes: Batcher[ReactionAdded | ReactionRemoved, Reply] = Batcher(
            self._vote_batch, max_batch
        )

    async def _vote_batch(self, events: list[ReactionAdded | ReactionRemoved]) -> list[Reply]:
        """One transaction for a batch of reactions; its after-commit work once it is durable."""
        self.metrics.observe("cocreate_vote_batch_size", len(events))
        return await self.voting.apply_batch(events)

    async def close(self) -> None:
        await self.votes.close()

    async def handle(self, event: InboundEvent) -> Reply:
        """A reaction is queued for its batch before this first suspends, so adapters that start
        one task per reaction, in arrival order, keep that order (tests/e2e/test_vote_order.py)."""
        kind = type(event).__name__
        metrics = self.metrics
        started = time.perf_counter()
        outcome = "ok"
        try:
            reply = await self._dispatch(event)
            if not reply.ok:
                outcome = "refused"
            elif reply.ignored:
                outcome = "ignored"
            return reply
        except UserError as exc:
            outcome = "refused"
            return Reply.error(exc.message)
        except StorageError as exc:
            outcome = "error"
            metrics.inc("cocreate_errors_total", kind=kind)
            log.error("storage error", extra={"event": kind, "error": str(exc)})
            return Reply.error(STORAGE_TEXT)
        except Exception:
            outcome = "error"
            metrics.inc("cocreate_errors_total", kind=kind)
            log.exception("handler failed", extra={"event": kind})
            return Reply.error(FAILURE_TEXT)
        finally:
            metrics.inc("cocreate_events_handled_total", type=kind, outcome=outcome)
            metrics.observe(
                "cocreate_handler_latency_seconds", time.perf_counter() - started, type=kind
            )

    async def _dispatch(self, event: InboundEvent) -> Reply:
        if event.actor.is_bot:
            return Reply.nothing()
        name = one_line(event.actor.display_name)
        if name != event.actor.display_name:  # a display name is member-written text too
            event = replace(event, actor=replace(event.actor, display_name=name))
        match event:
            case CommandInvoked():
                return await self._command(event)
            case ReactionAdded() | ReactionRemoved():
                return await self.votes.submit(event)
            case PromptAnswered() if not 0 < event.prompt_id <= SQL_INT_MAX:
                raise UserError(f"There is no prompt #{event.prompt_id}.")
            case PromptAnswered():
                prompts = self.prompts
                # member-written text enters here (and in coerce_options): cleaned once
                values = tuple(clean_text(v) for v in event.values)
                typed = None if event.text is None else one_line(event.text)
                return await self.run(
                    event.actor,
                    event.event_id,
                    "prompt_answered",
                    "",
                    lambda ctx: prompts.answer(ctx, event.prompt_id, values, typed),
                )
            case AutocompleteRequested():
                return await self._suggest(event)
            case HomeRequested():
                return Reply(silent=True, home=await self.home.view(event.actor))
            case ThreadMessagePosted():
                if not await self._in_idea_thread(event):
                    return Reply.nothing()  # another thread: nothing claimed, nothing written
                ideas = self.ideas
                return await self.run(
                    event.actor,
                    event.event_id,
                    "thread_message",
                    event.channel_id,
                    lambda ctx: ideas.thread_comment(ctx, event.thread_id),
                )
        raise TypeError(f"unknown event {event!r}")  # pragma: no cover

    async def _in_idea_thread(self, event: ThreadMessagePosted) -> bool:
        """Adapters pass every thread message on; only an idea's discussion thread counts."""
        storage = self.storage
        async with storage.transaction():
            idea = await storage.ideas.by_thread(event.community_id, event.thread_id)
        return idea is not None

    async def _suggest(self, event: AutocompleteRequested) -> Reply:
        storage = self.storage
        async with storage.transaction():
            choices = await suggest(
                storage, event.actor, event.kind, event.prefix, self.clock.now()
            )
        return Reply(silent=True, choices=tuple(choices))

    async def _command(self, event: CommandInvoked) -> Reply:
        command = self.registry.get(event.topic, event.verb)
        if command is None:
            raise UserError(f"Unknown command /{event.topic} {event.verb}. Try `/cocreate help`.")
        options = coerce_options(command, event.options)
        if command.prepare is not None:
            # platform I/O that must come first (a recount before a close): never inside the
            # transaction, and only for someone who may run the command
            if command.moderator:
                async with self.storage.transaction() as work:
                    ctx = await self.context(event.actor, event.channel_id, event.event_id, work)
                if not ctx.is_moderator:
                    raise PermissionDenied(moderators_only(command.path))
            await command.prepare(event.community_id, options)

        async def step(ctx: Context) -> Reply:
            if command.moderator and not ctx.is_moderator:
                raise PermissionDenied(moderators_only(command.path))
            ctx.via = event.via
            return await command.handler(ctx, **options)

        return await self.run(
            event.actor, event.event_id, f"command:{command.path}", event.channel_id, step
        )

    async def context(
        self, actor: Actor, channel_id: str, event_id: str, work: UnitOfWork
    ) -> Context:
        storage = self.storage
        now = self.clock.now()
        await storage.communities.ensure(
            actor.community_id, community_platform(actor.community_id), now
        )
        settings = await storage.communities.settings(actor.community_id)
        return Context(actor, channel_id, now, settings, event_id, work)

    async def run(
        self, actor: Actor, event_id: str, kind: str, channel_id: str, step: StepFn
    ) -> Reply:
        """Claim the event id and run ``step`` in one transaction (whose unit of work runs the
        after-commit work once it is durable)."""
        storage = self.storage
        async with storage.transaction() as work:
            ctx = await self.context(actor, channel_id, event_id, work)
            if not await storage.events.claim(actor.community_id, event_id, kind, ctx.now):
                log.info("duplicate event ignored", extra={"event_id": event_id, "kind": kind})
                return Reply.nothing()
            if actor.display_name:
                await storage.members.touch(
                    actor.community_id, actor.member_id, actor.display_name, ctx.now
                )
            reply = await step(ctx)
        if ctx.finish is not None:
            reply = await ctx.finish(reply)
        return reply
