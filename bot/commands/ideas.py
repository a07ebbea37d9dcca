"""The /idea commands."""

from __future__ import annotations

from typing import Any

from bot.commands.spec import Option, Registry
from bot.context import Context
from bot.models import SETTABLE_STATUSES
from bot.replies import Reply
from bot.services import idea_moderation as moderation

IDEA = Option(
    "idea", "The idea's number", "integer", required=True, min_value=1, autocomplete="idea"
)
STATUS_CHOICES = tuple(s.value for s in SETTABLE_STATUSES)


def register(registry: Registry) -> None:
    @registry.command(
        "idea",
        "submit",
        "Submit an idea (with no options, a form opens)",
        Option("title", "A short title", required=True, min_length=1, max_length=100),
        Option("description", "What is it, and why would people love it?", "text", max_length=2000),
        Option("campaign", "The campaign it answers", autocomplete="campaign"),
        form_when_empty=True,
    )
    async def submit(ctx: Context, **opts: Any) -> Reply:
        return await ctx.services.ideas.submit(
            ctx, opts["title"], opts.get("description", ""), opts.get("campaign")
        )

    @registry.command(
        "idea",
        "list",
        "Browse ideas",
        Option("sort", "Order", "choice", choices=("top", "new", "trending")),
        Option("status", "Only ideas with this status", "choice", choices=STATUS_CHOICES),
        Option("campaign", "Only ideas in this campaign", autocomplete="campaign"),
        Option("author", "Only ideas by this member", "member"),
        Option("page", "Page number", "integer", min_value=1, max_value=1000),
    )
    async def list_(ctx: Context, **opts: Any) -> Reply:
        return await ctx.services.ideas.list_ideas(
            ctx,
            opts.get("sort", "top"),
            opts.get("status"),
            opts.get("campaign"),
            opts.get("author"),
            opts.get("page", 1),
        )

    @registry.command("idea", "show", "Show one idea with its tally and thread", IDEA)
    async def show(ctx: Context, idea: int) -> Reply:
        return await ctx.services.ideas.show(ctx, idea)

    @registry.command(
        "idea",
        "edit",
        "Change your idea's title or description",
        IDEA,
        Option("title", "New title", min_length=1, max_length=100),
        Option("description", "New description", "text", max_length=2000),
    )
    async def edit(ctx: Context, idea: int, **opts: Any) -> Reply:
        return await ctx.services.ideas.edit(ctx, idea, opts.get("title"), opts.get("description"))

    @registry.command("idea", "withdraw", "Withdraw your idea", IDEA)
    async def withdraw(ctx: Context, idea: int) -> Reply:
        return await ctx.services.ideas.withdraw(ctx, idea)

    @registry.command(
        "idea",
        "status",
        "Move an idea to a new status",
        IDEA,
        Option("status", "The new status", "choice", required=True, choices=STATUS_CHOICES),
        Option("reason", "Why (required when declining)", max_length=500, greedy=True),
        moderator=True,
    )
    async def status(ctx: Context, idea: int, status: str, reason: str = "") -> Reply:
        return await moderation.set_status(ctx, idea, status, reason)

    @registry.command(
        "idea",
        "merge",
        "Merge a duplicate into another idea",
        Option(
            "duplicate",
            "The duplicate idea",
            "integer",
            required=True,
            min_value=1,
            autocomplete="idea",
        ),
        Option(
            "into",
            "The idea that stays",
            "integer",
            required=True,
            min_value=1,
            autocomplete="idea",
        ),
        moderator=True,
    )
    async def merge(ctx: Context, duplicate: int, into: int) -> Reply:
        return await moderation.merge(ctx, duplicate, into)

    @registry.command("idea", "queue", "Ideas waiting for review", moderator=True)
    async def queue(ctx: Context) -> Reply:
        return await moderation.queue(ctx)

    @registry.command(
        "idea", "approve", "Approve an idea from the review queue", IDEA, moderator=True
    )
    async def approve(ctx: Context, idea: int) -> Reply:
        return await moderation.approve(ctx, idea)

    @registry.command(
        "idea",
        "reject",
        "Reject an idea from the review queue",
        IDEA,
        Option("reason", "Why (the author sees it)", max_length=500, greedy=True),
        moderator=True,
    )
    async def reject(ctx: Context, idea: int, reason: str = "") -> Reply:
        return await moderation.reject(ctx, idea, reason)
