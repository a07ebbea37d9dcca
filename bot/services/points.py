"""Points: rule awards with daily caps, reversals, and moderator adjustments.

Every entry has an idempotency key unique per community, so the same cause (a vote, an idea,
an answer) can never pay twice, and its reversal can never be applied twice. The balance is
kept by the database from the ledger itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.ports import Storage
from config.community import RULES, CommunitySettings, RuleSetting

log = logging.getLogger(__name__)

MAX_ADJUSTMENT = 1_000_000


def capped_amount(setting: RuleSetting, earned_today: int) -> int:
    """A rule's value cut to what is left of its daily cap (never negative)."""
    if setting.daily_cap is None:
        return setting.value
    return max(0, min(setting.value, setting.daily_cap - earned_today))


def local_day(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


class PointsService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def award(
        self,
        community_id: str,
        member_id: str,
        rule: str,
        idem_key: str,
        now: datetime,
        settings: CommunitySettings,
        ref: str = "",
        reason: str = "",
    ) -> int:
        """Pay a rule's value, cut to what is left of its daily cap. Returns points paid."""
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule}")
        setting = settings.points.rule(rule)
        day = local_day(now, settings.timezone)
        async with self.storage.transaction():
            earned = 0
            if setting.daily_cap is not None:
                earned = await self.storage.ledger.earned_on(community_id, member_id, rule, day)
            amount = capped_amount(setting, earned)
            if amount <= 0:
                return 0
            paid = await self.storage.ledger.append(
                community_id, member_id, amount, rule, idem_key, now, day, reason=reason, ref=ref
            )
        return amount if paid else 0

    async def reverse(
        self, community_id: str, idem_key: str, now: datetime, settings: CommunitySettings
    ) -> int:
        """Undo the entry with this key, once. Returns the points taken back."""
        async with self.storage.transaction():
            entry = await self.storage.ledger.by_key(community_id, idem_key)
            if entry is None or entry.amount == 0:
                return 0
            day = local_day(now, settings.timezone)
            done = await self.storage.ledger.append(
                community_id,
                entry.member_id,
                -entry.amount,
                entry.rule,
                f"reverse:{idem_key}",
                now,
                day,
                reason=f"reversed: {entry.reason or entry.rule}",
                ref=entry.ref,
            )
        return entry.amount if done else 0

    async def adjust(
        self,
        community_id: str,
        member_id: str,
        amount: int,
        reason: str,
        actor_id: str,
        idem_key: str,
        now: datetime,
        settings: CommunitySettings,
        rule: str = "manual",
    ) -> bool:
        """A moderator's grant (positive) or deduction (negative), or a redemption hold."""
        if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
            raise UserError(f"The amount must be between 1 and {MAX_ADJUSTMENT:,}.")
        day = local_day(now, settings.timezone)
        async with self.storage.transaction():
            return await self.storage.ledger.append(
                community_id,
                member_id,
                amount,
                rule,
                idem_key,
                now,
                day,
                reason=reason,
                actor_id=actor_id,
            )
