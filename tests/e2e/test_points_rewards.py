"""/points, /leaderboard and /rewards through the real engine, storage and memory platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.events import Actor
from config.community import CommunitySettings
from tests.harness import Harness


async def ledger_by_member(h: Harness) -> dict[str, int]:
    """SELECT SUM(amount) FROM ledger per member, checked against the balances table."""
    sums = {
        r["member_id"]: int(r["s"])
        for r in await h.db.fetchall(
            "SELECT member_id, SUM(amount) AS s FROM ledger WHERE community_id = ?"
            " GROUP BY member_id",
            (h.community,),
        )
    }
    balances = {
        r["member_id"]: int(r["balance"])
        for r in await h.db.fetchall(
            "SELECT member_id, balance FROM balances WHERE community_id = ?", (h.community,)
        )
    }
    assert sums == balances
    return balances


async def audit_actions(h: Harness) -> list[tuple[str, str]]:
    rows = await h.db.fetchall("SELECT action, target FROM audit_log ORDER BY id")
    return [(r["action"], r["target"]) for r in rows]


async def grant(h: Harness, member: str, amount: int, reason: str = "thanks") -> None:
    reply = await h.cmd(h.moderator(), "points grant", member=member, amount=amount, reason=reason)
    assert reply.ok, reply.text


async def add_reward(h: Harness, name: str, cost: int, stock: str | None = None) -> int:
    options: dict[str, Any] = {"name": name, "cost": cost}
    if stock is not None:
        options["stock"] = stock
    reply = await h.cmd(h.moderator(), "rewards add", **options)
    assert reply.ok, reply.text
    reward = await h.storage.rewards.by_name(h.community, name)
    assert reward is not None
    return reward.id


async def redeem(h: Harness, actor: Actor, reward: str) -> int:
    reply = await h.cmd(actor, "rewards redeem", reward=reward)
    assert reply.ok, reply.text
    return int(
        await h.db.scalar(
            "SELECT max(id) FROM redemptions WHERE community_id = ? AND member_id = ?",
            (h.community, actor.member_id),
        )
    )


# -- grant / deduct ------------------------------------------------------------------------------
async def test_members_cannot_grant_or_deduct(harness: Harness) -> None:
    alice = harness.member("alice")
    for verb in ("grant", "deduct"):
        reply = await harness.cmd(alice, f"points {verb}", member="alice", amount=5, reason="me")
        assert not reply.ok
        assert "moderator" in reply.text
    assert await harness.balance("alice") == 0
    assert await audit_actions(harness) == []


async def test_grant_dms_audits_and_a_replayed_event_pays_once(harness: Harness) -> None:
    mod = harness.moderator()
    first = await harness.cmd(
        mod, "points grant", event_id="slash-1", member="<@bob>", amount=50, reason="great idea"
    )
    assert first.ok
    assert "+50" in first.text
    replay = await harness.cmd(
        mod, "points grant", event_id="slash-1", member="bob", amount=50, reason="great idea"
    )
    assert replay.silent
    assert await ledger_by_member(harness) == {"bob": 50}
    assert await audit_actions(harness) == [("points.grant", "member:bob")]
    assert len(harness.platform.dms_to("bob")) == 1
    assert "+50" in harness.platform.dms_to("bob")[0]
    assert "great idea" in harness.platform.dms_to("bob")[0]


async def test_idempotency_key_still_guards_when_the_event_claim_is_lost(
    harness: Harness,
) -> None:
    mod = harness.moderator()
    await harness.cmd(mod, "points grant", event_id="e1", member="bob", amount=5, reason="x")
    await harness.db.execute("DELETE FROM processed_events WHERE event_id = 'e1'")
    again = await harness.cmd(
        mod, "points grant", event_id="e1", member="bob", amount=5, reason="x"
    )
    assert again.ok
    assert "already applied" in again.text
    assert await ledger_by_member(harness) == {"bob": 5}


async def test_deduction_cannot_take_a_balance_below_zero(harness: Harness) -> None:
    mod = harness.moderator()
    await grant(harness, "bob", 5)
    refused = await harness.cmd(mod, "points deduct", member="bob", amount=6, reason="spam")
    assert not refused.ok
    assert "below zero" in refused.text
    assert await harness.balance("bob") == 5
    done = await harness.cmd(mod, "points deduct", member="bob", amount=5, reason="spam")
    assert done.ok
    assert "-5" in done.text
    assert await ledger_by_member(harness) == {"bob": 0}
    assert ("points.deduct", "member:bob") in await audit_actions(harness)


async def test_amount_and_reason_are_checked(harness: Harness) -> None:
    mod = harness.moderator()
    for amount in (0, 1_000_001, "lots"):
        reply = await harness.cmd(mod, "points grant", member="bob", amount=amount, reason="x")
        assert not reply.ok, amount
    no_reason = await harness.cmd(mod, "points grant", member="bob", amount=5)
    assert not no_reason.ok
    assert "reason" in no_reason.text
    biggest = await harness.cmd(mod, "points grant", member="bob", amount=1_000_000, reason="x")
    assert biggest.ok
    assert await harness.balance("bob") == 1_000_000


async def test_grant_from_command_text_takes_the_rest_as_reason(harness: Harness) -> None:
    reply = await harness.text(harness.moderator(), "/points grant @bob 50 great idea, thanks")
    assert reply.ok, reply.text
    history = await harness.storage.ledger.history(harness.community, "bob")
    assert [(e.amount, e.reason, e.actor_id) for e in history] == [
        (50, "great idea, thanks", "mod")
    ]


# -- /points show and history -----------------------------------------------------------------
async def test_points_show_own_balance_rank_and_last_ten_entries(harness: Harness) -> None:
    alice = harness.member("alice")
    for n in range(12):
        await grant(harness, "alice", n + 1, reason=f"gift {n + 1}")
    await grant(harness, "bob", 1000)
    reply = await harness.cmd(alice, "points show")
    assert reply.ok
    assert "78 points (2nd place all-time)" in reply.text
    assert reply.table is not None
    assert len(reply.table.rows) == 10
    assert reply.table.rows[0][1:] == ("+12", "gift 12")
    other = await harness.text(alice, "/points @bob")
    assert "1,000 points (1st place all-time)" in other.text
    assert other.table is None


async def test_only_moderators_read_someone_elses_history(harness: Harness) -> None:
    await grant(harness, "bob", 3, reason="nice")
    refused = await harness.cmd(harness.member("alice"), "points history", member="bob")
    assert not refused.ok
    seen = await harness.cmd(harness.moderator(), "points history", member="bob")
    assert seen.table is not None
    assert seen.table.rows[0][1:] == ("+3", "nice")


# -- leaderboard -------------------------------------------------------------------------------
async def test_leaderboard_top_ten_with_names_and_own_rank_outside_it(harness: Harness) -> None:
    members = [harness.member(f"m{n:02d}") for n in range(12)]
    for n, member in enumerate(members):
        await harness.cmd(member, "points show")  # the member is seen, so their name is known
        await grant(harness, member.member_id, 100 - n * 5)
    last = members[-1]
    reply = await harness.cmd(last, "leaderboard show")
    assert reply.table is not None
    assert [row[1] for row in reply.table.rows] == [f"M{n:02d}" for n in range(10)]
    assert reply.table.rows[0] == ("1st", "M00", "100")
    assert "You are in 12th place with 45 points all time" in reply.text
    newcomer = await harness.text(harness.member("zed"), "/leaderboard")
    assert "no points all time" in newcomer.text


async def test_leaderboard_ties_share_a_rank(harness: Harness) -> None:
    for name, amount in (("a", 10), ("b", 10), ("c", 5)):
        await grant(harness, name, amount)
    reply = await harness.cmd(harness.member("c"), "leaderboard show")
    assert reply.table is not None
    assert [row[0] for row in reply.table.rows] == ["1st", "1st", "3rd"]
    assert "You are in 3rd place" in reply.text


async def test_week_and_month_start_at_local_midnight(harness: Harness) -> None:
    async with harness.storage.transaction():
        await harness.storage.communities.ensure(harness.community, "console", harness.clock.now())
        await harness.storage.communities.save_settings(
            harness.community, CommunitySettings(timezone="America/New_York")
        )
    # Sunday 23:30 in New York is already Monday in UTC: it still belongs to last week.
    harness.clock.set(datetime(2026, 1, 12, 4, 30, tzinfo=UTC))
    await grant(harness, "alice", 10)
    harness.clock.advance(timedelta(hours=1))  # Monday 00:30 local
    await grant(harness, "bob", 3)
    bob = harness.member("bob")
    week = await harness.cmd(bob, "leaderboard show", period="week")
    assert week.table is not None
    assert [r[2] for r in week.table.rows] == ["3"]
    assert "You are in 1st place with 3 points this week" in week.text
    month = await harness.cmd(bob, "leaderboard show", period="month")
    assert month.table is not None
    assert [r[2] for r in month.table.rows] == ["10", "3"]
    # Sunday 20:00 local (Monday 01:00 UTC): the local week still runs
    harness.clock.set(datetime(2026, 1, 19, 1, 0, tzinfo=UTC))
    still = await harness.cmd(bob, "leaderboard show", period="week")
    assert still.table is not None
    assert [r[2] for r in still.table.rows] == ["3"]
    # 1 February 00:30 local: January's points no longer count for the month
    harness.clock.set(datetime(2026, 2, 1, 5, 30, tzinfo=UTC))
    february = await harness.cmd(bob, "leaderboard show", period="month")
    assert february.table is None
    assert "No points earned this month" in february.text
    alltime = await harness.cmd(bob, "leaderboard show", period="all")
    assert alltime.table is not None
    assert len(alltime.table.rows) == 2


# -- rewards -----------------------------------------------------------------------------------
async def test_redeem_holds_then_approve_spends_and_takes_stock(harness: Harness) -> None:
    alice = harness.member("alice")
    mug = await add_reward(harness, "Mug", 30, "1")
    await grant(harness, "alice", 50)
    rid = await redeem(harness, alice, "mug")
    assert await ledger_by_member(harness) == {"alice": 20}
    held = await harness.storage.ledger.by_key(harness.community, f"redeem:{rid}")
    assert held is not None
    assert (held.amount, held.rule) == (-30, "redemption")

    queue = await harness.cmd(harness.moderator(), "rewards pending")
    assert queue.table is not None
    assert queue.table.rows[0][:3] == (f"#{rid}", "Alice", "Mug")
    approved = await harness.cmd(harness.moderator(), "rewards approve", redemption=rid)
    assert approved.ok, approved.text
    assert await ledger_by_member(harness) == {"alice": 20}
    reward = await harness.storage.rewards.get(harness.community, mug)
    assert reward is not None
    assert reward.stock == 0
    assert "approved" in harness.platform.dms_to("alice")[-1]
    again = await harness.cmd(harness.moderator(), "rewards reject", redemption=rid)
    assert not again.ok
    assert "already approved" in again.text
    assert await ledger_by_member(harness) == {"alice": 20}
    assert ("rewards.approve", f"redemption:{rid}") in await audit_actions(harness)
    assert ("rewards.add", f"reward:{mug}") in await audit_actions(harness)


async def test_reject_releases_the_held_points_and_tells_why(harness: Harness) -> None:
    alice = harness.member("alice")
    await add_reward(harness, "Hoodie", 40)
    await grant(harness, "alice", 45)
    rid = await redeem(harness, alice, "Hoodie")
    assert await ledger_by_member(harness) == {"alice": 5}
    reply = await harness.text(harness.moderator(), f"/rewards reject {rid} wrong size, sorry")
    assert reply.ok
    assert "40 points" in reply.text
    assert await ledger_by_member(harness) == {"alice": 45}
    assert "wrong size, sorry" in harness.platform.dms_to("alice")[-1]
    twice = await harness.cmd(harness.moderator(), "rewards reject", redemption=rid)
    assert not twice.ok
    assert await ledger_by_member(harness) == {"alice": 45}
    assert ("rewards.reject", f"redemption:{rid}") in await audit_actions(harness)


async def test_held_requests_count_against_stock(harness: Harness) -> None:
    alice, bob = harness.member("alice"), harness.member("bob")
    await add_reward(harness, "Mug", 10, "1")
    await grant(harness, "alice", 10)
    await grant(harness, "bob", 10)
    rid = await redeem(harness, alice, "Mug")
    refused = await harness.cmd(bob, "rewards redeem", reward="Mug")
    assert not refused.ok
    assert "out of stock" in refused.text
    assert await ledger_by_member(harness) == {"alice": 0, "bob": 10}
    listed = await harness.text(bob, "/rewards")
    assert listed.table is not None
    assert listed.table.rows[0][3] == "0 left"
    # rejecting frees the item again
    await harness.cmd(harness.moderator(), "rewards reject", redemption=rid)
    assert (await harness.cmd(bob, "rewards redeem", reward="Mug")).ok


async def test_insufficient_balance_is_refused_without_any_change(harness: Harness) -> None:
    alice = harness.member("alice")
    await add_reward(harness, "Hoodie", 30)
    await grant(harness, "alice", 10)
    reply = await harness.cmd(alice, "rewards redeem", reward="hoodie")
    assert not reply.ok
    assert "costs 30 points and you have 10" in reply.text
    assert not await harness.db.scalar("SELECT count(*) FROM redemptions")
    assert await ledger_by_member(harness) == {"alice": 10}


async def test_undeliverable_dm_does_not_fail_approve(harness: Harness) -> None:
    alice = harness.member("alice")
    await add_reward(harness, "Mug", 10)
    await grant(harness, "alice", 10)
    rid = await redeem(harness, alice, "Mug")
    harness.platform.closed_dms.add("alice")
    reply = await harness.cmd(harness.moderator(), "rewards approve", redemption=rid)
    assert reply.ok, reply.text
    done = await harness.storage.rewards.redemption(harness.community, rid)
    assert done is not None
    assert done.status == "approved"
    assert not any("approved" in text for text in harness.platform.dms_to("alice"))


async def test_catalogue_management_is_for_moderators(harness: Harness) -> None:
    alice = harness.member("alice")
    for verb, options in (
        ("add", {"name": "Mug", "cost": 5}),
        ("pending", {}),
        ("approve", {"redemption": 1}),
    ):
        reply = await harness.cmd(alice, f"rewards {verb}", **options)
        assert not reply.ok
        assert "moderator" in reply.text
    assert await harness.storage.rewards.catalogue(harness.community) == []


async def test_edit_and_remove(harness: Harness) -> None:
    mod, alice = harness.moderator(), harness.member("alice")
    added = await harness.text(mod, '/rewards add "Sticker pack" 25 unlimited')
    assert added.ok
    assert "stock unlimited" in added.text
    numeric = await harness.cmd(mod, "rewards add", name="#12", cost=5)
    assert not numeric.ok
    duplicate = await harness.cmd(mod, "rewards add", name="STICKER  pack", cost=5)
    assert not duplicate.ok
    assert "already a reward" in duplicate.text
    await grant(harness, "alice", 100)
    rid = await redeem(harness, alice, "sticker pack")
    too_low = await harness.cmd(mod, "rewards edit", reward="Sticker pack", stock="0")
    assert not too_low.ok
    assert "cannot go below 1" in too_low.text
    edited = await harness.cmd(mod, "rewards edit", reward="Sticker pack", cost=30, stock="5")
    assert edited.ok
    assert "30 points" in edited.text
    assert "4 left" in edited.text
    held = await harness.storage.rewards.redemption(harness.community, rid)
    assert held is not None
    assert held.cost == 25
    assert not (await harness.cmd(mod, "rewards edit", reward="Sticker pack")).ok
    removed = await harness.cmd(mod, "rewards remove", reward="Sticker pack")
    assert removed.ok
    assert "1 request still waits" in removed.text
    gone = await harness.cmd(alice, "rewards redeem", reward="Sticker pack")
    assert not gone.ok
    assert "No reward" in gone.text
    assert (await harness.cmd(mod, "rewards approve", redemption=rid)).ok
    actions = [a for a, _ in await audit_actions(harness)]
    assert actions.count("rewards.edit") == 1
    assert "rewards.remove" in actions
    assert await ledger_by_member(harness) == {"alice": 75}
