"""Discord objects as the API serialises them, for the fake server to hand out.

Only the fields discord.py reads are filled, with the types Discord uses (ids as strings,
permissions as decimal strings, ISO timestamps).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
Json = dict[str, Any]

TEXT, DM, PUBLIC_THREAD, FORUM = 0, 1, 11, 15
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 6) | (1 << 16)  # view, send, react, history


class Snowflakes:
    """Ids that decode to a plausible creation time, increasing like Discord's."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self, at: datetime | None = None) -> str:
        when = at or datetime.now(UTC)
        ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0x3FFFFF))


def iso(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).isoformat()


@dataclass
class User:
    id: str
    name: str
    bot: bool = False

    def json(self) -> Json:
        data: Json = {
            "id": self.id,
            "username": self.name.lower(),
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Member:
    user: User
    roles: list[str] = field(default_factory=list)
    admin: bool = False
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=200))

    @property
    def id(self) -> str:
        return self.user.id

    def json(self, *, permissions: bool = False) -> Json:
        data: Json = {
            "user": self.user.json(),
            "roles": list(self.roles),
            "joined_at": iso(self.joined_at),
            "nick": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        if permissions:
            value = EVERYONE_PERMISSIONS | (MANAGE_GUILD if self.admin else 0)
            data["permissions"] = str(value)
        return data


@dataclass
class Channel:
    id: str
    guild_id: str | None
    name: str
    type: int = TEXT
    parent_id: str | None = None
    owner_id: str | None = None

    def json(self) -> Json:
        data: Json = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": self.parent_id,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
        if self.type == FORUM:
            data.update(available_tags=[], default_reaction_emoji=None, flags=0)
        if self.type == PUBLIC_THREAD:
            data.update(
                owner_id=self.owner_id,
                member_count=1,
                message_count=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso(),
                    "locked": False,
                },
            )
        if self.type == DM:
            data = {"id": self.id, "type": DM, "recipients": [], "last_message_id": None}
        return data


@dataclass
class StoredMessage:
    id: str
    channel_id: str
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Json] = field(default_factory=list)
    #: emoji -> user ids, in the order they reacted
    reactions: dict[str, list[str]] = field(default_factory=dict)
    guild_id: str | None = None
    flags: int = 0
    edits: int = 0
    nonce: str | None = None

    def json(self, me: str | None = None) -> Json:
        data: Json = {
            "id": self.id,
            "channel_id": self.channel_id,
            "author": self.author.json(),
            "content": self.content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": 0,
            "flags": self.flags,
        }
        if self.guild_id:
            data["guild_id"] = self.guild_id
        if self.nonce is not None:
            data["nonce"] = self.nonce
        reactions = []
        for emoji, users in self.reactions.items():
            if users:
                reactions.append(
                    {
                        "count": len(users),
                        "me": me in users,
                        "emoji": emoji_json(emoji),
                        "burst_colors": [],
                        "count_details": {"burst": 0, "normal": len(users)},
                        "me_burst": False,
                    }
                )
        if reactions:
            data["reactions"] = reactions
        return data


def emoji_json(emoji: str) -> Json:
    if emoji.startswith("<") and emoji.endswith(">"):
        parts = emoji.strip("<>").split(":")
        return {"id": parts[-1], "name": parts[-2], "animated": parts[0] == "a"}
    return {"id": None, "name": emoji}


def role(role_id: str, name: str, permissions: int, position: int = 0) -> Json:
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
