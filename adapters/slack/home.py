"""The App Home tab: a member's points and rank, the running campaigns with the time left, the
open prompts, their ideas and statuses.

Read straight from storage (read-only, one short transaction) when the member opens the tab:
it is a view of data, not an action, so it needs no event id and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.slack.blocks import (
    MAX_VIEW_BLOCKS,
    Block,
    context,
    mrkdwn,
    plain,
    prompt_blocks,
    sections,
)
from bot.ports import Storage
from bot.ports.ideas import IdeaFilter
from bot.ports.prompts import Prompt
from bot.replies import PromptView
from bot.services.round_times import next_step_text
from bot.timeparse import describe
from bot.wording import ordinal

PROMPTS_SHOWN = 10
CAMPAIGNS_SHOWN = 10
IDEAS_SHOWN = 15


def prompt_view(prompt: Prompt, timezone: str, now: datetime) -> PromptView:
    return PromptView(
        prompt_id=prompt.id,
        kind=prompt.kind,
        question=prompt.question,
        subject=prompt.subject.describe() if prompt.subject else None,
        options=prompt.options,
        anonymous=prompt.anonymous,
        closes_at=describe(prompt.closes_at, timezone) if prompt.closes_at else None,
        closed=prompt.is_closed(now),
    )


async def home_view(
    storage: Storage, community_id: str, member_id: str, now: datetime
) -> dict[str, Any]:
    async with storage.transaction():
        settings = await storage.communities.settings(community_id)
        balance = await storage.ledger.balance(community_id, member_id)
        rank = await storage.ledger.rank(community_id, member_id, None)
        prompts = [
            p for p in await storage.prompts.recent(community_id, 25) if not p.is_closed(now)
        ]
        campaigns = []
        for campaign in (await storage.campaigns.in_community(community_id))[:CAMPAIGNS_SHOWN]:
            current = (
                await storage.campaigns.round(campaign.current_round)
                if campaign.current_round is not None
                else None
            )
            campaigns.append((campaign, next_step_text(campaign, current, now)))
        ideas = await storage.ideas.search(
            community_id,
            IdeaFilter(author_id=member_id, include_gone=True),
            "new",
            now,
            limit=IDEAS_SHOWN,
        )
    where = f", {ordinal(rank[0])} all-time" if rank else ""
    blocks: list[Block] = [
        {"type": "header", "text": plain("Cocreate", 150)},
        *sections(f"You have **{balance:,}** {'point' if balance == 1 else 'points'}{where}."),
        context("Earn points by submitting ideas, voting and answering prompts · `/rewards`"),
        {"type": "divider"},
        {"type": "header", "text": plain("Campaigns", 150)},
    ]
    if not campaigns:
        blocks.append(context("No campaign is running right now."))
    else:
        lines = [
            f"*{mrkdwn(c.name)}* · {c.mode.value} · {c.phase.value}"
            + (f" · {mrkdwn(nxt)}" if nxt else "")
            for c, nxt in campaigns
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.extend([{"type": "divider"}, {"type": "header", "text": plain("Open prompts", 150)}])
    if not prompts:
        blocks.append(context("No open prompts right now."))
    for prompt in prompts[:PROMPTS_SHOWN]:
        blocks.extend(prompt_blocks(prompt_view(prompt, settings.timezone, now)))
    blocks.extend([{"type": "divider"}, {"type": "header", "text": plain("Your ideas", 150)}])
    if not ideas:
        blocks.append(context("You have not submitted an idea yet: try `/idea`."))
    else:
        lines = [
            f"#{idea.id} *{mrkdwn(idea.title)}* · {idea.status.label} · "
            f"{mrkdwn(tally.describe(idea.scheme.mode))}"
            for idea, tally in ideas
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
