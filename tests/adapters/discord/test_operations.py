"""Operating on Discord: slow work deferred, 429s honoured, card edits coalesced, forum
channels, missing permissions and closed DMs, intents, hidden moderator topics, no pings."""

from __future__ import annotations

import time
from pathlib import Path

from tests.adapters.discord.conftest import (
    Bot,
    assert_no_pings,
    eventually,
    start_bot,
    stop_bot,
)
from tests.adapters.discord.fake import FakeDiscord, RateLimit
from tests.adapters.discord.test_contest import card_of, votes

PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


async def submit(bot: Bot, who: object, title: str) -> int:
    answer = await (await bot.fake.slash(who, "idea submit", title=title)).answered()
    assert "is posted" in answer.text, answer.text
    await bot.settle()
    return int(answer.text.split("#")[1].split()[0])


async def test_intents_commands_and_health(bot: Bot) -> None:
    fake = bot.fake
    assert fake.intents and not fake.intents[0] & PRIVILEGED
    synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
    assert set(synced) == {
        "idea",
        "campaign",
        "prompt",
        "points",
        "leaderboard",
        "rewards",
        "cocreate",
    }
    assert int(synced["prompt"]["default_member_permissions"]) == 32  # Manage Server
    assert synced["idea"]["default_member_permissions"] is None  # members submit here
    config = next(o for o in synced["cocreate"]["options"] if o["name"] == "config")
    assert config["type"] == 2 and {o["name"] for o in config["options"]} == {"show", "set"}
    assert bot.adapter.connected
    await bot.adapter.stop()
    assert not bot.adapter.connected


async def test_slow_work_is_deferred_and_recount_sees_offline_votes(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = await start_bot(fake, tmp_path / "db.sqlite3", defer_after=0.2)
    try:
        mod, ann, bea = fake.member("Mod", admin=True), fake.member("Ann"), fake.member("Bea")
        await fake.slash(mod, "campaign create", name="Spring", mode="contest")
        await submit(bot, ann, "Matcha")
        await (await fake.slash(mod, "campaign vote", name="Spring")).answered()
        card = await card_of(bot, 1)
        card.reactions["👍"].append(bea.id)  # voted while the bot was offline: no event
        fake.delays[r"/reactions/"] = 0.5  # reading reactions is slow
        closing = await fake.slash(mod, "campaign close", name="Spring")
        await closing.until(lambda i: i.kind is not None)
        assert closing.kind == 5 and closing.callback_at - closing.dispatched_at < 0.45
        await closing.until(lambda i: i.followups)
        assert closing.original is not None and closing.original.content == "Done."
        public = closing.followups[0]
        assert "Spring** is closed. Winner: #1 “Matcha”" in public.content
        assert not fake.ephemeral(public)
        assert await votes(bot) == [(1, bea.id, "👍")]  # the recount counted her
    finally:
        await stop_bot(bot)


async def test_a_429_is_honoured(bot: Bot) -> None:
    fake = bot.fake
    ann = fake.member("Ann")
    fake.rate_limits.append(RateLimit("POST", r"^/channels/\d+/messages$", 1, 0.3))
    await submit(bot, ann, "Rate limited latte")
    posts = fake.sent("POST", r"^/channels/\d+/messages$")
    assert [p.status for p in posts[:2]] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.29  # waited for retry-after
    assert len(fake.cards(fake.general.id)) == 1


async def test_a_burst_of_votes_makes_a_handful_of_edits(fake: FakeDiscord, tmp_path: Path) -> None:
    bot = await start_bot(fake, tmp_path / "db.sqlite3", card_interval=0.3)
    try:
        ann = fake.member("Ann")
        await submit(bot, ann, "Burst brew")
        card = await card_of(bot, 1)
        voters = [fake.member(f"Voter{n}") for n in range(120)]
        started = time.monotonic()
        for voter in voters:
            await fake.add_reaction(voter, card, "👍")
        await eventually(lambda: bot.adapter._queue.empty())
        await eventually(lambda: "120" in card.embeds[0]["fields"][-1]["value"])
        elapsed = time.monotonic() - started
        edits = fake.sent("PATCH", rf"/messages/{card.id}$")
        assert 1 <= len(edits) <= elapsed / 0.3 + 2
        assert len(edits) < 20
        assert len(await votes(bot)) == 120
    finally:
        await stop_bot(bot)


async def test_forum_channel_gets_a_post_per_idea(bot: Bot) -> None:
    fake = bot.fake
    mod, ann, bea = fake.member("Mod", admin=True), fake.member("Ann"), fake.member("Bea")
    await fake.slash(mod, "cocreate config set", key="ideas_channel", value=fake.forum.id)
    await submit(bot, ann, "Forum latte")
    posts = fake.sent("POST", rf"^/channels/{fake.forum.id}/threads$")
    assert len(posts) == 1 and posts[0].body["name"] == "#1 Forum latte"
    card = await card_of(bot, 1)
    thread = fake.channels[card.channel_id]
    assert thread.parent_id == fake.forum.id and card.reactions["👍"] == [fake.bot.id]
    await fake.add_reaction(bea, card, "👍")
    await fake.post_in_thread(bea, thread.id)
    await bot.settle()
    assert await votes(bot) == [(1, bea.id, "👍")]
    assert await bot.balance(bea.id) == 2  # vote_cast 1 + thread_comment 1
    await eventually(lambda: "1" in card.embeds[0]["fields"][-1]["value"])


async def test_refusals_degrade_without_manage_messages_or_open_dms(bot: Bot) -> None:
    fake = bot.fake
    ann = fake.member("Ann")
    await submit(bot, ann, "Own vote")
    card = await card_of(bot, 1)
    fake.bot_manages_messages = False
    fake.closed_dms.add(ann.id)
    await fake.add_reaction(ann, card, "👍")
    await bot.settle()
    await eventually(lambda: fake.sent("DELETE", r"/reactions/"))
    await eventually(lambda: fake.sent("POST", r"^/users/@me/channels$"))
    assert ann.id in card.reactions["👍"]  # could not be removed: stays, but is not counted
    assert await votes(bot) == []
    assert fake.dms_to(ann) == []  # DMs closed: logged, nothing else
    assert bot.adapter.connected


async def test_no_message_can_ping_anyone(bot: Bot) -> None:
    fake = bot.fake
    mod, ann = fake.member("Mod", admin=True), fake.member("Ann @everyone")
    await fake.slash(mod, "cocreate setup")
    await fake.slash(ann, "idea submit", title="@everyone free coffee", description="<@&1> @here")
    await bot.settle()
    await (await fake.slash(ann, "idea list")).answered()
    await (await fake.slash(mod, "idea status", idea=1, status="planned")).answered()
    await bot.settle()
    assert assert_no_pings(fake) >= 5


async def test_a_sharded_client_votes_through_its_shards_session(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    shard = fake.shard_of(fake.guild_id, 2)
    bot = await start_bot(fake, tmp_path / "db.sqlite3", shards=(2, [shard]))
    try:
        assert [s.shard for s in fake.gateway.sessions.values()] == [(shard, 2)]
        ann, bea = fake.member("Ann"), fake.member("Bea")
        await submit(bot, ann, "Sharded latte")
        card = await card_of(bot, 1)
        await fake.add_reaction(bea, card, "👍")
        await bot.settle()
        assert await votes(bot) == [(1, bea.id, "👍")]
        session = next(iter(fake.gateway.sessions))
        assert await bot.rows(
            "SELECT 1 FROM processed_events WHERE event_id LIKE ?", f"%{session}%"
        )
    finally:
        await stop_bot(bot)
