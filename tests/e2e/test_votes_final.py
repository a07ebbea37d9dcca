"""Votes a community can trust (issue 10, "Results and votes"), through the real engine on a
real SQLite file: a closed round is final, nobody votes for their own idea by any route, a
change of voting never reinterprets existing votes, and an idea without ``campaign:`` follows
one rule whatever the number of open campaigns."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.replies import Reply
from tests.e2e.campaign_steps import campaign, ok
from tests.harness import Harness


async def frozen_state(h: Harness) -> tuple[Any, ...]:
    """Everything a closed round's result rests on: votes, tallies, ledger, balances, rounds."""
    out = []
    for table in ("votes", "idea_tallies", "ledger", "balances", "rounds", "milestones_reached"):
        rows = await h.db.fetchall(f"SELECT * FROM {table}")
        out.append(sorted((tuple(r) for r in rows), key=repr))
    return tuple(out)


async def card_tally(h: Harness, idea_id: int) -> str:
    await h.app.cards.flush()
    message = await h.card_message(idea_id)
    return h.platform.cards[message].tally


async def closed_pick(h: Harness) -> tuple[int, int]:
    """A pick campaign with two candidates; bob and carol vote for the first; closed."""
    mod = h.moderator()
    await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")
    await ok(h, "campaign create", name="Flavour", mode="pick")
    first = await h.submit(mod, "Cinnamon", campaign="Flavour")
    second = await h.submit(mod, "Cardamom", campaign="Flavour")
    for voter in ("bob", "carol"):
        assert (await h.react(h.member(voter), first)).ok
    await ok(h, "campaign close", name="Flavour")
    return first, second


# -- 1. a closed round is final ------------------------------------------------------------
async def test_unreact_after_close_is_refused_and_changes_nothing(harness: Harness) -> None:
    h = harness
    first, _ = await closed_pick(h)
    before = await frozen_state(h)
    bob_points = await h.balance("bob")
    reply = await h.unreact(h.member("bob"), first)
    assert not reply.ok
    assert "votes on idea" in reply.text and "Your vote stays as it was counted" in reply.text
    assert not reply.remove_reaction  # nothing for an adapter to take off
    assert await frozen_state(h) == before
    assert await h.balance("bob") == bob_points
    assert (await h.storage.votes.tally(first)).support == 2
    assert await card_tally(h, first) == "2 votes"


async def test_reactions_after_close_never_change_a_closed_round(harness: Harness) -> None:
    h = harness
    first, second = await closed_pick(h)
    before = await frozen_state(h)
    for reply in (
        await h.react(h.member("dave"), first),
        await h.react(h.member("bob"), second),
        await h.unreact(h.member("carol"), first),
        await h.react(h.member("carol"), first, "👎"),  # not a vote emoji here: ignored
    ):
        assert reply.ok is False or reply.silent, reply
    assert await frozen_state(h) == before


async def test_merge_into_or_out_of_a_closed_round_is_refused(harness: Harness) -> None:
    h = harness
    first, second = await closed_pick(h)
    general = await h.submit(h.member("erin"), "Vanilla")  # no campaign takes ideas now
    before = await frozen_state(h)
    for dup, into in ((first, general), (general, first), (second, first)):
        reply = await h.cmd(h.moderator(), "idea merge", duplicate=dup, into=into)
        assert not reply.ok and "cannot take part in a merge" in reply.text, reply.text
        assert "Flavour is closed" in reply.text
    assert await frozen_state(h) == before


async def weekly_round_one_closed(h: Harness) -> int:
    """A weekly contest whose first round closed and whose second round takes ideas; returns
    Alice's idea of round 1, which bob voted for."""
    mod = h.moderator()
    await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")
    await ok(
        h, "campaign create", name="Weekly", submissions="1d", voting="1d", every="monday 09:00"
    )
    h.clock.advance(timedelta(days=7))
    await h.app.scheduler.sweep()
    idea = await h.submit(h.member("alice"), "Oat latte", campaign="Weekly")
    h.clock.advance(timedelta(days=1))
    await h.app.scheduler.sweep()
    assert (await h.react(h.member("bob"), idea)).ok
    h.clock.advance(timedelta(days=1))
    await h.app.scheduler.sweep()  # round 1 closes; round 2 is planned for next Monday
    h.clock.advance(timedelta(days=5))
    await h.app.scheduler.sweep()  # round 2 takes ideas
    weekly = await campaign(h, "Weekly")
    assert weekly.phase == "submissions"
    return idea


async def test_round_of_a_repeating_campaign_stays_closed_when_the_next_one_runs(
    harness: Harness,
) -> None:
    h = harness
    idea = await weekly_round_one_closed(h)
    await h.text(h.moderator(), "/cocreate config set voting_only_in_voting_phase false")
    before = await frozen_state(h)
    late = await h.react(h.member("carol"), idea)
    assert not late.ok and "Round 1 of Weekly is closed" in late.text, late.text
    removed = await h.unreact(h.member("bob"), idea)
    assert not removed.ok and "stays as it was counted" in removed.text
    withdrawn = await h.cmd(h.member("alice"), "idea withdraw", idea=idea)
    assert not withdrawn.ok and "can no longer change" in withdrawn.text, withdrawn.text
    assert await frozen_state(h) == before


async def test_recount_after_close_changes_nothing(harness: Harness) -> None:
    h = harness
    first, _ = await closed_pick(h)
    message = await h.card_message(first)
    h.platform.member_reacted(message, h.member("bob"), "👍", added=False)  # gone while offline
    h.platform.member_reacted(message, h.member("zoe"), "👍", added=True)
    before = await frozen_state(h)
    assert await h.app.voting.recount(h.community, first) == (0, 0)
    assert await frozen_state(h) == before


async def test_schema_refuses_any_vote_change_on_a_closed_round(harness: Harness) -> None:
    h = harness
    first, second = await closed_pick(h)
    statements = [
        ("DELETE FROM votes WHERE idea_id = ?", (first,)),
        ("UPDATE votes SET value = 1, emoji = 'x' WHERE idea_id = ?", (first,)),
        ("UPDATE votes SET idea_id = ? WHERE idea_id = ?", (second, first)),
        (
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
            " updated_at) VALUES (?, ?, 'zoe', 1, '👍', '', '')",
            (h.community, second),
        ),
    ]
    for sql, params in statements:
        with pytest.raises(sqlite3.IntegrityError, match="votes_final"):
            async with h.storage.transaction():
                await h.db.execute(sql, params)


# -- 2. no self-vote by any route ----------------------------------------------------------
async def test_merge_never_makes_the_target_author_vote_for_their_own_idea(
    harness: Harness,
) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    alice, bob, carol = h.member("alice"), h.member("bob"), h.member("carol")
    target = await h.submit(alice, "Oat latte")
    dup = await h.submit(bob, "Oat milk latte")
    assert (await h.react(alice, dup)).ok  # alice voted for bob's duplicate
    assert (await h.react(carol, dup)).ok
    assert (await h.react(carol, target)).ok  # a shared voter
    assert (await h.react(h.member("dave"), dup)).ok  # moves
    alice_before, bob_before = await h.balance("alice"), await h.balance("bob")
    reply = await h.cmd(h.moderator(), "idea merge", duplicate=dup, into=target)
    assert reply.ok, reply.text
    assert "1 vote moved, 2 dropped" in reply.text
    voters = await h.storage.votes.voters(target)
    # alice's own vote did not arrive; carol counts once
    assert sorted(voters) == ["carol", "dave"]
    assert (await h.storage.votes.tally(target)).support == 2
    # alice's vote_cast point for the dropped vote is reversed; bob loses the two
    # vote_received points of the two dropped votes
    assert await h.balance("alice") == alice_before - 1
    assert await h.balance("bob") == bob_before - 4
    assert await h.ledger_matches_balances()


async def test_merged_votes_pay_the_duplicate_author_once_never_the_target_author(
    harness: Harness,
) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    target = await h.submit(h.member("alice"), "Oat latte")
    dup = await h.submit(h.member("bob"), "Oat milk latte")
    assert (await h.react(h.member("dave"), dup)).ok
    alice_before, bob_before = await h.balance("alice"), await h.balance("bob")
    assert (await h.cmd(h.moderator(), "idea merge", duplicate=dup, into=target)).ok
    assert await h.storage.votes.voters(target) == ["dave"]
    # bob keeps idea_submitted and the vote_received paid before the merge; alice is not paid
    assert await h.balance("bob") == bob_before
    assert await h.balance("alice") == alice_before
    # dave reacting again on the target card is the same vote: nobody is paid again
    assert (await h.react(h.member("dave"), target)).ok
    assert await h.balance("alice") == alice_before


async def test_schema_refuses_a_vote_by_the_author(harness: Harness) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    with pytest.raises(sqlite3.IntegrityError, match="votes_not_own"):
        async with h.storage.transaction():
            await h.db.execute(
                "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
                " updated_at) VALUES (?, ?, 'alice', 1, '👍', '', '')",
                (h.community, idea),
            )


# -- 3. a change of voting never reinterprets existing votes --------------------------------
async def test_vote_mode_change_keeps_each_ideas_own_voting(harness: Harness) -> None:
    h = harness
    mod = h.moderator()
    await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")
    await h.text(mod, "/cocreate config set vote_mode updown")
    old = await h.submit(h.member("alice"), "Oat latte")
    assert (await h.react(h.member("bob"), old, "👍")).ok
    assert (await h.react(h.member("carol"), old, "👎")).ok
    assert await card_tally(h, old) == "+1 / -1 (score +0)"

    changed = await h.text(mod, "/cocreate config set vote_mode scale")
    assert changed.ok
    assert changed.text == (
        "vote_mode is now scale. It applies to ideas submitted from now on; "
        "1 existing idea keeps the voting it started with."
    )
    assert await card_tally(h, old) == "+1 / -1 (score +0)"
    assert (await h.react(h.member("dave"), old, "1️⃣")).vote is None  # not a vote
    assert (await h.react(h.member("dave"), old, "👎")).vote == -1
    new = await h.submit(h.member("erin"), "Chai")
    assert (await h.react(h.member("bob"), new, "4️⃣")).vote == 4
    assert await card_tally(h, new) == "4.0/5 from 1 vote"

    await h.text(mod, "/cocreate config set vote_mode up")
    assert await card_tally(h, new) == "4.0/5 from 1 vote"  # 4️⃣ never becomes "support"
    assert (await h.storage.votes.tally(new)).total == 4
    listed = await h.cmd(h.member("bob"), "idea list")
    assert listed.table is not None
    assert {row[0]: row[3] for row in listed.table.rows}[str(new)] == "4.0/5 from 1 vote"


async def test_emoji_change_keeps_old_votes_retractable_with_their_emoji(
    harness: Harness,
) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    assert (await h.react(h.member("bob"), idea, "👍")).ok
    reply = await h.text(h.moderator(), "/cocreate config set emoji_up ❤️")
    assert "1 existing idea keeps" in reply.text
    assert (await h.react(h.member("carol"), idea, "❤️")).vote is None
    assert (await h.unreact(h.member("bob"), idea, "👍")).vote_removed


async def test_merge_across_voting_schemes_is_refused(harness: Harness) -> None:
    h = harness
    mod = h.moderator()
    await h.text(mod, "/cocreate config set submission_cooldown_minutes 0")
    up = await h.submit(h.member("alice"), "Oat latte")
    await h.text(mod, "/cocreate config set vote_mode scale")
    scale = await h.submit(h.member("bob"), "Oat milk latte")
    assert (await h.react(h.member("carol"), scale, "5️⃣")).ok
    reply = await h.cmd(mod, "idea merge", duplicate=scale, into=up)
    assert not reply.ok and "cannot be combined" in reply.text, reply.text
    assert (await h.storage.votes.tally(scale)).total == 5


# -- 4. ideas without campaign: ------------------------------------------------------------
async def submit_reply(h: Harness, title: str, **options: Any) -> Reply:
    return await h.cmd(h.member("alice"), "idea submit", title=title, description="", **options)


async def test_no_campaign_taking_ideas_makes_a_general_idea(harness: Harness) -> None:
    h = harness
    reply = await submit_reply(h, "Oat latte")
    assert reply.ok and "campaign" not in reply.text, reply.text
    idea = await h.storage.ideas.get(h.community, int(reply.idea_id))
    assert idea is not None and idea.campaign_id is None


async def test_one_campaign_taking_ideas_is_joined_and_said(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Winter")
    reply = await submit_reply(h, "Oat latte")
    assert reply.ok
    assert "is posted in campaign “Winter”, the only campaign taking ideas right now." in (
        reply.text
    )
    idea = await h.storage.ideas.get(h.community, int(reply.idea_id))
    assert idea is not None and idea.campaign_id == (await campaign(h, "Winter")).id


async def test_several_campaigns_taking_ideas_ask_to_pick_one(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Winter")
    await ok(h, "campaign create", name="Summer drinks")
    before = await h.db.scalar("SELECT count(*) FROM ideas")
    reply = await submit_reply(h, "Oat latte")
    assert not reply.ok
    assert reply.text == (
        "2 campaigns are taking ideas right now: Summer drinks and Winter. Say which one your "
        'idea is for with campaign:NAME, for example campaign:"Summer drinks".'
    )
    assert await h.db.scalar("SELECT count(*) FROM ideas") == before
    assert (await submit_reply(h, "Oat latte", campaign="Winter")).ok


async def test_named_campaign_not_taking_ideas_is_refused(harness: Harness) -> None:
    h = harness
    await ok(h, "campaign create", name="Winter", starts="2d")
    reply = await submit_reply(h, "Oat latte", campaign="Winter")
    assert not reply.ok and "not taking ideas" in reply.text
    # a scheduled campaign does not take ideas: an idea without campaign: stays general
    general = await submit_reply(h, "Chai")
    assert general.ok and "campaign" not in general.text
