"""An outbox announcement resent after a crash: the first copy carries its key as message
metadata, and the resend finds it in the channel's history instead of posting again."""

from __future__ import annotations

import logging

import pytest

from adapters.slack.platform import OUTBOX_EVENT, outbox_metadata, posted_with_key
from bot.replies import IdeaCard, Message
from tests.adapters.slack.conftest import CHANNEL, SlackWorld
from tests.adapters.slack.fake_slack import TEAM

COMMUNITY = f"slack:{TEAM}"
ANNOUNCEMENT = Message("Round 3 is open: vote with reactions")


def test_posted_with_key_matches_only_our_event_and_key() -> None:
    history = [
        {"ts": "3.0", "metadata": {"event_type": "other_app", "event_payload": {"key": "k"}}},
        {"ts": "2.0", "metadata": outbox_metadata("other")},
        {"ts": "1.0", "metadata": outbox_metadata("k")},
        {"ts": "0.5"},
    ]
    assert posted_with_key(history, "k") == "1.0"
    assert posted_with_key(history, "missing") is None
    assert outbox_metadata("k")["event_type"] == OUTBOX_EVENT


async def test_the_same_key_posts_once_and_returns_the_same_ts(world: SlackWorld) -> None:
    platform = world.adapter.platform
    first = await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="round:3:opened")
    again = await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="round:3:opened")
    assert again == first
    assert [m.ts for m in world.fake.in_channel(CHANNEL)] == [first]
    assert world.fake.messages[(CHANNEL, first)].metadata == outbox_metadata("round:3:opened")
    assert len(world.fake.called("chat.postMessage")) == 1
    history = world.fake.called("conversations.history")
    assert len(history) == 2
    assert history[0].args["include_all_metadata"] in ("1", "true", True)


async def test_another_key_or_no_key_posts_again(world: SlackWorld) -> None:
    platform = world.adapter.platform
    sent = [
        await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="a"),
        await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="b"),
        await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT),
        await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT),
    ]
    assert len(set(sent)) == 4
    assert len(world.fake.in_channel(CHANNEL)) == 4
    assert world.fake.messages[(CHANNEL, sent[2])].metadata is None
    assert len(world.fake.called("conversations.history")) == 2  # only keyed sends look


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
async def test_an_unreadable_history_still_posts(
    world: SlackWorld, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.errors["conversations.history"] = error
    platform = world.adapter.platform
    with caplog.at_level(logging.INFO, logger="adapters.slack.platform"):
        first = await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="k")
        again = await platform.send(COMMUNITY, CHANNEL, ANNOUNCEMENT, key="k")
    assert first != again  # without the history a resend cannot be recognised: a duplicate
    assert len(world.fake.in_channel(CHANNEL)) == 2
    assert all(m.metadata == outbox_metadata("k") for m in world.fake.in_channel(CHANNEL))
    assert any("history not readable" in r.getMessage() for r in caplog.records)


async def test_a_channel_not_joined_yet_is_joined_and_posted_once(world: SlackWorld) -> None:
    world.fake.not_joined.add("CNEW")
    platform = world.adapter.platform
    first = await platform.send(COMMUNITY, "CNEW", ANNOUNCEMENT, key="k")
    again = await platform.send(COMMUNITY, "CNEW", ANNOUNCEMENT, key="k")
    assert first == again
    assert len(world.fake.in_channel("CNEW")) == 1


async def test_a_keyed_dm_resent_after_a_crash_reaches_the_member_once(world: SlackWorld) -> None:
    platform = world.adapter.platform
    notice = Message("🏆 Your idea placed 1!")
    await platform.notify(COMMUNITY, "UWIN", notice, key="round:3:winner:9")
    await platform.notify(COMMUNITY, "UWIN", notice, key="round:3:winner:9")
    assert [m.metadata for m in world.fake.in_channel("DUWIN")] == [
        outbox_metadata("round:3:winner:9")
    ]
    await platform.notify(COMMUNITY, "UWIN", notice)  # unkeyed: posted without a look
    assert len(world.fake.in_channel("DUWIN")) == 2


async def test_a_keyed_card_resent_after_a_crash_is_the_same_card(world: SlackWorld) -> None:
    platform = world.adapter.platform
    card = IdeaCard(7, "Oat latte", "", "UANA", "Ana", "new", None, "no votes yet", ("👍",))
    first = await platform.post_card(COMMUNITY, CHANNEL, card, key="idea:7:card")
    again = await platform.post_card(COMMUNITY, CHANNEL, card, key="idea:7:card")
    assert again == first
    assert [m.ts for m in world.fake.in_channel(CHANNEL)] == [first.message_id]
    assert world.fake.messages[(CHANNEL, first.message_id)].metadata == outbox_metadata(
        "idea:7:card"
    )
    assert len(world.fake.called("chat.postMessage")) == 1
