"""How an idea looks as a card, in neutral form."""

from __future__ import annotations

from bot.models import Idea, IdeaStatus, Tally
from bot.replies import IdeaCard
from config.community import CommunitySettings


def render_card(
    idea: Idea, tally: Tally, settings: CommunitySettings, campaign: str | None
) -> IdeaCard:
    status = idea.status.label
    if idea.status == IdeaStatus.DECLINED and idea.decline_reason:
        status = f"declined: {idea.decline_reason}"
    return IdeaCard(
        idea_id=idea.id,
        title=idea.title,
        description=idea.description,
        author_id=idea.author_id,
        author_name=idea.author_name or idea.author_id,
        status=status,
        campaign=campaign,
        tally=tally.describe(idea.scheme.mode),
        vote_emojis=idea.scheme.emojis,
        merged_into=idea.merged_into,
    )


def card_text(card: IdeaCard) -> str:
    """A plain-text rendering (console, notifications, fallbacks)."""
    lines = [f"💡 #{card.idea_id} {card.title}  [{card.status}]"]
    if card.description:
        lines.append(card.description)
    meta = f"by {card.author_name} · {card.tally}"
    if card.campaign:
        meta += f" · campaign {card.campaign}"
    if card.merged_into:
        meta += f" · merged into #{card.merged_into}"
    lines.append(meta)
    return "\n".join(lines)
