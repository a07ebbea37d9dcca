from __future__ import annotations

from tests.adapters.discord.conftest import Bot


async def test_connects_and_answers_help(bot: Bot) -> None:
    fake = bot.fake
    assert bot.adapter.connected
    alice = fake.member("Alice")
    answer = await (await fake.slash(alice, "cocreate help")).answered()
    assert "Cocreate" in answer.text
