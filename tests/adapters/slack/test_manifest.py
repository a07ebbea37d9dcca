"""The app manifest declares exactly what the adapter uses."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.adapter import SCOPES
from tests.command_model import command_model

MANIFEST = (Path(__file__).parents[3] / "adapters" / "slack" / "manifest.yaml").read_text()

# Slack's own commands (https://slack.com/help/articles/201259356): ours must not shadow them
BUILT_IN = {
    "active",
    "apps",
    "archive",
    "away",
    "call",
    "collapse",
    "dm",
    "dnd",
    "expand",
    "feed",
    "feedback",
    "invite",
    "join",
    "kick",
    "leave",
    "me",
    "msg",
    "mute",
    "open",
    "prefs",
    "remind",
    "remove",
    "rename",
    "search",
    "shortcuts",
    "shrug",
    "star",
    "status",
    "topic",
    "who",
    "giphy",
    "poll",
    "workflows",
    "todo",
}


def listed(section: str) -> list[str]:
    """The ``- item`` lines right under ``section:`` (a tiny reader: no YAML dependency)."""
    match = re.search(rf"\n(\s*){section}:\n((?:\1\s+- .+\n)+)", MANIFEST)
    assert match, section
    return [line.strip()[2:] for line in match.group(2).splitlines()]


def test_commands_are_the_command_model_topics_and_none_is_built_in() -> None:
    commands = re.findall(r"- command: /(\S+)", MANIFEST)
    assert sorted(commands) == sorted(command_model().topics)
    assert not set(commands) & BUILT_IN
    assert MANIFEST.count("should_escape: true") == len(commands), "mentions arrive as ids"


def test_scopes_events_and_interactivity() -> None:
    assert sorted(listed("bot")) == sorted(SCOPES)
    assert set(listed("bot_events")) >= {
        "reaction_added",
        "reaction_removed",
        "message.channels",
        "app_home_opened",
    }
    assert "home_tab_enabled: true" in MANIFEST
    assert re.search(r"interactivity:\n\s+is_enabled: true", MANIFEST)
    urls = set(re.findall(r"https://cocreate\.example\.com(/\S+)", MANIFEST))
    assert urls == {"/slack/events", "/slack/oauth_redirect"}
