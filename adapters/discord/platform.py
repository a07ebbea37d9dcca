"""The engine's ``Platform`` port on Discord: cards, posts, DMs and reaction recounts.

Every call goes through discord.py's HTTP client, so its rate limiter (buckets, 429 with
retry-after, the global limit) is always in the path. Failures the engine should hear about
become ``DeliveryError``; the engine logs them and carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from adapters import chartimage
from adapters.discord import ids, render
from adapters.discord import limits as L
from adapters.discord import translate as tr
from bot.errors import DeliveryError
from bot.events import Actor
from bot.ports import PostedCard, ReactionSeen
from bot.replies import IdeaCard, Message

log = logging.getLogger(__name__)
T = TypeVar("T")


async def delivered(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run a Discord call; anything Discord refuses becomes a DeliveryError."""
    try:
        return await call()
    except discord.Forbidden as exc:
        raise DeliveryError(f"{what}: missing access ({exc.text or exc.status})") from exc
    except discord.NotFound as exc:
        raise DeliveryError(f"{what}: not found") from exc
    except discord.HTTPException as exc:
        raise DeliveryError(f"{what}: Discord said {exc.status} {exc.text}") from exc
    except ValueError as exc:  # an id that is not a snowflake
        raise DeliveryError(f"{what}: {exc}") from exc


async def with_chart(
    what: str, rendered: render.Rendered, send: Callable[[render.Rendered], Awaitable[T]]
) -> T:
    """Send a message with its chart picture; if Discord refuses it (no Attach Files
    permission, an upload too large), send it again without the picture, so the text and the
    table still go out. Nothing was posted by the refused request, so the nonce is reused."""
    if rendered.chart is None:
        return await delivered(what, lambda: send(rendered))
    try:
        return await send(rendered)
    except discord.HTTPException as exc:
        log.warning(
            "chart not sent; sending the message without it",
            extra={"status": exc.status, "error": str(exc.text)[:200]},
        )
    return await delivered(what, lambda: send(rendered.without_chart()))


def snowflake(value: str, what: str) -> int:
    if not value.isdecimal():
        raise DeliveryError(f"{what} {value!r} is not a Discord id")
    return int(value)


class DiscordPlatform:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    # -- cards ---------------------------------------------------------------------------
    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        """With a ``key``, the card message carries a nonce derived from it, as in ``send``, and
        a card handed back that way keeps the thread it already has. (A forum post cannot carry
        a nonce: a resend after a crash there can make a second post.)"""
        channel = await self._channel(channel_id)
        embed = render.card_embed(card)
        name = L.one_line(f"#{card.idea_id} {card.title}", L.THREAD_NAME)
        if isinstance(channel, discord.ForumChannel):
            created = await delivered(
                "forum post",
                lambda: channel.create_thread(
                    name=name, embed=embed, allowed_mentions=render.NO_PINGS
                ),
            )
            thread, message = created.thread, created.message
            await self._add_votes(message, card.vote_emojis)
            return PostedCard(str(thread.id), str(message.id), str(thread.id), thread.jump_url)
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError(f"channel {channel_id} cannot hold idea cards")
        kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": render.NO_PINGS}
        if key is not None:
            kwargs["nonce"] = ids.send_nonce(channel_id, key)
        message = await delivered("idea card", lambda: channel.send(**kwargs))
        await self._add_votes(message, card.vote_emojis)
        thread_id: str | None = None
        thread_url: str | None = None
        if message.thread is not None:  # the card came back from an earlier attempt
            thread_id, thread_url = str(message.thread.id), message.thread.jump_url
        elif not isinstance(channel, discord.Thread):  # no threads inside threads
            try:
                thread = await message.create_thread(name=name)
                thread_id, thread_url = str(thread.id), thread.jump_url
            except discord.HTTPException as exc:
                log.warning(
                    "idea thread not created", extra={"idea": card.idea_id, "error": str(exc)}
                )
        return PostedCard(channel_id, str(message.id), thread_id, thread_url)

    async def _add_votes(self, message: discord.Message, emojis: tuple[str, ...]) -> None:
        """Members vote by clicking the bot's reactions; without Add Reactions they still can
        vote by adding their own, so a refusal here is logged, not raised."""
        for emoji in emojis:
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException as exc:
                log.warning("vote emoji not added", extra={"emoji": emoji, "error": str(exc)})

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        # a partial message edits without fetching: one request per coalesced edit
        channel = self.client.get_partial_messageable(snowflake(channel_id, "channel"))
        partial = channel.get_partial_message(snowflake(message_id, "message"))
        embed = render.card_embed(card)
        await delivered(
            "card edit", lambda: partial.edit(embed=embed, allowed_mentions=render.NO_PINGS)
        )

    # -- posts and DMs -------------------------------------------------------------------
    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        """With a ``key``, a nonce derived from it makes Discord hand back the message already
        posted instead of a second copy (only within its dedupe window of a few minutes)."""
        channel = self.client.get_partial_messageable(snowflake(channel_id, "channel"))
        nonce: dict[str, Any] = {} if key is None else {"nonce": ids.send_nonce(channel_id, key)}
        rendered = render.message(message, chart_png=await chartimage.drawn(message.chart))
        sent = await with_chart(
            "channel post", rendered, lambda r: channel.send(**(r.kwargs() | nonce))
        )
        return str(sent.id)

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        user = discord.Object(snowflake(member_id, "member"))
        dm = await delivered("DM channel", lambda: self.client.create_dm(user))
        nonce: dict[str, Any] = {} if key is None else {"nonce": ids.send_nonce(str(dm.id), key)}
        rendered = render.message(message, chart_png=await chartimage.drawn(message.chart))
        await with_chart("DM", rendered, lambda r: dm.send(**(r.kwargs() | nonce)))

    # -- recount -------------------------------------------------------------------------
    async def fetch_reactions(
        self, community_id: str, channel_id: str, message_id: str
    ) -> list[ReactionSeen]:
        channel = self.client.get_partial_messageable(snowflake(channel_id, "channel"))
        message = await delivered(
            "card", lambda: channel.fetch_message(snowflake(message_id, "message"))
        )
        guild_id = community_id.split(":", 1)[1]
        members: dict[int, Actor] = {}
        seen: list[ReactionSeen] = []
        for reaction in message.reactions:
            emoji = str(reaction.emoji)
            users = await delivered("reactions", lambda r=reaction: _users(r))  # type: ignore[misc]
            for user in users:
                if user.bot:
                    continue
                if user.id not in members:
                    members[user.id] = await self._actor(guild_id, user)
                seen.append(ReactionSeen(members[user.id], emoji))
        return seen

    async def _actor(self, guild_id: str, user: discord.abc.User) -> Actor:
        """The voter with roles and join date when the server still has them as a member, so
        a recount applies the same eligibility rules as a live vote."""
        guild = self.client.get_guild(int(guild_id))
        member: discord.Member | None = None
        if guild is not None:
            member = guild.get_member(user.id)
            if member is None:
                try:
                    member = await guild.fetch_member(user.id)
                except discord.HTTPException:
                    member = None
        base: dict[str, Any] = {"id": str(user.id), "username": user.name, "bot": user.bot}
        if member is None:
            return tr.actor(guild_id, base, None, admin=False)
        payload = {
            "roles": [str(r.id) for r in member.roles if not r.is_default()],
            "joined_at": member.joined_at.isoformat() if member.joined_at else None,
            "nick": member.display_name,
        }
        admin = member.guild_permissions.manage_guild
        return tr.actor(guild_id, base, payload, admin=admin)

    async def _channel(self, channel_id: str) -> Any:
        cid = snowflake(channel_id, "channel")
        channel = self.client.get_channel(cid)
        if channel is None:
            channel = await delivered("channel", lambda: self.client.fetch_channel(cid))
        return channel


async def _users(reaction: discord.Reaction) -> list[discord.abc.User]:
    return [user async for user in reaction.users(limit=None)]
