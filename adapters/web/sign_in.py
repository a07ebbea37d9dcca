"""Signing in to the dashboard from the link ``/cocreate dashboard`` sent by DM.

The link opens a page with one button; the button (a POST) uses the link and sets the session
cookie, then redirects, so the link is never used by a chat app's link preview fetching it, and
the address bar ends on the dashboard, not the link. The page sets a SameSite=Strict cookie that
its form echoes, so a form on another site cannot sign a visitor in with someone else's link
(login CSRF).
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from adapters.web.dashboard_base import (
    COOKIE,
    HEADERS,
    PRIVATE,
    SIGN_IN_COOKIE,
    DashboardBase,
)
from bot.links import slug
from bot.services.dashboard import LINK_LIFETIME, SESSION_LIFETIME


class SignInPages(DashboardBase):
    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/dashboard/signin/{token}", self.sign_in_page),
            web.post("/dashboard/signin/{token}", self.sign_in),
        ]

    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        owner = await self.dashboard.link(request.match_info["token"])
        if owner is None:
            raise self._refused("link")
        nonce = secrets.token_urlsafe(16)
        response = self.pages.respond(
            request,
            "dashboard_signin.html",
            cache=PRIVATE,
            community=None,
            nav=None,
            root="",
            owner=owner,
            nonce=nonce,
            minutes=int(LINK_LIFETIME.total_seconds() // 60),
        )
        response.headers.update(HEADERS)
        response.set_cookie(
            SIGN_IN_COOKIE,
            nonce,
            path=self._sign_in_path(),
            max_age=int(LINK_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Strict",
            secure=self.secure,
        )
        return response

    def _sign_in_path(self) -> str:
        return f"{self.pages.base_path}/dashboard/signin/"

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        sent = form.get("nonce")
        kept = request.cookies.get(SIGN_IN_COOKIE, "")
        if not (isinstance(sent, str) and kept and hmac.compare_digest(sent, kept)):
            raise self._refused("sign-in")  # checked before the link is used: it still works
        done = await self.dashboard.sign_in(request.match_info["token"])
        if done is None:
            raise self._refused("link")
        slug_ = slug(done.community_id)
        response = web.HTTPSeeOther(self._root(slug_), headers=HEADERS)
        response.set_cookie(
            COOKIE,
            done.cookie,
            path=self._cookie_path(slug_),
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=self.secure,
        )
        raise response
