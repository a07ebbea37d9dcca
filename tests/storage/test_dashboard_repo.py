"""The dashboard repository's contract: links are used once and only while unexpired, sessions
end when revoked, expired rows are pruned."""

from __future__ import annotations

from datetime import timedelta

from bot.ports.dashboard import LinkOwner
from storage.sqlite.store import SqliteStorage
from tests.storage.conftest import NOW, A

OWNER = LinkOwner(A, "mod", "Mod")
LATER = NOW + timedelta(minutes=10)


async def test_a_link_is_used_once_and_only_before_it_expires(store: SqliteStorage) -> None:
    async with store.transaction():
        await store.dashboard.add_link("h1", OWNER, NOW, LATER)
        await store.dashboard.add_link("h2", OWNER, NOW, LATER)
    async with store.transaction():
        assert await store.dashboard.link("h1", NOW) == OWNER
        assert await store.dashboard.link("h2", LATER) is None  # expiry is exclusive
        assert await store.dashboard.use_link("h2", LATER) is None
        assert await store.dashboard.use_link("h1", NOW) == OWNER
        assert await store.dashboard.use_link("h1", NOW) is None
        assert await store.dashboard.link("h1", NOW) is None
        assert await store.dashboard.use_link("unknown", NOW) is None
    assert (
        await store.db.scalar("SELECT used_at FROM dashboard_links WHERE token_hash='h2'") is None
    )


async def test_a_session_ends_when_revoked(store: SqliteStorage) -> None:
    async with store.transaction():
        await store.dashboard.add_session("s1", OWNER, "ab" * 32, NOW, NOW + timedelta(hours=8))
        found = await store.dashboard.session("s1")
        assert found is not None
        assert (found.community_id, found.member_id, found.display_name) == (A, "mod", "Mod")
        assert found.last_seen == NOW
        await store.dashboard.seen("s1", NOW + timedelta(minutes=5))
        seen = await store.dashboard.session("s1")
        assert seen is not None and seen.last_seen == NOW + timedelta(minutes=5)
        assert await store.dashboard.revoke("s1", NOW)
        assert not await store.dashboard.revoke("s1", NOW)
        assert await store.dashboard.session("s1") is None


async def test_prune_forgets_only_what_expired_before(store: SqliteStorage) -> None:
    async with store.transaction():
        await store.dashboard.add_link("old", OWNER, NOW, LATER)
        await store.dashboard.add_link("new", OWNER, LATER, LATER + timedelta(minutes=10))
        await store.dashboard.add_session("s", OWNER, "ab" * 32, NOW, NOW + timedelta(hours=8))
        assert await store.dashboard.prune(LATER + timedelta(minutes=1)) == 1
        assert await store.dashboard.link("new", LATER) == OWNER
        assert await store.dashboard.session("s") is not None
