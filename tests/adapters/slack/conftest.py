"""The Slack world for end-to-end tests: the fake Web API, the real engine on a SQLite file,
the real HttpServer on 127.0.0.1:0 with the adapter mounted, and signed requests to it."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.slack.adapter import SlackAdapter, SlackConfig
from bot.app import App, build_app
from bot.http import HealthReport, HttpServer
from bot.platforms import PlatformRouter
from storage.sqlite.slack_installations import SqliteSlackInstallations
from storage.sqlite.store import SqliteStorage
from tests.adapters.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack
from tests.harness import open_test_storage

SECRET = "test-signing-secret"
CHANNEL = "CGENERAL"


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for something another process or connection does, without a fixed sleep."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackWorld:
    def __init__(
        self,
        fake: FakeSlack,
        storage: SqliteStorage,
        app: App,
        http: HttpServer,
        adapter: SlackAdapter,
    ) -> None:
        self.fake = fake
        self.storage = storage
        self.app = app
        self.http = http
        self.adapter = adapter
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        retry: int | None = None,
        path: str = "/slack/events",
    ) -> aiohttp.ClientResponse:
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature or sign(body, stamp),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        async with aiohttp.ClientSession() as session:
            response = await session.post(self.url + path, data=body.encode(), headers=headers)
            await response.read()
            return response

    async def settle(self) -> None:
        """Let every listener finish its work after the ack, and flush coalesced card edits."""
        await self.adapter.idle()
        await self.app.cards.flush()
        await self.adapter.idle()

    # -- request builders ---------------------------------------------------------------------
    async def command(
        self, user: str, line: str, channel: str = CHANNEL, team: str = TEAM
    ) -> aiohttp.ClientResponse:
        slash, _, text = line.partition(" ")
        n = next(self._ids)
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user),
            "command": slash,
            "text": text,
            "api_app_id": "A1",
            "response_url": self.fake.response_url(user),
            "trigger_id": f"trigger-cmd-{n}",
        }
        response = await self.post(urlencode(form), "application/x-www-form-urlencoded")
        await self.settle()
        return response

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        team: str = TEAM,
    ) -> aiohttp.ClientResponse:
        body = self.envelope(event, event_id=event_id, team=team)
        response = await self.post(body, "application/json", retry=retry)
        await self.settle()
        return response

    def envelope(
        self, event: dict[str, Any], *, event_id: str | None = None, team: str = TEAM
    ) -> str:
        """An Events API request body, as Slack sends it."""
        return json.dumps(
            {
                "token": "legacy",
                "team_id": team,
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):08d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
            }
        )

    @staticmethod
    def reaction(user: str, channel: str, ts: str, name: str, added: bool = True) -> dict[str, Any]:
        return {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        response = await self.post(body, "application/x-www-form-urlencoded")
        await self.settle()
        return response

    def trigger(self) -> str:
        return f"trigger-{next(self._ids)}"

    async def react(
        self,
        user: str,
        channel: str,
        ts: str,
        name: str,
        *,
        added: bool = True,
        event_id: str | None = None,
        retry: int | None = None,
    ) -> aiohttp.ClientResponse:
        if retry is None:
            self.fake.member_reacts(channel, ts, name, user, added)
        event = self.reaction(user, channel, ts, name, added)
        return await self.event(event, event_id=event_id, retry=retry)

    async def click(
        self, user: str, action: dict[str, Any], *, channel: str = CHANNEL, message_ts: str = "1.1"
    ) -> aiohttp.ClientResponse:
        return await self.interact(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": TEAM},
                "team": {"id": TEAM, "domain": "fake"},
                "api_app_id": "A1",
                "trigger_id": self.trigger(),
                "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
                "channel": {"id": channel},
                "response_url": self.fake.response_url(user),
                "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
                "state": {"values": {}},
            }
        )

    async def submit_view(
        self, user: str, view: dict[str, Any], values: dict[str, Any]
    ) -> aiohttp.ClientResponse:
        submitted = {**view, "id": view.get("id", "V1"), "hash": "h1", "state": {"values": values}}
        return await self.interact(
            {
                "type": "view_submission",
                "user": {"id": user, "team_id": TEAM},
                "team": {"id": TEAM, "domain": "fake"},
                "api_app_id": "A1",
                "trigger_id": self.trigger(),
                "view": submitted,
            }
        )


async def start_bot(fake: FakeSlack, path: Path, **config: Any) -> SlackWorld:
    """The bot as `cocreate run` builds it, on this fake Slack and this database file."""
    storage = await open_test_storage(path)
    router = PlatformRouter()
    app = build_app(storage, router, card_interval=0.01)

    async def health() -> HealthReport:
        return HealthReport({"storage": await storage.ping()})

    http = HttpServer("127.0.0.1", 0, health, app.metrics)
    settings = {"bot_token": BOT_TOKEN, "signing_secret": SECRET, "api_base_url": fake.api_url}
    settings.update(config)
    adapter = SlackAdapter(
        SlackConfig(**settings),
        app.registry,
        http,
        SqliteSlackInstallations(storage.db),
    )
    router.register("slack", adapter.platform)
    await http.start()
    await adapter.start(app.engine.handle)
    return SlackWorld(fake, storage, app, http, adapter)


async def stop_bot(world: SlackWorld) -> None:
    """Everything but the fake Slack, which may outlive the bot (a restart)."""
    await world.adapter.stop()
    await world.app.close()
    await world.http.stop()
    await world.storage.close()


async def make_world(tmp_path: Path, **config: Any) -> SlackWorld:
    fake = FakeSlack()
    await fake.start()
    return await start_bot(fake, tmp_path / "cocreate.sqlite3", **config)


async def close_world(world: SlackWorld) -> None:
    await stop_bot(world)
    await world.fake.stop()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    w = await make_world(tmp_path)
    try:
        yield w
    finally:
        await close_world(w)
