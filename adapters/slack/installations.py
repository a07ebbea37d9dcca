"""Bolt's installation and OAuth-state stores, kept in our database.

Bolt's defaults write files next to the process, which a container loses on restart and a
second replica never sees. These implement bolt's async interfaces over the engine's
``InstallationRepo`` port (the entry point hands in the storage's implementation, where the SQL
lives); here we only convert slack_sdk's objects to plain dicts and back.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.ports.installations import InstallationRepo

log = logging.getLogger(__name__)

STATE_TTL = 600.0


def _record(obj: Installation | Bot) -> dict[str, Any]:
    """Every constructor argument as stored on the object: JSON-safe and round-trips."""
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


class DatabaseInstallationStore(AsyncInstallationStore):
    def __init__(self, repo: InstallationRepo, client_id: str) -> None:
        self.repo = repo
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.repo.save_installation(self.client_id, _record(installation))
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        await self.repo.save_bot(self.client_id, _record(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        if is_enterprise_install:
            team_id = None
        found = await self.repo.find_bot(self.client_id, enterprise_id, team_id)
        return None if found is None else Bot(**found)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if is_enterprise_install:
            team_id = None
        found = await self.repo.find_installation(self.client_id, enterprise_id, team_id, user_id)
        return None if found is None else Installation(**found)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.repo.delete_bot(self.client_id, enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.repo.delete_installation(self.client_id, enterprise_id, team_id, user_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The token the bot acts with in one workspace (None if not installed there)."""
        bot = await self.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time OAuth ``state`` values, so a callback cannot be forged or replayed."""

    def __init__(self, repo: InstallationRepo, ttl: float = STATE_TTL) -> None:
        self.repo = repo
        self.ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        now = time.time()
        await self.repo.issue_state(state, now + self.ttl, now)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self.repo.consume_state(state, time.time())
