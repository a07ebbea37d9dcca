"""/points and /leaderboard: balances, history, moderator grants and deductions, rankings.

Grants and deductions go through ``PointsService.adjust`` with an idempotency key built from the
platform event id, so a replayed command cannot pay twice even if it slipped past the engine's
event claim. The balance check for a deduction is the ledger policy in ``PointsService.adjust``
(never below zero), inside the engine's transaction. A moderator cannot grant points to
themselves.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands.spec import Option, Registry
from bot.context import Context, audit
from bot.errors import UserError
from bot.models import LedgerEntry
from bot.ports import Storage
from bot.ports.community import MemberRepo
from bot.ports.ledger import LedgerRepo
from bot.replies import Message, Reply, Table
from bot.services.campaigns import CampaignService
from bot.services.outbox import Outbox
from bot.services.points import MAX_ADJUSTMENT, PointsService, ShortBalance
from bot.wording import member_name, member_names, ordinal, plural
from config.community import rule_name

PERIODS = ("all", "week", "month")
PERIOD_LABELS = {"all": "all time", "week": "this week", "month": "this month"}
HISTORY_LIMIT = 10
BOARD_SIZE = 10


def period_start(now: datetime, timezone: str, period: str) -> datetime | None:
    """Start of the period in the community's timezone: Monday 00:00 for a week, the 1st for
    a month, None for all time. Local midnight, so a Sunday-evening entry in Tokyo is last week."""
    if period == "all":
        return None
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if period == "week":
        first = today - timedelta(days=today.weekday())
    elif period == "month":
        first = today.replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return datetime.combine(first, time(0), tzinfo=zone)


def ranked(rows: list[tuple[str, int]]) -> list[tuple[int, str, int]]:
    """Competition ranking (1, 2, 2, 4): members with equal points share a rank."""
    out: list[tuple[int, str, int]] = []
    for index, (member_id, points) in enumerate(rows):
        rank = out[-1][0] if out and out[-1][2] == points else index + 1
        out.append((rank, member_id, points))
    return out


def _what(entry: LedgerEntry) -> str:
    """What an entry was for, in words: its reason, or the rule's human name."""
    if entry.idem_key.startswith("reverse:"):
        inner = entry.reason.removeprefix("reversed: ")
        return f"taken back: {rule_name(inner) if inner in ('', entry.rule) else inner}"
    return entry.reason or rule_name(entry.rule)


async def _name(members: MemberRepo, ctx: Context, member_id: str) -> str:
    return await member_name(members, ctx.community_id, member_id)


async def _history_table(
    ledger: LedgerRepo, ctx: Context, member_id: str, title: str
) -> Table | None:
    entries = await ledger.history(ctx.community_id, member_id, HISTORY_LIMIT)
    if not entries:
        return None
    zone = ZoneInfo(ctx.settings.timezone)
    rows = tuple(
        (e.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), f"{e.amount:+,}", _what(e))
        for e in entries
    )
    return Table(title, ("When", "Points", "What"), rows)


async def _standing(ledger: LedgerRepo, ctx: Context, member_id: str) -> str:
    balance = await ledger.balance(ctx.community_id, member_id)
    rank = await ledger.rank(ctx.community_id, member_id, None)
    where = f" ({ordinal(rank[0])} place all-time)" if rank else ""
    return f"{plural(balance, 'point')}{where}"


async def _dm(outbox: Outbox, ctx: Context, member_id: str, text: str) -> None:
    """Tell the member through the outbox, stored with the adjustment."""
    key = f"points:{ctx.event_id}"
    await outbox.member(ctx.community_id, key, member_id, Message(text=text))
    outbox.soon(ctx, key)


async def _adjust(
    storage: Storage,
    points: PointsService,
    outbox: Outbox,
    ctx: Context,
    member: str,
    amount: int,
    reason: str,
) -> Reply:
    """Shared body of grant (amount > 0) and deduct (amount < 0)."""
    community = ctx.community_id
    name = await _name(storage.members, ctx, member)
    if amount > 0 and member == ctx.actor.member_id:
        raise UserError(
            "You can't grant points to yourself; moderators don't pay themselves. "
            "Ask another moderator if you earned them."
        )
    try:
        paid = await points.adjust(
            community,
            member,
            amount,
            reason,
            ctx.actor.member_id,
            f"manual:{ctx.event_id}",
            ctx.now,
            ctx.settings,
        )
    except ShortBalance as short:
        raise UserError(
            f"{name} has {plural(short.balance, 'point')}, so you can deduct at most "
            f"{short.balance:,}; a balance cannot go below zero."
        ) from None
    if not paid:
        return Reply("That adjustment was already applied.")
    verb = "grant" if amount > 0 else "deduct"
    await audit(
        storage.audit,
        ctx,
        f"points.{verb}",
        target=f"member:{member}",
        detail=f"{amount:+,}: {reason}",
    )
    balance = await storage.ledger.balance(community, member)
    change = f"+{amount:,}" if amount > 0 else f"-{-amount:,}"
    await _dm(
        outbox,
        ctx,
        member,
        f"A moderator changed your points by {change}: {reason}. "
        f"You now have {plural(balance, 'point')}.",
    )
    return Reply(
        f"{change} {'point' if abs(amount) == 1 else 'points'} for {name} ({reason}). "
        f"New balance: {plural(balance, 'point')}."
    )


def register(
    registry: Registry,
    storage: Storage,
    points: PointsService,
    campaigns: CampaignService,
    outbox: Outbox,
) -> None:
    """Add /points and /leaderboard to the registry."""
    member_opt = Option("member", "a member (mention or id); yourself if left out", "member")
    amount_opt = Option(
        "amount",
        "how many points",
        "integer",
        required=True,
        min_value=1,
        max_value=MAX_ADJUSTMENT,
    )
    reason_opt = Option(
        "reason",
        "why (shown to the member)",
        "text",
        required=True,
        min_length=1,
        max_length=200,
        greedy=True,
    )
    target_opt = Option("member", "a member (mention or id)", "member", required=True)

    @registry.command(
        "points", "show", "Your balance, rank and recent points, or a member's", member_opt
    )
    async def show(ctx: Context, member: str | None = None) -> Reply:
        if member and member != ctx.actor.member_id:
            standing = await _standing(storage.ledger, ctx, member)
            return Reply(f"{await _name(storage.members, ctx, member)} has {standing}.")
        me = ctx.actor.member_id
        table = await _history_table(storage.ledger, ctx, me, "Your recent points")
        text = f"You have {await _standing(storage.ledger, ctx, me)}."
        if table is None:
            text += " Submit ideas, vote and answer prompts to earn points."
        return Reply(text, table=table)

    @registry.command(
        "points", "history", "Recent point entries (moderators: any member's)", member_opt
    )
    async def history(ctx: Context, member: str | None = None) -> Reply:
        target = member or ctx.actor.member_id
        if target != ctx.actor.member_id:
            ctx.require_moderator()
        them = "Your" if target == ctx.actor.member_id else None
        name = them or f"{await _name(storage.members, ctx, target)}'s"
        table = await _history_table(storage.ledger, ctx, target, f"{name} recent points")
        if table is None:
            return Reply(f"{name} history is empty so far.")
        return Reply(table=table)

    @registry.command(
        "points",
        "grant",
        "Give a member points",
        target_opt,
        amount_opt,
        reason_opt,
        moderator=True,
    )
    async def grant(ctx: Context, member: str, amount: int, reason: str) -> Reply:
        return await _adjust(storage, points, outbox, ctx, member, amount, reason)

    @registry.command(
        "points",
        "deduct",
        "Take points from a member",
        target_opt,
        amount_opt,
        reason_opt,
        moderator=True,
    )
    async def deduct(ctx: Context, member: str, amount: int, reason: str) -> Reply:
        return await _adjust(storage, points, outbox, ctx, member, -amount, reason)

    @registry.command(
        "leaderboard",
        "show",
        "Top members all-time, this week, this month, or in a campaign's season",
        Option("period", "all, week or month", "choice", choices=PERIODS),
        Option("campaign", "A campaign's season instead", max_length=60, autocomplete="campaign"),
    )
    async def leaderboard(ctx: Context, period: str = "all", campaign: str | None = None) -> Reply:
        ledger = storage.ledger
        if campaign:
            chosen = await campaigns.get(ctx, campaign)
            top = ranked(await ledger.season_top(ctx.community_id, chosen.id, BOARD_SIZE))
            label = f"in the {chosen.name} season"
            mine = await ledger.season_rank(ctx.community_id, chosen.id, ctx.actor.member_id)
            title = f"Season: {chosen.name}"
        else:
            since = period_start(ctx.now, ctx.settings.timezone, period)
            top = ranked(await ledger.top(ctx.community_id, since, BOARD_SIZE))
            label = PERIOD_LABELS[period]
            mine = await ledger.rank(ctx.community_id, ctx.actor.member_id, since)
            title = f"Leaderboard, {label}"
        if not top:
            return Reply(f"No points earned {label} yet.")
        names = await member_names(storage.members, ctx.community_id, [m for _, m, _ in top])
        rows = tuple((ordinal(r), names.get(m) or m, f"{p:,}") for r, m, p in top)
        if mine is None:
            own = f"You have no points {label} yet."
        else:
            own = f"You are in {ordinal(mine[0])} place with {plural(mine[1], 'point')} {label}."
        table = Table(title, ("Rank", "Member", "Points"), rows)
        return Reply(own, table=table)
