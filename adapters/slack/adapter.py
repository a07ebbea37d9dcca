"""The Slack adapter: bolt's AsyncApp wired to our sink, HTTP server and installation store.

HTTP mode mounts bolt on the bot's one aiohttp server at ``/slack/events`` (bolt verifies every
request's signature and refuses stale timestamps); Socket Mode connects out with the app token
on the same event loop (``connect_async``), so it runs beside Discord in one process. One
deployment serves one workspace with a bot token, or many through the OAuth install flow with
the installations stored in our database.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.blocks import ANSWER_ACTION, TEXT_ACTION
from adapters.slack.clients import SlackClients
from adapters.slack.forms import COMMAND_CALLBACK, PROMPT_TEXT_CALLBACK
from adapters.slack.handlers import Handlers
from adapters.slack.installations import DatabaseInstallationStore, DatabaseStateStore
from adapters.slack.members import Directory
from adapters.slack.platform import SlackPlatform
from bot.commands.spec import Registry
from bot.http import HttpServer
from bot.ports import Platform
from bot.ports.adapter import Sink
from bot.ports.installations import InstallationRepo
from bot.startup import PlatformUnavailable, reason

log = logging.getLogger(__name__)
#: bolt's own logger, under ours: bolt would otherwise name one after the app and reset its level
BOLT_LOG = logging.getLogger(f"{__name__}.bolt")

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: how long Socket Mode may take to connect at start before the start counts as failed
SOCKET_CONNECT_TIMEOUT = 30.0

#: the bot scopes the manifest asks for; the OAuth flow requests the same (a test checks)
SCOPES = (
    "channels:history",
    "channels:join",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "reactions:read",
    "reactions:write",
    "usergroups:read",
    "users:read",
)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_base_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)


class SlackAdapter:
    def __init__(
        self,
        config: SlackConfig,
        registry: Registry,
        http: HttpServer | None,
        installations: InstallationRepo,
    ) -> None:
        self.config = config
        self.store: DatabaseInstallationStore | None = None
        lookup = None
        if config.oauth:
            self.store = DatabaseInstallationStore(installations, str(config.client_id))
            lookup = self.store.bot_token
            if config.bot_token:
                log.warning("SLACK_CLIENT_ID is set: OAuth installs are used, not SLACK_BOT_TOKEN")
        self.clients = SlackClients(
            config.api_base_url, None if config.oauth else config.bot_token, lookup
        )
        self.directory = Directory(self.clients)
        self._platform = SlackPlatform(self.clients, self.directory)
        self.handlers = Handlers(registry, self._platform, self.directory)
        self.app = self._build_app(installations)
        self._register(registry)
        self._socket: AsyncSocketModeHandler | None = None
        self._started = False
        if http is not None:
            http.add_routes(self.routes())

    @property
    def name(self) -> str:
        return "slack"

    @property
    def platform(self) -> Platform:
        return self._platform

    @property
    def connected(self) -> bool:
        if not self._started:
            return False
        if self._socket is None:
            return True
        session = getattr(self._socket.client, "current_session", None)
        return session is not None and not session.closed

    def _build_app(self, installations: InstallationRepo) -> AsyncApp:
        secret = self.config.signing_secret or ""
        if self.store is None:
            return AsyncApp(client=self.clients.app_client, signing_secret=secret, logger=BOLT_LOG)
        oauth = AsyncOAuthSettings(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scopes=list(SCOPES),
            user_scopes=[],
            installation_store=self.store,
            state_store=DatabaseStateStore(installations),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )
        return AsyncApp(
            client=self.clients.app_client,
            signing_secret=secret,
            installation_store=self.store,
            oauth_settings=oauth,
            logger=BOLT_LOG,
        )

    def _register(self, registry: Registry) -> None:
        app, h = self.app, self.handlers
        topics = "|".join(re.escape(t) for t in registry.topics)
        app.command(re.compile(rf"^/({topics})$"))(h.command)
        app.event("reaction_added")(h.reaction)
        app.event("reaction_removed")(h.reaction)
        app.event("message")(h.message)
        app.event("app_home_opened")(h.home_opened)
        app.event("user_change")(h.user_change)
        app.action(re.compile(rf"^{ANSWER_ACTION}:"))(h.answer)
        app.action(re.compile(rf"^{TEXT_ACTION}:"))(h.text_answer_form)
        app.view(COMMAND_CALLBACK)(h.form)
        app.view(PROMPT_TEXT_CALLBACK)(h.text_answer)
        app.options(re.compile(r"^value:"))(h.suggest)
        if self.store is not None:
            app.enable_token_revocation_listeners()
        else:
            app.event("app_uninstalled")(h.ignore)
            app.event("tokens_revoked")(h.ignore)

    # -- HTTP -----------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        """``/slack/events`` (unless Socket Mode runs without a signing secret, where an
        unverifiable endpoint must not exist) and the OAuth install routes."""
        routes: list[web.RouteDef] = []
        if self.config.signing_secret:
            routes.append(web.post(EVENTS_PATH, self._events))
        if self.app.oauth_flow is not None:
            routes.append(web.get(INSTALL_PATH, self._install))
            routes.append(web.get(REDIRECT_PATH, self._oauth_redirect))
        return routes

    async def _events(self, request: web.Request) -> web.Response:
        if not self._started:
            # Slack retries a failed delivery; better than dropping it before the sink exists
            return web.Response(status=503, text="starting")
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _install(self, request: web.Request) -> web.Response:
        flow = self.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, sink: Sink) -> None:
        """Check the bot token with Slack (one workspace), connect Socket Mode if configured.

        Raises ``PlatformUnavailable`` with the operator's sentence when Slack refuses the
        credentials or cannot be reached, instead of failing on the first event."""
        self.handlers.sink = sink
        base = self.config.api_base_url or "the Slack API"
        try:
            if self.store is None and self.config.bot_token:
                await self.clients.app_client.auth_test()
            if self.config.socket_mode:
                self._socket = AsyncSocketModeHandler(
                    self.app, str(self.config.app_token), web_client=self.clients.app_client
                )
                async with asyncio.timeout(SOCKET_CONNECT_TIMEOUT):
                    await self._socket.connect_async()
                log.info("slack socket mode connected")
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            raise PlatformUnavailable(
                f"Slack refused the credentials ({error or 'no reason given'}); check "
                "SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode)."
            ) from exc
        except TimeoutError as exc:
            raise PlatformUnavailable(
                f"Slack's Socket Mode did not connect within {SOCKET_CONNECT_TIMEOUT:.0f} "
                "seconds; check SLACK_APP_TOKEN, the network and SLACK_API_BASE_URL."
            ) from exc
        except (aiohttp.ClientError, OSError, SlackClientError) as exc:
            raise PlatformUnavailable(
                f"Slack cannot be reached at {base} ({reason(exc)}); check the network and "
                "SLACK_API_BASE_URL."
            ) from exc
        await self.clients.open()  # from here on, the Web API calls share their connections
        self._started = True

    async def idle(self, within: float = 10.0) -> None:
        """Wait until no listener is still working after its ack (tests, shutdown)."""
        async with asyncio.timeout(within):
            quiet = 0
            while quiet < 3:
                await asyncio.sleep(0.01)
                quiet = quiet + 1 if self.handlers.inflight == 0 else 0

    async def stop(self) -> None:
        self._started = False
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        try:
            await self.idle(within=5.0)
        except TimeoutError:
            log.warning("slack listeners still busy at shutdown")
        await self.clients.close()


def config_from(settings: Any) -> SlackConfig:
    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return SlackConfig(
        bot_token=secret(settings.slack_bot_token),
        signing_secret=secret(settings.slack_signing_secret),
        app_token=secret(settings.slack_app_token),
        api_base_url=settings.slack_api_base_url,
        client_id=settings.slack_client_id,
        client_secret=secret(settings.slack_client_secret),
    )
