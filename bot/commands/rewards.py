"""/rewards: the catalogue, redeeming, and the moderators' catalogue and approval queue.

Handlers only translate options and render replies; the rules (holding points, stock, audit,
DMs) are in ``bot.services.rewards`` so every caller gets them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.spec import Option, Registry
from bot.context import Context
from bot.ports import Storage
from bot.replies import Reply, Table
from bot.services.points import MAX_ADJUSTMENT
from bot.services.rewards import KEEP, Keep, RewardService, describe_stock, parse_stock
from bot.wording import member_name, member_names, plural

PENDING_LIMIT = 25


def register(registry: Registry, storage: Storage, rewards: RewardService) -> None:
    """Add /rewards to the registry."""
    reward_opt = Option(
        "reward",
        "the reward's name or number",
        required=True,
        max_length=100,
        autocomplete="reward",
    )
    redemption_opt = Option(
        "redemption",
        "the request's number (see /rewards pending)",
        "integer",
        required=True,
        min_value=1,
        autocomplete="redemption",
    )
    name_opt = Option("name", "what members get", min_length=1, max_length=100)
    cost_opt = Option("cost", "price in points", "integer", min_value=1, max_value=MAX_ADJUSTMENT)
    stock_opt = Option("stock", "how many there are: a number, or 'unlimited'", max_length=20)

    @registry.command("rewards", "list", "The reward catalogue")
    async def catalogue(ctx: Context) -> Reply:
        offered = await storage.rewards.catalogue(ctx.community_id)
        balance = await storage.ledger.balance(ctx.community_id, ctx.actor.member_id)
        if not offered:
            return Reply(f"The catalogue is empty for now. You have {plural(balance, 'point')}.")
        rows = tuple((f"#{r.id}", r.name, f"{r.cost:,}", describe_stock(r)) for r in offered)
        return Reply(
            f"You have {plural(balance, 'point')}. Redeem with `/rewards redeem <name or number>`.",
            table=Table("Rewards", ("No.", "Reward", "Cost", "Stock"), rows),
        )

    @registry.command("rewards", "redeem", "Spend points on a reward", reward_opt)
    async def redeem(ctx: Context, reward: str) -> Reply:
        done = await rewards.redeem(ctx, reward)
        return Reply(
            f"Requested {done.reward_name} (request #{done.id}). {plural(done.cost, 'point')} "
            f"{'is' if done.cost == 1 else 'are'} held until a moderator approves it; "
            f"if it is declined you get {'it' if done.cost == 1 else 'them'} back."
        )

    @registry.command(
        "rewards",
        "add",
        "Add a reward to the catalogue",
        Option("name", "what members get", required=True, min_length=1, max_length=100),
        Option(
            "cost",
            "price in points",
            "integer",
            required=True,
            min_value=1,
            max_value=MAX_ADJUSTMENT,
        ),
        stock_opt,
        moderator=True,
    )
    async def add(ctx: Context, name: str, cost: int, stock: str | None = None) -> Reply:
        count = None if stock is None else parse_stock(stock)
        made = await rewards.add(ctx, name, cost, count)
        return Reply(
            f"Added #{made.id} {made.name}: {plural(made.cost, 'point')}, "
            f"stock {describe_stock(made)}."
        )

    @registry.command(
        "rewards",
        "edit",
        "Change a reward's name, cost or stock",
        reward_opt,
        name_opt,
        cost_opt,
        stock_opt,
        moderator=True,
    )
    async def edit(
        ctx: Context,
        reward: str,
        name: str | None = None,
        cost: int | None = None,
        stock: str | None = None,
    ) -> Reply:
        count: int | Keep | None = KEEP if stock is None else parse_stock(stock)
        new = await rewards.edit(ctx, reward, name, cost, count)
        return Reply(
            f"Updated #{new.id} {new.name}: {plural(new.cost, 'point')}, "
            f"stock {describe_stock(new)}."
        )

    @registry.command(
        "rewards", "remove", "Take a reward out of the catalogue", reward_opt, moderator=True
    )
    async def remove(ctx: Context, reward: str) -> Reply:
        gone = await rewards.remove(ctx, reward)
        waiting = (
            f" {plural(gone.held, 'request')} still wait{'s' * (gone.held == 1)} "
            "in `/rewards pending`."
            if gone.held
            else ""
        )
        return Reply(f"Removed {gone.name} from the catalogue.{waiting}")

    @registry.command(
        "rewards", "approve", "Approve a held redemption", redemption_opt, moderator=True
    )
    async def approve(ctx: Context, redemption: int) -> Reply:
        done = await rewards.approve(ctx, redemption)
        name = await member_name(storage.members, ctx.community_id, done.member_id)
        return Reply(f"Approved #{done.id}: {done.reward_name} for {name or done.member_id}.")

    @registry.command(
        "rewards",
        "reject",
        "Reject a held redemption and give the points back",
        redemption_opt,
        Option("reason", "why (shown to the member)", "text", max_length=200, greedy=True),
        moderator=True,
    )
    async def reject(ctx: Context, redemption: int, reason: str = "") -> Reply:
        released = await rewards.reject(ctx, redemption, reason.strip())
        return Reply(
            f"Rejected #{redemption}; {plural(released, 'point')} went back to the member."
        )

    @registry.command("rewards", "pending", "Redemptions waiting for a decision", moderator=True)
    async def pending(ctx: Context) -> Reply:
        queue = await storage.rewards.pending(ctx.community_id, PENDING_LIMIT)
        if not queue:
            return Reply("No redemptions are waiting.")
        names = await member_names(storage.members, ctx.community_id, [r.member_id for r in queue])
        zone = ZoneInfo(ctx.settings.timezone)
        rows = tuple(
            (
                f"#{r.id}",
                names.get(r.member_id) or r.member_id,
                r.reward_name,
                f"{r.cost:,}",
                r.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            )
            for r in queue
        )
        return Reply(
            "Approve with `/rewards approve <no.>`, reject with `/rewards reject <no.> [reason]`.",
            table=Table("Waiting redemptions", ("No.", "Member", "Reward", "Cost", "Asked"), rows),
        )
