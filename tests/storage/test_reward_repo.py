"""Contract for the reward repository, on a real migrated SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ports.rewards import RedemptionStatus, RewardNameTaken
from storage.sqlite.db import Database
from storage.sqlite.rewards import SqliteRewardRepo

C = "console:a"
OTHER = "console:b"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqliteRewardRepo]:
    db = Database(str(tmp_path / "rewards.sqlite3"))
    await db.open()
    await db.migrate()
    try:
        yield SqliteRewardRepo(db)
    finally:
        await db.close()


async def test_add_then_find_by_id_and_by_name_ignoring_case_and_spaces(
    repo: SqliteRewardRepo,
) -> None:
    made = await repo.add(C, "Café  Mug", 50, 3, NOW)
    by_id = await repo.get(C, made.id)
    assert by_id is not None
    assert (by_id.name, by_id.cost, by_id.stock, by_id.active) == ("Café  Mug", 50, 3, True)
    assert by_id.created_at == NOW
    found = await repo.by_name(C, " CAFÉ mug ")
    assert found is not None
    assert found.id == made.id
    assert await repo.by_name(C, "Café Mugs") is None


async def test_rewards_are_scoped_to_their_community(repo: SqliteRewardRepo) -> None:
    made = await repo.add(C, "Sticker", 5, None, NOW)
    assert await repo.get(OTHER, made.id) is None
    assert await repo.by_name(OTHER, "Sticker") is None
    assert await repo.catalogue(OTHER) == []
    # the same name is free in another community
    await repo.add(OTHER, "Sticker", 7, None, NOW)


async def test_live_name_is_unique_until_the_reward_is_removed(repo: SqliteRewardRepo) -> None:
    first = await repo.add(C, "Hoodie", 500, 10, NOW)
    with pytest.raises(RewardNameTaken):
        await repo.add(C, "hoodie", 400, 1, NOW)
    assert await repo.deactivate(C, first.id)
    assert not await repo.deactivate(C, first.id)
    second = await repo.add(C, "HOODIE", 400, 1, NOW)
    assert second.id != first.id
    # the removed one is still readable by id, for old redemptions
    old = await repo.get(C, first.id)
    assert old is not None
    assert not old.active


async def test_schema_refuses_bad_cost_and_negative_stock(repo: SqliteRewardRepo) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await repo.add(C, "Free", 0, None, NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await repo.add(C, "Minus", 10, -1, NOW)


async def test_catalogue_lists_live_rewards_cheapest_first(repo: SqliteRewardRepo) -> None:
    await repo.add(C, "Hoodie", 500, 10, NOW)
    gone = await repo.add(C, "Pin", 1, 10, NOW)
    await repo.add(C, "Sticker", 5, None, NOW)
    await repo.deactivate(C, gone.id)
    assert [r.name for r in await repo.catalogue(C)] == ["Sticker", "Hoodie"]


async def test_update_overwrites_and_keeps_names_unique(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, 3, NOW)
    await repo.add(C, "Cap", 60, 3, NOW)
    assert await repo.update(C, mug.id, "Big mug", 70, None)
    changed = await repo.get(C, mug.id)
    assert changed is not None
    assert (changed.name, changed.cost, changed.stock) == ("Big mug", 70, None)
    with pytest.raises(RewardNameTaken):
        await repo.update(C, mug.id, "CAP", 70, None)
    await repo.deactivate(C, mug.id)
    assert not await repo.update(C, mug.id, "Mug again", 70, None)


async def test_held_redemptions_reduce_what_is_available(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, 2, NOW)
    first = await repo.hold(C, mug.id, "ana", 50, NOW)
    assert first.status == RedemptionStatus.HELD
    assert (first.reward_name, first.member_id, first.cost) == ("Mug", "ana", 50)
    assert first.decided_at is None
    assert first.decided_by is None
    second = await repo.hold(C, mug.id, "bo", 50, NOW)
    held = await repo.get(C, mug.id)
    assert held is not None
    assert (held.held, held.available) == (2, 0)
    assert await repo.decide(C, second.id, RedemptionStatus.REJECTED, "mod", NOW, "no")
    after = await repo.get(C, mug.id)
    assert after is not None
    assert (after.held, after.available) == (1, 1)


async def test_take_one_stops_at_zero_and_leaves_unlimited_alone(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, 1, NOW)
    assert await repo.take_one(C, mug.id)
    assert not await repo.take_one(C, mug.id)
    empty = await repo.get(C, mug.id)
    assert empty is not None
    assert empty.stock == 0
    sticker = await repo.add(C, "Sticker", 5, None, NOW)
    assert await repo.take_one(C, sticker.id)
    still = await repo.get(C, sticker.id)
    assert still is not None
    assert still.stock is None
    assert not await repo.take_one(OTHER, sticker.id)


async def test_decide_moves_only_held_redemptions(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, None, NOW)
    ask = await repo.hold(C, mug.id, "ana", 50, NOW)
    later = NOW + timedelta(hours=1)
    assert not await repo.decide(OTHER, ask.id, RedemptionStatus.APPROVED, "mod", later)
    assert await repo.decide(C, ask.id, RedemptionStatus.APPROVED, "mod", later)
    assert not await repo.decide(C, ask.id, RedemptionStatus.APPROVED, "mod", later)
    assert not await repo.decide(C, ask.id, RedemptionStatus.REJECTED, "mod", later, "late")
    done = await repo.redemption(C, ask.id)
    assert done is not None
    assert (done.status, done.decided_by, done.decided_at) == (
        RedemptionStatus.APPROVED,
        "mod",
        later,
    )
    with pytest.raises(ValueError, match="out of held"):
        await repo.decide(C, ask.id, RedemptionStatus.HELD, "mod", later)


async def test_schema_refuses_unknown_status(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, None, NOW)
    ask = await repo.hold(C, mug.id, "ana", 50, NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await repo.db.execute(
            "UPDATE redemptions SET status = 'lost', decided_at = 'x' WHERE id = ?", (ask.id,)
        )
    # a decided redemption must say when it was decided
    with pytest.raises(sqlite3.IntegrityError):
        await repo.db.execute("UPDATE redemptions SET status = 'approved' WHERE id = ?", (ask.id,))


async def test_pending_is_the_held_queue_oldest_first(repo: SqliteRewardRepo) -> None:
    mug = await repo.add(C, "Mug", 50, None, NOW)
    a = await repo.hold(C, mug.id, "ana", 50, NOW)
    b = await repo.hold(C, mug.id, "bo", 50, NOW)
    c = await repo.hold(C, mug.id, "ana", 50, NOW)
    elsewhere = await repo.add(OTHER, "Mug", 50, None, NOW)
    await repo.hold(OTHER, elsewhere.id, "zed", 50, NOW)
    await repo.decide(C, b.id, RedemptionStatus.APPROVED, "mod", NOW)
    assert [r.id for r in await repo.pending(C)] == [a.id, c.id]
    assert [r.id for r in await repo.pending(C, limit=1)] == [a.id]
