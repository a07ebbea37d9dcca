"""Steps the campaign tests share: a moderator's command that must pass or be refused, reading
a campaign, its round and the winners' points back from storage, and for the scheduler tests a
contest "Cup" moved by the fake clock, its announcements and outbox, and a restarted process."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock
from bot.models import Campaign, Phase, Round
from tests.harness import Harness, open_test_storage

ANN = "announcements"


async def ok(h: Harness, path: str, **options: Any) -> str:
    reply = await h.cmd(h.moderator(), path, **options)
    assert reply.ok, reply.text
    return reply.text


async def refused(h: Harness, path: str, **options: Any) -> str:
    reply = await h.cmd(h.moderator(), path, **options)
    assert not reply.ok, reply.text
    return reply.text


async def campaign(h: Harness, name: str) -> Campaign:
    found = await h.storage.campaigns.by_name(h.community, name)
    assert found is not None, name
    return found


async def current(h: Harness, name: str) -> Round:
    found = await campaign(h, name)
    assert found.current_round is not None
    round_ = await h.storage.campaigns.round(found.current_round)
    assert round_ is not None
    return round_


async def phase(h: Harness, name: str) -> Phase:
    return (await campaign(h, name)).phase


async def winner_rows(h: Harness) -> list[tuple[str, int]]:
    """(member, points) of every round_winner ledger entry, by member."""
    rows = await h.db.fetchall(
        "SELECT member_id, amount FROM ledger WHERE rule = 'round_winner' ORDER BY member_id"
    )
    return [(r[0], r[1]) for r in rows]


async def setup(h: Harness, timezone: str = "UTC") -> None:
    await h.text(h.moderator(), f"/cocreate config set announcements_channel {ANN}")
    await h.text(h.moderator(), f"/cocreate config set timezone {timezone}")


def announcements(h: Harness) -> list[str]:
    return [p.message.text for p in h.platform.posts if p.channel_id == ANN]


async def outbox_rows(h: Harness) -> list[Any]:
    return list(await h.db.fetchall("SELECT * FROM outbox ORDER BY id"))


async def contest(h: Harness, **extra: Any) -> None:
    """Opens in 1 h; ideas for 2 days; voting for 2 days (reminder 24 h before the close)."""
    options = {"starts": "1h", "submissions": "2d", "voting": "2d", "winners": 1} | extra
    await ok(h, "campaign create", name="Cup", **options)


async def at(h: Harness, delta: timedelta) -> int:
    """Move the clock and let the scheduler do what fell due."""
    h.clock.advance(delta)
    return await h.app.scheduler.sweep()


async def open_contest(h: Harness) -> int:
    """The contest, open for ideas, with Alice's "Oat latte" in it; returns that idea's id."""
    await setup(h)
    await contest(h)
    await at(h, timedelta(hours=1))
    return await h.submit(h.member("alice"), "Oat latte")


async def voting_with_one_vote(h: Harness) -> int:
    """The contest in its voting phase, v1 voting for Alice's idea; returns that idea's id."""
    idea = await open_contest(h)
    await at(h, timedelta(days=2))
    assert (await h.react(h.member("v1"), idea)).ok
    return idea


async def reopen(path: Path, platform: MemoryPlatform, now: datetime) -> Harness:
    """A new process on the same database file (the platform lives on, as a real one does)."""
    storage = await open_test_storage(path)
    clock = FakeClock(now)
    app = build_app(storage, platform, clock, card_interval=0.01)
    return Harness(app, storage, platform, clock)
