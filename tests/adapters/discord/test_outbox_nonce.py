"""An outbox announcement resent after a crash carries the same enforced nonce, so Discord
returns the message it already posted instead of posting a second copy."""

from __future__ import annotations

from adapters.discord import ids
from bot.replies import IdeaCard, Message
from tests.adapters.discord.conftest import Bot
from tests.adapters.discord.fake.model import Channel


def test_send_nonce_is_stable_short_and_specific() -> None:
    nonce = ids.send_nonce("123", "round:7:closed")
    assert nonce == ids.send_nonce("123", "round:7:closed")
    assert len(nonce) == ids.NONCE_LENGTH and nonce.startswith("cc")
    assert nonce != ids.send_nonce("123", "round:8:closed")
    assert nonce != ids.send_nonce("456", "round:7:closed")
    assert len(ids.send_nonce("1" * 20, "k" * 500)) == ids.NONCE_LENGTH


def posted_in(bot: Bot, channel_id: str) -> list[str]:
    return [m.id for m in bot.fake.messages.values() if m.channel_id == channel_id]


async def test_the_same_key_posts_once_and_returns_the_same_id(bot: Bot) -> None:
    platform, general = bot.adapter.platform, bot.fake.general.id
    message = Message("Round 3 is open: vote with reactions")
    first = await platform.send(bot.community, general, message, key="round:3:opened")
    again = await platform.send(bot.community, general, message, key="round:3:opened")
    assert again == first
    assert posted_in(bot, general) == [first]
    posts = [r for r in bot.fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 2  # both attempts reached Discord; Discord dropped the second
    assert {r.body["nonce"] for r in posts} == {ids.send_nonce(general, "round:3:opened")}
    assert all(r.body["enforce_nonce"] is True for r in posts)


async def test_another_key_another_channel_or_no_key_post_again(bot: Bot) -> None:
    fake, platform = bot.fake, bot.adapter.platform
    general = fake.general.id
    news = Channel(fake.ids.next(), fake.guild_id, "news")
    fake.channels[news.id] = news
    message = Message("Winners announced")
    sent = [
        await platform.send(bot.community, general, message, key="a"),
        await platform.send(bot.community, general, message, key="b"),
        await platform.send(bot.community, news.id, message, key="a"),
        await platform.send(bot.community, general, message),
        await platform.send(bot.community, general, message),
    ]
    assert len(set(sent)) == 5
    assert len(posted_in(bot, general)) == 4 and len(posted_in(bot, news.id)) == 1


async def test_a_keyed_dm_resent_after_a_crash_reaches_the_member_once(bot: Bot) -> None:
    winner = bot.fake.member("Winner")
    platform = bot.adapter.platform
    message = Message("🏆 Your idea placed 1!")
    await platform.notify(bot.community, winner.id, message, key="round:3:winner:9")
    await platform.notify(bot.community, winner.id, message, key="round:3:winner:9")
    assert len(bot.fake.dms_to(winner)) == 1
    await platform.notify(bot.community, winner.id, message)  # unkeyed: a new message
    assert len(bot.fake.dms_to(winner)) == 2


async def test_a_keyed_card_resent_after_a_crash_is_the_same_card_with_the_same_thread(
    bot: Bot,
) -> None:
    platform, general = bot.adapter.platform, bot.fake.general.id
    card = IdeaCard(7, "Oat latte", "", "1", "Ana", "new", None, "no votes yet", ("👍",))
    first = await platform.post_card(bot.community, general, card, key="idea:7:card")
    again = await platform.post_card(bot.community, general, card, key="idea:7:card")
    assert again == first and first.thread_id is not None
    assert posted_in(bot, general) == [first.message_id]
    posts = [r for r in bot.fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert {r.body["nonce"] for r in posts} == {ids.send_nonce(general, "idea:7:card")}
