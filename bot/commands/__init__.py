"""The command model: every topic and verb, defined once for every platform."""

from __future__ import annotations

from bot.commands.spec import Registry

TOPICS = {
    "idea": "Submit, browse and discuss ideas",
    "campaign": "Campaigns: briefs from the brand",
    "prompt": "Feedback prompts",
    "points": "Reward points",
    "leaderboard": "Who contributed most",
    "rewards": "The reward catalogue",
    "cocreate": "Help and settings",
}


def build_registry() -> Registry:
    # imported here: the topic modules import this package for the command model
    from bot.commands import (
        campaigns,
        cocreate,
        ideas,
        points,
        prompts,
        rewards,
    )

    registry = Registry()
    for name, description in TOPICS.items():
        registry.topic(name, description)
    for module in (ideas, campaigns, prompts, points, rewards, cocreate):
        module.register(registry)
    return registry
