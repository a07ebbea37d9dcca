"""Real-browser tests: Debian's Chromium, driven by Playwright, against the bot serving for real.

The bot runs in its own thread and event loop, as it would in its own process: the real engine
on a real SQLite file, the memory platform recording what members see in chat, and the real
HttpServer on 127.0.0.1 port 0 with the web board and dashboard mounted. Tests are plain
synchronous Playwright code, as a person at a browser is; they create data through the engine
with ``bot.call(...)``.

Chromium is the system one (``/usr/bin/chromium``, or ``$CHROMIUM``): Playwright's own browser
download is never used. Without it every test here is skipped with one line saying how to
install it (``tests/conftest.py`` prints it once at the end of the run).

Each page is screenshotted at desktop and phone width into ``tests/browser/artifacts/`` (or
``$BROWSER_ARTIFACTS``); the files are listed at the end of the run.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.http import HealthReport, HttpServer
from bot.links import Links
from tests.browser import web
from tests.browser.chromium import CHROMIUM_ARGS, INSTALL_HINT, chromium_path
from tests.harness import Harness

T = TypeVar("T")

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS") or Path(__file__).parent / "artifacts")
# the innermost elements that reach past the right edge (what makes a page scroll sideways)
WIDER_THAN_THE_SCREEN = """(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(
    e => e.getBoundingClientRect().right > width + 1);
  return wide.filter(e => !wide.some(o => o !== e && e.contains(o))).slice(0, 5).map(
    e => e.tagName.toLowerCase() + (e.className ? "." + [...e.classList].join(".") : "")
      + " " + Math.round(e.getBoundingClientRect().right) + "px");
})()"""
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(reason=INSTALL_HINT)
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(skip)


# -- the bot, serving for real -------------------------------------------------------------------
class LiveBot:
    """The bot in a thread of its own: the engine, SQLite, the memory platform, the HttpServer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="bot", daemon=True)
        self.harness: Harness
        self.http: HttpServer

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run ``coro`` on the bot's loop and wait for its result (a hang fails, not blocks)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self._thread.start()
        self.call(self._start())

    async def _start(self) -> None:
        # links (the board's address, sign-in links) point at this server, known once it listens
        self.harness = await Harness.create(self.path, links=Links(lambda: self.url))

        async def health() -> HealthReport:
            return HealthReport({"storage": await self.harness.storage.ping()})

        self.http = HttpServer("127.0.0.1", 0, health, self.harness.app.metrics, ops_port=0)
        web.mount(self.http, self.harness)
        await self.http.start()

    def stop(self) -> None:
        try:
            self.call(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    async def _stop(self) -> None:
        await self.http.stop()
        await self.harness.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[LiveBot]:
    live = LiveBot(tmp_path / "cocreate.sqlite3")
    live.start()
    try:
        yield live
    finally:
        live.stop()


# -- the browser ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watch:
    """What the page complained about: console errors (CSP violations among them), script
    errors, and any request of ours that failed or answered with an error."""

    problems: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            text = message.text
            # a page we asked for with an error status on purpose logs its own status
            if any(f"status of {s}" in text for s in self.expected_statuses):
                return
            where = (message.location or {}).get("url", "")
            self.problems.append(f"console {message.type}: {text} ({where})")

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            return  # a download, or a page left before everything on it had loaded
        self.problems.append(f"request failed: {request.url} ({failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.expected_statuses:
            self.problems.append(f"HTTP {response.status} for {response.url}")
        # every page of ours, error pages and redirects included, carries the headers
        headers = response.headers
        for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
            if name not in headers:
                self.problems.append(f"no {name} on {response.status} {response.url}")

    @property
    def csp_violations(self) -> list[str]:
        return [p for p in self.problems if "Content Security Policy" in p]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(context: Any, watch: Watch) -> Iterator[Any]:
    """A tab whose console is watched: any error, CSP violation or failed request fails the
    test at its end (``watch.expected_statuses`` lets a test ask for an error page)."""
    tab = context.new_page()
    watch.attach(tab)
    yield tab
    assert watch.problems == [], "the browser complained:\n" + "\n".join(watch.problems)


# -- screenshots ---------------------------------------------------------------------------------
@pytest.fixture
def shoot(page: Any, request: pytest.FixtureRequest) -> Any:
    """``shoot("board")``: full-page screenshots at desktop and phone width, kept as artefacts
    (and listed at the end of the run); at phone width nothing may overflow sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(name: str) -> list[Path]:
        taken = []
        size = page.viewport_size or DESKTOP
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            path = ARTIFACTS / f"{test}--{name}--{label}.png"
            page.screenshot(path=str(path), full_page=True)
            request.node.user_properties.append(("screenshot", str(path)))
            taken.append(path)
            if label == "phone":
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 1:
                    culprits = page.evaluate(WIDER_THAN_THE_SCREEN)
                    raise AssertionError(
                        f"{name} is {overflow}px wider than a phone's screen: {culprits}"
                    )
        page.set_viewport_size(size)
        return taken

    return take
