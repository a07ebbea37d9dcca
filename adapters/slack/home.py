"""The App Home tab, drawn in Block Kit from the engine's neutral ``HomeView``: the member's
points and rank, the running campaigns with the time left, the open prompts (with the same
blocks as a prompt's post), their ideas and statuses. The engine reads; this only draws.
"""

from __future__ import annotations

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
from bot.replies import HomeView
from bot.wording import ordinal


def home_blocks(view: HomeView) -> dict[str, Any]:
    points = view.points
    where = f", {ordinal(view.rank)} all-time" if view.rank else ""
    blocks: list[Block] = [
        {"type": "header", "text": plain("Cocreate", 150)},
        *sections(f"You have **{points:,}** {'point' if points == 1 else 'points'}{where}."),
        context("Earn points by submitting ideas, voting and answering prompts · `/rewards`"),
        {"type": "divider"},
        {"type": "header", "text": plain("Campaigns", 150)},
    ]
    if not view.campaigns:
        blocks.append(context("No campaign is running right now."))
    else:
        lines = [
            f"*{mrkdwn(c.name)}* · {c.mode} · {c.phase}"
            + (f" · {mrkdwn(c.next_step)}" if c.next_step else "")
            for c in view.campaigns
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.extend([{"type": "divider"}, {"type": "header", "text": plain("Open prompts", 150)}])
    if not view.prompts:
        blocks.append(context("No open prompts right now."))
    for prompt in view.prompts:
        blocks.extend(prompt_blocks(prompt))
    blocks.extend([{"type": "divider"}, {"type": "header", "text": plain("Your ideas", 150)}])
    if not view.ideas:
        blocks.append(context("You have not submitted an idea yet: try `/idea`."))
    else:
        lines = [
            f"#{idea.idea_id} *{mrkdwn(idea.title)}* · {idea.status} · {mrkdwn(idea.tally)}"
            for idea in view.ideas
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
