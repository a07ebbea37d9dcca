"""Showing the engine's reply to the member who acted, the way Slack allows.

Slash commands and message buttons carry a ``response_url``: the reply goes there (ephemeral,
or in the channel when the engine says everyone should see it), which also works in channels
the bot is not in. Forms and reactions have none: ``chat.postEphemeral`` in the channel, and a
DM if that fails or there is no channel (App Home). Files cannot be ephemeral, so an export is
uploaded into the member's DM, and so is the chart picture of a private reply (a public reply's
chart goes below it in the channel).
"""

from __future__ import annotations

import logging

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from adapters.slack import blocks
from adapters.slack.platform import SlackPlatform
from adapters.slack.translate import community_id
from bot.errors import DeliveryError
from bot.replies import Message, Reply

log = logging.getLogger(__name__)


class Responder:
    def __init__(self, platform: SlackPlatform) -> None:
        self.platform = platform

    async def show(
        self,
        team_id: str,
        user_id: str,
        reply: Reply,
        channel_id: str = "",
        respond: AsyncRespond | None = None,
    ) -> None:
        try:
            await self._show(team_id, user_id, reply, channel_id, respond)
        except (DeliveryError, SlackApiError) as exc:
            log.warning("reply not shown", extra={"error": str(exc)[:200], "team": team_id})

    async def _show(
        self,
        team_id: str,
        user_id: str,
        reply: Reply,
        channel_id: str,
        respond: AsyncRespond | None,
    ) -> None:
        if reply.attachment is not None:
            await self._upload(team_id, user_id, reply, channel_id)
        if reply.silent:
            return
        content = blocks.reply_blocks(reply)
        if not content:
            return
        text = blocks.summary(reply.text, reply.card, reply.table)
        if respond is not None and respond.response_url:
            kind = "ephemeral" if reply.ephemeral else "in_channel"
            await respond(text=text, blocks=content, response_type=kind, replace_original=False)
        else:
            await self.private(
                team_id, user_id, channel_id, text, content, public=not reply.ephemeral
            )
        if reply.chart is not None:
            await self._chart(team_id, user_id, reply, channel_id)

    async def _chart(self, team_id: str, user_id: str, reply: Reply, channel_id: str) -> None:
        assert reply.chart is not None
        if not reply.ephemeral and channel_id:
            client = await self.platform.clients.for_team(team_id)
            await self.platform.upload_chart(client, channel_id, reply.chart)
            return
        client, dm = await self.platform.dm_channel(community_id(team_id), user_id)
        comment = f"The chart for: {reply.chart.title}"
        await self.platform.upload_chart(client, dm, reply.chart, comment)

    async def private(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        text: str,
        content: list[blocks.Block] | None = None,
        public: bool = False,
    ) -> None:
        """An ephemeral message in the channel, else a DM (the channel may not admit the bot)."""
        client = await self.platform.clients.for_team(team_id)
        if channel_id:
            try:
                if public:
                    await client.chat_postMessage(channel=channel_id, text=text, blocks=content)
                else:
                    await client.chat_postEphemeral(
                        channel=channel_id, user=user_id, text=text, blocks=content
                    )
                return
            except SlackApiError as exc:
                log.info("ephemeral failed; sending a DM", extra={"error": str(exc)[:200]})
        dm_client, dm = await self.platform.dm_channel(community_id(team_id), user_id)
        await dm_client.chat_postMessage(channel=dm, text=text, blocks=content)

    async def _upload(self, team_id: str, user_id: str, reply: Reply, channel_id: str) -> None:
        assert reply.attachment is not None
        if not reply.ephemeral and channel_id:
            client = await self.platform.clients.for_team(team_id)
            await self.platform.post(client, channel_id, Message("", attachment=reply.attachment))
            return
        client, dm = await self.platform.dm_channel(community_id(team_id), user_id)
        await self.platform.post(client, dm, Message("", attachment=reply.attachment))
