"""What the dashboard's pages and its sign-in pages share: cookie names, the plain refusal
pages, the dashboard's paths, and small form readers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapters.web.render import Pages
from bot.links import Links
from bot.services.dashboard import LINK_LIFETIME, SESSION_IDLE, SESSION_LIFETIME, Dashboard

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


def form_int(value: str | None) -> int | None:
    if value is None or not value.strip().isdecimal() or len(value.strip()) > 12:
        return None
    return int(value.strip())


def form_text(form: Any, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


class CommunityView:
    """What the shared layout shows of the community (its name and initial)."""

    def __init__(self, name: str, slug_: str) -> None:
        self.name = name
        self.slug = slug_


class DashboardBase:
    def __init__(self, dashboard: Dashboard, links: Links, pages: Pages) -> None:
        self.dashboard = dashboard
        self.links = links
        self.pages = pages
        self.secure = links.base.startswith("https://")

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
