"""Who a Slack user is to the engine: name, admin, bot, and user groups as roles.

Moderators on Slack are workspace admins and owners (``users.info``), plus members of the user
group whose id a community sets as ``moderator_role`` (e.g. ``S0123ABCD``). User group ids play
the part of Discord role ids everywhere a setting names a role (``voter_role``, a prompt's
audience). Lookups are cached for a few minutes: every reaction needs an actor, and Slack's
rate limits are per method. Lookups that arrive together share one call: a burst of reactions
by members the bot has not seen yet asks ``users.info`` once per member and ``usergroups.list``
once, and the events waiting on one call go on in the order they asked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from adapters.slack.clients import SlackClients
from adapters.slack.translate import community_id
from bot.errors import DeliveryError
from bot.events import Actor

log = logging.getLogger(__name__)

USER_TTL = 300.0
GROUP_TTL = 60.0
T = TypeVar("T")


def actor_from_user(team_id: str, user: dict[str, Any], roles: frozenset[str]) -> Actor:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or str(user.get("id", ""))
    )
    return Actor(
        community_id=community_id(team_id),
        member_id=str(user.get("id", "")),
        display_name=str(name),
        roles=roles,
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        is_bot=bool(user.get("is_bot")),
    )


class Directory:
    def __init__(self, clients: SlackClients, clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = clients
        self._clock = clock
        self._users: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._groups: dict[str, tuple[float, dict[str, frozenset[str]]]] = {}
        self._calls: dict[Hashable, asyncio.Task[Any]] = {}  # lookups under way, by what they ask

    async def actor(self, team_id: str, user_id: str) -> Actor:
        user = await self._user(team_id, user_id)
        roles = (await self._memberships(team_id)).get(user_id, frozenset())
        if user is None:
            return Actor(community_id(team_id), user_id, roles=roles)
        return actor_from_user(team_id, user, roles)

    async def _shared(self, key: Hashable, lookup: Callable[[], Awaitable[T]]) -> T:
        """One call for everyone asking ``key`` while it runs. A caller that gives up
        (cancelled) leaves the call running for the others."""
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = asyncio.ensure_future(lookup())

            def done(finished: asyncio.Task[Any], key: Hashable = key) -> None:
                if self._calls.get(key) is finished:
                    del self._calls[key]

            call.add_done_callback(done)
        result: T = await asyncio.shield(call)
        return result

    async def _user(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        cached = self._users.get((team_id, user_id))
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        return await self._shared(("user", team_id, user_id), lambda: self._ask(team_id, user_id))

    async def _ask(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        try:
            client = await self.clients.for_team(team_id)
            data = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed", extra={"error": exc.response.get("error")})
            return None
        except DeliveryError as exc:
            log.warning("users.info skipped", extra={"error": str(exc)})
            return None
        user = dict(data.get("user") or {})
        self._users[(team_id, user_id)] = (self._clock() + USER_TTL, user)
        return user

    async def _memberships(self, team_id: str) -> dict[str, frozenset[str]]:
        """user id -> the user groups they belong to (empty if the scope is missing)."""
        cached = self._groups.get(team_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        return await self._shared(("groups", team_id), lambda: self._ask_groups(team_id))

    async def _ask_groups(self, team_id: str) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        try:
            client = await self.clients.for_team(team_id)
            data = await client.usergroups_list(include_users=True)
            for group in data.get("usergroups") or []:
                for member in group.get("users") or []:
                    found.setdefault(str(member), set()).add(str(group.get("id", "")))
        except SlackApiError as exc:
            log.info("usergroups.list failed", extra={"error": exc.response.get("error")})
        except DeliveryError as exc:
            log.info("usergroups.list skipped", extra={"error": str(exc)})
        result = {user: frozenset(groups) for user, groups in found.items()}
        self._groups[team_id] = (self._clock() + GROUP_TTL, result)
        return result

    def forget(self, team_id: str, user_id: str) -> None:
        """A profile or admin change (user_change event) is visible at once."""
        self._users.pop((team_id, user_id), None)
