"""The moderators' dashboard pages: sign-in from a chat link, the overview, ideas, the redemption
queue and open prompts, each action a form.

Everything here goes through ``bot.services.dashboard.Dashboard``: sessions, reads, and actions,
which the engine runs as the same commands chat uses. A page or action without a valid session
(or a form without the session's CSRF token) gets a plain 403 page and changes nothing.

Sign-in: a link from ``/cocreate dashboard`` opens a page with one button; the button (a POST)
uses the link and sets the session cookie, then redirects, so the link is never used by a
chat app's link preview fetching it, and the address bar ends on the dashboard, not the link.
The page sets a SameSite=Strict cookie that its form echoes, so a form on another site cannot
sign a visitor in with someone else's link (login CSRF).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import web

from adapters.web.insights import sections
from adapters.web.render import Pages
from bot.links import Links, community_of, slug
from bot.models import SETTABLE_STATUSES, IdeaStatus
from bot.services.dashboard import (
    LINK_LIFETIME,
    SESSION_IDLE,
    SESSION_LIFETIME,
    Dashboard,
    Moderator,
)

COOKIE = "cocreate_session"
#: set by the sign-in page and echoed by its form: a sign-in POST from another site (which would
#: sign the visitor in as whoever owns the link) carries no such cookie, so it is refused
SIGN_IN_COOKIE = "cocreate_sign_in"
FLASH = "cocreate_flash"
PRIVATE = "no-store"
#: every dashboard response: nothing cached, no address (with a token) leaked to other sites
HEADERS = {"Cache-Control": PRIVATE, "Referrer-Policy": "no-referrer"}

#: the dashboard's sections: (key, path under the dashboard, label)
NAV = (
    ("overview", "", "Overview"),
    ("ideas", "ideas", "Ideas"),
    ("rewards", "rewards", "Rewards"),
    ("prompts", "prompts", "Prompts"),
    ("insights", "insights", "Insights"),
)
#: why a page or action was refused: (heading, explanation)
REFUSALS = {
    "link": (
        "This sign-in link does not work",
        f"A sign-in link works once, for {int(LINK_LIFETIME.total_seconds() // 60)} minutes, "
        "and only for the community it was sent for. For a new one, type "
        "/cocreate dashboard in your community's chat.",
    ),
    "session": (
        "Please sign in",
        f"Your session has ended or this is not your community's dashboard. Sessions end after "
        f"{int(SESSION_LIFETIME.total_seconds() // 3600)} hours, after "
        f"{int(SESSION_IDLE.total_seconds() // 60)} minutes without use, or when you sign out. "
        "For a sign-in link, type /cocreate dashboard in your community's chat.",
    ),
    "sign-in": (
        "Please sign in from the link's own page",
        "Nothing was changed and your link still works. Open the link from your direct message "
        "again and press Sign in on that page.",
    ),
    "form": (
        "This form has expired",
        "Nothing was changed. Go back to the dashboard, reload the page and try again.",
    ),
}


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdecimal() or len(value.strip()) > 12:
        return None
    return int(value.strip())


def _text(form: Any, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


class _Community:
    """What the shared layout shows of the community (its name and initial)."""

    def __init__(self, name: str, slug_: str) -> None:
        self.name = name
        self.slug = slug_


class DashboardPages:
    def __init__(self, dashboard: Dashboard, links: Links, pages: Pages) -> None:
        self.dashboard = dashboard
        self.links = links
        self.pages = pages
        self.secure = links.base.startswith("https://")

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/dashboard/signin/{token}", self.sign_in_page),
            web.post("/dashboard/signin/{token}", self.sign_in),
            web.get("/dashboard/{c}", self.add_slash),
            web.get("/dashboard/{c}/", self.overview),
            web.get("/dashboard/{c}/ideas", self.ideas),
            web.get("/dashboard/{c}/rewards", self.rewards),
            web.get("/dashboard/{c}/prompts", self.prompts),
            web.get("/dashboard/{c}/insights", self.insights),
            web.post("/dashboard/{c}/ideas/status", self.idea_status),
            web.post("/dashboard/{c}/ideas/merge", self.idea_merge),
            web.post("/dashboard/{c}/ideas/approve", self.idea_approve),
            web.post("/dashboard/{c}/ideas/reject", self.idea_reject),
            web.post("/dashboard/{c}/rewards/approve", self.reward_approve),
            web.post("/dashboard/{c}/rewards/reject", self.reward_reject),
            web.post("/dashboard/{c}/prompts/close", self.prompt_close),
            web.post("/dashboard/{c}/export", self.export),
            web.post("/dashboard/{c}/signout", self.sign_out),
        ]

    # -- helpers ---------------------------------------------------------------------------
    def _root(self, slug_: str) -> str:
        return f"{self.pages.base_path}/dashboard/{slug_}/"

    def _cookie_path(self, slug_: str) -> str:
        return f"{self.pages.base_path}/dashboard/{slug_}"

    def _refused(self, reason: str, status: int = 403) -> web.HTTPException:
        heading, explanation = REFUSALS[reason]
        body = self.pages.html(
            "dashboard_refused.html",
            community=None,
            nav=None,
            root="",
            heading=heading,
            explanation=explanation,
        )
        return web.HTTPForbidden(text=body.decode(), content_type="text/html", headers=HEADERS)

    async def _moderator(self, request: web.Request) -> Moderator:
        community_id = community_of(request.match_info["c"])
        if community_id is None:
            raise self._refused("session")
        moderator = await self.dashboard.session(community_id, request.cookies.get(COOKIE))
        if moderator is None:
            raise self._refused("session")
        return moderator

    async def _form(self, request: web.Request) -> tuple[Moderator, Any]:
        """The moderator and the form of an action, or a 403 before anything is read further."""
        moderator = await self._moderator(request)
        form = await request.post()
        csrf = form.get("csrf")
        if not self.dashboard.csrf_ok(moderator, csrf if isinstance(csrf, str) else None):
            raise self._refused("form")
        return moderator, form

    def _page(
        self,
        request: web.Request,
        template: str,
        moderator: Moderator,
        nav: str,
        **context: Any,
    ) -> web.Response:
        slug_ = slug(moderator.community_id)
        root = self._root(slug_)
        response = self.pages.respond(
            request,
            template,
            cache=PRIVATE,
            community=_Community(moderator.community_name, slug_),
            nav=nav,
            nav_label="Dashboard",
            root=root,
            sections=[(key, root + path, label) for key, path, label in NAV],
            moderator=moderator,
            flash=self._flash(request),
            nonce=lambda: secrets.token_urlsafe(12),
            board_url=self.links.board(moderator.community_id),
            idle_minutes=int(SESSION_IDLE.total_seconds() // 60),
            **context,
        )
        response.headers.update(HEADERS)
        if FLASH in request.cookies:
            response.del_cookie(FLASH, path=self._cookie_path(slug_))
        return response

    @staticmethod
    def _flash(request: web.Request) -> dict[str, Any] | None:
        raw = request.cookies.get(FLASH)
        if not raw:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        return {"text": data["text"][:600], "ok": bool(data.get("ok"))}

    def _back(self, moderator: Moderator, where: str, text: str, ok: bool) -> web.HTTPException:
        """Redirect-after-POST to ``where`` with the engine's reply as a flash message."""
        slug_ = slug(moderator.community_id)
        response = web.HTTPSeeOther(self._root(slug_) + where, headers=HEADERS)
        value = base64.urlsafe_b64encode(
            json.dumps({"text": text[:600], "ok": ok}).encode()
        ).decode()
        response.set_cookie(
            FLASH,
            value,
            path=self._cookie_path(slug_),
            max_age=120,
            httponly=True,
            samesite="Lax",
            secure=self.secure,
        )
        return response

    async def _act(
        self,
        request: web.Request,
        where: str,
        topic: str,
        verb: str,
        options: Callable[[Any], dict[str, object]],
    ) -> web.StreamResponse:
        moderator, form = await self._form(request)
        nonce = form.get("nonce")
        reply = await self.dashboard.act(
            moderator, topic, verb, options(form), nonce if isinstance(nonce, str) else None
        )
        text = reply.text if not reply.ignored else "That was already done."
        raise self._back(moderator, where, text or "Done.", reply.ok)

    # -- sign-in -----------------------------------------------------------------------------
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

    async def sign_out(self, request: web.Request) -> web.StreamResponse:
        moderator, _ = await self._form(request)
        await self.dashboard.sign_out(moderator)
        slug_ = slug(moderator.community_id)
        body = self.pages.html(
            "dashboard_signed_out.html", community=None, nav=None, root="", board_url=""
        )
        response = web.Response(body=body, content_type="text/html", headers=HEADERS)
        response.del_cookie(COOKIE, path=self._cookie_path(slug_))
        return response

    # -- pages -----------------------------------------------------------------------------
    async def add_slash(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(self._root(request.match_info["c"]))

    async def overview(self, request: web.Request) -> web.StreamResponse:
        moderator = await self._moderator(request)
        summary = await self.dashboard.overview(moderator)
        figures = sections(await self.dashboard.insights(moderator))
        return self._page(
            request,
            "dashboard.html",
            moderator,
            "overview",
            summary=summary,
            chart_sections=figures[:1],  # votes per day; the rest on the Insights page
        )

    async def insights(self, request: web.Request) -> web.StreamResponse:
        """The charts: votes per day, participation, prompts, points per rule, contributors."""
        moderator = await self._moderator(request)
        found = await self.dashboard.insights(moderator)
        return self._page(
            request,
            "dashboard_insights.html",
            moderator,
            "insights",
            insight_sections=sections(found),
            generated_at=found.generated_at,
        )

    async def ideas(self, request: web.Request) -> web.StreamResponse:
        moderator = await self._moderator(request)
        status: IdeaStatus | None = None
        raw = request.query.get("status", "")
        if raw in {s.value for s in IdeaStatus}:
            status = IdeaStatus(raw)
        page = _int(request.query.get("page")) or 1
        result = await self.dashboard.ideas(moderator, status, page)
        root = self._root(slug(moderator.community_id))

        def page_link(number: int) -> str:
            query = f"?page={number}" + (f"&status={status.value}" if status else "")
            return f"{root}ideas{query}"

        return self._page(
            request,
            "dashboard_ideas.html",
            moderator,
            "ideas",
            result=result,
            statuses=[s for s in IdeaStatus if s is not IdeaStatus.WITHDRAWN],
            settable=SETTABLE_STATUSES,
            page_link=page_link,
        )

    async def rewards(self, request: web.Request) -> web.StreamResponse:
        moderator = await self._moderator(request)
        held = await self.dashboard.redemptions(moderator)
        return self._page(request, "dashboard_rewards.html", moderator, "rewards", held=held)

    async def prompts(self, request: web.Request) -> web.StreamResponse:
        moderator = await self._moderator(request)
        open_ = await self.dashboard.prompts(moderator)
        return self._page(request, "dashboard_prompts.html", moderator, "prompts", prompts=open_)

    # -- actions ---------------------------------------------------------------------------
    async def idea_status(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas",
            "idea",
            "status",
            lambda f: {
                "idea": _text(f, "idea", 20),
                "status": _text(f, "status", 40),
                "reason": _text(f, "reason"),
            },
        )

    async def idea_merge(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas",
            "idea",
            "merge",
            lambda f: {"duplicate": _text(f, "duplicate", 20), "into": _text(f, "into", 20)},
        )

    async def idea_approve(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas?status=pending",
            "idea",
            "approve",
            lambda f: {"idea": _text(f, "idea", 20)},
        )

    async def idea_reject(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas?status=pending",
            "idea",
            "reject",
            lambda f: {"idea": _text(f, "idea", 20), "reason": _text(f, "reason")},
        )

    async def reward_approve(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "rewards",
            "rewards",
            "approve",
            lambda f: {"redemption": _text(f, "redemption", 20)},
        )

    async def reward_reject(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "rewards",
            "rewards",
            "reject",
            lambda f: {"redemption": _text(f, "redemption", 20), "reason": _text(f, "reason")},
        )

    async def prompt_close(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request, "prompts", "prompt", "close", lambda f: {"prompt": _text(f, "prompt", 20)}
        )

    async def export(self, request: web.Request) -> web.StreamResponse:
        moderator, _ = await self._form(request)
        attachment = await self.dashboard.export(moderator)
        if attachment is None:
            raise self._back(
                moderator, "", "The export could not be made. Please try again.", False
            )
        return web.Response(
            body=attachment.content,
            headers={
                **HEADERS,
                "Content-Type": attachment.content_type,
                "Content-Disposition": f'attachment; filename="{attachment.filename}"',
            },
        )
