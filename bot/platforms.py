"""One deployment, several platforms: route each call by the community id's prefix.

Community ids are "<platform>:<id>" ("discord:1234", "slack:T0123", "console:local"), so every
row of data says which platform it belongs to and the engine needs only one Platform.
"""

from __future__ import annotations

from bot.errors import DeliveryError
from bot.ports import Platform, PostedCard, ReactionSeen
from bot.replies import IdeaCard, Message


class PlatformRouter:
    def __init__(self, platforms: dict[str, Platform] | None = None) -> None:
        self._platforms: dict[str, Platform] = dict(platforms or {})

    def register(self, prefix: str, platform: Platform) -> None:
        self._platforms[prefix] = platform

    def for_community(self, community_id: str) -> Platform:
        prefix = community_id.split(":", 1)[0]
        platform = self._platforms.get(prefix)
        if platform is None:
            raise DeliveryError(f"no platform adapter is running for {prefix!r}")
        return platform

    async def post_card(
        self, community_id: str, channel_id: str, card: IdeaCard, key: str | None = None
    ) -> PostedCard:
        platform = self.for_community(community_id)
        return await platform.post_card(community_id, channel_id, card, key)

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        platform = self.for_community(community_id)
        await platform.update_card(community_id, channel_id, message_id, card)

    async def send(
        self, community_id: str, channel_id: str, message: Message, key: str | None = None
    ) -> str:
        platform = self.for_community(community_id)
        return await platform.send(community_id, channel_id, message, key)

    async def notify(
        self, community_id: str, member_id: str, message: Message, key: str | None = None
    ) -> None:
        await self.for_community(community_id).notify(community_id, member_id, message, key)

    async def fetch_reactions(
        self, community_id: str, channel_id: str, message_id: str
    ) -> list[ReactionSeen]:
        platform = self.for_community(community_id)
        return await platform.fetch_reactions(community_id, channel_id, message_id)
