"""A moderator sets the bot up and runs a contest; members submit (command and form), vote with
reactions (add, remove, add again, a refused self-vote, a replay after RESUME) and the close
posts the results. Everything through the fake Discord, asserted on what was sent and stored."""

from __future__ import annotations

from adapters.discord import ids
from tests.adapters.discord.conftest import Bot, eventually
from tests.adapters.discord.fake.model import Member, StoredMessage


async def card_of(bot: Bot, idea_id: int) -> StoredMessage:
    idea = await bot.storage.ideas.get(bot.community, idea_id)
    assert idea is not None and idea.message_id is not None, "the idea has no card"
    return bot.fake.messages[idea.message_id]


async def votes(bot: Bot) -> list[tuple[int, str, str]]:
    rows = await bot.rows("SELECT idea_id, voter_id, emoji FROM votes ORDER BY idea_id, voter_id")
    return [(r["idea_id"], r["voter_id"], r["emoji"]) for r in rows]


async def setup_contest(bot: Bot, mod: Member) -> None:
    fake = bot.fake
    done = await (await fake.slash(mod, "cocreate setup")).answered()
    assert "idea cards, announcements and prompts will go to this channel" in done.text
    assert done.ephemeral
    typed = await (await fake.autocomplete(mod, "cocreate config set", "key", "milest")).answered()
    assert {"name": "milestones", "value": "milestones"} in typed.choices
    changed = await (
        await fake.slash(mod, "cocreate config set", key="milestones", value="2")
    ).answered()
    assert "milestones is now 2" in changed.text
    created = await (
        await fake.slash(
            mod, "campaign create", name="Winter", mode="contest", brief="Name our winter flavour"
        )
    ).answered()
    assert "Campaign “Winter” (contest) is open" in created.text
    assert not created.ephemeral  # the channel sees a campaign start


async def test_a_whole_contest_through_discord(bot: Bot) -> None:
    fake = bot.fake
    mod = fake.member("Mod", admin=True)
    alice, bob, carol = fake.member("Alice"), fake.member("Bob"), fake.member("Carol")
    await setup_contest(bot, mod)

    # alice submits with options; her text may try to ping everyone
    sent = await (
        await fake.slash(
            alice, "idea submit", title="Oat latte", description="@everyone creamy <@&123>"
        )
    ).answered()
    assert "Idea #1 “Oat latte” is posted in campaign “Winter”" in sent.text
    # bob uses the form: /idea submit with no options opens a modal built from its options
    form = await (await fake.slash(bob, "idea submit")).answered()
    assert form.form["custom_id"] == ids.command_form("idea", "submit")
    inputs = [row["components"][0]["custom_id"] for row in form.form["components"]]
    assert inputs == ["title", "description", "campaign"]
    submitted = await (
        await fake.submit_form(
            bob, form.form["custom_id"], {"title": "Gingerbread cold brew", "description": ""}
        )
    ).answered()
    assert "Idea #2 “Gingerbread cold brew” is posted" in submitted.text
    await bot.settle()

    first, second = await card_of(bot, 1), await card_of(bot, 2)
    assert first.channel_id == fake.general.id  # the setup channel
    assert first.embeds[0]["title"] == "#1 Oat latte"
    assert "@everyone creamy" in first.embeds[0]["description"]
    assert first.reactions["👍"] == [fake.bot.id]  # the bot adds the vote emoji
    assert fake.channels[first.id].parent_id == fake.general.id  # a public thread per card
    idea = await bot.storage.ideas.get(bot.community, 1)
    assert idea is not None and idea.thread_id == first.id

    opened = await (await fake.slash(mod, "campaign vote", name="Winter")).answered()
    assert "Voting is open for “Winter”" in opened.text

    await fake.add_reaction(bob, first, "👍")
    await fake.add_reaction(carol, first, "👍")
    await fake.add_reaction(carol, second, "👍")
    await fake.remove_reaction(carol.id, second, "👍")
    resumed_from = await fake.add_reaction(carol, second, "👍")  # add → remove → add: counted
    await fake.add_reaction(bob, second, "🎉")  # not a vote emoji: dropped at the edge
    await bot.settle()
    assert await votes(bot) == [(1, bob.id, "👍"), (1, carol.id, "👍"), (2, carol.id, "👍")]

    # a refused vote: alice on her own idea. The reaction comes off and she is told privately.
    await fake.add_reaction(alice, first, "👍")
    await bot.settle()
    await eventually(lambda: alice.id not in first.reactions["👍"])
    await eventually(lambda: fake.dms_to(alice))
    assert "can't vote for your own idea" in fake.dms_to(alice)[0]
    assert (1, alice.id, "👍") not in await votes(bot)

    # a comment in the idea's thread earns the comment rule (no message content needed)
    before = await bot.balance(carol.id)
    await fake.post_in_thread(carol, first.id)
    await bot.settle()
    assert await bot.balance(carol.id) == before + 1

    # the connection drops; the RESUME replays events the bot had already handled
    balances = {m.id: await bot.balance(m.id) for m in (alice, bob, carol)}
    ledger = await bot.rows("SELECT count(*) AS n FROM ledger")
    fake.gateway.replay_from = resumed_from - 4
    await fake.gateway.reconnect()
    await eventually(lambda: fake.gateway.resumes)
    await eventually(lambda: bot.adapter.connected)
    await bot.settle()
    assert fake.gateway.identifies == 1  # resumed, not a new session
    assert fake.gateway.replayed >= 4
    metrics = bot.app.metrics
    for kind in ("ReactionAdded", "ReactionRemoved"):
        assert metrics.value("cocreate_events_handled_total", type=kind, outcome="ignored") >= 1
    assert await votes(bot) == [(1, bob.id, "👍"), (1, carol.id, "👍"), (2, carol.id, "👍")]
    assert {m.id: await bot.balance(m.id) for m in (alice, bob, carol)} == balances
    assert await bot.rows("SELECT count(*) AS n FROM ledger") == ledger

    # the milestone (2 supporters) was announced once, in the announcements channel
    milestones = [
        m for m in fake.in_channel(fake.general.id) if "reached 2 supporters" in m.content
    ]
    assert len(milestones) == 1
    # the card shows the live tally
    await eventually(lambda: "2" in first.embeds[0]["fields"][-1]["value"])

    closed = await (await fake.slash(mod, "campaign close", name="Winter")).answered()
    assert (
        "Winter** is closed. Winners: #1 “Oat latte” and #2 “Gingerbread cold brew”" in closed.text
    )
    await bot.settle()
    results = [
        m
        for m in fake.in_channel(fake.general.id)
        if m.embeds and m.embeds[0].get("title") == "Results: Winter"
    ]
    assert len(results) >= 1 and "Oat latte" in results[-1].embeds[0]["description"]
    rows = await bot.rows("SELECT id, status FROM ideas ORDER BY id")
    assert [(r["id"], r["status"]) for r in rows] == [(1, "planned"), (2, "planned")]
    assert any("placed 1st in Winter" in text for text in fake.dms_to(alice))

    # the round is closed: taking a reaction off changes nothing, and the member is told why
    await fake.remove_reaction(bob.id, first, "👍")
    await eventually(lambda: any("stays as it was counted" in t for t in fake.dms_to(bob)))
    assert (1, bob.id, "👍") in await votes(bot)
