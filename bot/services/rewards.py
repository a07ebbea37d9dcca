"""Reward catalogue and redemptions.

A redemption holds its points at once (a negative ledger entry written in the same transaction
as the redemption row), so a member cannot spend the same points twice while a moderator
decides. Approval keeps them spent and takes one from stock; rejection reverses the hold through
the ledger, never by editing a balance. Stock checks count held requests as taken, so a reward
cannot be promised to more members than there are items.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Literal

from bot.context import audit
from bot.errors import NotFound, UserError
from bot.ports import Storage
from bot.ports.rewards import Redemption, RedemptionStatus, Reward
from bot.replies import Message
from bot.services.outbox import Outbox
from bot.services.points import MAX_ADJUSTMENT, PointsService
from bot.wording import plural, quoted

if TYPE_CHECKING:
    from bot.context import Context

MAX_STOCK = 1_000_000
REDEMPTION_RULE = "redemption"


class Keep(enum.Enum):
    """Marks an edit field that was not given (``None`` already means unlimited stock)."""

    KEEP = 0


KEEP: Literal[Keep.KEEP] = Keep.KEEP


def hold_key(redemption_id: int) -> str:
    return f"redeem:{redemption_id}"


def parse_stock(text: str) -> int | None:
    """A stock as typed by a moderator: a whole number, or "unlimited" (stored as NULL)."""
    cleaned = text.strip().lower().replace(",", "")
    if cleaned in {"unlimited", "none", "infinite", "∞", "-"}:
        return None
    try:
        number = int(cleaned)
    except ValueError:
        raise UserError(
            f"stock must be a whole number or 'unlimited', not {quoted(text[:40])}."
        ) from None
    if not 0 <= number <= MAX_STOCK:
        raise UserError(f"stock must be between 0 and {MAX_STOCK:,} (or 'unlimited').")
    return number


def describe_stock(reward: Reward) -> str:
    available = reward.available
    return "unlimited" if available is None else f"{available} left"


class RewardService:
    def __init__(self, storage: Storage, points: PointsService, outbox: Outbox) -> None:
        self.storage = storage
        self.points = points
        self.outbox = outbox

    # -- lookups ----------------------------------------------------------------------------
    async def find(self, community_id: str, ref: str) -> Reward:
        """A live reward by id (``12``, ``#12``) or by name; NotFound with a hint otherwise."""
        text = ref.strip()
        reward: Reward | None = None
        if text.lstrip("#").isdigit():
            reward = await self.storage.rewards.get(community_id, int(text.lstrip("#")))
        if reward is None:
            reward = await self.storage.rewards.by_name(community_id, text)
        if reward is None or not reward.active:
            raise NotFound(f"No reward {quoted(text[:60])} in the catalogue. See `/rewards list`.")
        return reward

    async def held(self, community_id: str, redemption_id: int) -> Redemption:
        """A redemption that is still waiting for a decision, or a reason why not."""
        found = await self.storage.rewards.redemption(community_id, redemption_id)
        if found is None:
            raise NotFound(f"No redemption #{redemption_id}. See `/rewards pending`.")
        if found.status != RedemptionStatus.HELD:
            raise UserError(f"Redemption #{redemption_id} was already {found.status.value}.")
        return found

    # -- catalogue (moderators) ---------------------------------------------------------------
    async def add(self, ctx: Context, name: str, cost: int, stock: int | None) -> Reward:
        _check_name(name)
        _check_cost(cost)
        async with self.storage.transaction():
            reward = await self.storage.rewards.add(ctx.community_id, name, cost, stock, ctx.now)
            await audit(
                self.storage.audit,
                ctx,
                "rewards.add",
                target=f"reward:{reward.id}",
                detail=f"{name}; cost {cost}; stock {describe_stock(reward)}",
            )
        return reward

    async def edit(
        self,
        ctx: Context,
        ref: str,
        name: str | None = None,
        cost: int | None = None,
        stock: int | Literal[Keep.KEEP] | None = KEEP,
    ) -> Reward:
        async with self.storage.transaction():
            old = await self.find(ctx.community_id, ref)
            new_name = old.name if name is None else name
            new_cost = old.cost if cost is None else cost
            new_stock = old.stock if stock is KEEP else stock
            _check_name(new_name)
            _check_cost(new_cost)
            if new_stock is not None and new_stock < old.held:
                raise UserError(
                    f"{plural(old.held, 'request')} for {old.name} "
                    f"{'is' if old.held == 1 else 'are'} waiting, so stock cannot go below "
                    f"{old.held}. Approve or reject them first (`/rewards pending`)."
                )
            changes = [
                f"{label} {before} → {after}"
                for label, before, after in (
                    ("name", old.name, new_name),
                    ("cost", old.cost, new_cost),
                    ("stock", _stock_text(old.stock), _stock_text(new_stock)),
                )
                if before != after
            ]
            if not changes:
                raise UserError("Nothing to change: give a new name, cost or stock.")
            await self.storage.rewards.update(
                ctx.community_id, old.id, new_name, new_cost, new_stock
            )
            await audit(
                self.storage.audit,
                ctx,
                "rewards.edit",
                target=f"reward:{old.id}",
                detail="; ".join(changes),
            )
            updated = await self.storage.rewards.get(ctx.community_id, old.id)
        assert updated is not None
        return updated

    async def remove(self, ctx: Context, ref: str) -> Reward:
        """Take a reward out of the catalogue; requests already held can still be decided."""
        async with self.storage.transaction():
            reward = await self.find(ctx.community_id, ref)
            await self.storage.rewards.deactivate(ctx.community_id, reward.id)
            await audit(
                self.storage.audit,
                ctx,
                "rewards.remove",
                target=f"reward:{reward.id}",
                detail=reward.name,
            )
        return reward

    # -- redemptions ----------------------------------------------------------------------------
    async def redeem(self, ctx: Context, ref: str) -> Redemption:
        """Request a reward: refuse if out of stock or too dear, else hold the points."""
        community, member = ctx.community_id, ctx.actor.member_id
        async with self.storage.transaction():
            reward = await self.find(community, ref)
            if reward.available == 0:
                raise UserError(f"{reward.name} is out of stock right now.")
            balance = await self.storage.ledger.balance(community, member)
            if balance < reward.cost:
                raise UserError(
                    f"{reward.name} costs {plural(reward.cost, 'point')} and you have {balance:,}; "
                    f"{reward.cost - balance:,} to go."
                )
            redemption = await self.storage.rewards.hold(
                community, reward.id, member, reward.cost, ctx.now
            )
            await self.points.adjust(
                community,
                member,
                -reward.cost,
                f"redemption #{redemption.id}: {reward.name}",
                member,
                hold_key(redemption.id),
                ctx.now,
                ctx.settings,
                rule=REDEMPTION_RULE,
            )
        return redemption

    async def approve(self, ctx: Context, redemption_id: int) -> Redemption:
        """Held → approved: the points stay spent and one item leaves stock. Only when the
        points are really held (the hold entry is in the ledger), and never by the member who
        asked: a moderator's own request needs another moderator."""
        community = ctx.community_id
        async with self.storage.transaction():
            found = await self.held(community, redemption_id)
            if found.member_id == ctx.actor.member_id:
                raise UserError(
                    f"Request #{found.id} is your own, so another moderator has to approve it; "
                    "moderators don't approve their own rewards. If you are the only moderator "
                    "here, it cannot be approved at all: reject it to get your points back."
                )
            hold = await self.storage.ledger.by_key(community, hold_key(found.id))
            if hold is None or hold.amount != -found.cost:
                raise UserError(
                    f"The {found.cost:,} points for request #{found.id} are not held, so it "
                    "cannot be approved. Reject it instead."
                )
            if not await self.storage.rewards.take_one(community, found.reward_id):
                raise UserError(
                    f"{found.reward_name} has no stock left to hand out. Raise it with "
                    f"`/rewards edit` or reject #{redemption_id} to give the points back."
                )
            await self._decide(ctx, found, RedemptionStatus.APPROVED, "")
            await audit(
                self.storage.audit,
                ctx,
                "rewards.approve",
                target=f"redemption:{found.id}",
                detail=f"{found.reward_name} for member:{found.member_id} "
                f"({plural(found.cost, 'point')})",
            )
            await self._tell(
                ctx,
                found,
                f"Your request #{found.id} for {found.reward_name} was approved. Enjoy!",
            )
        return found

    async def reject(self, ctx: Context, redemption_id: int, reason: str = "") -> int:
        """Held → rejected: the hold is reversed in the ledger. Returns the points released."""
        community = ctx.community_id
        async with self.storage.transaction():
            found = await self.held(community, redemption_id)
            await self._decide(ctx, found, RedemptionStatus.REJECTED, reason)
            released = (
                await self.points.reverse(community, hold_key(found.id), ctx.now, ctx.settings)
            ).amount
            await audit(
                self.storage.audit,
                ctx,
                "rewards.reject",
                target=f"redemption:{found.id}",
                detail=f"{found.reward_name} for member:{found.member_id}; {reason or 'no reason'}",
            )
            because = f": {reason}" if reason else "."
            await self._tell(
                ctx,
                found,
                f"Your request #{found.id} for {found.reward_name} was declined{because} "
                f"Your {plural(released, 'point')} {'is' if released == 1 else 'are'} back.",
            )
        return released

    async def _decide(
        self, ctx: Context, found: Redemption, status: RedemptionStatus, reason: str
    ) -> None:
        done = await self.storage.rewards.decide(
            ctx.community_id, found.id, status, ctx.actor.member_id, ctx.now, reason
        )
        if not done:  # decided by someone else between our read and the update
            raise UserError(f"Redemption #{found.id} was already decided.")

    async def _tell(self, ctx: Context, found: Redemption, text: str) -> None:
        """DM the member through the outbox, stored with the decision (one decision per
        request, so the request names the notice); an undeliverable DM fails nothing."""
        key = f"redemption:{found.id}:decided"
        await self.outbox.member(ctx.community_id, key, found.member_id, Message(text=text))
        self.outbox.soon(ctx, key)


def _check_name(name: str) -> None:
    """Names that look like numbers would be shadowed by ids in ``/rewards redeem 12``."""
    if name.strip().lstrip("#").isdigit():
        raise UserError("A reward's name needs a letter in it (numbers alone mean ids).")


def _check_cost(cost: int) -> None:
    if not 1 <= cost <= MAX_ADJUSTMENT:
        raise UserError(f"cost must be between 1 and {MAX_ADJUSTMENT:,}.")


def _stock_text(stock: int | None) -> str:
    return "unlimited" if stock is None else str(stock)
