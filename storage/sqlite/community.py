"""Communities and their settings, processed event ids, the audit log and member names."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import AuditEntry
from config.community import CommunitySettings
from storage.sqlite.db import Database
from storage.sqlite.rows import req_ts, ts

#: rows per multi-row statement (SQLite allows 32,766 parameters)
CHUNK = 500

#: one claimed event id, and one member's name (benchmarks.ceiling writes with both too)
CLAIM_SQL = (
    "INSERT INTO processed_events (community_id, event_id, kind, handled_at)"
    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
MEMBER_TOUCH_SQL = (
    "INSERT INTO members (community_id, member_id, display_name, last_seen)"
    " VALUES (?, ?, ?, ?) ON CONFLICT (community_id, member_id) DO UPDATE SET"
    " display_name = excluded.display_name, last_seen = excluded.last_seen"
)


class SqliteCommunityRepo:
    def __init__(self, db: Database, default_timezone: str = "UTC") -> None:
        self.db = db
        self.default_timezone = default_timezone
        # Filled inside transactions; a rollback may undo what it holds, so it is dropped then.
        self._cache: dict[str, CommunitySettings] = {}
        db.on_rollback(self._cache.clear)

    async def ensure(self, community_id: str, platform: str, now: datetime) -> None:
        if community_id in self._cache:
            return
        initial = CommunitySettings(timezone=self.default_timezone).model_dump_json()
        await self.db.execute(
            "INSERT INTO communities (id, platform, settings_json, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (community_id, platform, initial, ts(now)),
        )

    async def settings(self, community_id: str) -> CommunitySettings:
        cached = self._cache.get(community_id)
        if cached is not None:
            return cached
        raw = await self.db.scalar(
            "SELECT settings_json FROM communities WHERE id = ?", (community_id,)
        )
        settings = (
            CommunitySettings(timezone=self.default_timezone)
            if raw is None
            else CommunitySettings.model_validate(json.loads(raw))
        )
        if raw is not None:
            self._cache[community_id] = settings
        return settings

    async def save_settings(self, community_id: str, settings: CommunitySettings) -> None:
        await self.db.execute(
            "UPDATE communities SET settings_json = ? WHERE id = ?",
            (settings.model_dump_json(), community_id),
        )
        # The cache is refreshed on next read; a rolled-back transaction must not leave it stale.
        self._cache.pop(community_id, None)


class SqliteEventLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, community_id: str, event_id: str, kind: str, now: datetime) -> bool:
        cur = await self.db.execute(CLAIM_SQL, (community_id, event_id, kind, ts(now)))
        return cur.rowcount == 1

    async def claim_many(
        self, community_id: str, events: list[tuple[str, str]], now: datetime
    ) -> set[str]:
        claimed: set[str] = set()
        stamp = ts(now)
        for start in range(0, len(events), CHUNK):
            chunk = events[start : start + CHUNK]
            values = ",".join("(?, ?, ?, ?)" for _ in chunk)
            params: list[str] = []
            for event_id, kind in chunk:
                params += [community_id, event_id, kind, stamp]
            rows = await self.db.fetchall(
                "INSERT INTO processed_events (community_id, event_id, kind, handled_at)"
                f" VALUES {values} ON CONFLICT DO NOTHING RETURNING event_id",
                params,
            )
            claimed.update(r[0] for r in rows)
        return claimed

    async def prune(self, handled_before: datetime, limit: int) -> int:
        """Forget at most ``limit`` event ids handled before ``handled_before``, oldest first."""
        cur = await self.db.execute(
            "DELETE FROM processed_events WHERE (community_id, event_id) IN ("
            " SELECT community_id, event_id FROM processed_events"
            " WHERE handled_at < ? ORDER BY handled_at LIMIT ?)",
            (ts(handled_before), limit),
        )
        return cur.rowcount


class SqliteAuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        community_id: str,
        actor_id: str,
        action: str,
        target: str,
        detail: str,
        now: datetime,
        via: str = "",
    ) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (community_id, actor_id, action, target, detail, created_at,"
            " via) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (community_id, actor_id, action, target, detail[:1000], ts(now), via),
        )

    async def recent(self, community_id: str, limit: int = 50) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE community_id = ? ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )
        return [
            AuditEntry(
                id=r["id"],
                community_id=r["community_id"],
                actor_id=r["actor_id"],
                action=r["action"],
                target=r["target"],
                detail=r["detail"],
                created_at=req_ts(r["created_at"]),
                via=r["via"],
            )
            for r in rows
        ]


class SqliteMemberRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        # names already stored, so a burst of reactions does not rewrite them; dropped on
        # rollback (the write it remembers may have been undone)
        self._known: dict[tuple[str, str], str] = {}
        db.on_rollback(self._known.clear)

    async def touch(self, community_id: str, member_id: str, name: str, now: datetime) -> None:
        await self.db.execute(MEMBER_TOUCH_SQL, (community_id, member_id, name[:100], ts(now)))

    async def touch_many(
        self, community_id: str, members: list[tuple[str, str]], now: datetime
    ) -> None:
        stamp = ts(now)
        fresh = [(m, n[:100]) for m, n in members if self._known.get((community_id, m)) != n[:100]]
        if not fresh:
            return
        await self.db.executemany(
            MEMBER_TOUCH_SQL, [(community_id, m, name, stamp) for m, name in fresh]
        )
        if len(self._known) > 100_000:
            self._known.clear()
        self._known.update({(community_id, m): name for m, name in fresh})

    async def names(self, community_id: str, member_ids: list[str]) -> dict[str, str]:
        rows = await self.db.fetch_in(
            "SELECT member_id, display_name FROM members WHERE community_id = ?"
            " AND member_id IN ({marks})",
            (community_id,),
            member_ids,
        )
        return {r["member_id"]: r["display_name"] or r["member_id"] for r in rows}
