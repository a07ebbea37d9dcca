"""The /campaign commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.commands.spec import Option, Registry
from bot.context import Context

if TYPE_CHECKING:
    from bot.app import Services
from bot.models import Phase
from bot.replies import Reply

NAME = Option("name", "The campaign", required=True, max_length=60, autocomplete="campaign")


def register(registry: Registry) -> None:
    @registry.command(
        "campaign",
        "list",
        "Campaigns and their phases",
        Option("all", "Include closed campaigns", "boolean"),
    )
    async def list_(ctx: Context, **opts: Any) -> Reply:
        return await ctx.services.campaigns.list_campaigns(ctx, opts.get("all", False))

    @registry.command("campaign", "show", "A campaign's brief, phase and leading ideas", NAME)
    async def show(ctx: Context, name: str) -> Reply:
        return await ctx.services.campaigns.show(ctx, name)

    @registry.command(
        "campaign",
        "create",
        "Start a campaign",
        Option("name", "Its name", required=True, min_length=1, max_length=60),
        Option(
            "mode",
            "contest, board, milestone or pick",
            "choice",
            choices=("contest", "board", "milestone", "pick"),
        ),
        Option("brief", "What the brand asks for", "text", max_length=1000, greedy=True),
        Option("winners", "How many winners (contest)", "integer", min_value=1, max_value=25),
        moderator=True,
    )
    async def create(ctx: Context, name: str, **opts: Any) -> Reply:
        return await ctx.services.campaigns.create(
            ctx, name, opts.get("mode", "contest"), opts.get("brief", ""), opts.get("winners", 3)
        )

    @registry.command(
        "campaign", "vote", "Open voting now (ends submissions)", NAME, moderator=True
    )
    async def open_voting(ctx: Context, name: str) -> Reply:
        return await ctx.services.campaigns.open_voting(ctx, name)

    async def recount_first(services: Services, community_id: str, options: dict[str, Any]) -> None:
        await services.campaigns.recount(services, community_id, options["name"])

    @registry.command(
        "campaign",
        "close",
        "Close voting now and announce the results",
        NAME,
        moderator=True,
        prepare=recount_first,
    )
    async def close(ctx: Context, name: str) -> Reply:
        return await ctx.services.campaigns.close(ctx, name)

    @registry.command("campaign", "pause", "Pause a campaign", NAME, moderator=True)
    async def pause(ctx: Context, name: str) -> Reply:
        return await ctx.services.campaigns.pause(ctx, name)

    @registry.command(
        "campaign",
        "resume",
        "Resume a paused campaign",
        NAME,
        Option("phase", "Resume into this phase", "choice", choices=("submissions", "voting")),
        moderator=True,
    )
    async def resume(ctx: Context, name: str, **opts: Any) -> Reply:
        phase = Phase(opts.get("phase", "submissions"))
        campaign = await ctx.services.campaigns.move(ctx, name, Phase.PAUSED, phase)
        return Reply(f"Campaign {campaign.name!r} resumed ({phase.value}).")

    @registry.command("campaign", "cancel", "Cancel a campaign", NAME, moderator=True)
    async def cancel(ctx: Context, name: str) -> Reply:
        return await ctx.services.campaigns.cancel(ctx, name)
