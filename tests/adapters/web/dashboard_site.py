"""A running dashboard for the web tests: the real engine on a real SQLite file, the memory
platform (which receives the sign-in DMs), and the bot's own HTTP server on 127.0.0.1 port 0
with the web adapter's routes; a plain aiohttp client that does not follow redirects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from adapters.web import web_routes
from bot.http import HealthReport, HttpServer
from bot.links import Links, slug
from tests.harness import Harness

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
LINK = re.compile(r"(https?://\S+/dashboard/signin/([A-Za-z0-9_\-]+))")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Site:
    def __init__(self, harness: Harness, http: HttpServer, public: str | None) -> None:
        self.h = harness
        self.http = http
        self.public = public
        self.client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.nonce = ""

    @classmethod
    async def start(cls, path: Path, public: str | None = None) -> Site:
        server: list[HttpServer] = []
        links = Links(public if public else lambda: f"http://127.0.0.1:{server[0].port}")
        h = await Harness.create(path, links=links)

        async def health() -> HealthReport:
            return HealthReport({})

        # no rate limits: these tests try many links on purpose (tests/unit/test_http_security.py
        # and tests/browser/ check the limits)
        http = HttpServer("127.0.0.1", 0, health, h.app.metrics, limits=())
        server.append(http)
        http.add_routes(web_routes(h.app.board, h.app.links, h.app.dashboard))
        await http.start()
        return cls(h, http, public)

    async def close(self) -> None:
        await self.client.close()
        await self.http.stop()
        await self.h.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http.port}{path}"

    def root(self, community: str | None = None) -> str:
        return f"/dashboard/{slug(community or self.h.community)}/"

    async def request_link(self, name: str = "mod", community: str | None = None) -> str:
        """``/cocreate dashboard`` as a moderator; the link's path, read from the DM."""
        before = len(self.h.platform.dms)
        reply = await self.h.cmd(
            self.h.member(name, admin=True, community=community), "cocreate dashboard"
        )
        assert reply.ok, reply.text
        assert len(self.h.platform.dms) == before + 1
        found = LINK.search(self.h.platform.dms[-1][2].text)
        assert found, self.h.platform.dms[-1][2].text
        return str(URL(found.group(1)).path)

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.client.get(self.url(path), allow_redirects=False, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.client.post(self.url(path), allow_redirects=False, **kwargs)

    async def sign_in_form(self, path: str) -> dict[str, str]:
        """What the sign-in page's button sends: open the link's page (which sets the sign-in
        cookie) and read its form; for a link that no longer opens, the last page's form."""
        page = await self.get(path)
        if page.status == 200:
            found = NONCE.search(await page.text())
            assert found, "the sign-in page has no nonce"
            self.nonce = found.group(1)
        return {"nonce": self.nonce}

    async def use_link(self, path: str) -> aiohttp.ClientResponse:
        """Press the sign-in page's button, as a browser does."""
        return await self.post(path, data=await self.sign_in_form(path))

    async def sign_in(self, name: str = "mod", community: str | None = None) -> str:
        """Sign in with a fresh link; the CSRF token of the overview page."""
        path = await self.request_link(name, community)
        response = await self.use_link(path)
        assert response.status == 303, await response.text()
        return await self.csrf(community)

    async def csrf(self, community: str | None = None) -> str:
        response = await self.get(self.root(community))
        assert response.status == 200, await response.text()
        found = CSRF.search(await response.text())
        assert found
        return found.group(1)

    def session_cookie(self) -> str:
        for cookie in self.client.cookie_jar:
            if cookie.key == "cocreate_session":
                return cookie.value
        raise AssertionError("no session cookie")
