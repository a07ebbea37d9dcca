"""The moderators' dashboard pages: the overview, ideas, the redemption queue, open prompts and
insights, each action a form.

Everything here goes through ``bot.services.dashboard.Dashboard``: sessions, reads, and actions,
which the engine runs as the same commands chat uses. A page or action without a valid session
(or a form without the session's CSRF token) gets a plain 403 page and changes nothing.

Signing in is ``adapters/web/sign_in.py``; what both share is ``dashboard_base.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import web

from adapters.web.dashboard_base import (
    COOKIE,
    FLASH,
    HEADERS,
    NAV,
    PRIVATE,
    CommunityView,
    DashboardBase,
    form_int,
    form_text,
)
from adapters.web.insights import sections
from bot.links import community_of, slug
from bot.models import SETTABLE_STATUSES, IdeaStatus
from bot.services.dashboard import SESSION_IDLE, Moderator

__all__ = ["COOKIE", "DashboardPages"]


class DashboardPages(DashboardBase):
    def routes(self) -> list[web.RouteDef]:
        return [
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
            community=CommunityView(moderator.community_name, slug_),
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
        page = form_int(request.query.get("page")) or 1
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
                "idea": form_text(f, "idea", 20),
                "status": form_text(f, "status", 40),
                "reason": form_text(f, "reason"),
            },
        )

    async def idea_merge(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas",
            "idea",
            "merge",
            lambda f: {
                "duplicate": form_text(f, "duplicate", 20),
                "into": form_text(f, "into", 20),
            },
        )

    async def idea_approve(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas?status=pending",
            "idea",
            "approve",
            lambda f: {"idea": form_text(f, "idea", 20)},
        )

    async def idea_reject(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "ideas?status=pending",
            "idea",
            "reject",
            lambda f: {"idea": form_text(f, "idea", 20), "reason": form_text(f, "reason")},
        )

    async def reward_approve(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "rewards",
            "rewards",
            "approve",
            lambda f: {"redemption": form_text(f, "redemption", 20)},
        )

    async def reward_reject(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request,
            "rewards",
            "rewards",
            "reject",
            lambda f: {
                "redemption": form_text(f, "redemption", 20),
                "reason": form_text(f, "reason"),
            },
        )

    async def prompt_close(self, request: web.Request) -> web.StreamResponse:
        return await self._act(
            request, "prompts", "prompt", "close", lambda f: {"prompt": form_text(f, "prompt", 20)}
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
