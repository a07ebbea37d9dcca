"""Reconcile at close: reactions made while the bot was offline are counted, gone ones are not."""

from __future__ import annotations

from bot.events import AutocompleteRequested
from bot.ports import ReactionSeen
from tests.harness import Harness


async def contest_with_idea(h: Harness) -> int:
    mod = h.moderator()
    await h.cmd(mod, "campaign create", name="Winter", mode="contest")
    idea = await h.submit(h.member("alice"), "Snow cone", campaign="Winter")
    await h.cmd(mod, "campaign vote", name="Winter")
    return idea


async def test_offline_reactions_are_counted_at_close(harness: Harness) -> None:
    idea = await contest_with_idea(harness)
    bob, carol, newbie = harness.member("bob"), harness.member("carol"), harness.member("dan")
    await harness.react(bob, idea)
    message = await harness.card_message(idea)
    # while the bot was offline: carol reacted, bob took his reaction back, alice self-voted
    harness.platform.reactions[message] = [
        ReactionSeen(carol, "👍"),
        ReactionSeen(harness.member("alice"), "👍"),
        ReactionSeen(newbie, "🍕"),
    ]
    await harness.text(harness.moderator(), "/cocreate config set announcements_channel news")
    reply = await harness.cmd(harness.moderator(), "campaign close", name="Winter")
    assert reply.ok, reply.text
    voters = await harness.storage.votes.voters(idea)
    assert voters == ["carol"]  # bob's vote is gone, alice's self-vote and the pizza don't count
    assert await harness.balance("bob") == 0
    assert await harness.balance("carol") == 1 + 0  # vote cast (winner points go to alice)
    assert await harness.ledger_matches_balances()
    assert reply.table is not None and reply.table.rows[0][-1] == "1 vote"


async def test_recount_changes_nothing_when_in_step(harness: Harness) -> None:
    idea = await contest_with_idea(harness)
    await harness.react(harness.member("bob"), idea)
    before = await harness.db.scalar("SELECT count(*) FROM ledger")
    assert await harness.app.voting.recount(harness.community, idea) == (0, 0)
    assert await harness.db.scalar("SELECT count(*) FROM ledger") == before


async def test_member_cannot_trigger_close_or_its_recount(harness: Harness) -> None:
    idea = await contest_with_idea(harness)
    message = await harness.card_message(idea)
    harness.platform.reactions[message] = [ReactionSeen(harness.member("carol"), "👍")]
    reply = await harness.cmd(harness.member("bob"), "campaign close", name="Winter")
    assert not reply.ok and "moderators" in reply.text
    assert await harness.storage.votes.voters(idea) == []


async def test_autocomplete_suggests_ideas_campaigns_and_keys(harness: Harness) -> None:
    await contest_with_idea(harness)
    bob = harness.member("bob")

    async def ask(kind: str, prefix: str) -> list[tuple[str, str]]:
        reply = await harness.engine.handle(AutocompleteRequested("ac", bob, kind, prefix))
        return list(reply.choices)

    assert await ask("idea", "snow") == [("#1 Snow cone", "1")]
    assert await ask("campaign", "win") == [("Winter (contest, voting)", "Winter")]
    keys = [value for _, value in await ask("config_key", "points.vote_cast")]
    assert keys == ["points.vote_cast.value", "points.vote_cast.daily_cap"]
    assert await ask("idea", "nothing like this") == []
