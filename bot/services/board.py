"""The public board's read side: a community's ideas, roadmap, shipped ideas, campaigns and
leaderboard as view models for people (display names only, never platform ids).

Nothing here changes anything; each query reads inside one short transaction, so a page never
shows half of a change the engine is making.
"""

from __future__ import annotations

import math
from dataclasses import replace

from bot.clock import Clock
from bot.commands.points import period_start
from bot.links import community_of, slug
from bot.models import IdeaStatus
from bot.ports import Storage
from bot.ports.board import (
    PUBLIC_STATUSES,
    ROADMAP_STATUSES,
    BoardCampaign,
    BoardCommunity,
    BoardIdea,
    BoardSort,
    CampaignView,
    IdeaOrder,
    IdeasPage,
    IdeaView,
    LeaderPeriod,
    LeaderRow,
    Moved,
    RoadmapColumn,
    ShippedIdea,
    ShippedPage,
)

PAGE_SIZE = 25
ROADMAP_LIMIT = 50
LEADERBOARD_LIMIT = 50
#: how many merges a link follows before it gives up (a chain, never a loop, but bounded)
MAX_HOPS = 5


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


class BoardService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    async def community(self, slug_: str) -> BoardCommunity | None:
        community_id = community_of(slug_)
        if community_id is None:
            return None
        async with self.storage.transaction():
            settings = await self.storage.communities.settings(community_id)
        if not settings.public_board:
            return None
        name = settings.board_name or "Community ideas"
        return BoardCommunity(
            community_id, slug(community_id), name, settings.vote_emojis(), settings.timezone
        )

    async def ideas(
        self,
        community: BoardCommunity,
        sort: BoardSort,
        campaign_id: int | None,
        status: IdeaStatus | None,
        page: int,
    ) -> IdeasPage:
        statuses = (status,) if status in PUBLIC_STATUSES else PUBLIC_STATUSES
        board = self.storage.board
        async with self.storage.transaction():
            total = await board.count(community.id, statuses, campaign_id)
            last = pages(total)
            page = min(max(1, page), last)
            found = await board.ideas(
                community.id,
                statuses,
                campaign_id,
                sort,
                self.clock.now(),
                PAGE_SIZE,
                (page - 1) * PAGE_SIZE,
            )
            campaigns = await board.campaigns(community.id)
        return IdeasPage(
            tuple(found),
            sort,
            campaign_id,
            status if status in PUBLIC_STATUSES else None,
            page,
            last,
            total,
            tuple(campaigns),
        )

    async def idea(self, community: BoardCommunity, idea_id: int) -> IdeaView | Moved | None:
        board = self.storage.board
        async with self.storage.transaction():
            idea = await board.idea(community.id, idea_id)
            hops = 0
            target = idea
            while target is not None and target.status == IdeaStatus.MERGED and hops < MAX_HOPS:
                hops += 1
                target = (
                    await board.idea(community.id, target.merged_into)
                    if target.merged_into is not None
                    else None
                )
            if target is None or target.status not in PUBLIC_STATUSES:
                return None
            if target.id != idea_id:
                return Moved(target.id)
            history = await board.history(target.id)
        return IdeaView(_public(target), tuple(history))

    async def roadmap(self, community: BoardCommunity) -> tuple[RoadmapColumn, ...]:
        board = self.storage.board
        now = self.clock.now()
        columns = []
        async with self.storage.transaction():
            for status in ROADMAP_STATUSES:
                order: IdeaOrder = "updated" if status == IdeaStatus.SHIPPED else "top"
                found = await board.ideas(
                    community.id, (status,), None, order, now, ROADMAP_LIMIT, 0
                )
                total = await board.count(community.id, (status,), None)
                columns.append(RoadmapColumn(status, tuple(found), total))
        return tuple(columns)

    async def shipped(self, community: BoardCommunity, page: int) -> ShippedPage:
        board = self.storage.board
        shipped = (IdeaStatus.SHIPPED,)
        async with self.storage.transaction():
            total = await board.count(community.id, shipped, None)
            last = pages(total)
            page = min(max(1, page), last)
            found = await board.ideas(
                community.id,
                shipped,
                None,
                "updated",
                self.clock.now(),
                PAGE_SIZE,
                (page - 1) * PAGE_SIZE,
            )
            notes = await board.latest_notes([i.id for i in found], IdeaStatus.SHIPPED)
        items = []
        for idea in found:
            change = notes.get(idea.id)
            items.append(
                ShippedIdea(
                    idea,
                    change.note if change else "",
                    change.at if change else idea.updated_at,
                )
            )
        return ShippedPage(tuple(items), page, last, total)

    async def campaigns(self, community: BoardCommunity) -> tuple[BoardCampaign, ...]:
        async with self.storage.transaction():
            return tuple(await self.storage.board.campaigns(community.id))

    async def campaign(self, community: BoardCommunity, campaign_id: int) -> CampaignView | None:
        board = self.storage.board
        async with self.storage.transaction():
            found = [c for c in await board.campaigns(community.id) if c.id == campaign_id]
            if not found:
                return None
            rounds = await board.rounds(community.id, campaign_id)
            top = await board.ideas(
                community.id, PUBLIC_STATUSES, campaign_id, "top", self.clock.now(), 10, 0
            )
        return CampaignView(found[0], tuple(rounds), tuple(top))

    async def leaderboard(
        self, community: BoardCommunity, period: LeaderPeriod
    ) -> tuple[LeaderRow, ...]:
        # the same periods as chat's /leaderboard: Monday, the 1st, in the community's zone
        since = period_start(self.clock.now(), community.timezone, period)
        async with self.storage.transaction():
            rows = await self.storage.board.leaderboard(community.id, LEADERBOARD_LIMIT, since)
        return tuple(rows)


def _public(idea: BoardIdea) -> BoardIdea:
    """A declined idea shows its public reason; no other idea carries one."""
    if idea.status != IdeaStatus.DECLINED and idea.decline_reason:
        return replace(idea, decline_reason="")
    return idea
