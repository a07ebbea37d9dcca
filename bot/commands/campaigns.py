"""The /campaign commands."""

from __future__ import annotations

from typing import Any

from bot.commands.spec import Option, Registry
from bot.context import Context
from bot.replies import Reply
from bot.services.campaigns import CampaignService

NAME = Option("name", "The campaign", required=True, max_length=60, autocomplete="campaign")
WHEN = "a duration (30m, 2h, 7d) or a date-time (2026-03-01 18:00)"
BRIEF = Option("brief", "What the brand asks for", "text", max_length=1000, greedy=True)
WINNERS = Option("winners", "How many winners (contest)", "integer", min_value=1, max_value=25)
SUBMISSIONS = Option("submissions", f"How long ideas are taken (contest): {WHEN}", max_length=40)
VOTING = Option("voting", f"How long voting lasts: {WHEN}", max_length=40)


def register(registry: Registry, campaigns: CampaignService) -> None:
    @registry.command(
        "campaign",
        "list",
        "Campaigns, their phases and the time left",
        Option("all", "Include closed campaigns", "boolean"),
    )
    async def list_(ctx: Context, **opts: Any) -> Reply:
        return await campaigns.list_campaigns(ctx, opts.get("all", False))

    @registry.command(
        "campaign", "show", "A campaign's brief, phase, time left, leading ideas and results", NAME
    )
    async def show(ctx: Context, name: str) -> Reply:
        return await campaigns.show(ctx, name)

    @registry.command(
        "campaign",
        "create",
        "Start a campaign, now or at a set time, once or on a schedule",
        Option("name", "Its name", required=True, min_length=1, max_length=60),
        Option(
            "mode",
            "contest, board, milestone or pick",
            "choice",
            choices=("contest", "board", "milestone", "pick"),
        ),
        BRIEF,
        WINNERS,
        SUBMISSIONS,
        VOTING,
        Option("starts", f"When it opens (default: now): {WHEN}", max_length=40),
        Option("every", "Repeat: a new round e.g. every `monday 09:00`", max_length=60),
        moderator=True,
    )
    async def create(ctx: Context, name: str, **opts: Any) -> Reply:
        return await campaigns.create(
            ctx,
            name,
            opts.get("mode", "contest"),
            opts.get("brief", ""),
            opts.get("winners", 3),
            starts=opts.get("starts"),
            submissions=opts.get("submissions"),
            voting=opts.get("voting"),
            every=opts.get("every"),
        )

    @registry.command(
        "campaign",
        "edit",
        "Change a campaign's brief, winners, windows or schedule",
        NAME,
        BRIEF,
        WINNERS,
        SUBMISSIONS,
        VOTING,
        Option("every", "Repeat schedule, e.g. `monday 09:00`, or `off`", max_length=60),
        Option("rename", "A new name", max_length=60),
        moderator=True,
    )
    async def edit(ctx: Context, name: str, **opts: Any) -> Reply:
        return await campaigns.edit(
            ctx,
            name,
            brief=opts.get("brief"),
            winners=opts.get("winners"),
            submissions=opts.get("submissions"),
            voting=opts.get("voting"),
            every=opts.get("every"),
            rename=opts.get("rename"),
        )

    @registry.command(
        "campaign", "vote", "Open voting now (ends submissions)", NAME, moderator=True
    )
    async def open_voting(ctx: Context, name: str) -> Reply:
        return await campaigns.open_voting(ctx, name)

    async def recount_first(community_id: str, options: dict[str, Any]) -> None:
        await campaigns.recount(community_id, options["name"])

    @registry.command(
        "campaign",
        "close",
        "Close voting now and announce the results",
        NAME,
        moderator=True,
        prepare=recount_first,
    )
    async def close(ctx: Context, name: str) -> Reply:
        return await campaigns.close(ctx, name)

    @registry.command("campaign", "pause", "Pause a campaign", NAME, moderator=True)
    async def pause(ctx: Context, name: str) -> Reply:
        return await campaigns.pause(ctx, name)

    @registry.command(
        "campaign",
        "resume",
        "Resume a paused campaign; its due times move by the pause",
        NAME,
        Option("phase", "Resume into this phase", "choice", choices=("submissions", "voting")),
        moderator=True,
    )
    async def resume(ctx: Context, name: str, **opts: Any) -> Reply:
        return await campaigns.resume(ctx, name, opts.get("phase"))

    @registry.command("campaign", "cancel", "Cancel a campaign", NAME, moderator=True)
    async def cancel(ctx: Context, name: str) -> Reply:
        return await campaigns.cancel(ctx, name)
