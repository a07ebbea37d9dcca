"""The Discord adapter: connects discord.py, turns what members do into neutral events for the
sink, and carries out what the engine's replies ask of Discord (answers, removed reactions).

Gateway events (reactions, thread messages) go through one queue in arrival order. The adapter
does not wait for one event's commit before handing on the next: each event is delivered by its
own task, started in arrival order, and the engine queues a reaction for its batch in the first
step of that task, so reactions that arrive together share a batch and a member's add → remove →
add reaches the engine in that order. Each event's reply (a refused reaction taken off, a private
note) is carried out by its task once its batch has committed. Thread messages are delivered one
after another. Interactions are answered directly, since each has its own three-second deadline.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord import endpoints, ids, interactions
from adapters.discord import limits as L
from adapters.discord import translate as tr
from adapters.discord.client import make_client
from adapters.discord.commands import build_tree
from adapters.discord.platform import DiscordPlatform
from bot.commands.spec import Command, Option, Registry
from bot.errors import DeliveryError
from bot.events import InboundEvent, ReactionAdded, ReactionRemoved, ThreadMessagePosted
from bot.ports.adapter import Sink
from bot.replies import Message, Reply
from bot.startup import PlatformUnavailable, reason

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0
AUTOCOMPLETE_BUDGET = 2.5
#: gateway events being handled at once (a reaction waits for its batch, then its reply); the
#: queue holds the rest, so a huge burst does not become a huge number of tasks. Twice the
#: engine's largest batch, so the next batch gathers while one commits.
MAX_IN_FLIGHT = 2000
#: how long stop() lets events already received finish before it gives up on them
DRAIN_TIMEOUT = 5.0
Queued = tuple[str, dict[str, Any], str]


class DiscordAdapter:
    def __init__(
        self,
        token: str,
        registry: Registry,
        *,
        api_base_url: str | None = None,
        gateway_url: str | None = None,
        guild_ids: list[str] | None = None,
        shard_count: int | None = None,
        shard_ids: list[int] | None = None,
        defer_after: float = interactions.DEFER_AFTER,
        ready_timeout: float = READY_TIMEOUT,
        guild_ready_timeout: float = 2.0,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._token = token
        self.registry = registry
        self._endpoints = (api_base_url, gateway_url)
        self.guild_ids = [int(g) for g in guild_ids or ()]
        self.defer_after = defer_after
        self.ready_timeout = ready_timeout
        self.client: Any = make_client(shard_count, list(shard_ids or ()), guild_ready_timeout)
        self.tree: app_commands.CommandTree[Any] = build_tree(
            self.client, registry, self._on_command, self._on_autocomplete
        )
        self._platform = DiscordPlatform(self.client)
        self._sink: Sink | None = None
        self._queue: asyncio.Queue[Queued] = asyncio.Queue()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._last_message: asyncio.Task[None] | None = None  # thread messages go in order
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._restore = lambda: None

    name = "discord"

    @property
    def platform(self) -> DiscordPlatform:
        return self._platform

    @property
    def connected(self) -> bool:
        return bool(self.client.gateway_connected)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, sink: Sink) -> None:
        """Log in, publish the slash commands, connect, and return once the gateway is ready.

        Raises ``PlatformUnavailable`` with the operator's sentence when Discord refuses the
        token or cannot be reached."""
        api, gateway = self._endpoints
        try:
            await self._start(sink)
        except discord.LoginFailure as exc:
            raise PlatformUnavailable(
                "Discord refused DISCORD_TOKEN; copy the bot token again from the Developer "
                "Portal (Bot → Reset Token)."
            ) from exc
        except discord.HTTPException as exc:
            raise PlatformUnavailable(
                f"Discord answered {exc.status} while the bot was starting "
                f"({exc.text or 'no reason given'}); check DISCORD_TOKEN and the bot's "
                "permissions."
            ) from exc
        except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
            where = api or "the Discord API"
            raise PlatformUnavailable(
                f"Discord cannot be reached at {where} ({reason(exc)}); check the network and "
                "DISCORD_API_BASE_URL."
            ) from exc
        except (TimeoutError, discord.ConnectionClosed) as exc:
            where = gateway or "Discord's gateway"
            raise PlatformUnavailable(
                f"The bot logged in but could not connect to {where} ({reason(exc)}); check "
                "DISCORD_GATEWAY_URL and the network."
            ) from exc

    async def _start(self, sink: Sink) -> None:
        self._sink = sink
        self._restore = endpoints.apply(*self._endpoints)
        self.client.install_tap(self._on_gateway)
        self.client.interaction_handler = self._on_interaction
        await self.client.login(self._token)
        await self.sync_commands()
        self._spawn(self._work())
        self._runner = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._runner}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._runner in done:
                self._runner.result()  # raises why the connection failed
            raise TimeoutError("the Discord gateway did not become ready in time")

    async def sync_commands(self) -> None:
        """DISCORD_GUILD_IDS: copy the commands to those servers, where changes show at once
        (for development); otherwise publish them globally, as Discord intends."""
        if self.guild_ids:
            for guild_id in self.guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def stop(self) -> None:
        try:
            await self.client.close()
            if self._runner is not None:
                await asyncio.gather(self._runner, return_exceptions=True)
            # nothing new arrives now: let the events already received finish
            try:
                await asyncio.wait_for(self._queue.join(), DRAIN_TIMEOUT)
            except TimeoutError:
                log.warning("gateway events still in flight at shutdown")
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._restore()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _send(self, event: InboundEvent) -> Reply:
        assert self._sink is not None, "started without a sink"
        return await self._sink(event)

    # -- gateway events ------------------------------------------------------------------
    def _on_gateway(
        self, name: str, data: dict[str, Any], session: str | None, seq: int | None
    ) -> None:
        """Runs inside discord.py's receive loop: stamp the event id now, act later, in order."""
        self._queue.put_nowait((name, data, ids.gateway_event(session, seq, uuid.uuid4().hex)))

    async def _work(self) -> None:
        """Translate each gateway event in arrival order and start its delivery at once, without
        waiting for earlier ones to commit: at most ``MAX_IN_FLIGHT`` at once, the rest wait in
        the queue. What is not for the engine (a plain channel's message) is dropped here."""
        while True:
            name, data, event_id = await self._queue.get()
            try:
                event = self._translate(name, data, event_id)
            except Exception:
                log.exception("gateway event not understood", extra={"dispatch": name})
                event = None
            if event is None:
                self._queue.task_done()
                continue
            await self._slots.acquire()
            if isinstance(event, ThreadMessagePosted):
                after = self._last_message
                self._last_message = self._spawn(self._deliver(event, after))
            else:
                self._spawn(self._deliver(event, None))

    def _translate(self, name: str, data: dict[str, Any], event_id: str) -> InboundEvent | None:
        if name == "MESSAGE_CREATE":
            return self._thread_message(data)
        return self._reaction(data, event_id, added=name == "MESSAGE_REACTION_ADD")

    async def _deliver(self, event: InboundEvent, after: asyncio.Task[None] | None) -> None:
        """One event, in its own task. A reaction reaches the engine in the task's first step
        (nothing is awaited before the sink), so tasks started in arrival order queue their
        reactions in that order; a thread message first waits for the one before it."""
        try:
            if after is not None:
                await asyncio.wait({after})
            reply = await self._send(event)
            if isinstance(event, ReactionAdded | ReactionRemoved):
                await self._carry_out(event, reply)
        except Exception:
            log.exception("gateway event failed", extra={"event": type(event).__name__})
        finally:
            self._slots.release()
            self._queue.task_done()  # lets a caller wait for every queued event (join)

    def _reaction(
        self, data: dict[str, Any], event_id: str, *, added: bool
    ) -> ReactionAdded | ReactionRemoved | None:
        """Every reaction goes to the engine, which knows the cards and their vote emojis."""
        user = self.client.get_user(int(data["user_id"])) if data.get("user_id") else None
        return tr.reaction(
            data,
            added=added,
            event_id=event_id,
            bot_id=str(self.client.user.id),
            admin=self._is_admin(data),
            known_bot=bool(user and user.bot),
        )

    async def _carry_out(self, event: ReactionAdded | ReactionRemoved, reply: Reply) -> None:
        """What the engine's reply asks of Discord, once the reaction's batch has committed:
        take a reaction off, tell the member why."""
        if not isinstance(event, ReactionAdded):
            if not reply.ok and reply.text:  # a removal refused (a closed round): say why
                await self._tell(event, reply.text)
            return
        if not reply.ok and reply.remove_reaction:
            await self._refuse(event, reply.text)
        elif reply.replaced_emoji:
            await self._take_off(event, reply.replaced_emoji)

    def _is_admin(self, data: dict[str, Any]) -> bool:
        """Reaction payloads carry roles but no permissions: work them out from the cache."""
        guild = self.client.get_guild(int(data["guild_id"]))
        if guild is None:
            return False
        if guild.owner_id == int(data["user_id"]):
            return True
        role_ids = {int(r) for r in (data.get("member") or {}).get("roles") or ()}
        permissions = guild.default_role.permissions.value
        for role in guild.roles:
            if role.id in role_ids:
                permissions |= role.permissions.value
        perms = discord.Permissions(permissions)
        return perms.administrator or perms.manage_guild

    async def _refuse(self, event: ReactionAdded, why: str) -> None:
        """A vote the rules refuse: take the reaction off where the bot may (Manage Messages),
        and tell the member why, privately. Without the permission the reaction stays but is
        not counted; with DMs closed the reason is only logged."""
        await self._take_off(event, event.emoji)
        await self._tell(event, why)

    async def _tell(self, event: ReactionAdded | ReactionRemoved, why: str) -> None:
        try:
            await self._platform.notify(event.community_id, event.actor.member_id, Message(why))
        except DeliveryError as exc:
            log.info(
                "refused vote: member not told",
                extra={"member": event.actor.member_id, "reason": str(exc)},
            )

    async def _take_off(self, event: ReactionAdded, emoji: str) -> None:
        channel = self.client.get_partial_messageable(int(event.channel_id))
        message = channel.get_partial_message(int(event.message_id))
        try:
            await message.remove_reaction(emoji, discord.Object(int(event.actor.member_id)))
        except discord.HTTPException as exc:
            log.info(
                "reaction not removed (Manage Messages missing?)",
                extra={"message": event.message_id, "status": exc.status},
            )

    def _thread_message(self, data: dict[str, Any]) -> ThreadMessagePosted | None:
        """A message in a thread goes to the engine, which knows whether the thread is an
        idea's discussion; messages in plain channels are not discussions at all."""
        if (data.get("author") or {}).get("bot"):
            return None
        channel = self.client.get_channel(int(data["channel_id"]))
        if channel is not None and not isinstance(channel, discord.Thread):
            return None  # a plain channel: not a discussion
        parent = str(channel.parent_id) if isinstance(channel, discord.Thread) else None
        return tr.thread_message(data, parent_id=parent)

    # -- interactions --------------------------------------------------------------------
    async def _on_command(self, interaction: discord.Interaction, spec: Command) -> None:
        payload = self.client.raw_interaction(interaction.id)
        found = tr.command(payload, self.registry) if payload else None
        if found is None:
            await interaction.response.send_message(
                "This command works only in a server.", ephemeral=True
            )
            return
        command, event = found
        if command.form_when_empty and not event.options:
            await interaction.response.send_modal(interactions.command_form(command))
            return
        await interactions.answer(interaction, self._send, event, self.defer_after)

    async def _on_autocomplete(
        self, interaction: discord.Interaction, spec: Command, option: Option
    ) -> list[app_commands.Choice[Any]]:
        payload = self.client.raw_interaction(interaction.id)
        found = tr.autocomplete(payload, self.registry) if payload else None
        if found is None:
            return []
        kind, request = found
        try:
            reply = await asyncio.wait_for(self._send(request), AUTOCOMPLETE_BUDGET)
        except TimeoutError:
            return []
        choices: list[app_commands.Choice[Any]] = []
        for label, value in reply.choices[: L.MAX_CHOICES]:
            name = L.one_line(label, L.CHOICE_NAME)
            if kind == "integer":
                if value.isdecimal():
                    choices.append(app_commands.Choice(name=name, value=int(value)))
            else:
                choices.append(app_commands.Choice(name=name, value=value[: L.CHOICE_VALUE]))
        return choices

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons, select menus and forms, routed by custom id: no registered view is needed,
        so controls on messages posted before a restart keep working."""
        kinds = (discord.InteractionType.component, discord.InteractionType.modal_submit)
        if interaction.type not in kinds:
            return
        payload = self.client.raw_interaction(interaction.id)
        custom_id = str(((payload or {}).get("data") or {}).get("custom_id", ""))
        parsed = ids.parse(custom_id)
        if payload is None or parsed is None:
            return  # not ours
        if parsed.kind == "write":
            question = ""
            if interaction.message is not None and interaction.message.embeds:
                question = interaction.message.embeds[0].description or ""
            await interaction.response.send_modal(
                interactions.answer_form(parsed.prompt_id, question)
            )
            return
        event: InboundEvent | None
        if parsed.kind == "form":
            found = tr.form_command(payload, self.registry)
            event = found[1] if found else None
        else:
            event = tr.prompt_answer(payload)
        if event is None:
            await interaction.response.send_message("This works only in a server.", ephemeral=True)
            return
        await interactions.answer(interaction, self._send, event, self.defer_after)
