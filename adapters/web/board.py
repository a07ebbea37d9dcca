"""The public board's pages: ideas (top / new / trending, filtered, paged), an idea, the
roadmap, shipped ideas, campaigns with their rounds, and the leaderboard.

Read-only and server-rendered: no script, no form that changes anything. A community whose
board is off (or that does not exist) answers 404 with a plain page, the same either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from adapters.web.render import Pages
from bot.links import Links
from bot.ports.board import (
    PERIODS,
    PUBLIC_STATUSES,
    SORTS,
    Board,
    BoardCommunity,
    BoardSort,
    LeaderPeriod,
    Moved,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: the board's sections, in the order of its navigation: (key, path under the board, label)
NAV = (
    ("ideas", "", "Ideas"),
    ("roadmap", "roadmap", "Roadmap"),
    ("shipped", "shipped", "Shipped"),
    ("campaigns", "campaigns", "Campaigns"),
    ("leaderboard", "leaderboard", "Leaderboard"),
)

PERIOD_LABELS = {"all": "All time", "week": "This week", "month": "This month"}
SORT_LABELS = {"top": "Most votes", "new": "Newest", "trending": "Trending now"}


class Missing(Exception):
    """The page does not exist (or the board is off): the plain 404 page answers."""

    def __init__(self, community: BoardCommunity | None, what: str) -> None:
        super().__init__(what)
        self.community = community
        self.what = what


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None or not value.strip().isdecimal() or len(value.strip()) > 12:
        return default
    return int(value.strip())


class BoardPages:
    def __init__(self, board: Board, links: Links, pages: Pages) -> None:
        self.board = board
        self.links = links
        self.pages = pages

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/board/{c}", self._answer(self.add_slash)),
            web.get("/board/{c}/", self._answer(self.ideas)),
            web.get("/board/{c}/ideas/{id}", self._answer(self.idea)),
            web.get("/board/{c}/roadmap", self._answer(self.roadmap)),
            web.get("/board/{c}/shipped", self._answer(self.shipped)),
            web.get("/board/{c}/campaigns", self._answer(self.campaigns)),
            web.get("/board/{c}/campaigns/{id}", self._answer(self.campaign)),
            web.get("/board/{c}/leaderboard", self._answer(self.leaderboard)),
        ]

    def _answer(self, handler: Handler) -> Handler:
        """The handler, with ``Missing`` answered by the plain 404 page."""

        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except Missing as missing:
                return self.not_found(request, missing.community, missing.what)

        return answer

    # -- helpers -------------------------------------------------------------------------
    async def _community(self, request: web.Request) -> BoardCommunity:
        community = await self.board.community(request.match_info["c"])
        if community is None:
            raise Missing(None, "board")
        return community

    def not_found(
        self, request: web.Request, community: BoardCommunity | None, what: str = "board"
    ) -> web.Response:
        return self.pages.respond(
            request,
            "not_found.html",
            status=404,
            community=community,
            what=what,
            nav=None,
            root=self._root(community),
        )

    def _root(self, community: BoardCommunity | None) -> str:
        if community is None:
            return ""
        return f"{self.pages.base_path}/board/{community.slug}/"

    def _page(
        self,
        request: web.Request,
        template: str,
        community: BoardCommunity,
        nav: str,
        **context: Any,
    ) -> web.Response:
        root = self._root(community)
        return self.pages.respond(
            request,
            template,
            community=community,
            nav=nav,
            root=root,
            sections=[(key, root + path, label) for key, path, label in NAV],
            board_url=self.links.board(community.id),
            **context,
        )

    # -- pages ---------------------------------------------------------------------------
    async def add_slash(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        raise web.HTTPMovedPermanently(self._root(community))

    async def ideas(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        query = request.query
        sort: BoardSort = "top"
        for known in SORTS:
            if query.get("sort") == known:
                sort = known
        campaign_id = _int(query.get("campaign"))
        status = next((s for s in PUBLIC_STATUSES if s.value == query.get("status")), None)
        page = _int(query.get("page"), 1) or 1
        found = await self.board.ideas(community, sort, campaign_id, status, page)

        def page_link(number: int) -> str:
            params: dict[str, str | int] = {"sort": sort}
            if campaign_id is not None:
                params["campaign"] = campaign_id
            if status is not None:
                params["status"] = status.value
            params["page"] = number
            return self._root(community) + "?" + urlencode(params)

        return self._page(
            request,
            "ideas.html",
            community,
            "ideas",
            result=found,
            sorts=[(s, SORT_LABELS[s]) for s in SORTS],
            statuses=PUBLIC_STATUSES,
            page_link=page_link,
        )

    async def idea(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        idea_id = _int(request.match_info["id"])
        found = None if idea_id is None else await self.board.idea(community, idea_id)
        if isinstance(found, Moved):
            raise web.HTTPMovedPermanently(f"{self._root(community)}ideas/{found.idea_id}")
        if found is None:
            raise Missing(community, "idea")
        return self._page(
            request,
            "idea.html",
            community,
            "ideas",
            view=found,
            thread_link=discussion_link(found.idea.thread_url),
            idea_url=self.links.idea(community.id, found.idea.id),
        )

    async def roadmap(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        columns = await self.board.roadmap(community)
        return self._page(request, "roadmap.html", community, "roadmap", columns=columns)

    async def shipped(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        page = _int(request.query.get("page"), 1) or 1
        found = await self.board.shipped(community, page)
        root = self._root(community)
        return self._page(
            request,
            "shipped.html",
            community,
            "shipped",
            result=found,
            page_link=lambda n: f"{root}shipped?page={n}",
        )

    async def campaigns(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        found = await self.board.campaigns(community)
        return self._page(request, "campaigns.html", community, "campaigns", campaigns=found)

    async def campaign(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        campaign_id = _int(request.match_info["id"])
        found = None if campaign_id is None else await self.board.campaign(community, campaign_id)
        if found is None:
            raise Missing(community, "campaign")
        return self._page(request, "campaign.html", community, "campaigns", view=found)

    async def leaderboard(self, request: web.Request) -> web.StreamResponse:
        community = await self._community(request)
        period: LeaderPeriod = "all"
        for known in PERIODS:
            if request.query.get("period") == known:
                period = known
        rows = await self.board.leaderboard(community, period)
        root = self._root(community)
        periods = [
            (p, f"{root}leaderboard" + ("" if p == "all" else f"?period={p}"), PERIOD_LABELS[p])
            for p in PERIODS
        ]
        return self._page(
            request,
            "leaderboard.html",
            community,
            "leaderboard",
            rows=rows,
            period=period,
            periods=periods,
        )


def discussion_link(url: str | None) -> str | None:
    """The idea's thread on its platform, when it is a link people can open there: a Discord
    thread (https://discord.com/channels/…) or a Slack permalink (https://….slack.com/…)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        return None
    if host in ("discord.com", "ptb.discord.com", "canary.discord.com") or host.endswith(
        ".slack.com"
    ):
        return url
    return None
