"""Web API clients per workspace, pointed at ``SLACK_API_BASE_URL`` and retrying on 429.

Bolt has no setting for the Web API base URL, so every client here (and the one bolt is given)
is built with it. One deployment may serve several workspaces (OAuth installs): the token for
a community comes from the single configured bot token or from the installation store.
Rate-limited calls wait for Slack's ``Retry-After`` and try again (slack_sdk's retry handler).
While the adapter runs, every client shares one HTTP session (``open``/``close``), so calls reuse
their connections instead of opening one per call (slack_sdk's default): a burst of reactions by
members not yet looked up costs a ``users.info`` each, not a connection and handshake each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DeliveryError

DEFAULT_BASE_URL = "https://slack.com/api/"
#: slack_sdk's own default for one call, kept when the calls share a session
CALL_TIMEOUT = 30
TokenLookup = Callable[[str], Awaitable[str | None]]


def make_client(base_url: str | None, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url or DEFAULT_BASE_URL,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the bot is in one workspace (from auth.test)."""

    team_id: str
    bot_user_id: str
    url: str


class SlackClients:
    def __init__(
        self, base_url: str | None, token: str | None, lookup: TokenLookup | None = None
    ) -> None:
        self.base_url = base_url or DEFAULT_BASE_URL
        self._token = token
        self._lookup = lookup
        self._clients: dict[str, AsyncWebClient] = {}
        self._identities: dict[str, Identity] = {}
        #: the client bolt uses: the single-workspace token, or none (tokens come per request)
        self.app_client = make_client(self.base_url, token)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """One HTTP session for every client from now on (call inside the running loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
        for client in (self.app_client, *self._clients.values()):
            client.session = self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        for client in (self.app_client, *self._clients.values()):
            client.session = None  # back to a session per call
        if session is not None:
            await session.close()

    async def token_for(self, team_id: str) -> str:
        if self._token:
            return self._token
        token = await self._lookup(team_id) if self._lookup is not None else None
        if not token:
            raise DeliveryError(f"Cocreate is not installed in Slack workspace {team_id}")
        return token

    async def for_team(self, team_id: str) -> AsyncWebClient:
        token = await self.token_for(team_id)
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = make_client(self.base_url, token)
            client.session = self._session
        return client

    async def identity(self, team_id: str) -> Identity:
        known = self._identities.get(team_id)
        if known is not None:
            return known
        client = await self.for_team(team_id)
        try:
            data = await client.auth_test()
        except SlackApiError as exc:
            raise DeliveryError(f"auth.test failed: {exc.response.get('error')}") from exc
        found = Identity(team_id, str(data.get("user_id", "")), str(data.get("url", "")))
        self._identities[team_id] = found
        return found

    def forget(self, team_id: str) -> None:
        """After an uninstall or a revoked token."""
        self._identities.pop(team_id, None)


def team_of_community(community_id: str) -> str:
    prefix, _, team = community_id.partition(":")
    if prefix != "slack" or not team:
        raise DeliveryError(f"{community_id!r} is not a Slack community")
    return team
