"""The fake REST API: the routes the bot uses, recorded, with injectable 429s and delays."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

from aiohttp import web

from tests.adapters.discord.fake.model import DM, FORUM, PUBLIC_THREAD, Channel

Json = dict[str, Any]
EPHEMERAL = 64


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    status: int
    at: float
    files: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def sends_text(self) -> bool:
        """Requests that post or edit a message (the ones allowed_mentions matters for)."""
        return self.method in ("POST", "PATCH") and (
            re.search(r"/messages(/\d+)?$", self.path) is not None
            or re.search(r"/webhooks/\d+/[^/]+(/messages/@original)?$", self.path) is not None
            or (self.path.endswith("/callback") and self.body.get("type") in (4, 7))
            or (self.path.endswith("/threads") and "message" in (self.body or {}))
        )

    def message_body(self) -> Json:
        body = self.body or {}
        if self.path.endswith("/callback"):
            return dict(body.get("data") or {})
        if self.path.endswith("/threads"):
            return dict(body.get("message") or {})
        return dict(body)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """discord.py reads a body as JSON only when the content type is exactly this."""
    merged = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=merged)


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status=status)


class Rest:
    """Mixed into FakeDiscord: every handler reads and changes the fake's state."""

    ROUTES: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/users/@me", "get_me"),
        ("GET", r"/oauth2/applications/@me", "get_application"),
        ("GET", r"/gateway/bot", "get_gateway_bot"),
        ("PUT", r"/applications/(\d+)/commands", "put_commands"),
        ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", "put_guild_commands"),
        ("GET", r"/channels/(\d+)", "get_channel"),
        ("POST", r"/channels/(\d+)/messages", "post_message"),
        ("GET", r"/channels/(\d+)/messages/(\d+)", "get_message"),
        ("PATCH", r"/channels/(\d+)/messages/(\d+)", "patch_message"),
        ("PUT", r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)/@me", "put_reaction"),
        ("DELETE", r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)/(\d+)", "delete_reaction"),
        ("GET", r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)", "get_reactions"),
        ("POST", r"/channels/(\d+)/messages/(\d+)/threads", "post_message_thread"),
        ("POST", r"/channels/(\d+)/threads", "post_forum_thread"),
        ("POST", r"/users/@me/channels", "post_dm_channel"),
        ("GET", r"/guilds/(\d+)/members/(\d+)", "get_member"),
        ("POST", r"/interactions/(\d+)/([^/]+)/callback", "post_callback"),
        ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", "patch_original"),
        ("POST", r"/webhooks/(\d+)/([^/]+)", "post_followup"),
    ]

    async def rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await _body(request)
        found = _route(self.ROUTES, request.method, path)
        if found is None:
            self.requests.append(Recorded(request.method, path, body, 404, time.monotonic()))
            return error(404, 0, f"fake discord has no {request.method} {path}")
        name, match = found
        for rule in self.rate_limits:
            if rule.hits(request.method, path):
                self.requests.append(Recorded(request.method, path, body, 429, time.monotonic()))
                return rule.response()
        delay = next((d for p, d in self.delays.items() if re.search(p, path)), 0.0)
        if delay:
            await asyncio.sleep(delay)
        self.requests.append(Recorded(request.method, path, body, 200, time.monotonic(), files))
        response: web.StreamResponse = await getattr(self, name)(
            request, body, files, *match.groups()
        )
        self.requests[-1].status = response.status
        return response

    # -- identity and commands ---------------------------------------------------------------
    async def get_me(self, request: web.Request, *_: Any) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return error(401, 0, "401: Unauthorized")
        return json_response(self.bot.json())

    async def get_application(self, *_: Any) -> web.Response:
        return json_response(
            {
                "id": self.application_id,
                "name": "Cocreate",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner.user.json(),
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "team": None,
            }
        )

    async def get_gateway_bot(self, *_: Any) -> web.Response:
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limits})

    async def put_commands(self, _r: Any, body: Any, _f: Any, app: str) -> web.Response:
        self.commands["global"] = [self._command(c) for c in body]
        return json_response(self.commands["global"])

    async def put_guild_commands(
        self, _r: Any, body: Any, _f: Any, app: str, guild: str
    ) -> web.Response:
        self.commands[guild] = [self._command(c, guild) for c in body]
        return json_response(self.commands[guild])

    def _command(self, command: Json, guild: str | None = None) -> Json:
        out = dict(command, id=self.ids.next(), application_id=self.application_id, version="1")
        out.setdefault("type", 1)
        out.setdefault("default_member_permissions", None)
        if guild:
            out["guild_id"] = guild
        return out

    # -- channels and messages ------------------------------------------------------------------
    async def get_channel(self, _r: Any, _b: Any, _f: Any, cid: str) -> web.Response:
        channel = self.channels.get(cid)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        return json_response(channel.json())

    async def post_message(self, _r: Any, body: Json, files: Any, cid: str) -> web.Response:
        channel = self.channels.get(cid)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        if channel.type == DM and channel.owner_id in self.closed_dms:
            return error(403, 50007, "Cannot send messages to this user")
        if files and self.refuse_files:
            return error(403, 50013, "Missing Permissions")
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        if nonce is not None and (cid, str(nonce)) in self.nonces:
            # Discord: an enforced nonce seen shortly before returns that message, posts nothing
            earlier = self.messages[self.nonces[(cid, str(nonce))]]
            return json_response(earlier.json(self.bot.id))
        message = self.store_message(cid, self.bot, body, files)
        if nonce is not None:
            message.nonce = str(nonce)
            self.nonces[(cid, str(nonce))] = message.id
        if channel.type != DM:
            await self.gateway.dispatch("MESSAGE_CREATE", message.json(self.bot.id))
        return json_response(message.json(self.bot.id))

    async def get_message(self, _r: Any, _b: Any, _f: Any, cid: str, mid: str) -> web.Response:
        message = self.messages.get(mid)
        if message is None or message.channel_id != cid:
            return error(404, 10008, "Unknown Message")
        return json_response(message.json(self.bot.id))

    async def patch_message(
        self, _r: Any, body: Json, files: Any, cid: str, mid: str
    ) -> web.Response:
        message = self.messages.get(mid)
        if message is None or message.channel_id != cid:
            return error(404, 10008, "Unknown Message")
        self.edit_message(message, body)
        return json_response(message.json(self.bot.id))

    # -- reactions -----------------------------------------------------------------------------
    async def put_reaction(
        self, _r: Any, _b: Any, _f: Any, cid: str, mid: str, emoji: str
    ) -> web.Response:
        message = self.messages.get(mid)
        if message is None:
            return error(404, 10008, "Unknown Message")
        await self.add_reaction(self.bot_member, message, _emoji(emoji))
        return web.Response(status=204)

    async def delete_reaction(
        self, _r: Any, _b: Any, _f: Any, cid: str, mid: str, emoji: str, uid: str
    ) -> web.Response:
        if not self.bot_manages_messages:
            return error(403, 50013, "Missing Permissions")
        message = self.messages.get(mid)
        if message is None:
            return error(404, 10008, "Unknown Message")
        await self.remove_reaction(uid, message, _emoji(emoji))
        return web.Response(status=204)

    async def get_reactions(
        self, request: web.Request, _b: Any, _f: Any, cid: str, mid: str, emoji: str
    ) -> web.Response:
        message = self.messages.get(mid)
        if message is None:
            return error(404, 10008, "Unknown Message")
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "25"))
        users = [u for u in message.reactions.get(_emoji(emoji), []) if int(u) > after]
        return json_response([self.user(u).json() for u in sorted(users, key=int)[:limit]])

    # -- threads -------------------------------------------------------------------------------
    async def post_message_thread(
        self, _r: Any, body: Json, _f: Any, cid: str, mid: str
    ) -> web.Response:
        if mid not in self.messages:
            return error(404, 10008, "Unknown Message")
        thread = Channel(mid, self.guild_id, body["name"], PUBLIC_THREAD, cid, self.bot.id)
        self.channels[mid] = thread
        await self.gateway.dispatch("THREAD_CREATE", dict(thread.json(), newly_created=True))
        return json_response(thread.json())

    async def post_forum_thread(self, _r: Any, body: Json, files: Any, cid: str) -> web.Response:
        forum = self.channels.get(cid)
        if forum is None or forum.type != FORUM:
            return error(400, 50024, "Cannot execute action on this channel type")
        thread = Channel(
            self.ids.next(), self.guild_id, body["name"], PUBLIC_THREAD, cid, self.bot.id
        )
        self.channels[thread.id] = thread
        message = self.store_message(
            thread.id, self.bot, body.get("message") or {}, files, thread.id
        )
        await self.gateway.dispatch("THREAD_CREATE", dict(thread.json(), newly_created=True))
        return json_response(dict(thread.json(), message=message.json(self.bot.id)))

    # -- members and DMs -----------------------------------------------------------------------
    async def post_dm_channel(self, _r: Any, body: Json, *_: Any) -> web.Response:
        user = str(body["recipient_id"])
        cid = self.dm_channels.get(user)
        if cid is None:
            cid = self.ids.next()
            self.dm_channels[user] = cid
            self.channels[cid] = Channel(cid, None, "dm", DM, owner_id=user)
        data = self.channels[cid].json()
        data["recipients"] = [self.user(user).json()]
        return json_response(data)

    async def get_member(self, _r: Any, _b: Any, _f: Any, gid: str, uid: str) -> web.Response:
        member = self.members.get(uid)
        if member is None:
            return error(404, 10007, "Unknown Member")
        return json_response(member.json())

    # -- interactions --------------------------------------------------------------------------
    async def post_callback(
        self, _r: Any, body: Json, files: Any, iid: str, token: str
    ) -> web.Response:
        record = self.interactions.get(token)
        if record is None or record.callback is not None:
            return error(400, 40060, "Interaction has already been acknowledged.")
        record.callback = body
        record.callback_at = time.monotonic()
        kind = int(body["type"])
        data = body.get("data") or {}
        if kind in (4, 5):
            record.original = self.store_message(record.channel_id, self.bot, data, files)
            record.ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        if kind == 7 and record.message_id:
            self.edit_message(self.messages[record.message_id], data)
        record.changed.set()
        answer: Json = {"id": iid, "type": kind, "response_message_loading": kind == 5}
        if record.original is not None:
            answer["response_message_id"] = record.original.id
            answer["response_message_ephemeral"] = record.ephemeral
        return json_response({"interaction": answer})

    async def patch_original(
        self, _r: Any, body: Json, files: Any, app: str, token: str
    ) -> web.Response:
        record = self.interactions.get(token)
        if record is None or record.original is None:
            return error(404, 10015, "Unknown Webhook")
        self.edit_message(record.original, body, files)
        record.changed.set()
        return json_response(record.original.json(self.bot.id))

    async def post_followup(
        self, _r: Any, body: Json, files: Any, app: str, token: str
    ) -> web.Response:
        record = self.interactions.get(token)
        if record is None:
            return error(404, 10015, "Unknown Webhook")
        message = self.store_message(record.channel_id, self.bot, body, files)
        record.followups.append(message)
        record.changed.set()
        return json_response(message.json(self.bot.id))


def _route(
    routes: list[tuple[str, str, str]], method: str, path: str
) -> tuple[str, re.Match[str]] | None:
    for verb, pattern, name in routes:
        match = re.fullmatch(pattern, path)
        if match and verb == method:
            return name, match
    return None


def _emoji(raw: str) -> str:
    text = unquote(raw)
    if ":" in text:  # a custom emoji travels as name:id
        return f"<:{text}>"
    return text


async def _body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    if request.content_type.startswith("multipart/"):
        body: Any = {}
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files.append((part.filename or "", bytes(await part.read())))
        return body, files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else {}), []
    return {}, []
