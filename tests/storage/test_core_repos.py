"""Contract tests for the core repositories (bot/ports) on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.errors import StorageError, UserError
from bot.models import Campaign, CampaignMode, Idea, IdeaStatus, Phase, Vote
from bot.ports.ideas import DuplicateTitle, IdeaFilter, SortOrder
from storage.sqlite.store import SqliteStorage, open_storage
from tests.storage.conftest import NOW, A, B


def idea(title: str, community: str = A, author: str = "alice", **extra: Any) -> Idea:
    new = Idea(0, community, None, title, "", author, author.title(), IdeaStatus.NEW, NOW, NOW)
    for key, value in extra.items():
        setattr(new, key, value)
    return new


async def add(store: SqliteStorage, title: str, **extra: Any) -> int:
    return (await store.ideas.add(idea(title, **extra))).id


async def community_ids(store: SqliteStorage) -> list[str]:
    return [r["id"] for r in await store.db.fetchall("SELECT id FROM communities ORDER BY id")]


async def vote(
    store: SqliteStorage, idea_id: int, voter: str, value: int, emoji: str, when: datetime
) -> None:
    await store.votes.write_many(A, [Vote(idea_id, voter, value, emoji)], [], when)


async def test_ensure_is_idempotent_and_keeps_saved_settings(store: SqliteStorage) -> None:
    await store.communities.ensure(A, "console", NOW)
    await store.communities.ensure(A, "console", NOW)
    assert await store.db.scalar("SELECT count(*) FROM communities WHERE id = ?", (A,)) == 1
    defaults = await store.communities.settings(A)
    assert defaults.timezone == "Europe/Berlin" and defaults.vote_mode == "up"
    await store.communities.save_settings(A, defaults.model_copy(update={"vote_mode": "scale"}))
    fresh = SqliteStorage(store.db, "Europe/Berlin")  # no cache: ensure hits the database
    await fresh.communities.ensure(A, "console", NOW)
    assert (await fresh.communities.settings(A)).vote_mode == "scale"
    assert await community_ids(store) == [A]
    assert (await store.communities.settings(B)).timezone == "Europe/Berlin"  # no row: defaults
    assert await community_ids(store) == [A]


async def test_settings_survive_reopening_the_file(store: SqliteStorage) -> None:
    await store.communities.ensure(A, "console", NOW)
    changed = (await store.communities.settings(A)).model_copy(
        update={"milestones": [3, 7], "ideas_channel": "ideas"}
    )
    await store.communities.save_settings(A, changed)
    path = store.db.path
    await store.close()
    reopened = await open_storage(path)
    try:
        loaded = await reopened.communities.settings(A)
        assert loaded.milestones == [3, 7] and loaded.ideas_channel == "ideas"
        assert loaded.timezone == "Europe/Berlin"  # stored at ensure, not the new default
    finally:
        await reopened.close()


async def test_cache_not_stale_after_rolled_back_save(store: SqliteStorage) -> None:
    await store.communities.ensure(A, "console", NOW)
    before = await store.communities.settings(A)
    with pytest.raises(RuntimeError):  # noqa: PT012
        async with store.transaction():
            await store.communities.save_settings(
                A, before.model_copy(update={"timezone": "Asia/Tokyo"})
            )
            await store.communities.settings(A)  # read back inside the transaction
            raise RuntimeError("boom")
    assert (await store.communities.settings(A)).timezone == "Europe/Berlin"


async def test_ensure_after_rolled_back_ensure_creates_the_row(store: SqliteStorage) -> None:
    with pytest.raises(RuntimeError):  # noqa: PT012
        async with store.transaction():
            await store.communities.ensure(A, "console", NOW)
            await store.communities.settings(A)
            raise RuntimeError("boom")
    await store.communities.ensure(A, "console", NOW)
    assert await community_ids(store) == [A]


async def test_event_claim_is_first_wins_and_scoped(store: SqliteStorage) -> None:
    assert await store.events.claim(A, "ev1", "command", NOW) is True
    assert await store.events.claim(A, "ev1", "reaction_added", NOW) is False
    assert await store.events.claim(B, "ev1", "command", NOW) is True
    assert await store.db.scalar("SELECT count(*) FROM processed_events") == 2


async def test_audit_recent_is_newest_first_limited_and_scoped(store: SqliteStorage) -> None:
    for n in range(5):
        await store.audit.add(A, "mod", f"act{n}", "idea:1", "x" * 2000, NOW + timedelta(n))
    await store.audit.add(B, "mod", "other", "", "", NOW)
    recent = await store.audit.recent(A, limit=3)
    assert [e.action for e in recent] == ["act4", "act3", "act2"]
    assert recent[0].created_at == NOW + timedelta(4) and recent[0].actor_id == "mod"
    assert len(recent[0].detail) == 1000
    assert [e.action for e in await store.audit.recent(B)] == ["other"]


async def test_member_names_touch_update_and_scoping(store: SqliteStorage) -> None:
    await store.members.touch(A, "u1", "Alice", NOW)
    await store.members.touch(A, "u1", "Alicia", NOW)
    await store.members.touch(B, "u2", "Bob", NOW)
    ids = [f"x{n}" for n in range(600)] + ["u1", "u2"]  # more than one 500-id chunk
    assert await store.members.names(A, ids) == {"u1": "Alicia"}
    assert await store.members.names(A, []) == {}
    assert await store.members.names(B, ["u2"]) == {"u2": "Bob"}


async def add_campaign(
    store: SqliteStorage, name: str, community: str = A, phase: Phase = Phase.SUBMISSIONS
) -> Campaign:
    mode = CampaignMode.CONTEST
    return await store.campaigns.add(community, name, "brief", mode, phase, 3, "mod", NOW)


async def test_campaign_add_by_name_and_case_insensitive_uniqueness(store: SqliteStorage) -> None:
    spring = await add_campaign(store, "Spring Flavours")
    assert spring.id > 0 and spring.phase == Phase.SUBMISSIONS
    with pytest.raises(UserError, match="already a campaign"):
        await add_campaign(store, "spring flavours")
    assert (await add_campaign(store, "Spring Flavours", community=B)).id != spring.id
    found = await store.campaigns.by_name(A, "  SPRING flavours ")
    assert found is not None and found.id == spring.id and found.brief == "brief"
    assert await store.campaigns.by_name(A, "Autumn") is None
    assert await store.campaigns.get(B, spring.id) is None


async def test_in_community_hides_closed_unless_asked(store: SqliteStorage) -> None:
    a = await add_campaign(store, "A")
    b = await add_campaign(store, "B")
    c = await add_campaign(store, "C", phase=Phase.VOTING)
    await add_campaign(store, "D", community=B)
    assert await store.campaigns.set_phase(a.id, Phase.SUBMISSIONS, Phase.CLOSED, NOW)
    assert await store.campaigns.set_phase(b.id, Phase.SUBMISSIONS, Phase.CANCELLED, NOW)
    assert [x.name for x in await store.campaigns.in_community(A)] == ["C"]
    every = await store.campaigns.in_community(A, include_closed=True)
    assert [x.name for x in every] == ["A", "B", "C"]
    assert every[0].closed_at == NOW and every[2].closed_at is None and c.closed_at is None


async def test_set_phase_is_conditional(store: SqliteStorage) -> None:
    camp = await add_campaign(store, "Spring")
    later = NOW + timedelta(hours=1)
    assert await store.campaigns.set_phase(camp.id, Phase.VOTING, Phase.CLOSED, later) is False
    unchanged = await store.campaigns.get(A, camp.id)
    assert unchanged is not None and unchanged.phase == Phase.SUBMISSIONS
    assert unchanged.closed_at is None
    assert await store.campaigns.set_phase(camp.id, Phase.SUBMISSIONS, Phase.VOTING, later)
    assert await store.campaigns.set_phase(camp.id, Phase.SUBMISSIONS, Phase.VOTING, later) is False
    assert await store.campaigns.set_phase(camp.id, Phase.VOTING, Phase.CLOSED, later)
    closed = await store.campaigns.get(A, camp.id)
    assert closed is not None and closed.phase == Phase.CLOSED and closed.closed_at == later


async def test_live_title_unique_index_ignores_case_and_spaces(store: SqliteStorage) -> None:
    await add(store, "Oat latte")
    with pytest.raises(DuplicateTitle):
        await add(store, "  OAT   Latte ")
    camp = await add_campaign(store, "Spring")
    await add(store, "oat latte", campaign_id=camp.id)  # another campaign: allowed
    await add(store, "oat latte", community=B)  # another community: allowed
    assert await store.ideas.title_taken(A, None, "oat latte")
    assert await store.db.scalar("SELECT count(*) FROM ideas") == 3


@pytest.mark.parametrize("gone", [IdeaStatus.WITHDRAWN, IdeaStatus.MERGED, IdeaStatus.REJECTED])
async def test_gone_ideas_free_their_title(store: SqliteStorage, gone: IdeaStatus) -> None:
    first = await add(store, "Oat latte")
    assert await store.ideas.set_status(A, first, IdeaStatus.NEW, gone, NOW)
    assert not await store.ideas.title_taken(A, None, "oat latte")
    second = await add(store, "Oat Latte")
    assert second != first
    with pytest.raises(DuplicateTitle):  # and the reused title is protected again
        await add(store, "oat latte")


async def test_by_message_and_by_thread_are_scoped(store: SqliteStorage) -> None:
    mine = await store.ideas.add(idea("Oat latte", description="oat milk", origin_channel="o"))
    assert await store.ideas.get(B, mine.id) is None
    mine.channel_id, mine.message_id, mine.thread_id = "gen", "m1", "t1"
    await store.ideas.save(mine)
    other = await store.ideas.add(idea("Oat latte", community=B))
    other.message_id, other.thread_id = "m1", "t1"  # ids may repeat across workspaces
    await store.ideas.save(other)
    by_msg = await store.ideas.by_message(A, "m1")
    by_thread = await store.ideas.by_thread(B, "t1")
    assert by_msg is not None and (by_msg.id, by_msg.channel_id) == (mine.id, "gen")
    assert (by_msg.title, by_msg.description, by_msg.origin_channel) == (
        "Oat latte",
        "oat milk",
        "o",
    )
    assert by_msg.status == IdeaStatus.NEW and by_msg.created_at == NOW
    assert by_thread is not None and by_thread.id == other.id
    assert await store.ideas.by_message(A, "m2") is None
    dup = await store.ideas.add(idea("Tea"))
    dup.message_id = "m1"
    # the card index refuses a second idea on one message, and that is no duplicate title
    with pytest.raises(StorageError, match="message_id"):
        await store.ideas.save(dup)


async def test_set_status_is_conditional(store: SqliteStorage) -> None:
    new_id = await add(store, "Oat latte")
    t2 = NOW + timedelta(hours=2)
    assert not await store.ideas.set_status(A, new_id, IdeaStatus.PLANNED, IdeaStatus.SHIPPED, t2)
    assert not await store.ideas.set_status(B, new_id, IdeaStatus.NEW, IdeaStatus.PLANNED, t2)
    got = await store.ideas.get(A, new_id)
    assert got is not None and got.status == IdeaStatus.NEW and got.updated_at == NOW
    assert await store.ideas.set_status(A, new_id, IdeaStatus.NEW, IdeaStatus.PLANNED, t2)
    got = await store.ideas.get(A, new_id)
    assert got is not None and got.status == IdeaStatus.PLANNED and got.updated_at == t2


async def test_count_open_by_author(store: SqliteStorage) -> None:
    for n, status in enumerate(IdeaStatus):
        await add(store, f"Idea {n}", status=status)
    await add(store, "Someone else's", author="bob")
    await add(store, "Elsewhere", community=B)
    assert await store.ideas.count_open_by_author(A, "alice") == 4  # pending, new, review, planned
    assert await store.ideas.count_open_by_author(A, "bob") == 1
    assert await store.ideas.count_open_by_author(A, "carol") == 0


async def test_search_sorts_filters_and_pages(store: SqliteStorage) -> None:
    camp = await add_campaign(store, "Spring")
    old = await add(store, "Old favourite")
    fresh = await add(store, "Fresh", author="bob", campaign_id=camp.id)
    quiet = await add(store, "Quiet")
    gone = await add(store, "Gone", status=IdeaStatus.WITHDRAWN)
    await add(store, "Elsewhere", community=B)
    month_ago = NOW - timedelta(days=30)
    for voter in ("v1", "v2", "v3"):
        await vote(store, old, voter, 1, "👍", month_ago)
    await vote(store, fresh, "v1", 1, "👍", NOW)
    assert await _ids(store, IdeaFilter(), "top") == [old, fresh, quiet]
    assert await _ids(store, IdeaFilter(), "trending") == [fresh, old, quiet]
    assert await _ids(store, IdeaFilter(), "new") == [quiet, fresh, old]
    assert await _ids(store, IdeaFilter(include_gone=True), "new") == [gone, quiet, fresh, old]
    assert await _ids(store, IdeaFilter(status=IdeaStatus.WITHDRAWN), "top") == [gone]
    assert await _ids(store, IdeaFilter(campaign_id=camp.id), "top") == [fresh]
    assert await _ids(store, IdeaFilter(author_id="alice"), "top") == [old, quiet]
    page2 = await store.ideas.search(A, IdeaFilter(), "top", NOW, limit=2, offset=2)
    assert [(i.id, t.voters) for i, t in page2] == [(quiet, 0)]
    first = await store.ideas.search(A, IdeaFilter(), "top", NOW, limit=1)
    assert first[0][1].up == 3 and first[0][1].total == 3


async def test_count_matches_what_search_pages_through(store: SqliteStorage) -> None:
    camp = await add_campaign(store, "Spring")
    await add(store, "Old favourite")
    await add(store, "Fresh", author="bob", campaign_id=camp.id)
    await add(store, "Gone", status=IdeaStatus.WITHDRAWN)
    await add(store, "Elsewhere", community=B)
    for filters in (
        IdeaFilter(),
        IdeaFilter(include_gone=True),
        IdeaFilter(status=IdeaStatus.WITHDRAWN),
        IdeaFilter(campaign_id=camp.id),
        IdeaFilter(author_id="bob"),
        IdeaFilter(author_id="nobody"),
    ):
        everything = await store.ideas.search(A, filters, "new", NOW, limit=100)
        assert await store.ideas.count(A, filters) == len(everything)


async def _ids(store: SqliteStorage, filters: IdeaFilter, sort: SortOrder) -> list[int]:
    rows = await store.ideas.search(A, filters, sort, NOW)
    return [i.id for i, _ in rows]


async def test_write_many_replaces_a_members_vote_and_remove_returns_it(
    store: SqliteStorage,
) -> None:
    target = await add(store, "Oat latte")
    await vote(store, target, "bob", 1, "👍", NOW)
    await vote(store, target, "bob", -1, "👎", NOW)
    assert await store.db.scalar("SELECT count(*) FROM votes") == 1
    removed = await store.votes.remove(target, "bob")
    assert removed is not None and (removed.value, removed.emoji) == (-1, "👎")
    assert await store.votes.remove(target, "bob") is None
    assert await store.votes.get_many([(target, "bob")]) == {}


async def test_tally_for_up_down_and_scale_values(store: SqliteStorage) -> None:
    updown, scale = await add(store, "Up down"), await add(store, "Scale")
    for voter, value in (("a", 1), ("b", 1), ("c", -1)):
        await vote(store, updown, voter, value, "x", NOW)
    for voter, value in (("a", 5), ("b", 2)):
        await vote(store, scale, voter, value, "x", NOW)
    t = await store.votes.tally(updown)
    assert (t.voters, t.up, t.down, t.total) == (3, 2, 1, 1)
    s = await store.votes.tally(scale)
    assert (s.voters, s.total, s.average) == (2, 7, 3.5)
    empty = await store.votes.tally(await add(store, "Nothing"))
    assert (empty.voters, empty.total) == (0, 0)
    with pytest.raises(sqlite3.IntegrityError):  # the schema refuses a zero or out-of-range vote
        await vote(store, updown, "d", 0, "x", NOW)


async def test_move_counts_overlapping_voters_once_and_milestones(store: SqliteStorage) -> None:
    dup, keep = await add(store, "Dup"), await add(store, "Keep")
    await vote(store, dup, "a", -1, "👎", NOW)
    await vote(store, dup, "b", 1, "👍", NOW)
    await vote(store, keep, "a", 1, "👍", NOW)
    assert await store.votes.move(dup, keep) == 1
    assert sorted(await store.votes.voters(keep)) == ["a", "b"]
    assert await store.votes.voters(dup) == []
    kept = (await store.votes.get_many([(keep, "a")]))[(keep, "a")]
    assert kept.value == 1  # the target's own vote wins
    assert await store.votes.mark_milestone(keep, 10, NOW) is True
    assert await store.votes.mark_milestone(keep, 10, NOW) is False
    assert await store.votes.mark_milestone(keep, 50, NOW) is True
