"""Which stored thread addresses the board shows as "Join the discussion"."""

from __future__ import annotations

import pytest

from adapters.web.board import discussion_link


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.com/channels/111/222",
        "https://acme.slack.com/archives/C0123/p1712345678901234",
    ],
)
def test_platform_threads_are_linked(url: str) -> None:
    assert discussion_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "memory://general/t1",
        "http://discord.com/channels/1/2",
        "javascript:alert(1)",
        "https://evil.example/slack.com",
        "https://discord.com.evil.example/channels/1/2",
    ],
)
def test_anything_else_is_left_out(url: str | None) -> None:
    assert discussion_link(url) is None
