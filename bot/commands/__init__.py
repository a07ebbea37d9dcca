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


def new_registry() -> Registry:
    """A registry with every topic and no commands yet: the composition root (``build_app``)
    adds each topic's commands with the services their handlers use."""
    registry = Registry()
    for name, description in TOPICS.items():
        registry.topic(name, description)
    return registry
