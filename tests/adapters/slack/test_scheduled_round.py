"""A scheduled round on Slack: the scheduler (on the real clock) opens and closes a pick round
and its announcements reach the channel through the Web API, once, each carrying its outbox key
as message metadata; a restart of the bot on the same database does not post them again."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.slack.platform import OUTBOX_EVENT
from tests.adapters.slack.conftest import CHANNEL, start_bot, stop_bot, until
from tests.adapters.slack.fake_slack import FakeSlack, Posted


def posts(fake: FakeSlack, *parts: str) -> list[Posted]:
    return [m for m in fake.in_channel(CHANNEL) if all(p in m.text for p in parts)]


async def test_the_scheduler_announces_a_round_once_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cocreate.sqlite3"
    fake = FakeSlack()
    await fake.start()
    try:
        fake.add_user("UMOD", "Mo", admin=True)
        bot = await start_bot(fake, path)
        try:
            await bot.command("UMOD", "/cocreate setup")
            await bot.command("UMOD", '/campaign create Flash pick voting:1s brief:"<!channel> hi"')
            assert "open for voting" in fake.ephemerals("UMOD")[-1]
            await bot.app.scheduler.start()
            await until(lambda: bool(posts(fake, "*Flash*", "is open")))
            await until(lambda: bool(posts(fake, "*Flash*", "is closed")))
            await bot.settle()
            opened = posts(fake, "*Flash*", "is open")
            closed = posts(fake, "*Flash*", "is closed")
            assert len(opened) == 1 and len(closed) == 1
            assert "&lt;!channel&gt; hi" in opened[0].text
            assert "No ideas were submitted" in closed[0].text
            keys = []
            for message in (opened[0], closed[0]):
                assert message.metadata is not None
                assert message.metadata["event_type"] == OUTBOX_EVENT
                keys.append(message.metadata["event_payload"]["key"])
            assert all(keys) and len(set(keys)) == 2
            sent = json.dumps([c.args for c in fake.calls if c.method.startswith("chat.")])
            assert "<!channel>" not in sent  # escaped everywhere: never a live broadcast
        finally:
            await stop_bot(bot)

        before = len(fake.called("chat.postMessage"))
        again = await start_bot(fake, path)
        try:
            await again.app.scheduler.start()  # catch-up at start: nothing is due any more
            await again.settle()
            assert len(fake.called("chat.postMessage")) == before
            assert len(posts(fake, "*Flash*", "is open")) == 1
            assert len(posts(fake, "*Flash*", "is closed")) == 1
        finally:
            await stop_bot(again)
    finally:
        await fake.stop()
