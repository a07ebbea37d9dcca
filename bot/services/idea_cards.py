"""Idea cards: the message that shows an idea and carries its votes.

Posting a card, and every edit that must not be lost (a status change, a new title, a merge),
is an outbox row written with the change; the outbox delivers it with a key the platform can
deduplicate, and this module draws the card at delivery time and records where it was posted.
Live tally edits during voting are the CardRefresher's (``bot/services/delivery.py``).
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.models import GONE_STATUSES, Idea, OutboxItem
from bot.ports import Platform, Storage
from bot.replies import IdeaCard
from bot.services.cards import render_card
from bot.services.outbox import Outbox, card_key, payload_id


class IdeaCards:
    def __init__(self, storage: Storage, platform: Platform, outbox: Outbox) -> None:
        self.storage = storage
        self.platform = platform
        self.outbox = outbox
        outbox.register("card", self.deliver_card, on_give_up=self._card_given_up)
        outbox.register("card_edit", self.deliver_card_edit)

    async def post(self, ctx: Context, idea: Idea) -> None:
        """Store the card's posting with the change that made the idea live; it is delivered
        once the transaction commits."""
        channel = ctx.settings.ideas_channel or idea.origin_channel or ctx.channel_id
        await self.outbox.card(ctx.community_id, idea.id, channel)
        self.outbox.soon(ctx, card_key(idea.id))

    async def card(self, idea: Idea) -> IdeaCard:
        settings = await self.storage.communities.settings(idea.community_id)
        tally = await self.storage.votes.tally(idea.id)
        campaign = (
            None
            if idea.campaign_id is None
            else await self.storage.campaigns.get(idea.community_id, idea.campaign_id)
        )
        return render_card(idea, tally, settings, campaign.name if campaign else None)

    async def publish(self, community_id: str, idea_id: int, channel_id: str) -> None:
        """Store the card's posting in the outbox and deliver it now (ideas written straight
        into storage, such as a pick campaign's candidates)."""
        async with self.storage.transaction():
            await self.outbox.card(community_id, idea_id, channel_id)
        await self.outbox.deliver_keys(community_id, [card_key(idea_id)])

    async def deliver_card(self, item: OutboxItem, key: str, now: datetime) -> str | None:
        """Post the card (and its thread) and record their ids on the idea: the vote path
        finds ideas by card. A crash between the post and the record resends with the same
        key, which the platform answers with the card already posted."""
        idea_id = payload_id(item, "idea")
        async with self.storage.transaction():
            idea = await self.storage.ideas.get(item.community_id, idea_id)
            if idea is None or idea.message_id is not None:
                return None if idea is None else idea.message_id
            card = await self.card(idea)
        posted = await self.platform.post_card(item.community_id, item.address, card, key)
        async with self.storage.transaction():
            idea = await self.storage.ideas.get(item.community_id, idea_id)
            if idea is not None and idea.message_id is None:
                idea.channel_id = posted.channel_id
                idea.message_id = posted.message_id
                idea.thread_id = posted.thread_id
                idea.thread_url = posted.thread_url
                await self.storage.ideas.save(idea)
        return posted.message_id

    async def _card_given_up(self, item: OutboxItem, reason: str, now: datetime) -> None:
        """A card that could not be posted is flagged in the audit log (``/idea show`` says it
        too; setting ``ideas_channel`` posts it again: ``repost_cards``)."""
        target = f"idea:{payload_id(item, 'idea')}"
        detail = f"card could not be posted in {item.address}: {reason}"
        await self.storage.audit.add(
            item.community_id, "cocreate", "idea.card", target, detail, now
        )

    async def deliver_card_edit(self, item: OutboxItem, key: str, now: datetime) -> str | None:
        async with self.storage.transaction():
            idea = await self.storage.ideas.get(item.community_id, payload_id(item, "idea"))
            if idea is None or idea.channel_id is None or idea.message_id is None:
                return None  # no card yet: it shows the current state when it is posted
            card = await self.card(idea)
        await self.platform.update_card(item.community_id, idea.channel_id, idea.message_id, card)
        return idea.message_id

    async def edit_card(self, ctx: Context, idea_id: int, key: str | None = None) -> None:
        """Store an edit of the card that must not be lost (a status change, a new title),
        delivered once the transaction commits."""
        key = key or f"idea:{idea_id}:edit:{ctx.event_id}"
        await self.outbox.card_edit(ctx.community_id, key, idea_id)
        self.outbox.soon(ctx, key)

    async def repost_cards(self, ctx: Context, channel_id: str) -> int:
        """Post again, in ``channel_id``, every card the platform refused until the outbox gave
        up (a moderator setting ``ideas_channel`` is the retry). Returns how many."""
        count = 0
        for item in await self.storage.outbox.given_up(ctx.community_id, "card"):
            idea = await self.storage.ideas.get(ctx.community_id, payload_id(item, "idea"))
            if idea is None or idea.message_id is not None or idea.status in GONE_STATUSES:
                continue
            if await self.storage.outbox.again(item.id, channel_id, ctx.now):
                self.outbox.soon(ctx, item.key)
                count += 1
        return count

    async def card_trouble(self, idea: Idea) -> str:
        """Why an idea that should have a card has none, for ``/idea show``; else ""."""
        if idea.message_id is not None or idea.status in GONE_STATUSES:
            return ""
        rows = await self.storage.outbox.with_key(idea.community_id, card_key(idea.id))
        if not rows or not rows[0].failed:
            return ""
        row = rows[0]
        if row.delivered_at is not None:
            return (
                f"\nIts card could not be posted ({row.failed}). A moderator can post it again "
                "by setting the ideas channel: `/cocreate config set ideas_channel CHANNEL`."
            )
        return f"\nIts card is not posted yet ({row.failed}); the bot keeps trying."
