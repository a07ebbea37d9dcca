"""The moderator dashboard in a real browser: sign in with the link the bot sent by DM, change a
status and see the idea's card in chat change, download the export, sign out; used and expired
links are refused."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.models import IdeaStatus
from tests.browser.conftest import LiveBot, Watch
from tests.browser.seed import board_url, seed
from tests.harness import Harness

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/dashboard/signin/[A-Za-z0-9_\-]+")


async def ask_for_link(h: Harness, name: str = "mod") -> str:
    """A moderator types /cocreate dashboard; the link is read from the DM the platform got."""
    before = len(h.platform.dms)
    reply = await h.text(h.member(name, admin=True), "/cocreate dashboard")
    assert reply.ok, reply.text
    for _ in range(200):  # the DM is an outbox row delivered right after the commit
        if len(h.platform.dms) > before:
            break
        await asyncio.sleep(0.01)
    _, member, message = h.platform.dms[-1]
    assert member == name
    found = LINK.search(message.text)
    assert found, message.text
    return found.group(0)


async def card_status(h: Harness, idea_id: int, want: IdeaStatus) -> IdeaStatus:
    """The status on the idea's card in chat, once its edit has been delivered."""
    message_id = await h.card_message(idea_id)
    for _ in range(300):
        if h.platform.cards[message_id].status == want:
            break
        await asyncio.sleep(0.01)
    return h.platform.cards[message_id].status


def sign_in(page: Any, link: str) -> None:
    """With the keyboard only: the page's one button has the focus, Enter signs in."""
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to the moderator dashboard"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sign_in_change_a_status_download_and_sign_out(
    bot: LiveBot, page: Any, context: Any, shoot: Any
) -> None:
    h = bot.harness
    seeded = bot.call(seed(h))
    link = bot.call(ask_for_link(h))
    assert link.startswith(bot.url)

    page.goto(link)
    shoot("sign-in")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/signin/" not in page.url  # the address bar ends on the dashboard, not the link
    assert "signed in as Mod" in page.locator(".signed-in").inner_text()
    (cookie,) = [c for c in context.cookies() if c["name"] == "cocreate_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert not cookie["secure"]  # served over plain http here; Secure behind https
    shoot("overview")

    # change a status on the dashboard: the card in chat follows
    before = h.platform.card_edits
    nav = page.get_by_role("navigation", name="Dashboard")
    nav.get_by_role("link", name="Ideas").click()
    assert page.get_by_role("heading", level=1, name="Ideas").is_visible()
    shoot("ideas")
    page.get_by_label(f"New status of idea #{seeded.top}").select_option("planned")
    page.get_by_label(f"Reason for idea #{seeded.top} (required when declining)").fill(
        "On the spring menu."
    )
    row = page.locator("tr", has=page.get_by_label(f"New status of idea #{seeded.top}"))
    with page.expect_navigation():
        row.get_by_role("button", name="Change").click()
    assert page.get_by_role("status").is_visible()  # the engine's reply, as in chat
    assert bot.call(card_status(h, seeded.top, IdeaStatus.PLANNED)) == IdeaStatus.PLANNED
    assert h.platform.card_edits > before
    # and the public board agrees
    page.goto(bot.call(board_url(h)) + f"ideas/{seeded.top}")
    assert "On the spring menu." in page.locator(".timeline").inner_text()
    page.go_back()

    # the export, as a download
    page.goto(link.split("/dashboard/")[0] + "/dashboard/console-test/")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the export (zip)").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        names = archive.namelist()
        ideas_csv = next(n for n in names if "ideas" in n)
        assert "Oat milk at every store" in archive.read(ideas_csv).decode()

    # the other sections render too
    for section in ("Rewards", "Prompts", "Insights"):
        with page.expect_navigation():
            nav = page.get_by_role("navigation", name="Dashboard")
            nav.get_by_role("link", name=section).click()
        assert page.url.endswith(f"/{section.lower()}")
        assert page.get_by_role("heading", level=1).is_visible()
        if section == "Insights":  # charts as SVG images with a table beside each
            charts = page.locator("main svg[role=img]")
            assert charts.count() > 0
            assert page.locator("main table").count() >= charts.count()
        shoot(section.lower())

    # sign out: the dashboard asks to sign in again
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    shoot("signed-out")
    assert [c for c in context.cookies() if c["name"] == "cocreate_session"] == []


def test_used_and_expired_links_are_refused(
    bot: LiveBot, page: Any, watch: Watch, shoot: Any
) -> None:
    watch.expected_statuses.add(403)
    h = bot.harness
    bot.call(seed(h))
    link = bot.call(ask_for_link(h))
    sign_in(page, link)
    assert "signed in as Mod" in page.locator(".signed-in").inner_text()

    # the same link again: refused, with a plain page saying what to do
    response = page.goto(link)
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "This sign-in link does not work"
    assert "/cocreate dashboard" in page.locator("main").inner_text()
    shoot("link-used")

    # a link left for longer than ten minutes
    late = bot.call(ask_for_link(h, "lee"))
    h.clock.advance(timedelta(minutes=11))
    response = page.goto(late)
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "This sign-in link does not work"

    # a forged one
    response = page.goto(link[:-6] + "AAAAAA")
    assert response.status == 403


def test_pages_need_a_session(bot: LiveBot, page: Any, watch: Watch, shoot: Any) -> None:
    watch.expected_statuses.add(403)
    bot.call(seed(bot.harness))
    response = page.goto(f"{bot.url}/dashboard/console-test/ideas")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Please sign in"
    shoot("no-session")
