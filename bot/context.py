"""What a command handler gets: who is asking, where, when, and the services to do it with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import PermissionDenied
from bot.events import Actor
from bot.replies import Reply
from config.community import CommunitySettings

if TYPE_CHECKING:
    from bot.app import Services

AfterCommit = Callable[[], Awaitable[None]]
FinishReply = Callable[[Reply], Awaitable[Reply]]


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
    after_commit: list[AfterCommit] = field(default_factory=list)
    #: completes the reply after the commit (see ``finish_after_commit``)
    finish: FinishReply | None = None

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
        self.after_commit.append(action)

    def finish_after_commit(self, build: FinishReply) -> None:
        """Complete the handler's reply once the transaction has committed: slow work on what
        was read (zipping a whole community's data) never holds the database."""
        self.finish = build

    async def audit(self, action: str, target: str = "", detail: str = "") -> None:
        await self.services.storage.audit.add(
            self.community_id, self.actor.member_id, action, target, detail, self.now
        )
