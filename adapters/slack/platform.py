"""The engine's ``Platform`` port over the Slack Web API.

Cards are Block Kit messages; the bot adds the vote reactions itself; a card's thread is the
message's own thread (its ``ts``). DMs go through ``conversations.open``. Every Slack error
becomes a ``DeliveryError``, which the engine logs and counts without failing the action.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters import chartimage
from adapters.slack import blocks
from adapters.slack.clients import SlackClients, team_of_community
from adapters.slack.emoji import to_name, to_unicode
from adapters.slack.members import Directory
from bot.errors import DeliveryError
from bot.ports import PostedCard, ReactionSeen
from bot.replies import Attachment, Chart, IdeaCard, Message

log = logging.getLogger(__name__)

#: reactions.add errors that mean "nothing to do"
_HARMLESS = frozenset({"already_reacted"})
#: the message metadata event type that marks a message sent from the outbox with its key
OUTBOX_EVENT = "cocreate_outbox"
#: how far back a resend looks for its first copy (the outbox resends within minutes)
HISTORY_LIMIT = 50


def outbox_metadata(key: str) -> dict[str, Any]:
    return {"event_type": OUTBOX_EVENT, "event_payload": {"key": key}}


def posted_with_key(history: list[dict[str, Any]], key: str) -> str | None:
    """The ts of the message in ``history`` that an earlier attempt posted with ``key``."""
    for message in history:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == OUTBOX_EVENT and payload.get("key") == key:
            return str(message["ts"])
    return None


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or exc)


class SlackPlatform:
    def __init__(self, clients: SlackClients, directory: Directory) -> None:
        self.clients = clients
        self.directory = directory
        self._dm_channels: dict[tuple[str, str], str] = {}

    async def _client(self, community_id: str) -> tuple[str, AsyncWebClient]:
        team = team_of_community(community_id)
        return team, await self.clients.for_team(team)

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        """With a ``key``, the card carries it as message metadata and a resend first looks for
        it in the channel's recent history, as ``send`` does."""
        _, client = await self._client(community_id)
        earlier = None if key is None else await self._already_posted(client, channel_id, key)
        if earlier is not None:
            log.info("idea card already posted", extra={"key": key, "ts": earlier})
            ts, channel = earlier, channel_id
        else:
            extra = {"metadata": outbox_metadata(key)} if key is not None else {}
            try:
                posted = await self._post_joining(
                    client,
                    channel=channel_id,
                    text=blocks.card_fallback(card),
                    blocks=blocks.card_blocks(card),
                    **extra,
                )
            except SlackApiError as exc:
                raise DeliveryError(f"chat.postMessage failed: {_error(exc)}") from exc
            ts = str(posted["ts"])
            channel = str(posted.get("channel") or channel_id)
        for emoji in card.vote_emojis:
            await self._add_reaction(client, channel, ts, emoji)
        return PostedCard(channel, ts, ts, await self._permalink(client, channel, ts))

    async def _post_joining(self, client: AsyncWebClient, **message: Any) -> Any:
        """chat.postMessage; in a public channel the bot is not in yet, join it and retry
        (reactions and thread replies need membership, not only chat:write.public)."""
        try:
            return await client.chat_postMessage(unfurl_links=False, unfurl_media=False, **message)
        except SlackApiError as exc:
            if _error(exc) != "not_in_channel":
                raise
        await client.conversations_join(channel=message["channel"])
        return await client.chat_postMessage(unfurl_links=False, unfurl_media=False, **message)

    async def _add_reaction(
        self, client: AsyncWebClient, channel: str, ts: str, emoji: str
    ) -> None:
        name = to_name(emoji)
        if name is None:
            log.warning("vote emoji has no Slack name; add it to the table", extra={"e": emoji})
            return
        try:
            await client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if _error(exc) not in _HARMLESS:
                log.warning("reactions.add failed", extra={"error": _error(exc), "emoji": name})

    async def _permalink(self, client: AsyncWebClient, channel: str, ts: str) -> str | None:
        try:
            found = await client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            return None
        return str(found.get("permalink") or "") or None

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        _, client = await self._client(community_id)
        try:
            await client.chat_update(
                channel=channel_id,
                ts=message_id,
                text=blocks.card_fallback(card),
                blocks=blocks.card_blocks(card),
            )
        except SlackApiError as exc:
            raise DeliveryError(f"chat.update failed: {_error(exc)}") from exc

    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        """Slack has no idempotency key for chat.postMessage, so a message with a ``key``
        carries it as message metadata, and a resend first looks for it in the channel's
        recent history. A file-only message has no metadata to carry and is just posted."""
        _, client = await self._client(community_id)
        if key is None or not blocks.message_blocks(message):
            return await self.post(client, channel_id, message)
        earlier = await self._already_posted(client, channel_id, key)
        if earlier is not None:
            log.info("outbox message already posted", extra={"key": key, "ts": earlier})
            return earlier
        return await self.post(client, channel_id, message, metadata=outbox_metadata(key))

    async def _already_posted(
        self, client: AsyncWebClient, channel_id: str, key: str
    ) -> str | None:
        """The ts of an earlier attempt's message, or None. A history we cannot read (a
        private channel the bot is not in, a missing scope) means posting anyway: better a
        rare duplicate than a lost announcement."""
        try:
            found = await client.conversations_history(
                channel=channel_id, limit=HISTORY_LIMIT, include_all_metadata=True
            )
        except SlackApiError as exc:
            log.info(
                "history not readable; posting without the duplicate check",
                extra={"channel": channel_id, "error": _error(exc)},
            )
            return None
        return posted_with_key(list(found.get("messages") or []), key)

    async def post(
        self,
        client: AsyncWebClient,
        channel_id: str,
        message: Message,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post a message (and upload its file, if any) to a channel or DM; return its ts.
        ``metadata`` goes on the Block Kit message (files cannot carry any)."""
        try:
            ts = ""
            content = blocks.message_blocks(message)
            if content:
                extra = {"metadata": metadata} if metadata is not None else {}
                posted = await self._post_joining(
                    client,
                    channel=channel_id,
                    text=blocks.summary(message.text, message.card, message.table),
                    blocks=content,
                    **extra,
                )
                ts = str(posted["ts"])
            if message.attachment is not None:
                ts = await self.upload(client, channel_id, message.attachment) or ts
        except SlackApiError as exc:
            raise DeliveryError(f"posting to {channel_id} failed: {_error(exc)}") from exc
        if message.chart is not None:
            await self.upload_chart(client, channel_id, message.chart)
        return ts

    async def upload_chart(
        self, client: AsyncWebClient, channel_id: str, chart: Chart, comment: str | None = None
    ) -> bool:
        """Upload a chart picture (files upload v2) below the message it belongs to. Best
        effort: the message is already posted, so a failure is logged and never raised (the
        outbox must not send the text again for the sake of a picture)."""
        png = await chartimage.drawn(chart)
        if png is None:
            return False
        try:
            await client.files_upload_v2(
                channel=channel_id,
                content=png,
                filename=chartimage.FILENAME,
                title=chart.title,
                alt_txt=chart.describe()[:1000],
                initial_comment=comment,
            )
        except Exception:
            log.exception("chart not uploaded", extra={"channel": channel_id})
            return False
        return True

    async def upload(self, client: AsyncWebClient, channel_id: str, attachment: Attachment) -> str:
        """files.upload v2 (get an upload URL, send the bytes, complete into the channel)."""
        done = await client.files_upload_v2(
            channel=channel_id,
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
        )
        files: list[dict[str, Any]] = list(done.get("files") or [])
        return str(files[0].get("id", "")) if files else ""

    async def dm_channel(self, community_id: str, member_id: str) -> tuple[AsyncWebClient, str]:
        team, client = await self._client(community_id)
        known = self._dm_channels.get((team, member_id))
        if known is not None:
            return client, known
        try:
            opened = await client.conversations_open(users=member_id)
        except SlackApiError as exc:
            raise DeliveryError(f"conversations.open failed: {_error(exc)}") from exc
        channel = str((opened.get("channel") or {}).get("id", ""))
        self._dm_channels[(team, member_id)] = channel
        return client, channel

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        client, channel = await self.dm_channel(community_id, member_id)
        if key is None or not blocks.message_blocks(message):
            await self.post(client, channel, message)
            return
        if await self._already_posted(client, channel, key) is None:
            await self.post(client, channel, message, metadata=outbox_metadata(key))

    async def fetch_reactions(
        self, community_id: str, channel_id: str, message_id: str
    ) -> list[ReactionSeen]:
        team, client = await self._client(community_id)
        try:
            found = await client.reactions_get(channel=channel_id, timestamp=message_id, full=True)
        except SlackApiError as exc:
            raise DeliveryError(f"reactions.get failed: {_error(exc)}") from exc
        me = (await self.clients.identity(team)).bot_user_id
        seen: list[ReactionSeen] = []
        for reaction in (found.get("message") or {}).get("reactions") or []:
            emoji = to_unicode(str(reaction.get("name", "")))
            for user in reaction.get("users") or []:
                if user == me:
                    continue
                actor = await self.directory.actor(team, str(user))
                if not actor.is_bot:
                    seen.append(ReactionSeen(actor, emoji))
        return seen
