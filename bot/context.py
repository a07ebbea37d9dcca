"""What a command handler gets: who is asking, where, when, and the services to do it with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import PermissionDenied
from bot.events import Actor
from bot.ports import AfterCommit, UnitOfWork
from config.community import CommunitySettings

if TYPE_CHECKING:
    from bot.app import Services


def is_moderator(actor: Actor, settings: CommunitySettings) -> bool:
    """Server admins (Manage Server / workspace admins) and holders of the moderator role."""
    if actor.is_admin:
        return True
    return settings.moderator_role is not None and settings.moderator_role in actor.roles


@dataclass
class Context:
    services: Services
    actor: Actor
    channel_id: str
    now: datetime
    settings: CommunitySettings
    event_id: str
    #: the open transaction this handler runs in
    work: UnitOfWork

    @property
    def community_id(self) -> str:
        return self.actor.community_id

    @property
    def is_moderator(self) -> bool:
        return is_moderator(self.actor, self.settings)

    def require_moderator(self) -> None:
        if not self.is_moderator:
            raise PermissionDenied()

    def later(self, action: AfterCommit) -> None:
        """Run ``action`` once the transaction has committed (platform I/O never holds it)."""
        self.work.on_commit(action)

    async def audit(self, action: str, target: str = "", detail: str = "") -> None:
        await self.services.storage.audit.add(
            self.community_id, self.actor.member_id, action, target, detail, self.now
        )
