"""Where a platform app's OAuth installs and one-time OAuth states are kept (Slack today).

The Slack adapter's installation and state stores (bolt's interfaces) reach the database only
through this port: records are plain JSON-safe dicts, so storage never sees slack_sdk and the
adapter never sees SQL. The entry point hands the storage's implementation to the adapter.
Every call is its own short transaction: bolt calls the stores from its middleware, outside
the engine's unit of work.
"""

from __future__ import annotations

from typing import Any, Protocol

Record = dict[str, Any]


class InstallationRepo(Protocol):
    async def save_installation(self, client_id: str, data: Record) -> None:
        """Record an install as the newest for its workspace and installer."""
        ...

    async def save_bot(self, client_id: str, data: Record) -> None: ...

    async def find_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> Record | None: ...

    async def find_bot(
        self, client_id: str, enterprise_id: str | None, team_id: str | None
    ) -> Record | None: ...

    async def delete_bot(
        self, client_id: str, enterprise_id: str | None, team_id: str | None
    ) -> int: ...

    async def delete_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> int: ...

    async def issue_state(self, state: str, expires_at: float, now: float) -> None: ...

    async def consume_state(self, state: str, now: float) -> bool:
        """True once for a state that was issued and has not expired; a replay gets False."""
        ...
