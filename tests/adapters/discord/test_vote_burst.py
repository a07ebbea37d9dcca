"""A burst of reactions through the real discord.py client: the adapter hands them to the
engine without waiting for each one's commit, so they share batches, and the result is exactly
what handling them one by one gives (add → remove → add is one vote, a replay changes nothing,
a refused vote still comes off with a private note)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.events import InboundEvent, ReactionAdded, ThreadMessagePosted
from bot.ports.adapter import Sink
from bot.replies import Reply
from tests.adapters.discord.conftest import Bot, eventually, start_bot, stop_bot
from tests.adapters.discord.fake import FakeDiscord
from tests.adapters.discord.fake.model import Member, StoredMessage
from tests.adapters.discord.test_contest import card_of, votes

IDEAS = 4
VOTERS = 50  # 4 cards x 50 members: a burst of 200 reactions


async def cards(bot: Bot, author: Member, count: int = IDEAS) -> list[StoredMessage]:
    """``count`` idea cards, the first by ``author`` (one idea per member: the cooldown)."""
    fake = bot.fake
    mod = fake.member("Mod", admin=True)
    await (await fake.slash(mod, "cocreate setup")).answered()
    authors = [author] + [fake.member(f"Author {n}") for n in range(2, count + 1)]
    for n, author in enumerate(authors, start=1):
        sent = await (
            await fake.slash(author, "idea submit", title=f"Flavour {n}", description="")
        ).answered()
        assert f"Idea #{n}" in sent.text
    await bot.settle()
    return [await card_of(bot, n) for n in range(1, count + 1)]


async def replay(bot: Bot, seq: int) -> None:
    """Send an already delivered dispatch again, as a RESUME does, in the middle of a burst."""
    (session,) = bot.fake.gateway.live()
    (frame,) = [f for f in session.log if f["s"] == seq]
    assert session.socket is not None
    await session.socket.send_json(frame)


def tallies(rows: list[tuple[int, str, str]]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for idea_id, _, _ in rows:
        counted[idea_id] = counted.get(idea_id, 0) + 1
    return counted


async def test_a_burst_of_reactions_shares_batches_and_counts_exactly(bot: Bot) -> None:
    fake = bot.fake
    alice = fake.member("Alice")
    ideas = await cards(bot, alice)
    members = [fake.member(f"Voter {n}") for n in range(VOTERS)]
    batches = bot.app.engine.votes.batches

    for member in members:  # sent as fast as the socket takes them, nothing awaited in between
        for card in ideas:
            await fake.add_reaction(member, card, "👍")
    await bot.settle()

    events = VOTERS * IDEAS
    formed = bot.app.engine.votes.batches - batches
    assert formed <= events // 4, f"{events} reactions took {formed} batches"
    assert bot.app.engine.votes.largest > 1
    assert tallies(await votes(bot)) == dict.fromkeys(range(1, IDEAS + 1), VOTERS)
    for card in ideas:
        await eventually(lambda card=card: str(VOTERS) in card.embeds[0]["fields"][-1]["value"])


async def test_order_replays_and_refusals_hold_inside_a_burst(bot: Bot) -> None:
    fake = bot.fake
    alice, bob = fake.member("Alice"), fake.member("Bob")
    first, second, *_ = await cards(bot, alice)
    crowd = [fake.member(f"Voter {n}") for n in range(30)]
    batches = bot.app.engine.votes.batches
    metrics = bot.app.metrics
    ignored = ("cocreate_events_handled_total", {"type": "ReactionAdded", "outcome": "ignored"})
    before = metrics.value(ignored[0], **ignored[1])
    sent: list[Any] = []

    for n, member in enumerate(crowd):
        sent.append(await fake.add_reaction(member, first, "👍"))
        if n == 10:  # bob changes his mind twice in the middle of the crowd
            await fake.add_reaction(bob, second, "👍")
            await fake.remove_reaction(bob.id, second, "👍")
            await fake.add_reaction(bob, second, "👍")
        if n == 15:  # alice on her own idea: refused, taken off, told privately
            await fake.add_reaction(alice, first, "👍")
        if n == 20:  # earlier dispatches delivered again: the same events, ignored
            await replay(bot, sent[3])
            await replay(bot, sent[12])
    await bot.settle()

    assert bot.app.engine.votes.batches - batches < len(crowd)
    rows = await votes(bot)
    assert tallies(rows) == {1: len(crowd), 2: 1}
    assert (2, bob.id, "👍") in rows
    assert all(voter != alice.id for _, voter, _ in rows)
    assert sum(r["n"] for r in await bot.rows("SELECT count(*) AS n FROM votes")) == len(crowd) + 1
    assert metrics.value(ignored[0], **ignored[1]) - before == 2  # the two replays, nothing else
    await eventually(lambda: alice.id not in first.reactions["👍"])
    await eventually(lambda: fake.dms_to(alice))
    assert "can't vote for your own idea" in fake.dms_to(alice)[0]
    assert not fake.dms_to(bob)


async def test_thread_messages_stay_in_order_in_a_burst(fake: FakeDiscord, tmp_path: Path) -> None:
    """Reactions no longer wait for one another; thread messages still go one after another,
    in the order they were posted, and each counts."""
    seen: list[tuple[str, str]] = []

    def recording(sink: Sink) -> Sink:
        async def handle(event: InboundEvent) -> Reply:
            if not isinstance(event, ThreadMessagePosted):
                return await sink(event)
            seen.append(("start", event.message_id))
            await asyncio.sleep(0.01)  # a slow one: the next must still wait for it
            try:
                return await sink(event)
            finally:
                seen.append(("end", event.message_id))

        return handle

    bot = await start_bot(fake, tmp_path / "cocreate.sqlite3", wrap=recording)
    try:
        alice = fake.member("Alice")
        first, second, *_ = await cards(bot, alice)
        crowd = [fake.member(f"Voter {n}") for n in range(8)]
        posted = []
        for member in crowd:
            await fake.add_reaction(member, first, "👍")
            posted.append(await fake.post_in_thread(member, first.id))
            await fake.add_reaction(member, second, "👍")
        await bot.settle()

        assert [m for kind, m in seen if kind == "start"] == [m.id for m in posted]
        assert [kind for kind, _ in seen] == ["start", "end"] * len(posted)  # never overlapping
        assert tallies(await votes(bot)) == {1: len(crowd), 2: len(crowd)}
        for member in crowd:  # two votes and a comment each
            assert await bot.balance(member.id) == 3
    finally:
        await stop_bot(bot)


async def test_a_changed_mind_in_a_burst_takes_the_older_emoji_off(bot: Bot) -> None:
    fake = bot.fake
    mod = fake.member("Mod", admin=True)
    await (await fake.slash(mod, "cocreate setup")).answered()
    done = await fake.slash(mod, "cocreate config set", key="vote_mode", value="updown")
    assert "updown" in (await done.answered()).text
    author, bob = fake.member("Author"), fake.member("Bob")
    await (await fake.slash(author, "idea submit", title="Two ways", description="")).answered()
    await bot.settle()
    card = await card_of(bot, 1)
    crowd = [fake.member(f"Voter {n}") for n in range(20)]
    for n, member in enumerate(crowd):
        await fake.add_reaction(member, card, "👍")
        if n == 5:
            await fake.add_reaction(bob, card, "👍")
        if n == 12:  # bob thinks again: the 👎 counts and his 👍 comes off the card
            await fake.add_reaction(bob, card, "👎")
    await bot.settle()
    rows = await votes(bot)
    assert (1, bob.id, "👎") in rows and len(rows) == len(crowd) + 1
    await eventually(lambda: bob.id not in card.reactions["👍"])
    assert bob.id in card.reactions["👎"]
    assert all(m.id in card.reactions["👍"] for m in crowd)


class Held:
    """A sink that holds members' reactions until released, counting how many wait at once."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.held: list[InboundEvent] = []

    def __call__(self, sink: Sink) -> Sink:
        async def handle(event: InboundEvent) -> Reply:
            if isinstance(event, ReactionAdded) and not event.actor.is_bot:
                self.held.append(event)
                await self.gate.wait()
            return await sink(event)

        return handle


async def test_stop_lets_the_events_in_flight_finish(fake: FakeDiscord, tmp_path: Path) -> None:
    hold = Held()
    bot = await start_bot(fake, tmp_path / "cocreate.sqlite3", wrap=hold)
    try:
        first, *_ = await cards(bot, fake.member("Alice"), count=1)
        crowd = [fake.member(f"Voter {n}") for n in range(10)]
        for member in crowd:
            await fake.add_reaction(member, first, "👍")
        await eventually(lambda: len(hold.held) == len(crowd))  # all in flight at once
        stopping = asyncio.create_task(bot.adapter.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # it waits for them rather than dropping them
        hold.gate.set()
        await stopping
        assert tallies(await votes(bot)) == {1: len(crowd)}
    finally:
        await stop_bot(bot)


async def test_a_huge_burst_waits_in_the_queue_not_in_tasks(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    hold = Held()
    bot = await start_bot(fake, tmp_path / "cocreate.sqlite3", wrap=hold, max_in_flight=4)
    try:
        first, *_ = await cards(bot, fake.member("Alice"), count=1)
        crowd = [fake.member(f"Voter {n}") for n in range(30)]
        for member in crowd:
            await fake.add_reaction(member, first, "👍")
        # four in flight, the rest in the queue (one taken off it, waiting for a slot)
        await eventually(lambda: bot.adapter._queue.qsize() == len(crowd) - 4 - 1)
        await eventually(lambda: len(hold.held) == 4)
        await asyncio.sleep(0.05)
        assert len(hold.held) == 4
        assert len(bot.adapter._tasks) == 4 + 1  # the events in flight and the queue's worker
        hold.gate.set()
        await bot.settle()
        assert tallies(await votes(bot)) == {1: len(crowd)}
        assert [e.actor.member_id for e in hold.held] == [m.id for m in crowd]  # in order
    finally:
        await stop_bot(bot)
