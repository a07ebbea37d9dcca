"""Slack reaction names <-> the unicode emojis communities configure, by an explicit table.

Slack reports reactions by name (``+1``, ``thumbsup``, ``one``) and adds them by name; the
community settings hold unicode (``👍``). The mapping is a fixed table rather than a generic
emoji library, so what counts as a vote never changes under us with a dependency update. A
workspace's custom emoji is configured as ``:name:`` and maps to itself.
"""

from __future__ import annotations

# name Slack uses when adding -> unicode; aliases Slack may report are in ALIASES below
CANONICAL: dict[str, str] = {
    "+1": "👍",
    "-1": "👎",
    "one": "1️⃣",
    "two": "2️⃣",
    "three": "3️⃣",
    "four": "4️⃣",
    "five": "5️⃣",
    "heart": "❤️",
    "star": "⭐",
    "fire": "🔥",
    "tada": "🎉",
    "rocket": "🚀",
    "bulb": "💡",
    "100": "💯",
    "white_check_mark": "✅",
    "x": "❌",
    "arrow_up": "⬆️",
    "arrow_down": "⬇️",
    "arrow_up_small": "🔼",
    "arrow_down_small": "🔽",
    "eyes": "👀",
    "clap": "👏",
    "raised_hands": "🙌",
    "heavy_plus_sign": "➕",
    "heavy_minus_sign": "➖",
}

ALIASES: dict[str, str] = {
    "thumbsup": "+1",
    "thumbsdown": "-1",
}

_BY_UNICODE: dict[str, str] = {}
for _name, _char in CANONICAL.items():
    _BY_UNICODE[_char] = _name
    _BY_UNICODE[_char.replace("\ufe0f", "")] = _name


def to_unicode(name: str) -> str:
    """The configured-emoji form of a Slack reaction name: unicode from the table, else
    ``:name:`` (which only a community that configured that custom emoji counts as a vote).

    Skin tones (``+1::skin-tone-3``) count as the base emoji: a vote is a vote.
    """
    base = name.split("::", 1)[0]
    base = ALIASES.get(base, base)
    if base in CANONICAL:
        return CANONICAL[base]
    return f":{base}:"


def to_name(emoji: str) -> str | None:
    """The reaction name to add for a configured emoji (unicode or ``:custom:``)."""
    text = emoji.strip()
    if len(text) > 2 and text.startswith(":") and text.endswith(":"):
        return text[1:-1]
    return _BY_UNICODE.get(text) or _BY_UNICODE.get(text.replace("\ufe0f", ""))
