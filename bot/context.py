"""What a command handler gets: who is asking, where, when, and the transaction it runs in.

The services a handler uses are not here: each command handler receives them when it is
registered, and each service through its constructor (see ``bot.app.build_app``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import PermissionDenied
from bot.events import Actor
from bot.ports import AfterCommit, UnitOfWork
from bot.ports.community import AuditRepo
from bot.replies import Reply
from config.community import CommunitySettings

FinishReply = Callable[[Reply], Awaitable[Reply]]


def is_moderator(actor: Actor, settings: CommunitySettings) -> bool:
    """Server admins (Manage Server / workspace admins) and holders of the moderator role."""
    if actor.is_admin:
        return True
    return settings.moderator_role is not None and settings.moderator_role in actor.roles


@dataclass
class Context:
    actor: Actor
    channel_id: str
    now: datetime
    settings: CommunitySettings
    event_id: str
    #: the open transaction this handler runs in
    work: UnitOfWork
    #: completes the reply after the commit (see ``finish_after_commit``)
    finish: FinishReply | None = None
    #: where the command came from when not from chat ("dashboard"), for the audit log
    via: str = ""

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

    def finish_after_commit(self, build: FinishReply) -> None:
        """Complete the handler's reply once the transaction has committed: slow work on what
        was read (zipping a whole community's data) never holds the database."""
        self.finish = build


async def audit(
    log: AuditRepo, ctx: Context, action: str, target: str = "", detail: str = ""
) -> None:
    """Record in the audit log that ``ctx``'s member did ``action``, in ``ctx``'s transaction."""
    await log.add(
        ctx.community_id, ctx.actor.member_id, action, target, detail, ctx.now, via=ctx.via
    )
