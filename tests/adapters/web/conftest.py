"""The board's world: the real engine on a real SQLite file (the shared harness), the bot's own
HTTP server on 127.0.0.1 port 0 with the web adapter's routes, and a real aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.web import web_routes
from bot.events import Actor
from bot.http import HealthReport, HttpServer
from bot.links import Links
from tests.harness import Harness

SLUG = "console-test"


@dataclass
class Page:
    status: int
    text: str
    headers: Any
    url: str


@dataclass
class Board:
    h: Harness
    http: HttpServer
    session: aiohttp.ClientSession
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"

    async def get(
        self, path: str, headers: dict[str, str] | None = None, redirects: bool = True
    ) -> Page:
        url = path if path.startswith("http") else f"{self.base}{path}"
        async with self.session.get(url, headers=headers, allow_redirects=redirects) as resp:
            return Page(resp.status, await resp.text(), resp.headers, str(resp.url))

    async def board(self, path: str = "", **kw: Any) -> Page:
        return await self.get(f"/board/{SLUG}/{path}", **kw)


def person(h: Harness, member_id: str, name: str, admin: bool = False) -> Actor:
    """A member whose platform id looks nothing like their display name."""
    return replace(h.member(member_id, admin=admin), display_name=name)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Board]:
    async def health() -> HealthReport:
        return HealthReport({})

    servers: list[HttpServer] = []
    # links are built when asked, as `cocreate run` builds them: the port is known once listening
    links = Links(lambda: f"http://127.0.0.1:{servers[0].port}")
    harness = await Harness.create(tmp_path / "board.sqlite3", links=links)
    http = HttpServer("127.0.0.1", 0, health, harness.app.metrics)
    servers.append(http)
    http.add_routes(web_routes(harness.app.board, harness.app.links))
    await http.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Board(harness, http, session)
    finally:
        await http.stop()
        await harness.close()


async def board_on(h: Harness) -> None:
    """The board on, and no wait between two ideas of one member."""
    for line in (
        "/cocreate config set public_board on",
        "/cocreate config set submission_cooldown_minutes 0",
    ):
        reply = await h.text(h.moderator(), line)
        assert reply.ok, reply.text


async def populate(site: Board) -> dict[str, int]:
    """A community with a closed contest, ideas in every public state, hidden ones, an
    anonymous prompt, and members whose ids are platform-like (U0…)."""
    h = site.h
    mod = person(h, "U0MOD00001", "Morgan", admin=True)
    ana = person(h, "U0ANA00001", "Ana Lopez")
    bob = person(h, "U0BOB00001", "Bob Stone")
    cat = person(h, "U0CAT00001", "Cat Ng")
    voters = [person(h, f"U0VOTER{n:04d}", f"Voter {n}") for n in range(6)]

    async def ok(actor: Actor, line: str) -> None:
        reply = await h.text(actor, line)
        assert reply.ok, reply.text

    await board_on(h)
    await ok(mod, "/cocreate config set board_name Acme Snacks")

    async def cmd(actor: Actor, path: str, **options: Any) -> None:
        reply = await h.cmd(actor, path, **options)
        assert reply.ok, reply.text

    await cmd(mod, "campaign create", name="Spring flavours", brief="Our next flavour, by you")
    ids = site.ids
    reply = await h.cmd(ana, "idea submit", title="Mango chili", description="Sweet & hot")
    ids["mango"] = int(reply.idea_id)
    reply = await h.cmd(bob, "idea submit", title="Sea salt caramel", description="Classic")
    ids["caramel"] = int(reply.idea_id)
    await cmd(mod, "campaign vote", name="Spring flavours")
    for v in voters[:3]:
        await h.react(v, ids["mango"])
    await h.react(voters[3], ids["caramel"])
    await cmd(mod, "campaign close", name="Spring flavours")

    h.clock.advance(timedelta(days=1))
    ids["dark"] = await h.submit(ana, "Dark mode", "Easier on the eyes at night")
    ids["oat"] = await h.submit(bob, "Oat milk option", "For the lactose intolerant")
    ids["ship"] = await h.submit(cat, "Free shipping", "Over 20 euros")
    ids["xss"] = await h.submit(cat, "<script>alert(1)</script>", "<b>bold</b> & <i>more</i>")
    ids["gone"] = await h.submit(cat, "Withdrawn thing", "nobody sees this")
    ids["dup"] = await h.submit(bob, "Night theme", "same as dark mode")
    for v in voters[:2]:
        await h.react(v, ids["dark"])
    await h.react(voters[0], ids["oat"])
    await ok(mod, f"/idea status {ids['dark']} planned Coming this spring")
    await ok(mod, f"/idea status {ids['oat']} in_progress")
    await ok(mod, f"/idea status {ids['oat']} shipped Now in every store, thank you!")
    await ok(mod, f"/idea status {ids['ship']} declined Shipping costs too much for now")
    await ok(cat, f"/idea withdraw {ids['gone']}")
    await ok(mod, f"/idea merge {ids['dup']} {ids['dark']}")

    prompt = await h.cmd(
        mod, "prompt create", kind="text", question="ANON-QUESTION-TEXT", anonymous=True
    )
    assert prompt.ok, prompt.text
    answered = await h.answer(ana, int(prompt.prompt_id), "ANON-ANSWER-TEXT")
    assert answered.ok, answered.text
    await h.app.cards.flush()
    return ids


@pytest.fixture
async def world(site: Board) -> Board:
    await populate(site)
    return site
