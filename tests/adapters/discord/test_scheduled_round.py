"""A scheduled round on Discord: the scheduler (on the real clock) opens and closes a pick round
and its announcements reach the channel through discord.py, once, with an enforced nonce; a
restart of the bot does not post them again."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.discord.conftest import Bot, eventually, start_bot, stop_bot
from tests.adapters.discord.fake.model import StoredMessage
from tests.adapters.discord.fake.server import FakeDiscord


def posts(bot: Bot, text: str) -> list[StoredMessage]:
    return [
        m
        for m in bot.fake.messages.values()
        if m.channel_id == bot.fake.general.id and text in m.content
    ]


async def test_the_scheduler_announces_a_round_once_across_a_restart(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    path = tmp_path / "cocreate.sqlite3"
    bot = await start_bot(fake, path)
    try:
        await bot.app.scheduler.start()
        mod = fake.member("Mod", admin=True)
        await (await fake.slash(mod, "cocreate setup")).answered()
        created = await (
            await fake.slash(
                mod, "campaign create", name="Flash", mode="pick", voting="1s", brief="@everyone"
            )
        ).answered()
        assert "open for voting" in created.text
        opened = await eventually(lambda: posts(bot, "**Flash** is open"))
        assert len(opened) == 1 and opened[0].nonce is not None
        closed = await eventually(lambda: posts(bot, "**Flash** is closed"), within=10)
        assert len(closed) == 1 and closed[0].nonce is not None
        assert "No ideas were submitted" in closed[0].content
    finally:
        await stop_bot(bot)
    before = len(fake.messages)
    again = await start_bot(fake, path)
    try:
        await again.app.scheduler.start()  # catch-up at start: nothing is due any more
        await again.settle()
        assert len(fake.messages) == before
        assert len(posts(again, "**Flash** is closed")) == 1
    finally:
        await stop_bot(again)
