"""How an idea looks as a card, in neutral form."""

from __future__ import annotations

from bot.models import Idea, IdeaStatus, Tally
from bot.ports import Storage
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


async def load_cards(
    storage: Storage, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], tuple[str, str, IdeaCard]]:
    """The current card of each posted idea (channel, message, card), read in one transaction
    with bulk queries: what the card refresher edits."""
    by_community: dict[str, list[int]] = {}
    for community_id, idea_id in keys:
        by_community.setdefault(community_id, []).append(idea_id)
    found: dict[tuple[str, int], tuple[str, str, IdeaCard]] = {}
    async with storage.transaction():
        for community_id, idea_ids in by_community.items():
            settings = await storage.communities.settings(community_id)
            ideas = await storage.ideas.get_many(community_id, idea_ids)
            tallies = await storage.votes.tallies(list(ideas))
            names: dict[int, str] = {}
            for idea in ideas.values():
                if idea.campaign_id is not None and idea.campaign_id not in names:
                    campaign = await storage.campaigns.get(community_id, idea.campaign_id)
                    names[idea.campaign_id] = campaign.name if campaign else ""
            for idea in ideas.values():
                if idea.channel_id is None or idea.message_id is None:
                    continue
                campaign_name = names.get(idea.campaign_id) if idea.campaign_id else None
                card = render_card(idea, tallies[idea.id], settings, campaign_name or None)
                found[(community_id, idea.id)] = (idea.channel_id, idea.message_id, card)
    return found
