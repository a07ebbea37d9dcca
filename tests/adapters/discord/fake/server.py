"""A local Discord for end-to-end tests: REST and gateway on 127.0.0.1 (port 0), one server.

The real discord.py client connects to it. Tests act as members (slash commands, buttons,
forms, reactions, thread messages) through the same payloads Discord sends, and read back what
the bot did from ``requests`` (every REST call, recorded) and the fake's state.
"""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from tests.adapters.discord.fake.gateway import Gateway
from tests.adapters.discord.fake.model import (
    EVERYONE_PERMISSIONS,
    FORUM,
    MANAGE_GUILD,
    TEXT,
    Channel,
    Json,
    Member,
    Snowflakes,
    StoredMessage,
    User,
    emoji_json,
    iso,
    role,
)
from tests.adapters.discord.fake.records import Interaction, RateLimit
from tests.adapters.discord.fake.rest import EPHEMERAL, Recorded, Rest

TOKEN = "fake-bot-token"


class FakeDiscord(Rest):
    def __init__(self) -> None:
        self.ids = Snowflakes()
        self.token = TOKEN
        self.bot = User(self.ids.next(), "Cocreate", bot=True)
        self.application_id = self.bot.id
        self.guild_id = self.ids.next()
        self.owner = Member(User(self.ids.next(), "Owner"), admin=True)
        self.bot_member = Member(self.bot)
        self.members: dict[str, Member] = {self.owner.id: self.owner, self.bot.id: self.bot_member}
        self.users: dict[str, User] = {self.bot.id: self.bot, self.owner.id: self.owner.user}
        self.general = Channel(self.ids.next(), self.guild_id, "general")
        self.forum = Channel(self.ids.next(), self.guild_id, "ideas", FORUM)
        self.channels: dict[str, Channel] = {c.id: c for c in (self.general, self.forum)}
        self.roles: list[Json] = [role(self.guild_id, "@everyone", EVERYONE_PERMISSIONS)]
        self.messages: dict[str, StoredMessage] = {}
        #: (channel id, enforced nonce) -> the message it created
        self.nonces: dict[tuple[str, str], str] = {}
        self.requests: list[Recorded] = []
        self.commands: dict[str, list[Json]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.dm_channels: dict[str, str] = {}
        self.closed_dms: set[str] = set()
        self.bot_manages_messages = True
        #: refuse channel messages that carry files (the bot lacks Attach Files)
        self.refuse_files = False
        self.rate_limits: list[RateLimit] = []
        self.delays: dict[str, float] = {}
        self.intents: list[int] = []
        self.gateway = Gateway(self)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- server ------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    @staticmethod
    def shard_of(guild_id: str, count: int) -> int:
        return (int(guild_id) >> 22) % count

    def guild_json(self) -> Json:
        return {
            "id": self.guild_id,
            "name": "Cocreate Test Server",
            "icon": None,
            "owner_id": self.owner.id,
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [c.json() for c in (self.general, self.forum)],
            "threads": [],
            "members": [self.bot_member.json()],
            "member_count": len(self.members),
            "unavailable": False,
            "large": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "joined_at": iso(),
        }

    # -- people ------------------------------------------------------------------------------
    def member(self, name: str, *, admin: bool = False, roles: tuple[str, ...] = ()) -> Member:
        user = User(self.ids.next(), name)
        member = Member(user, list(roles), admin)
        if admin:
            role_id = self.ids.next()
            self.roles.append(role(role_id, f"{name}-admin", MANAGE_GUILD, 1))
            member.roles.append(role_id)
        self.users[user.id] = user
        self.members[user.id] = member
        return member

    def user(self, user_id: str) -> User:
        return self.users.get(user_id) or User(user_id, f"user{user_id[-4:]}")

    # -- messages ----------------------------------------------------------------------------
    def store_message(
        self,
        channel_id: str,
        author: User,
        body: Json,
        files: list[tuple[str, bytes]] | None = None,
        message_id: str | None = None,
    ) -> StoredMessage:
        message = StoredMessage(message_id or self.ids.next(), channel_id, author)
        channel = self.channels.get(channel_id)
        message.guild_id = channel.guild_id if channel else None
        self.edit_message(message, body, files)
        message.edits = 0
        self.messages[message.id] = message
        return message

    def edit_message(
        self, message: StoredMessage, body: Json, files: list[tuple[str, bytes]] | None = None
    ) -> None:
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = list(body["embeds"] or [])
        if "components" in body:
            message.components = list(body["components"] or [])
        if files:
            message.attachments = [
                {
                    "id": self.ids.next(),
                    "filename": name,
                    "size": len(data),
                    "url": "",
                    "proxy_url": "",
                }
                for name, data in files
            ]
        message.flags = int(body.get("flags") or message.flags)
        message.edits += 1

    def in_channel(self, channel_id: str) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel_id]

    def dms_to(self, member: Member) -> list[str]:
        channel = self.dm_channels.get(member.id)
        return [m.content for m in self.in_channel(channel)] if channel else []

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # -- reactions ---------------------------------------------------------------------------
    def _reaction_payload(self, user_id: str, message: StoredMessage, emoji: str) -> Json:
        return {
            "user_id": user_id,
            "channel_id": message.channel_id,
            "message_id": message.id,
            "guild_id": self.guild_id,
            "emoji": emoji_json(emoji),
            "burst": False,
            "type": 0,
        }

    async def add_reaction(self, member: Member, message: StoredMessage, emoji: str) -> int:
        users = message.reactions.setdefault(emoji, [])
        if member.id not in users:
            users.append(member.id)
        payload = self._reaction_payload(member.id, message, emoji)
        payload["member"] = member.json()
        payload["message_author_id"] = message.author.id
        return await self.gateway.dispatch("MESSAGE_REACTION_ADD", payload)

    async def remove_reaction(self, user_id: str, message: StoredMessage, emoji: str) -> int:
        users = message.reactions.get(emoji, [])
        if user_id in users:
            users.remove(user_id)
        return await self.gateway.dispatch(
            "MESSAGE_REACTION_REMOVE", self._reaction_payload(user_id, message, emoji)
        )

    async def post_in_thread(self, member: Member, thread_id: str) -> StoredMessage:
        """A member writes in a thread; the bot has no Message Content intent, so no text."""
        message = self.store_message(thread_id, member.user, {"content": ""})
        data = message.json()
        data["member"] = {k: v for k, v in member.json().items() if k != "user"}
        await self.gateway.dispatch("MESSAGE_CREATE", data)
        return message

    # -- interactions ------------------------------------------------------------------------
    async def interact(
        self,
        member: Member,
        kind: int,
        data: Json,
        channel_id: str | None = None,
        message: StoredMessage | None = None,
    ) -> Interaction:
        channel = self.channels[channel_id or self.general.id]
        iid = self.ids.next()
        token = f"itoken-{iid}"
        payload: Json = {
            "id": iid,
            "application_id": self.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": self.guild_id,
            "channel_id": channel.id,
            "channel": channel.json(),
            "member": member.json(permissions=True),
            "data": data,
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message.json(self.bot.id)
        record = Interaction(iid, token, channel.id, time.monotonic())
        record.message_id = message.id if message else None
        self.interactions[token] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    def command_data(self, path: str, options: dict[str, Any], focused: str | None = None) -> Json:
        """Slash-command data shaped by the commands the bot synced (which must exist)."""
        topic, *words = path.split()
        synced = self.commands.get(self.guild_id) or self.commands.get("global") or []
        top = next((c for c in synced if c["name"] == topic), None)
        assert top is not None, f"/{topic} was not synced"
        node: Json = top
        for word in words:
            node = next((o for o in node.get("options", []) if o["name"] == word), None)  # type: ignore[assignment]
            assert node is not None, f"/{path} was not synced"
        values = []
        resolved: Json = {}
        for name, value in options.items():
            spec = next((o for o in node.get("options", []) if o["name"] == name), None)
            assert spec is not None, f"/{path} has no option {name}"
            if spec["type"] == 6:
                member = value
                value = member.id
                resolved.setdefault("users", {})[member.id] = member.user.json()
                resolved.setdefault("members", {})[member.id] = {
                    k: v for k, v in member.json(permissions=True).items() if k != "user"
                }
            item: Json = {"name": name, "type": spec["type"], "value": value}
            if name == focused:
                item["focused"] = True
            values.append(item)
        inner: list[Json] = values
        for index in range(len(words) - 1, -1, -1):
            kind = 1 if index == len(words) - 1 else 2
            inner = [{"name": words[index], "type": kind, "options": inner}]
        data: Json = {
            "id": top["id"],
            "name": topic,
            "type": 1,
            "options": inner,
        }
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(
        self, member: Member, path: str, /, channel_id: str | None = None, **options: Any
    ) -> Interaction:
        return await self.interact(member, 2, self.command_data(path, options), channel_id)

    async def autocomplete(
        self, member: Member, path: str, option: str, typed: Any, /, **others: Any
    ) -> Interaction:
        data = self.command_data(path, {**others, option: typed}, focused=option)
        return await self.interact(member, 4, data)

    async def click(self, member: Member, message: StoredMessage, custom_id: str) -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(member, 3, data, message.channel_id, message)

    async def choose(
        self, member: Member, message: StoredMessage, custom_id: str, *values: str
    ) -> Interaction:
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self.interact(member, 3, data, message.channel_id, message)

    async def submit_form(
        self, member: Member, custom_id: str, values: dict[str, str], channel_id: str | None = None
    ) -> Interaction:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        return await self.interact(
            member, 5, {"custom_id": custom_id, "components": rows}, channel_id
        )

    # -- reading back ------------------------------------------------------------------------
    def ephemeral(self, message: StoredMessage) -> bool:
        return bool(message.flags & EPHEMERAL)

    def cards(self, channel_id: str | None = None) -> list[StoredMessage]:
        """Idea cards: messages with an embed whose title starts with #N."""
        return [
            m
            for m in self.messages.values()
            if m.author.id == self.bot.id
            and (channel_id is None or m.channel_id == channel_id)
            and any(str(e.get("title", "")).startswith("#") for e in m.embeds)
            and not self.ephemeral(m)
        ]


__all__ = ["FORUM", "TEXT", "FakeDiscord", "Interaction", "RateLimit"]
