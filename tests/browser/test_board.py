"""The public board in a real browser: find it from chat, sort, filter, open an idea, follow the
roadmap; user text stays text; every page at desktop and phone width."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveBot
from tests.browser.seed import SCRIPT_TITLE, Seeded, board_url, seed

pytestmark = pytest.mark.browser


def _titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".cards .card-title").all_inner_texts()]


def test_board_sort_filter_idea_and_roadmap(bot: LiveBot, page: Any, shoot: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    seeded: Seeded = bot.call(seed(bot.harness))
    url = bot.call(board_url(bot.harness))
    assert url.startswith(bot.url + "/board/")

    page.goto(url)
    assert page.get_by_role("heading", level=1, name="Ideas").is_visible()
    titles = _titles(page)
    assert titles[0] == "Oat milk at every store"  # top: the most votes first
    assert SCRIPT_TITLE in titles  # markup in a title is shown as text...
    assert dialogs == []  # ...and never runs
    shoot("ideas")

    page.get_by_label("Sort by").select_option("new")
    with page.expect_navigation():
        page.get_by_role("button", name="Show ideas").click()
    assert "sort=new" in page.url
    assert _titles(page)[0] == "Gingerbread latte"

    page.get_by_label("Status").select_option("planned")
    with page.expect_navigation():
        page.get_by_role("button", name="Show ideas").click()
    assert "status=planned" in page.url
    assert _titles(page) == ["Reusable cup discount"]
    shoot("ideas-filtered")

    page.get_by_label("Status").select_option("")
    page.get_by_label("Campaign").select_option(label=seeded.campaign)
    with page.expect_navigation():
        page.get_by_role("button", name="Show ideas").click()
    assert "campaign=" in page.url
    assert _titles(page) == ["Gingerbread latte"], page.url

    # open an idea from the list
    page.goto(url)
    page.get_by_role("link", name="Reusable cup discount").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reusable cup discount"
    history = page.locator(".timeline").inner_text()
    assert "Looking at the numbers." in history and "Coming in the spring menu." in history
    shoot("idea")

    # follow the roadmap, and from it an idea in progress
    page.get_by_role("navigation", name="Board").get_by_role("link", name="Roadmap").click()
    assert page.get_by_role("heading", level=1, name="Roadmap").is_visible()
    planned = page.locator("section", has=page.get_by_role("heading", name="Planned"))
    assert "Reusable cup discount" in planned.inner_text()
    shoot("roadmap")
    page.get_by_role("link", name="Mobile order ahead").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mobile order ahead"
    assert "Being tested in three stores." in page.locator(".timeline").inner_text()

    # a declined idea shows its public reason
    page.goto(f"{url}ideas/{seeded.declined}")
    assert "We cannot offer unlimited refills" in page.locator("main").inner_text()
    shoot("idea-declined")

    # the idea with markup in it: text on its own page too
    page.goto(f"{url}ideas/{seeded.script}")
    assert page.get_by_role("heading", level=1).inner_text() == SCRIPT_TITLE
    assert page.locator("main b, main i").count() == 0
    assert dialogs == []


@pytest.mark.parametrize(
    ("section", "heading"),
    [
        ("Shipped", "Shipped"),
        ("Campaigns", "Campaigns"),
        ("Leaderboard", "Leaderboard"),
    ],
)
def test_every_board_section(
    bot: LiveBot, page: Any, shoot: Any, section: str, heading: str
) -> None:
    bot.call(seed(bot.harness))
    page.goto(bot.call(board_url(bot.harness)))
    page.get_by_role("navigation", name="Board").get_by_role("link", name=section).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
    shoot(section.lower())
    if section == "Campaigns":
        page.get_by_role("link", name="Winter drinks").first.click()
        assert "Winter drinks" in page.get_by_role("heading", level=1).inner_text()
        shoot("campaign")
    if section == "Shipped":
        assert "On the menu all year from today" in page.locator("main").inner_text()


def test_keyboard_only(bot: LiveBot, page: Any) -> None:
    """Tab reaches the skip link first, focus is visible, the filter form works with keys."""
    bot.call(seed(bot.harness))
    url = bot.call(board_url(bot.harness))
    page.goto(url)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {text: e.textContent.trim(), visible: e.getBoundingClientRect().height > 0,"
        " outline: s.outlineStyle, width: parseFloat(s.outlineWidth),"
        " shadow: s.boxShadow}; })()"
    )
    assert focused["text"] == "Skip to content"
    assert focused["visible"], "the skip link must show when focused"
    assert (focused["outline"] != "none" and focused["width"] > 0) or focused["shadow"] != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Tab on to the sort control, choose "new" with the arrow keys, then the button, Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "sort":
            break
    else:
        raise AssertionError("Tab never reached the sort control")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; })()"
    )
    assert (style[0] != "none" and style[1] > 0) or style[2] != "none", "focus must be visible"
    page.keyboard.press("ArrowDown")  # top → new
    assert page.evaluate("document.activeElement.value") == "new"
    for _ in range(3):  # campaign, status, the button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Show ideas"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=new" in page.url
    assert page.locator(".cards .card-title").first.inner_text() == "Gingerbread latte"
