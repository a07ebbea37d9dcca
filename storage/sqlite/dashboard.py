"""The dashboard's sign-in links and sessions: rows keyed by the hash of their secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.ports.dashboard import DashboardSession, LinkOwner
from storage.sqlite.db import Database
from storage.sqlite.rows import req_ts, ts


def _session(row: Any) -> DashboardSession:
    return DashboardSession(
        community_id=row["community_id"],
        member_id=row["member_id"],
        display_name=row["display_name"],
        csrf_secret=row["csrf_secret"],
        created_at=req_ts(row["created_at"]),
        last_seen=req_ts(row["last_seen"]),
        expires_at=req_ts(row["expires_at"]),
    )


class SqliteDashboardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_link(
        self, token_hash: str, owner: LinkOwner, now: datetime, expires_at: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO dashboard_links (token_hash, community_id, member_id, display_name,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                token_hash,
                owner.community_id,
                owner.member_id,
                owner.display_name,
                ts(now),
                ts(expires_at),
            ),
        )

    async def link(self, token_hash: str, now: datetime) -> LinkOwner | None:
        row = await self.db.fetchone(
            "SELECT community_id, member_id, display_name FROM dashboard_links"
            " WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            (token_hash, ts(now)),
        )
        return None if row is None else LinkOwner(*row)

    async def use_link(self, token_hash: str, now: datetime) -> LinkOwner | None:
        cur = await self.db.execute(
            "UPDATE dashboard_links SET used_at = ?"
            " WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            (ts(now), token_hash, ts(now)),
        )
        if cur.rowcount != 1:
            return None
        row = await self.db.fetchone(
            "SELECT community_id, member_id, display_name FROM dashboard_links"
            " WHERE token_hash = ?",
            (token_hash,),
        )
        assert row is not None
        return LinkOwner(row["community_id"], row["member_id"], row["display_name"])

    async def add_session(
        self,
        id_hash: str,
        owner: LinkOwner,
        csrf_secret: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self.db.execute(
            "INSERT INTO dashboard_sessions (id_hash, community_id, member_id, display_name,"
            " csrf_secret, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                id_hash,
                owner.community_id,
                owner.member_id,
                owner.display_name,
                csrf_secret,
                ts(now),
                ts(now),
                ts(expires_at),
            ),
        )

    async def session(self, id_hash: str) -> DashboardSession | None:
        row = await self.db.fetchone(
            "SELECT * FROM dashboard_sessions WHERE id_hash = ? AND revoked_at IS NULL",
            (id_hash,),
        )
        return None if row is None else _session(row)

    async def seen(self, id_hash: str, now: datetime) -> None:
        await self.db.execute(
            "UPDATE dashboard_sessions SET last_seen = ? WHERE id_hash = ? AND last_seen < ?",
            (ts(now), id_hash, ts(now)),
        )

    async def revoke(self, id_hash: str, now: datetime) -> bool:
        cur = await self.db.execute(
            "UPDATE dashboard_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL",
            (ts(now), id_hash),
        )
        return cur.rowcount == 1

    async def prune(self, before: datetime) -> int:
        links = await self.db.execute(
            "DELETE FROM dashboard_links WHERE expires_at < ?", (ts(before),)
        )
        sessions = await self.db.execute(
            "DELETE FROM dashboard_sessions WHERE expires_at < ?", (ts(before),)
        )
        return int(links.rowcount) + int(sessions.rowcount)
