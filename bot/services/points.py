"""Points: rule awards with daily caps, reversals, and moderator adjustments.

Every entry has an idempotency key unique per community, so the same cause (a vote, an idea,
an answer) can never pay twice, and its reversal can never be applied twice. The balance is
kept by the database from the ledger itself.

No balance ever goes below zero, and there is no debt. One policy decides every entry that
takes points away (``takeable``): never more than the balance still holds. A deduction or a
redemption that asks for more is refused; a reversal (a vote taken back, a withdrawn idea)
takes back only what is still there and records the rest in the reversal's reason as not taken
back, because it was already spent or is held for a reward. The shortfall is never collected
later. The batched vote path applies the same functions to the balances it loaded, and the
schema (migration 0010) refuses any entry that would break the rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.models import Campaign, CampaignMode, Idea
from bot.ports import Storage
from bot.wording import plural
from config.community import RULES, CommunitySettings, RuleSetting

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

MAX_ADJUSTMENT = 1_000_000


def capped_amount(setting: RuleSetting, earned_today: int) -> int:
    """A rule's value cut to what is left of its daily cap (never negative)."""
    if setting.daily_cap is None:
        return setting.value
    return max(0, min(setting.value, setting.daily_cap - earned_today))


def takeable(balance: int, wanted: int) -> int:
    """The one ledger policy: how many of ``wanted`` points may be taken from a member who holds
    ``balance``. Never more than is there, so no balance goes below zero."""
    return max(0, min(wanted, balance))


@dataclass(frozen=True, slots=True)
class Reversal:
    """What undoing one entry does: ``amount`` is the entry written (negative takes points back,
    positive gives held points back); ``shortfall`` is what could not be taken back."""

    amount: int
    shortfall: int = 0

    @property
    def taken(self) -> int:
        return max(0, -self.amount)


def plan_reversal(original: int, balance: int) -> Reversal:
    """Undo an entry of ``original`` points under the policy: giving back is always whole,
    taking back stops at what the balance still holds."""
    if original <= 0:
        return Reversal(-original)
    taken = takeable(balance, original)
    return Reversal(-taken, original - taken)


def reversal_reason(what: str, shortfall: int) -> str:
    """The reversal's ledger reason; a shortfall is written there for the audit trail."""
    if not shortfall:
        return f"reversed: {what}"
    points = plural(shortfall, "point")
    return f"reversed: {what} ({points} not taken back: already spent or held)"


def pays_author(campaign: Campaign | None) -> bool:
    """Moderators don't pay themselves: the candidates of a pick campaign are posted by the team,
    so an idea there earns its author nothing (no submission, votes received, milestones or
    shipping points). Its voters are paid as anywhere else."""
    return campaign is None or campaign.mode != CampaignMode.PICK


class ShortBalance(UserError):
    """A deduction or a hold asked for more points than the balance holds."""

    def __init__(self, balance: int, wanted: int) -> None:
        super().__init__(
            f"That needs {wanted:,} points and the balance is {balance:,}; "
            "a balance cannot go below zero."
        )
        self.balance = balance
        self.wanted = wanted


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

    async def award_author(
        self, idea: Idea, rule: str, idem_key: str, now: datetime, settings: CommunitySettings
    ) -> int:
        """Pay an idea's author for it (``ref idea:N``), unless ``pays_author`` says no."""
        campaign = None
        if idea.campaign_id is not None:
            campaign = await self.storage.campaigns.get(idea.community_id, idea.campaign_id)
        if not pays_author(campaign):
            return 0
        return await self.award(
            idea.community_id,
            idea.author_id,
            rule,
            idem_key,
            now,
            settings,
            ref=f"idea:{idea.id}",
        )

    async def reverse(
        self, community_id: str, idem_key: str, now: datetime, settings: CommunitySettings
    ) -> Reversal:
        """Undo the entry with this key, once, under the policy (``plan_reversal``)."""
        async with self.storage.transaction():
            entry = await self.storage.ledger.by_key(community_id, idem_key)
            undo = f"reverse:{idem_key}"
            if entry is None or entry.amount == 0:
                return Reversal(0)
            if await self.storage.ledger.by_key(community_id, undo) is not None:
                return Reversal(0)
            balance = await self.storage.ledger.balance(community_id, entry.member_id)
            plan = plan_reversal(entry.amount, balance)
            day = local_day(now, settings.timezone)
            done = await self.storage.ledger.append(
                community_id,
                entry.member_id,
                plan.amount,
                entry.rule,
                undo,
                now,
                day,
                reason=reversal_reason(
                    entry.reason or entry.rule.replace("_", " "), plan.shortfall
                ),
                ref=entry.ref,
            )
        return plan if done else Reversal(0)

    async def reverse_idea(self, ctx: Context, idea: Idea) -> tuple[int, int]:
        """Take back everything an idea paid its author (submission, votes received,
        milestones, shipping, round-winner places, their own comments in its thread), each
        under the policy. Returns (points taken back, points that could not be)."""
        taken = kept = 0
        entries = await self.storage.ledger.earned_through_idea(
            ctx.community_id, idea.author_id, idea.id
        )
        for entry in entries:
            done = await self.reverse(ctx.community_id, entry.idem_key, ctx.now, ctx.settings)
            taken += done.taken
            kept += done.shortfall
        return taken, kept

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
        """A moderator's grant (positive) or deduction (negative), or a redemption hold.

        Anything that takes points goes through the policy: asking for more than the balance
        holds raises ``ShortBalance`` and changes nothing."""
        if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
            raise UserError(f"The amount must be between 1 and {MAX_ADJUSTMENT:,}.")
        day = local_day(now, settings.timezone)
        async with self.storage.transaction():
            if amount < 0:
                if await self.storage.ledger.by_key(community_id, idem_key) is not None:
                    return False  # a replay: already applied
                balance = await self.storage.ledger.balance(community_id, member_id)
                if takeable(balance, -amount) < -amount:
                    raise ShortBalance(balance, -amount)
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
