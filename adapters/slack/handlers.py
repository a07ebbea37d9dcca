"""Bolt listeners: acknowledge first, then translate, hand to the sink, and show the reply.

Reactions are not serialised: every Events API request runs its own listener, so a burst of
reactions reaches the engine's batcher together. The only wait before the sink is the member
lookup, shared by everyone asking for the same member at once; a member's own reactions pass it
in the order their requests arrived (``InOrder``), so add → remove → add stays in that order.

Slack wants every request acknowledged within 3 seconds. Each listener calls ``ack()`` before
anything slow (the engine, the Web API); the only work before an ack is pure (parsing a form to
show its errors inside the modal) or a read-only query to the engine (autocomplete options, which
must travel in the ack itself). Nothing here reads storage: the App Home is an engine query too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Hashable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from adapters.slack import forms, translate
from adapters.slack.blocks import fallback, plain
from adapters.slack.home import home_blocks
from adapters.slack.members import Directory
from adapters.slack.platform import SlackPlatform
from adapters.slack.respond import Responder
from bot.commands.spec import Registry, coerce_options
from bot.errors import DeliveryError, UserError
from bot.events import Actor, HomeRequested, InboundEvent
from bot.ports.adapter import Sink
from bot.replies import Reply

log = logging.getLogger(__name__)

Body = dict[str, Any]
REFUSED_NOTE = " Slack does not let me take your reaction off, so it is simply not counted."
NOT_READY = "Cocreate is starting up; please try again in a moment."


class InOrder:
    """Lets callers with the same key through one at a time, in the order they arrived (the
    order they entered ``turn``, which takes the place in line before anything suspends)."""

    def __init__(self) -> None:
        self._last: dict[Hashable, asyncio.Future[None]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        before = self._last.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = mine
        try:
            if before is not None:
                await asyncio.shield(before)
            yield
        finally:
            mine.set_result(None)
            if self._last.get(key) is mine:
                del self._last[key]


class Handlers:
    def __init__(
        self,
        registry: Registry,
        platform: SlackPlatform,
        directory: Directory,
    ) -> None:
        self.registry = registry
        self.platform = platform
        self.directory = directory
        self.responder = Responder(platform)
        self.sink: Sink | None = None
        self.inflight = 0
        self._order = InOrder()

    @contextlib.asynccontextmanager
    async def _busy(self) -> AsyncIterator[None]:
        """Counts work still running after the ack (tests and shutdown wait for it)."""
        self.inflight += 1
        try:
            yield
        finally:
            self.inflight -= 1

    async def _handle(self, event: InboundEvent) -> Reply:
        if self.sink is None:
            return Reply.error(NOT_READY)
        return await self.sink(event)

    def _bare(self, body: Body) -> Actor:
        return self._member(translate.team_of(body), translate.user_of(body))

    @staticmethod
    def _member(team: str, user: str) -> Actor:
        return Actor(translate.community_id(team), user)

    async def _actor(self, body: Body) -> Actor:
        return await self.directory.actor(translate.team_of(body), translate.user_of(body))

    # -- slash commands ---------------------------------------------------------------------
    async def command(self, ack: AsyncAck, body: Body, respond: AsyncRespond) -> None:
        async with self._busy():
            await ack()
            team, user = translate.team_of(body), translate.user_of(body)
            try:
                outcome = translate.slash_command(self.registry, body, self._bare(body))
            except UserError as exc:
                await respond(text=fallback(exc.message), response_type="ephemeral")
                return
            if isinstance(outcome, translate.OpenForm):
                view = forms.command_modal(outcome.command, str(body.get("channel_id", "")))
                await self._open(team, str(body.get("trigger_id", "")), view)
                return
            event = dataclasses.replace(outcome, actor=await self._actor(body))
            reply = await self._handle(event)
            await self.responder.show(team, user, reply, event.channel_id, respond)

    async def _open(self, team: str, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            client = await self.platform.clients.for_team(team)
            await client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, DeliveryError) as exc:
            log.warning("views.open failed", extra={"error": str(exc)[:200]})

    # -- Events API -------------------------------------------------------------------------
    async def reaction(self, ack: AsyncAck, body: Body) -> None:
        async with self._busy():
            event = body.get("event") or {}
            team, user = translate.team_of(body), str(event.get("user", ""))
            async with self._order.turn((team, user)):
                await ack()
                actor = await self.directory.actor(team, user)
                neutral = translate.reaction(body, actor)
                if neutral is None:
                    return
                # the engine queues a reaction in the first step of this task, which runs
                # before the member's next reaction is let through
                handled = asyncio.ensure_future(self._handle(neutral))
            reply = await handled
            if not reply.ok and reply.text:
                # a refused vote stays on the card uncounted; a refused removal (a closed
                # round) leaves the vote counted: either way the member is told privately
                added = event.get("type") == "reaction_added"
                text = fallback(reply.text + (REFUSED_NOTE if added else ""))
                await self._private(team, user, neutral.channel_id, text)

    async def message(self, ack: AsyncAck, body: Body) -> None:
        async with self._busy():
            await ack()
            event = body.get("event") or {}
            if not translate.is_thread_reply(event):
                return  # most channel traffic: dropped before any lookup
            actor = await self.directory.actor(translate.team_of(body), str(event["user"]))
            neutral = translate.thread_message(body, actor)
            if neutral is not None:
                await self._handle(neutral)

    async def home_opened(self, ack: AsyncAck, body: Body) -> None:
        async with self._busy():
            await ack()
            event = body.get("event") or {}
            if event.get("tab", "home") != "home":
                return
            await self.publish_home(translate.team_of(body), str(event.get("user", "")))

    async def publish_home(self, team: str, user: str) -> None:
        """The member's page comes from the engine (a read-only query); drawn here."""
        request = HomeRequested(
            f"slack:home:{team}:{user}:{uuid.uuid4().hex}", self._member(team, user)
        )
        reply = await self._handle(request)
        if reply.home is None:
            return  # starting up, or the query failed (logged by the engine)
        try:
            client = await self.platform.clients.for_team(team)
            await client.views_publish(user_id=user, view=home_blocks(reply.home))
        except (SlackApiError, DeliveryError) as exc:
            log.warning("views.publish failed", extra={"error": str(exc)[:200]})

    async def user_change(self, ack: AsyncAck, body: Body) -> None:
        await ack()
        user = (body.get("event") or {}).get("user") or {}
        self.directory.forget(translate.team_of(body), str(user.get("id", "")))

    async def ignore(self, ack: AsyncAck) -> None:
        await ack()

    # -- interactivity ----------------------------------------------------------------------
    async def answer(
        self, ack: AsyncAck, body: Body, action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        async with self._busy():
            await ack()
            team, user = translate.team_of(body), translate.user_of(body)
            neutral = translate.prompt_answer(body, action, await self._actor(body))
            if neutral is None:
                return
            reply = await self._handle(neutral)
            in_home = (body.get("container") or {}).get("type") == "view"
            await self.responder.show(
                team, user, reply, self._channel(body), None if in_home else respond
            )
            if in_home:
                await self.publish_home(team, user)

    async def text_answer_form(self, ack: AsyncAck, body: Body, action: dict[str, Any]) -> None:
        async with self._busy():
            await ack()
            team = translate.team_of(body)
            prompt_id = translate.prompt_id_of(str(action.get("action_id", "")))
            if prompt_id is None:
                return
            # the button carries the question; one posted before it did carries the id only
            question = str(action.get("value") or "")
            if question == str(prompt_id):
                question = "Your answer"
            view = forms.prompt_text_modal(prompt_id, question, self._channel(body))
            await self._open(team, str(body.get("trigger_id", "")), view)

    @staticmethod
    def _channel(body: Body) -> str:
        channel = body.get("channel") or {}
        return str(channel.get("id") or (body.get("container") or {}).get("channel_id") or "")

    async def form(self, ack: AsyncAck, body: Body) -> None:
        async with self._busy():
            try:
                event = translate.form_submission(self.registry, body, self._bare(body))
                command = self.registry.get(event.topic, event.verb)
                assert command is not None
                coerce_options(command, event.options)  # shows mistakes inside the form
            except UserError as exc:
                await ack(response_action="errors", errors=_form_errors(body, exc.message))
                return
            await ack()
            team, user = translate.team_of(body), translate.user_of(body)
            event = dataclasses.replace(event, actor=await self._actor(body))
            reply = await self._handle(event)
            await self.responder.show(team, user, reply, event.channel_id)

    async def text_answer(self, ack: AsyncAck, body: Body) -> None:
        async with self._busy():
            await ack()
            team, user = translate.team_of(body), translate.user_of(body)
            event, channel = translate.prompt_text_submission(body, await self._actor(body))
            reply = await self._handle(event)
            await self.responder.show(team, user, reply, channel)

    async def suggest(self, ack: AsyncAck, body: Body) -> None:
        """Options for a form's external select: read-only, and they must travel in the ack."""
        async with self._busy():
            event = translate.suggestion(body, await self._actor(body))
            reply = await self._handle(event) if event is not None else Reply.nothing()
            options = [
                {"text": plain(label, 75), "value": value[:150]}
                for label, value in reply.choices[:100]
            ]
            await ack(options=options)

    async def _private(self, team: str, user: str, channel: str, text: str) -> None:
        try:
            await self.responder.private(team, user, channel, text)
        except (SlackApiError, DeliveryError) as exc:
            log.warning("could not tell the member", extra={"error": str(exc)[:200]})


def _form_errors(body: Body, message: str) -> dict[str, str]:
    """Slack shows errors under a block: the option the message names, else the first one."""
    blocks = [b.get("block_id", "") for b in (body.get("view") or {}).get("blocks") or []]
    named = [b for b in blocks if b and b in message.lower()]
    target = (named or blocks or ["value"])[0]
    return {target: message[:150]}
