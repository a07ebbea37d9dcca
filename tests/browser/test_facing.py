"""What the browser sees of the server's defences: the headers arrive, the 429 page is a page."""

from __future__ import annotations

from typing import Any

import pytest

from bot.http import CONTENT_SECURITY_POLICY, SIGN_IN_LIMIT
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
