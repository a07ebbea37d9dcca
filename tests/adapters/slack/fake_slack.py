"""A local fake of the Slack Web API: enough of it for the bot, recording every call.

An aiohttp server on 127.0.0.1, port 0. It keeps the state Slack would (messages, reactions,
views, DMs, uploads) so tests can assert on what members would see, and answers the methods the
bot calls with Slack-shaped JSON. ``rate_limit`` makes a method answer 429 with Retry-After first.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

TEAM = "T1"
BOT_TOKEN = "xoxb-test-1"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str
    peer: Any = None  # the client's address: calls from one connection share it


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edits: int = 0
    #: message metadata (event_type, event_payload), as chat.postMessage was given it
    metadata: dict[str, Any] | None = None


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Posted] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: list[dict[str, Any]] = []
        #: token -> (team id, bot user id)
        self.tokens: dict[str, tuple[str, str]] = {BOT_TOKEN: (TEAM, BOT_USER)}
        #: OAuth code -> the workspace it installs into
        self.oauth_codes: dict[str, tuple[str, str, str]] = {}
        self.uploads: dict[str, bytes] = {}
        self.responses: list[dict[str, Any]] = []
        self.rate_limit: dict[str, int] = {}
        #: method -> the error it answers with (missing_scope, not_in_channel, ...)
        self.errors: dict[str, str] = {}
        #: public channels the bot has not joined (chat.postMessage answers not_in_channel)
        self.not_joined: set[str] = set()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._response_users: dict[str, str] = {}
        self.sockets: list[web.WebSocketResponse] = []
        #: what the bot sent back over Socket Mode (acks carry the envelope id)
        self.socket_acks: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- setup --------------------------------------------------------------------------------
    def add_user(
        self, user_id: str, name: str, *, admin: bool = False, bot: bool = False, team: str = TEAM
    ) -> str:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower(),
            "real_name": name,
            "profile": {"display_name": name, "real_name": name},
            "is_admin": admin,
            "is_owner": False,
            "is_bot": bot,
        }
        return user_id

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_post("/response/{ref}", self._response)
        app.router.add_get("/socket", self._socket)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, user: str) -> str:
        """A command's or button's response_url, remembering whose it is."""
        ref = str(next(self._ids))
        self._response_users[ref] = user
        return f"{self.url}/response/{ref}"

    # -- reading back -------------------------------------------------------------------------
    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def in_channel(self, channel: str) -> list[Posted]:
        return [m for (c, _), m in self.messages.items() if c == channel]

    def ephemerals(self, user: str) -> list[str]:
        """Every private text shown to one member (response_url, postEphemeral, DM)."""
        texts = [
            str(c.args.get("text", ""))
            for c in self.called("chat.postEphemeral")
            if c.args.get("user") == user
        ]
        texts += [m.text for (c, _), m in self.messages.items() if c == f"D{user}"]
        texts += [_text_of(r) for r in self.responses if r.get("_user") == user]
        return texts

    def member_reacts(
        self, channel: str, ts: str, name: str, user: str, added: bool = True
    ) -> None:
        """What Slack records when a member clicks a reaction (the event is sent separately)."""
        users = self.messages[(channel, ts)].reactions.setdefault(name, [])
        if added and user not in users:
            users.append(user)
        if not added and user in users:
            users.remove(user)

    # -- HTTP ---------------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw.decode())))
        for key in ("blocks", "view", "files", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        self.calls.append(
            Call(
                method,
                args,
                token,
                request.transport and request.transport.get_extra_info("peername"),
            )
        )
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        if (
            method != "oauth.v2.access"
            and token not in self.tokens
            and method != "apps.connections.open"
        ):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        result: dict[str, Any] = handler(args, token)
        return web.json_response({"ok": "error" not in result, **result})

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file"]] = await request.read()
        return web.Response(text="OK")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("response_url", body, ""))
        body["_user"] = self._response_users.get(request.match_info["ref"], "")
        self.responses.append(body)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    async def push(self, envelope: dict[str, Any]) -> None:
        """Deliver a Socket Mode envelope to every connected bot."""
        for ws in self.sockets:
            await ws.send_json(envelope)

    def _apps_connections_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/socket"}

    # -- methods ------------------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        team, user = self.tokens[token]
        return {
            "team_id": team,
            "user_id": user,
            "bot_id": "B" + user,
            "url": "https://fake.slack.com/",
            "team": "Fake",
        }

    def _chat_postMessage(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = str(args["channel"])
        if channel in self.not_joined:
            return {"error": "not_in_channel"}
        ts = self._next_ts()
        self.messages[(channel, ts)] = Posted(
            channel,
            ts,
            str(args.get("text", "")),
            list(args.get("blocks") or []),
            args.get("thread_ts"),
            metadata=args.get("metadata"),
        )
        return {"channel": channel, "ts": ts, "message": {"ts": ts, "text": args.get("text", "")}}

    def _chat_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        posted = self.messages.get((str(args["channel"]), str(args["ts"])))
        if posted is None:
            return {"error": "message_not_found"}
        posted.text = str(args.get("text", ""))
        posted.blocks = list(args.get("blocks") or [])
        posted.edits += 1
        return {"channel": posted.channel, "ts": posted.ts}

    def _chat_postEphemeral(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _chat_getPermalink(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        ts = str(args["message_ts"]).replace(".", "")
        return {"permalink": f"https://fake.slack.com/archives/{args['channel']}/p{ts}"}

    def _reactions_add(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        posted = self.messages.get((str(args["channel"]), str(args["timestamp"])))
        if posted is None:
            return {"error": "message_not_found"}
        users = posted.reactions.setdefault(str(args["name"]), [])
        me = self.tokens[token][1]
        if me in users:
            return {"error": "already_reacted"}
        users.append(me)
        return {}

    def _reactions_get(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        posted = self.messages.get((str(args["channel"]), str(args["timestamp"])))
        if posted is None:
            return {"error": "message_not_found"}
        reactions = [
            {"name": n, "users": list(u), "count": len(u)} for n, u in posted.reactions.items() if u
        ]
        return {
            "type": "message",
            "channel": posted.channel,
            "message": {"ts": posted.ts, "reactions": reactions},
        }

    def _views_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ids)}", **args["view"]}}

    def _views_publish(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ids)}", **args["view"]}}

    def _users_info(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        return {"user": user} if user is not None else {"error": "user_not_found"}

    def _usergroups_list(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"usergroups": self.usergroups}

    def _conversations_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"channel": {"id": f"D{args['users']}"}}

    def _conversations_history(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Newest first, thread replies left out; metadata only when include_all_metadata."""
        channel = str(args["channel"])
        if channel in self.not_joined:
            return {"error": "not_in_channel"}
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)
        top = [m for m in self.in_channel(channel) if m.thread_ts in (None, m.ts)]
        top.sort(key=lambda m: m.ts, reverse=True)
        messages = []
        for posted in top[:limit]:
            message: dict[str, Any] = {"type": "message", "ts": posted.ts, "text": posted.text}
            if with_metadata and posted.metadata is not None:
                message["metadata"] = posted.metadata
            messages.append(message)
        return {"messages": messages, "has_more": len(top) > limit}

    def _conversations_join(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        self.not_joined.discard(str(args["channel"]))
        return {"channel": {"id": args["channel"]}}

    def _files_getUploadURLExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        file_id = f"F{next(self._ids)}"
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        files = [
            {"id": f["id"], "title": f.get("title", ""), "channels": [args.get("channel_id")]}
            for f in args.get("files") or []
        ]
        return {"files": files}

    def _oauth_v2_access(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        found = self.oauth_codes.pop(str(args.get("code")), None)
        if found is None:
            return {"error": "invalid_code"}
        team, bot_token, installer = found
        return {
            "app_id": "A1",
            "authed_user": {"id": installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": self.tokens[bot_token][1],
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def _text_of(body: dict[str, Any]) -> str:
    return str(body.get("text", ""))
