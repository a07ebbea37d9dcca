"""A member's own page (Slack's App Home tab): a read-only query answered with a neutral view.

Points and all-time rank, the running campaigns with the time left to their next step, the open
prompts (as the one prompt view every renderer draws), the member's ideas and their statuses.
One short read transaction; no event id, nothing written.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.events import Actor
from bot.ports import Storage
from bot.ports.ideas import IdeaFilter
from bot.replies import CampaignLine, HomeView, IdeaLine
from bot.services.prompts import prompt_view
from bot.services.round_times import next_step_text

PROMPTS_SHOWN = 10
CAMPAIGNS_SHOWN = 10
IDEAS_SHOWN = 15
#: newest prompts looked at for the open ones
PROMPTS_READ = 25


class HomeService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    async def view(self, actor: Actor) -> HomeView:
        storage, now = self.storage, self.clock.now()
        community_id, member_id = actor.community_id, actor.member_id
        async with storage.transaction():
            settings = await storage.communities.settings(community_id)
            points = await storage.ledger.balance(community_id, member_id)
            rank = await storage.ledger.rank(community_id, member_id, None)
            recent = await storage.prompts.recent(community_id, PROMPTS_READ)
            campaigns: list[CampaignLine] = []
            for campaign in (await storage.campaigns.in_community(community_id))[:CAMPAIGNS_SHOWN]:
                current = (
                    await storage.campaigns.round(campaign.current_round)
                    if campaign.current_round is not None
                    else None
                )
                campaigns.append(
                    CampaignLine(
                        campaign.name,
                        campaign.mode.value,
                        campaign.phase.value,
                        next_step_text(campaign, current, now),
                    )
                )
            ideas = await storage.ideas.search(
                community_id,
                IdeaFilter(author_id=member_id, include_gone=True),
                "new",
                now,
                limit=IDEAS_SHOWN,
            )
        prompts = [prompt_view(p, settings.timezone, now) for p in recent if not p.is_closed(now)]
        return HomeView(
            points=points,
            rank=rank[0] if rank else None,
            campaigns=tuple(campaigns),
            prompts=tuple(prompts[:PROMPTS_SHOWN]),
            ideas=tuple(
                IdeaLine(idea.id, idea.title, idea.status.label, tally.describe(idea.scheme.mode))
                for idea, tally in ideas
            ),
        )
