from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.models import Campaign, CampaignMode, Phase


class CampaignRepo(Protocol):
    async def add(
        self,
        community_id: str,
        name: str,
        brief: str,
        mode: CampaignMode,
        phase: Phase,
        winners: int,
        created_by: str,
        now: datetime,
    ) -> Campaign: ...
    async def get(self, community_id: str, campaign_id: int) -> Campaign | None: ...
    async def by_name(self, community_id: str, name: str) -> Campaign | None: ...
    async def in_community(
        self, community_id: str, include_closed: bool = False
    ) -> list[Campaign]: ...
    async def set_phase(self, campaign_id: int, expected: Phase, new: Phase, now: datetime) -> bool:
        """Conditional transition: True only if the phase was ``expected``."""
        ...
