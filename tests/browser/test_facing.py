"""What the browser sees of the server's defences: the headers arrive, the 429 page is a page."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from aiohttp import web

from bot.http import CONTENT_SECURITY_POLICY, SIGN_IN_LIMIT, HealthReport, HttpServer
from bot.metrics import Metrics
from tests.browser.conftest import LiveBot, Watch

pytestmark = pytest.mark.browser


def test_a_missing_page_is_plain_and_carries_the_headers(
    bot: LiveBot, page: Any, watch: Watch, shoot: Any
) -> None:
    watch.expected_statuses.add(404)
    response = page.goto(f"{bot.url}/board/no-such-community/nothing-here")
    assert response.status == 404
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    shoot("not-found")


def test_too_many_sign_in_attempts_get_a_readable_429(
    bot: LiveBot, page: Any, watch: Watch, shoot: Any
) -> None:
    watch.expected_statuses.update({404, 410, 400, 403, 429})
    statuses = []
    allowed = SIGN_IN_LIMIT.rate.count
    for attempt in range(allowed + 1):
        response = page.goto(f"{bot.url}/dashboard/signin/not-a-real-link-{attempt}")
        statuses.append(response.status)
    assert set(statuses[:allowed]) == {403}  # refused as links, each page readable
    assert statuses[-1] == 429
    assert 590 <= int(response.headers["retry-after"]) <= 600
    assert response.headers["referrer-policy"] == "no-referrer"
    assert page.get_by_role("heading", name="Too many requests").is_visible()
    assert "Please wait 10 minutes" in page.inner_text("main")
    shoot("too-many-requests")


def test_the_watch_sees_csp_violations(context: Any) -> None:
    """The "no CSP violation" checks can fail: a page with inline script and style, served with
    the server's headers, is blocked by the browser and the watch reports both."""

    async def unsafe(request: web.Request) -> web.Response:
        return web.Response(
            text='<!doctype html><p style="color:red">x</p><script>document.title="ran"</script>',
            content_type="text/html",
        )

    async def healthy() -> HealthReport:
        return HealthReport({})

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = HttpServer("127.0.0.1", 0, healthy, Metrics())
    server.add_routes([web.get("/unsafe", unsafe)])
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    try:
        watch = Watch()
        tab = context.new_page()
        watch.attach(tab)
        tab.goto(f"http://127.0.0.1:{server.port}/unsafe")
        assert tab.title() != "ran"  # the inline script did not run
        kinds = " ".join(watch.csp_violations)
        assert "script" in kinds and "style" in kinds, watch.problems
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
