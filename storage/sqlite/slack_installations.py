"""Slack OAuth installations and OAuth states: the SQL behind the Slack adapter's stores.

The adapter turns slack_sdk's ``Installation``/``Bot`` objects into plain dicts and back; this
module only stores those dicts, so storage never imports slack_sdk and the adapter holds no SQL.
Every call is its own short transaction: bolt calls the store from its middleware, outside the
engine's unit of work.
"""

from __future__ import annotations

import json
from typing import Any

from storage.sqlite.db import Database

Record = dict[str, Any]


def _key(value: str | None) -> str:
    return value or ""


class SqliteSlackInstallations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save_installation(self, client_id: str, data: Record) -> None:
        """Record an install (and its bot) as the newest for its workspace and installer."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO slack_installations (client_id, enterprise_id, team_id, user_id,"
                " is_enterprise_install, data_json, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    client_id,
                    _key(data.get("enterprise_id")),
                    _key(data.get("team_id")),
                    _key(data.get("user_id")),
                    1 if data.get("is_enterprise_install") else 0,
                    json.dumps(data),
                    float(data.get("installed_at") or 0),
                ),
            )

    async def save_bot(self, client_id: str, data: Record) -> None:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO slack_bots (client_id, enterprise_id, team_id, is_enterprise_install,"
                " data_json, installed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    client_id,
                    _key(data.get("enterprise_id")),
                    _key(data.get("team_id")),
                    1 if data.get("is_enterprise_install") else 0,
                    json.dumps(data),
                    float(data.get("installed_at") or 0),
                ),
            )

    async def find_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> Record | None:
        sql = (
            "SELECT data_json FROM slack_installations"
            " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params: list[Any] = [client_id, _key(enterprise_id), _key(team_id)]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        sql += " ORDER BY installed_at DESC, id DESC LIMIT 1"
        async with self.db.transaction():
            raw = await self.db.scalar(sql, params)
        return None if raw is None else dict(json.loads(raw))

    async def find_bot(
        self, client_id: str, enterprise_id: str | None, team_id: str | None
    ) -> Record | None:
        async with self.db.transaction():
            raw = await self.db.scalar(
                "SELECT data_json FROM slack_bots"
                " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
                " ORDER BY installed_at DESC, id DESC LIMIT 1",
                (client_id, _key(enterprise_id), _key(team_id)),
            )
        return None if raw is None else dict(json.loads(raw))

    async def delete_bot(
        self, client_id: str, enterprise_id: str | None, team_id: str | None
    ) -> int:
        async with self.db.transaction():
            cur = await self.db.execute(
                "DELETE FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                (client_id, _key(enterprise_id), _key(team_id)),
            )
        return int(cur.rowcount)

    async def delete_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> int:
        sql = (
            "DELETE FROM slack_installations"
            " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params: list[Any] = [client_id, _key(enterprise_id), _key(team_id)]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        async with self.db.transaction():
            cur = await self.db.execute(sql, params)
        return int(cur.rowcount)

    # -- OAuth state -----------------------------------------------------------------------
    async def issue_state(self, state: str, expires_at: float, now: float) -> None:
        async with self.db.transaction():
            await self.db.execute("DELETE FROM slack_oauth_states WHERE expires_at < ?", (now,))
            await self.db.execute(
                "INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)",
                (state, expires_at),
            )

    async def consume_state(self, state: str, now: float) -> bool:
        """True once for a state that was issued and has not expired; a replay gets False."""
        async with self.db.transaction():
            cur = await self.db.execute(
                "DELETE FROM slack_oauth_states WHERE state = ? AND expires_at >= ?", (state, now)
            )
        return int(cur.rowcount) == 1
