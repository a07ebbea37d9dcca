"""No balance goes below zero, a withdrawn idea gives back what it earned its author, and
moderators don't pay themselves: example orders of events through the real engine."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.replies import Reply
from tests.harness import Harness


async def ok(h: Harness, path: str, actor_name: str = "mod", **options: object) -> Reply:
    actor = h.moderator(actor_name) if actor_name.startswith("mod") else h.member(actor_name)
    reply = await h.cmd(actor, path, **options)
    assert reply.ok, reply.text
    return reply


async def balances(h: Harness) -> dict[str, int]:
    """Every member's balance, after checking it equals the sum of their ledger entries."""
    assert await h.ledger_matches_balances()
    rows = await h.db.fetchall("SELECT member_id, balance FROM balances ORDER BY member_id")
    found = {r["member_id"]: int(r["balance"]) for r in rows}
    assert all(v >= 0 for v in found.values()), found
    return found


async def voted_idea(h: Harness, *voters: str) -> int:
    """alice's idea with up votes from ``voters``: 10 for submitting + 2 per vote received."""
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    idea = await h.submit(h.member("alice"), "Oat latte")
    for name in voters:
        assert (await h.react(h.member(name), idea)).ok
    return idea


async def spend_all(h: Harness, member: str) -> int:
    """``member`` asks for a reward that costs their whole balance; returns the request id."""
    cost = await h.balance(member)
    await ok(h, "rewards add", name=f"Gift {cost}", cost=cost)
    await ok(h, "rewards redeem", member, reward=f"Gift {cost}")
    assert await h.balance(member) == 0
    return int(
        await h.db.scalar(
            "SELECT max(id) FROM redemptions WHERE community_id = ? AND member_id = ?",
            (h.community, member),
        )
    )


# -- no balance below zero ------------------------------------------------------------------
async def test_withdrawing_an_idea_whose_points_were_redeemed_stops_at_zero(
    harness: Harness,
) -> None:
    h = harness
    idea = await voted_idea(h, "bob", "cat")
    assert await h.balance("alice") == 14
    request = await spend_all(h, "alice")
    reply = await ok(h, "idea withdraw", "alice", idea=idea)
    assert "14 points could not be taken back" in reply.text
    assert (await balances(h))["alice"] == 0
    reasons = [
        r["reason"]
        for r in await h.db.fetchall(
            "SELECT reason FROM ledger WHERE idem_key LIKE 'reverse:%' AND member_id = 'alice'"
        )
    ]
    assert reasons and all("not taken back: already spent or held" in r for r in reasons)
    # the points were really held for the reward, so it can still be approved
    await ok(h, "rewards approve", redemption=request)
    assert (await balances(h))["alice"] == 0


async def test_deduct_then_withdraw_takes_back_only_what_is_left(harness: Harness) -> None:
    h = harness
    idea = await voted_idea(h, "bob")
    await ok(h, "points deduct", member="alice", amount=8, reason="spam")
    assert await h.balance("alice") == 4
    reply = await ok(h, "idea withdraw", "alice", idea=idea)
    assert "4 points it earned were taken back" in reply.text
    assert "8 points could not be taken back" in reply.text
    assert (await balances(h))["alice"] == 0


async def test_vote_removed_after_the_author_spent_the_points(harness: Harness) -> None:
    h = harness
    idea = await voted_idea(h, "bob")
    await spend_all(h, "alice")
    assert (await h.unreact(h.member("bob"), idea)).ok
    assert await balances(h) == {"alice": 0, "bob": 0}
    # a deduction still cannot go further than zero
    refused = await h.cmd(h.moderator(), "points deduct", member="alice", amount=1, reason="x")
    assert not refused.ok
    assert "Alice has 0 points, so you can deduct at most 0" in refused.text


async def test_the_schema_refuses_an_entry_that_would_go_below_zero(harness: Harness) -> None:
    h = harness
    now = datetime(2026, 1, 5, tzinfo=UTC)
    ledger = h.storage.ledger
    async with h.storage.transaction():
        await ledger.append(h.community, "ann", 5, "manual", "k1", now, "2026-01-05")
    for amount, key in ((-6, "k2"), (-1, "k3")):
        with pytest.raises(sqlite3.IntegrityError, match="below zero"):
            async with h.storage.transaction():
                await ledger.append(
                    h.community,
                    "ann" if key == "k2" else "zed",
                    amount,
                    "manual",
                    key,
                    now,
                    "2026-01-05",
                )
    with pytest.raises(sqlite3.IntegrityError, match="below zero"):
        async with h.storage.transaction():
            await h.db.execute("UPDATE balances SET balance = -1 WHERE member_id = 'ann'")
    assert await balances(h) == {"ann": 5}


async def test_rejecting_gives_the_points_back_and_says_how_many(harness: Harness) -> None:
    h = harness
    await ok(h, "points grant", member="alice", amount=40, reason="thanks")
    request = await spend_all(h, "alice")
    reply = await ok(h, "rewards reject", redemption=request)
    assert reply.text == f"Rejected #{request}; 40 points went back to the member."
    assert (await balances(h))["alice"] == 40


# -- a withdrawn idea gives back everything it earned ---------------------------------------
async def test_withdraw_takes_back_milestone_points_and_voters_keep_theirs(
    harness: Harness,
) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set milestones 2")
    idea = await voted_idea(h, "bob", "cat")
    assert await h.balance("alice") == 10 + 2 + 2 + 25
    reply = await ok(h, "idea withdraw", "alice", idea=idea)
    assert "39 points it earned were taken back" in reply.text
    assert await balances(h) == {"alice": 0, "bob": 1, "cat": 1}


async def test_withdraw_after_a_round_trip_through_shipped_takes_the_shipping_points(
    harness: Harness,
) -> None:
    h = harness
    idea = await voted_idea(h)
    for status in ("shipped", "in_progress", "declined", "new"):
        await ok(h, "idea status", idea=idea, status=status, reason="later")
    assert await h.balance("alice") == 210
    await ok(h, "idea withdraw", "alice", idea=idea)
    assert (await balances(h))["alice"] == 0


# -- moderators don't pay themselves --------------------------------------------------------
async def test_a_moderator_cannot_grant_points_to_themselves(harness: Harness) -> None:
    h = harness
    reply = await h.cmd(h.moderator(), "points grant", member="mod", amount=50, reason="me")
    assert not reply.ok
    assert reply.text.startswith("You can't grant points to yourself")
    assert await balances(h) == {}
    await ok(h, "points grant", "mod2", member="mod", amount=5, reason="helping out")
    await ok(h, "points deduct", member="mod", amount=5, reason="undo")  # taking is fine
    assert await balances(h) == {"mod": 0}


async def test_pick_candidates_earn_the_moderator_nothing(harness: Harness) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set milestones 2")
    await ok(h, "campaign create", name="Pick", mode="pick")
    reply = await ok(h, "idea submit", title="Red dress", campaign="Pick")
    assert "earned" not in reply.text
    idea = int(reply.idea_id)
    for name in ("ann", "ben"):
        assert (await h.react(h.member(name), idea)).ok
    await ok(h, "idea status", idea=idea, status="shipped")
    await ok(h, "campaign close", name="Pick")
    found = await balances(h)
    assert "mod" not in found
    assert found["ann"] == found["ben"] == 1 + 100  # the voters are paid as anywhere


async def test_approving_ones_own_redemption_needs_another_moderator(harness: Harness) -> None:
    h = harness
    await ok(h, "points grant", "mod2", member="mod", amount=30, reason="helping out")
    request = await spend_all(h, "mod")
    refused = await h.cmd(h.moderator(), "rewards approve", redemption=request)
    assert not refused.ok
    assert "another moderator has to approve it" in refused.text
    assert "If you are the only moderator here, it cannot be approved" in refused.text
    assert (await h.storage.rewards.redemption(h.community, request)).status == "held"  # type: ignore[union-attr]
    await ok(h, "rewards approve", "mod2", redemption=request)
    assert await balances(h) == {"mod": 0}


async def test_a_merge_that_drops_a_shared_vote_stops_at_zero(harness: Harness) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    kept = await h.submit(h.member("alice"), "Oat latte")
    dup = await h.submit(h.member("bob"), "Oat milk latte")
    for idea in (kept, dup):
        assert (await h.react(h.member("cat"), idea)).ok
    await ok(h, "points deduct", member="bob", amount=12, reason="spent")
    await ok(h, "idea merge", duplicate=dup, into=kept)
    found = await balances(h)
    assert found["bob"] == 0 and found["cat"] == 1  # cat's vote counts once


async def test_a_redemption_whose_points_are_not_held_is_not_approved(harness: Harness) -> None:
    h = harness
    await ok(h, "rewards add", name="Mug", cost=5)
    reward = await h.storage.rewards.by_name(h.community, "Mug")
    assert reward is not None
    async with h.storage.transaction():  # a request written without its hold (older data)
        request = await h.storage.rewards.hold(
            h.community, reward.id, "alice", 5, datetime(2026, 1, 5, tzinfo=UTC)
        )
    refused = await h.cmd(h.moderator(), "rewards approve", redemption=request.id)
    assert not refused.ok
    assert "are not held, so it cannot be approved" in refused.text
