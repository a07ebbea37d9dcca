"""The web addresses of a community's pages: one place that spells the URL scheme.

A community id such as ``console:local`` appears in paths as its *slug* ``console-local`` (the
first ":" becomes "-"; platform names contain no "-", so the slug reads back unambiguously).

- ``/board/{slug}/``: the public board (ideas; ``ideas/{id}``, ``roadmap``, ``shipped``,
  ``campaigns``, ``campaigns/{id}``, ``leaderboard``)
- ``/dashboard/{slug}/``: the moderators' dashboard; ``/dashboard/signin/{token}`` signs in
- ``/static/{file}``: the stylesheet and other files the pages use
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SLUG = re.compile(r"^[A-Za-z0-9_]+-[A-Za-z0-9_.\-]+$")


def slug(community_id: str) -> str:
    """The community id as a path segment: ``console:local`` → ``console-local``."""
    return community_id.replace(":", "-", 1)


def community_of(slug_: str) -> str | None:
    """The community id a slug stands for, or None for anything that is not a slug."""
    if not _SLUG.match(slug_):
        return None
    return slug_.replace("-", ":", 1)


class Links:
    """Absolute links to a community's pages. The base is asked for each time: with HTTP_PORT
    0 the server's own address is only known once it listens."""

    def __init__(self, base: str | Callable[[], str]) -> None:
        self._base = base

    @property
    def base(self) -> str:
        base = self._base() if callable(self._base) else self._base
        return base.rstrip("/")

    def board(self, community_id: str) -> str:
        return f"{self.base}/board/{slug(community_id)}/"

    def idea(self, community_id: str, idea_id: int) -> str:
        return f"{self.board(community_id)}ideas/{idea_id}"

    def dashboard(self, community_id: str) -> str:
        return f"{self.base}/dashboard/{slug(community_id)}/"

    def dashboard_sign_in(self, token: str) -> str:
        """A single-use sign-in link (``/cocreate dashboard``): the token names the community."""
        return f"{self.base}/dashboard/signin/{token}"
