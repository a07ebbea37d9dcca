"""Reaction voting through the real engine: modes, eligibility, milestones, replays, points."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.events import ReactionAdded, ReactionRemoved, ThreadMessagePosted
from tests.harness import Harness


async def setup_idea(h: Harness, title: str = "Oat latte") -> int:
    return await h.submit(h.member("alice"), title)


async def test_up_vote_counts_once_and_removal_retracts(harness: Harness) -> None:
    idea = await setup_idea(harness)
    bob = harness.member("bob")
    await harness.react(bob, idea)
    await harness.react(bob, idea)  # a second add (another event) is still one vote
    assert (await harness.storage.votes.tally(idea)).up == 1
    assert await harness.balance("bob") == 1 and await harness.balance("alice") == 12
    await harness.unreact(bob, idea)
    assert (await harness.storage.votes.tally(idea)).voters == 0
    assert await harness.balance("bob") == 0 and await harness.balance("alice") == 10
    assert await harness.ledger_matches_balances()


async def test_replayed_reaction_event_is_not_double_counted(harness: Harness) -> None:
    idea = await setup_idea(harness)
    bob = harness.member("bob")
    await harness.react(bob, idea, event_id="gw-seq-41")
    await harness.unreact(bob, idea, event_id="gw-seq-42")
    # Discord replays both after a resume; Slack retries deliveries: nothing changes.
    assert (await harness.react(bob, idea, event_id="gw-seq-41")).silent
    assert (await harness.unreact(bob, idea, event_id="gw-seq-42")).silent
    assert (await harness.storage.votes.tally(idea)).voters == 0
    entries = await harness.db.scalar("SELECT count(*) FROM ledger WHERE member_id = 'bob'")
    assert entries == 2  # the vote points and their reversal, nothing more


async def test_updown_latest_counts_and_removing_old_emoji_keeps_new_vote(harness: Harness) -> None:
    await harness.text(harness.moderator(), "/cocreate config set vote_mode updown")
    idea = await setup_idea(harness)
    bob = harness.member("bob")
    await harness.react(bob, idea, "👍")
    switched = await harness.react(bob, idea, "👎")
    assert switched.replaced_emoji == "👍"
    tally = await harness.storage.votes.tally(idea)
    assert (tally.up, tally.down, tally.total) == (0, 1, -1)
    assert await harness.balance("alice") == 10  # the received point was taken back
    await harness.unreact(bob, idea, "👍")  # the old reaction leaving changes nothing
    assert (await harness.storage.votes.tally(idea)).down == 1
    await harness.unreact(bob, idea, "👎")
    assert (await harness.storage.votes.tally(idea)).voters == 0


async def test_scale_mode_average(harness: Harness) -> None:
    await harness.text(harness.moderator(), "/cocreate config set vote_mode scale")
    idea = await setup_idea(harness)
    await harness.react(harness.member("bob"), idea, "5️⃣")
    await harness.react(harness.member("carol"), idea, "2️⃣")
    tally = await harness.storage.votes.tally(idea)
    assert tally.voters == 2 and tally.average == 3.5
    assert tally.describe("scale") == "3.5/5 from 2 votes"
    ignored = await harness.react(harness.member("dave"), idea, "👍")
    assert ignored.silent and (await harness.storage.votes.tally(idea)).voters == 2


async def test_unknown_emoji_and_unknown_message_are_ignored(harness: Harness) -> None:
    idea = await setup_idea(harness)
    assert (await harness.react(harness.member("bob"), idea, "🍕")).ignored
    from bot.events import ReactionAdded

    reply = await harness.engine.handle(
        ReactionAdded("e-x", harness.member("bob"), "general", "not-a-card", "👍")
    )
    assert reply.ignored
    assert (await harness.storage.votes.tally(idea)).voters == 0


async def test_the_engine_decides_what_is_a_vote_and_claims_nothing_else(
    harness: Harness,
) -> None:
    """Adapters pass every reaction and thread message on: a reaction on another message, an
    emoji that is not one of the card's votes, a bot's reaction and a message in another thread
    are ignored without an event row or a member record; a real vote still counts."""
    idea = await setup_idea(harness)
    card = await harness.card_message(idea)
    bob = harness.member("bob")
    robot = replace(harness.member("robot"), is_bot=True)
    before = await harness.db.scalar("SELECT count(*) FROM processed_events")
    ignored = [
        ReactionAdded("x-other", bob, "general", "not-a-card", "👍"),
        ReactionRemoved("x-other-off", bob, "general", "not-a-card", "👍"),
        ReactionAdded("x-star", bob, "general", card, "⭐"),
        ReactionAdded("x-bot", robot, "general", card, "👍"),
        ThreadMessagePosted("x-thread", bob, "general", "not-an-idea-thread", "m1"),
    ]
    for event in ignored:
        reply = await harness.engine.handle(event)
        assert reply.silent and reply.ignored, event
    assert await harness.db.scalar("SELECT count(*) FROM processed_events") == before
    assert await harness.db.scalar("SELECT count(*) FROM members WHERE member_id = 'bob'") == 0
    assert (await harness.storage.votes.tally(idea)).voters == 0
    counted = await harness.engine.handle(ReactionAdded("x-vote", bob, "general", card, "👍"))
    assert counted.vote == 1
    assert (await harness.storage.votes.tally(idea)).voters == 1
    assert await harness.db.scalar("SELECT count(*) FROM processed_events") == before + 1


@pytest.mark.parametrize(
    ("setting", "value", "member_kwargs", "reason"),
    [
        ("voter_role", "verified", {}, "voter role"),
        ("min_account_age_days", "30", {"account_age_days": 3}, "30 days old"),
        ("min_member_days", "7", {"member_days": 1}, "member for 7 days"),
    ],
)
async def test_eligibility_rules_refuse_with_reason(
    harness: Harness, setting: str, value: str, member_kwargs: dict[str, int], reason: str
) -> None:
    await harness.text(harness.moderator(), f"/cocreate config set {setting} {value}")
    idea = await setup_idea(harness)
    newbie = harness.member("newbie", **member_kwargs)  # type: ignore[arg-type]
    reply = await harness.react(newbie, idea)
    assert not reply.ok and reason in reply.text and reply.remove_reaction
    assert (await harness.storage.votes.tally(idea)).voters == 0
    assert await harness.balance("newbie") == 0


async def test_voter_role_holder_may_vote(harness: Harness) -> None:
    await harness.text(harness.moderator(), "/cocreate config set voter_role verified")
    idea = await setup_idea(harness)
    assert (await harness.react(harness.member("bob", roles={"verified"}), idea)).ok
    assert (await harness.storage.votes.tally(idea)).voters == 1


async def test_self_votes_refused_by_default_allowed_when_configured(harness: Harness) -> None:
    idea = await setup_idea(harness)
    alice = harness.member("alice")
    refused = await harness.react(alice, idea)
    assert not refused.ok and "your own idea" in refused.text
    await harness.text(harness.moderator(), "/cocreate config set allow_self_votes true")
    assert (await harness.react(alice, idea)).ok
    assert (await harness.storage.votes.tally(idea)).voters == 1
    assert await harness.balance("alice") == 11  # vote cast, but no "received" from oneself


async def test_campaign_phase_gates_votes(harness: Harness) -> None:
    mod = harness.moderator()
    await harness.cmd(mod, "campaign create", name="Winter", mode="contest")
    idea = await harness.submit(harness.member("alice"), "Snow cone", campaign="Winter")
    bob = harness.member("bob")
    early = await harness.react(bob, idea)
    assert not early.ok and "not open for voting" in early.text
    await harness.cmd(mod, "campaign vote", name="Winter")
    assert (await harness.react(bob, idea)).ok
    await harness.cmd(mod, "campaign close", name="Winter")
    late = await harness.react(harness.member("carol"), idea)
    assert not late.ok and "closed" in late.text


async def test_board_campaign_takes_votes_any_time(harness: Harness) -> None:
    mod = harness.moderator()
    await harness.cmd(mod, "campaign create", name="Ideas board", mode="board")
    idea = await harness.submit(harness.member("alice"), "More oat milk")  # the only open one
    stored = await harness.storage.ideas.get(harness.community, idea)
    assert stored is not None and stored.campaign_id is not None
    assert (await harness.react(harness.member("bob"), idea)).ok


async def test_milestones_announced_once_and_move_to_review(harness: Harness) -> None:
    mod = harness.moderator()
    await harness.text(mod, "/cocreate config set milestones 2,3")
    await harness.text(mod, "/cocreate config set review_threshold 3")
    await harness.text(mod, "/cocreate config set announcements_channel news")
    idea = await setup_idea(harness)
    voters = [harness.member(f"fan{i}") for i in range(3)]
    await harness.react(voters[0], idea)
    await harness.react(voters[1], idea)
    await harness.unreact(voters[1], idea)
    await harness.react(voters[1], idea)  # crosses 2 again: not announced again
    await harness.react(voters[2], idea)
    news = harness.platform.texts("news")
    assert sum("reached 2 supporters" in t for t in news) == 1
    assert sum("reached 3 supporters" in t for t in news) == 1
    stored = await harness.storage.ideas.get(harness.community, idea)
    assert stored is not None and stored.status == "under_review"
    assert any("under review" in t for t in harness.platform.dms_to("alice"))


async def test_card_edits_are_coalesced_under_a_burst(harness: Harness) -> None:
    idea = await setup_idea(harness)
    harness.app.cards.interval = 60  # nothing flushes by itself during the burst
    for i in range(200):
        await harness.react(harness.member(f"fan{i}"), idea)
    await harness.app.cards.flush()
    assert harness.app.cards.edits == 1  # the burst's live edits: one
    # plus the edit stored in the outbox when the idea went under review (a status change)
    assert harness.platform.card_edits == 2
    card = harness.platform.cards[await harness.card_message(idea)]
    assert card.tally == "200 votes"


async def test_database_rejects_a_second_vote_row(harness: Harness) -> None:
    idea = await setup_idea(harness)
    await harness.react(harness.member("bob"), idea)
    with pytest.raises(sqlite3.IntegrityError):
        await harness.db.execute(
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
            " updated_at) VALUES (?, ?, 'bob', 1, '👍', 'x', 'x')",
            (harness.community, idea),
        )


async def test_vote_points_respect_daily_cap(harness: Harness) -> None:
    bob = harness.member("bob")
    authors = [harness.member(f"author{i}") for i in range(25)]
    ideas = [await harness.submit(a, f"Idea {i}") for i, a in enumerate(authors)]
    for idea in ideas:
        await harness.react(bob, idea)
    assert await harness.balance("bob") == 20  # vote_cast: 1 point, 20 a day
    harness.clock.advance(timedelta(days=1))
    await harness.submit(harness.member("late"), "Later idea")
    late = int(await harness.db.scalar("SELECT max(id) FROM ideas"))
    await harness.react(bob, late)
    assert await harness.balance("bob") == 21


async def test_updown_flip_back_pays_the_author_again(harness: Harness) -> None:
    await harness.text(harness.moderator(), "/cocreate config set vote_mode updown")
    idea = await setup_idea(harness)
    bob = harness.member("bob")
    await harness.react(bob, idea, "👍")
    await harness.react(bob, idea, "👎")
    await harness.react(bob, idea, "👍")
    assert await harness.balance("alice") == 12  # the vote stands as up: received is paid
    assert await harness.balance("bob") == 1  # vote_cast once for one vote
    await harness.unreact(bob, idea, "👍")
    assert await harness.balance("alice") == 10 and await harness.balance("bob") == 0
    # re-voting after a retraction pays again, and toggling never burns the daily cap
    for _ in range(30):
        await harness.react(bob, idea, "👍")
        await harness.unreact(bob, idea, "👍")
    await harness.react(bob, idea, "👍")
    assert await harness.balance("bob") == 1 and await harness.balance("alice") == 12
    assert await harness.ledger_matches_balances()
