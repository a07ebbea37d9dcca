"""Results carry a chart picture on Discord: a prompt's results reply and a round's results post
attach chart.png and show it as the results embed's image; when Discord refuses the file, the
results still go out once, without it."""

from __future__ import annotations

from adapters.discord import ids
from tests.adapters.discord.conftest import Bot, eventually
from tests.adapters.discord.fake.model import Member, StoredMessage
from tests.adapters.discord.test_prompts import prompt_message

PNG = b"\x89PNG\r\n\x1a\n"


def announced(bot: Bot) -> list[StoredMessage]:
    """The results posted by the outbox (with its nonce), not the reply to the command."""
    return [
        m
        for m in bot.fake.in_channel(bot.fake.general.id)
        if "is closed" in m.content and m.nonce is not None
    ]


def chart_uploads(bot: Bot, path_end: str) -> list[bytes]:
    return [
        data
        for r in bot.fake.requests
        if r.path.endswith(path_end) and r.status == 200
        for name, data in r.files
        if name == "chart.png"
    ]


async def run_contest(bot: Bot, mod: Member) -> None:
    fake = bot.fake
    await (await fake.slash(mod, "cocreate setup")).answered()
    await (await fake.slash(mod, "campaign create", name="Winter", mode="contest")).answered()
    ana, ben = fake.member("Ana"), fake.member("Ben")
    await (await fake.slash(ana, "idea submit", title="Oat latte")).answered()
    await (await fake.slash(ben, "idea submit", title="<script>alert(1)</script>")).answered()
    await bot.settle()
    await (await fake.slash(mod, "campaign vote", name="Winter")).answered()
    idea = await bot.storage.ideas.get(bot.community, 1)
    assert idea is not None and idea.message_id is not None
    await fake.add_reaction(ben, fake.messages[idea.message_id], "👍")
    await bot.settle()
    closed = await (await fake.slash(mod, "campaign close", name="Winter")).answered()
    assert "is closed" in closed.text
    await bot.settle()


async def test_prompt_results_reply_carries_the_chart(bot: Bot) -> None:
    fake = bot.fake
    mod, ana, ben = fake.member("Mod", admin=True), fake.member("Ana"), fake.member("Ben")
    created = await (
        await fake.slash(mod, "prompt create", kind="nps", question="Recommend us?")
    ).answered()
    assert "Prompt #1 created" in created.text
    await bot.settle()
    await eventually(
        lambda: any("Feedback prompt #1" in m.content for m in fake.in_channel(fake.general.id))
    )
    post = prompt_message(fake, 1)
    await (await fake.click(ana, post, ids.answer_button(1, "10"))).answered()
    await (await fake.click(ben, post, ids.answer_button(1, "3"))).answered()

    results = await (await fake.slash(mod, "prompt results", prompt=1)).answered()

    assert "NPS +0 (promoters 1, passives 0, detractors 1)" in results.text
    pictures = chart_uploads(bot, "/callback")
    assert len(pictures) == 1 and pictures[0].startswith(PNG)
    callback = [r for r in fake.requests if r.path.endswith("/callback") and r.files][-1]
    embeds = callback.body["data"]["embeds"]
    assert embeds[-1]["image"]["url"] == "attachment://chart.png"
    assert embeds[-1]["title"] == "Results"  # the table is still there, for screen readers
    assert "promoters" not in embeds[-1]["description"].casefold()  # the table lists scores
    described = callback.body["data"]["attachments"][0]["description"]
    assert "NPS +0" in described and "Promoters (9–10): 1 response" in described


async def test_round_results_post_carries_the_chart(bot: Bot) -> None:
    fake = bot.fake
    await run_contest(bot, fake.member("Mod", admin=True))

    posts = announced(bot)
    assert len(posts) == 1
    assert [a["filename"] for a in posts[0].attachments] == ["chart.png"]
    assert posts[0].embeds[0]["image"]["url"] == "attachment://chart.png"
    assert "Oat latte" in posts[0].embeds[0]["description"]
    pictures = chart_uploads(bot, "/messages")
    assert len(pictures) == 1 and pictures[0].startswith(PNG)
    # the reply to the moderator's close does not post a second copy of it
    assert chart_uploads(bot, "/callback") == []


async def test_a_refused_picture_still_posts_the_results_once(bot: Bot) -> None:
    fake = bot.fake
    fake.refuse_files = True
    await run_contest(bot, fake.member("Mod", admin=True))

    await eventually(lambda: announced(bot))
    await bot.settle()
    posts = announced(bot)
    assert len(posts) == 1
    assert posts[0].attachments == []
    assert "image" not in posts[0].embeds[0]  # no picture promised that is not there
    assert "Oat latte" in posts[0].embeds[0]["description"]
    refused = [r for r in fake.requests if r.path.endswith("/messages") and r.status == 403]
    assert len(refused) == 1
    rows = await bot.rows(
        "SELECT delivered_at, attempts FROM outbox WHERE key LIKE 'round:%:results'"
    )
    assert len(rows) == 1 and rows[0]["delivered_at"] is not None and rows[0]["attempts"] == 1
