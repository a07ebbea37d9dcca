"""Server-rendered pages: one Jinja2 environment (templates shipped in this package, autoescape
on, so every text a member wrote is shown as text) and the response helpers every page uses
(cache headers, an ETag from the page's content, 304 for a matching If-None-Match)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from bot.models import IdeaStatus, Phase

#: public pages may be kept briefly by browsers and proxies; the ETag makes a recheck cheap
PUBLIC_CACHE = "public, max-age=30"
HTML = "text/html; charset=utf-8"


def status_label(status: str) -> str:
    return IdeaStatus(status).label.capitalize()


def phase_label(phase: str) -> str:
    return Phase(phase).label.capitalize()


def _zone(context: Context) -> ZoneInfo:
    community = context.get("community")
    try:
        return ZoneInfo(getattr(community, "timezone", "UTC") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@pass_context
def day(context: Context, when: datetime | None) -> str:
    """ "5 Jan 2026" in the community's timezone (no script formats dates on the board)."""
    if when is None:
        return ""
    local = when.astimezone(_zone(context))
    return f"{local.day} {local:%b %Y}"


@pass_context
def moment(context: Context, when: datetime | None) -> str:
    """ "5 Jan 2026, 10:00 CET" in the community's timezone."""
    if when is None:
        return ""
    local = when.astimezone(_zone(context))
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def new_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("adapters.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_label"] = status_label
    env.filters["phase_label"] = phase_label
    env.filters["day"] = day
    env.filters["moment"] = moment
    return env


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(request: web.Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags


def cached(
    request: web.Request,
    body: bytes,
    content_type: str,
    *,
    status: int = 200,
    cache: str = PUBLIC_CACHE,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A response with Cache-Control and an ETag; 304 with no body when the client has it."""
    etag = etag_of(body)
    sent = {"Cache-Control": cache, "ETag": etag, **(headers or {})}
    if status == 200 and matches(request, etag):
        return web.Response(status=304, headers=sent)
    return web.Response(
        body=body, status=status, content_type=None, headers={**sent, "Content-Type": content_type}
    )


class Pages:
    """Renders a template into a cached HTML response."""

    def __init__(self, base_path: str = "") -> None:
        self.env = new_environment()
        #: the path PUBLIC_URL puts in front of every page ("" when served at the root)
        self.base_path = base_path.rstrip("/")

    def html(self, template: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(base=self.base_path, **context).encode()

    def respond(
        self,
        request: web.Request,
        template: str,
        *,
        status: int = 200,
        cache: str = PUBLIC_CACHE,
        **context: Any,
    ) -> web.Response:
        return cached(request, self.html(template, **context), HTML, status=status, cache=cache)
