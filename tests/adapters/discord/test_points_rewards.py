"""Members check their points and the leaderboard and redeem a reward a moderator approves."""

from __future__ import annotations

from tests.adapters.discord.conftest import Bot


async def test_points_leaderboard_and_a_redemption(bot: Bot) -> None:
    fake = bot.fake
    mod, dana, eli = fake.member("Mod", admin=True), fake.member("Dana"), fake.member("Eli")
    granted = await (
        await fake.slash(mod, "points grant", member=dana, amount=120, reason="great feedback")
    ).answered()
    assert "120" in granted.text
    await fake.slash(mod, "points grant", member=eli, amount=30, reason="first idea")

    await (await fake.slash(eli, "points show")).answered()  # the bot learns Eli's name
    mine = await (await fake.slash(dana, "points show")).answered()
    assert "You have 120 points" in mine.text and mine.ephemeral
    theirs = await (await fake.slash(dana, "points show", member=eli)).answered()
    assert "Eli has 30 points" in theirs.text
    board = await (await fake.slash(eli, "leaderboard show", period="all")).answered()
    table = board.original.embeds[0]["description"]
    assert table.index("Dana") < table.index("Eli")

    # a member cannot run moderator verbs, even though Discord shows them in a mixed topic
    refused = await (await fake.slash(eli, "rewards add", name="Mug", cost=100)).answered()
    assert "is for moderators" in refused.text
    added = await (await fake.slash(mod, "rewards add", name="Mug", cost=100, stock="3")).answered()
    assert "Mug" in added.text
    suggested = await (await fake.autocomplete(dana, "rewards redeem", "reward", "mu")).answered()
    assert [c["name"] for c in suggested.choices] == ["Mug — 100 points"]
    redeemed = await (
        await fake.slash(dana, "rewards redeem", reward=suggested.choices[0]["value"])
    ).answered()
    assert "Requested Mug (request #1)" in redeemed.text
    waiting = await (await fake.autocomplete(mod, "rewards approve", "redemption", "")).answered()
    assert waiting.choices[0]["value"] == 1  # an integer option gets integer choices
    approved = await (await fake.slash(mod, "rewards approve", redemption=1)).answered()
    assert "Approved #1: Mug" in approved.text
    assert await bot.balance(dana.id) == 20
    rows = await bot.rows("SELECT status FROM redemptions")
    assert [r["status"] for r in rows] == ["approved"]
    assert any("Mug" in text for text in fake.dms_to(dana))  # told privately
