"""An in-memory platform that records everything the bot sends.

It implements the engine's ``Platform`` port exactly as a real adapter does, so tests and the
console run the real dispatch path and can read back what members would have seen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.errors import DeliveryError
from bot.events import Actor
from bot.ports import PostedCard, ReactionSeen
from bot.replies import IdeaCard, Message


@dataclass
class Sent:
    community_id: str
    channel_id: str
    message_id: str
    message: Message


@dataclass
class MemoryPlatform:
    posts: list[Sent] = field(default_factory=list)
    cards: dict[str, IdeaCard] = field(default_factory=dict)
    card_channels: dict[str, str] = field(default_factory=dict)
    card_edits: int = 0
    dms: list[tuple[str, str, Message]] = field(default_factory=list)
    closed_dms: set[str] = field(default_factory=set)
    missing_channels: set[str] = field(default_factory=set)
    #: message id -> emojis the bot added (as it would on a real card)
    bot_reactions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: message id -> members' reactions as the platform sees them (tests set these to stand
    #: for reactions made while the bot was offline)
    reactions: dict[str, list[ReactionSeen]] = field(default_factory=dict)
    #: (channel id, outbox key) -> message id: posts with a key are not repeated
    sent_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (channel id, outbox key) -> the card posted with that key
    keyed_cards: dict[tuple[str, str], PostedCard] = field(default_factory=dict)
    #: a mark in every message and thread id, for platforms that restart on a database that
    #: already holds cards (the console); tests leave it empty and get m1, m2, ...
    run: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _next(self, prefix: str) -> str:
        return f"{prefix}{self.run}{next(self._ids)}"

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        if channel_id in self.missing_channels:
            raise DeliveryError(f"channel {channel_id} not found")
        if key is not None and (channel_id, key) in self.keyed_cards:
            return self.keyed_cards[(channel_id, key)]  # a repeat with the same key is dropped
        message_id = self._next("m")
        thread_id = self._next("t")
        self.cards[message_id] = card
        self.card_channels[message_id] = channel_id
        self.bot_reactions[message_id] = card.vote_emojis
        self.posts.append(Sent(community_id, channel_id, message_id, Message(text="", card=card)))
        posted = PostedCard(channel_id, message_id, thread_id, f"memory://{channel_id}/{thread_id}")
        if key is not None:
            self.keyed_cards[(channel_id, key)] = posted
        return posted

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        if message_id not in self.cards:
            raise DeliveryError(f"message {message_id} not found")
        self.cards[message_id] = card
        self.card_edits += 1

    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        if channel_id in self.missing_channels:
            raise DeliveryError(f"channel {channel_id} not found")
        if key is not None and (channel_id, key) in self.sent_keys:
            # like Discord's enforced nonce: a second send with the same key is dropped
            return self.sent_keys[(channel_id, key)]
        message_id = self._next("m")
        self.posts.append(Sent(community_id, channel_id, message_id, message))
        if key is not None:
            self.sent_keys[(channel_id, key)] = message_id
        return message_id

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        if member_id in self.closed_dms:
            raise DeliveryError(f"{member_id} does not accept direct messages")
        if key is not None and (f"dm:{member_id}", key) in self.sent_keys:
            return  # a repeat of a keyed DM is dropped, as for channel posts
        self.dms.append((community_id, member_id, message))
        if key is not None:
            self.sent_keys[(f"dm:{member_id}", key)] = str(len(self.dms))

    def member_reacted(self, message_id: str, actor: Actor, emoji: str, added: bool) -> None:
        """Keep the platform's own view of reactions, as a real platform does."""
        seen = [
            r
            for r in self.reactions.get(message_id, [])
            if not (r.actor.member_id == actor.member_id and r.emoji == emoji)
        ]
        if added:
            seen.append(ReactionSeen(actor, emoji))
        self.reactions[message_id] = seen

    async def fetch_reactions(
        self, community_id: str, channel_id: str, message_id: str
    ) -> list[ReactionSeen]:
        if message_id not in self.cards:
            raise DeliveryError(f"message {message_id} not found")
        return list(self.reactions.get(message_id, []))

    # -- reading back ------------------------------------------------------------------
    def dms_to(self, member_id: str) -> list[str]:
        return [m.text for _, who, m in self.dms if who == member_id]

    def texts(self, channel_id: str | None = None) -> list[str]:
        return [
            s.message.text for s in self.posts if channel_id is None or s.channel_id == channel_id
        ]
