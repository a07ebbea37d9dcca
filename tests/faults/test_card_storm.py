"""A reaction storm on one card is coalesced into a few edits, and neither a flush nor a
shutdown ever loses the final edit (bot/services/delivery.py). A platform's "429, retry after
X" is waited out by the platform clients themselves: tests/adapters/discord/test_operations.py
and tests/adapters/slack/test_http_security.py prove it against the real libraries."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock
from bot.events import ReactionAdded
from bot.replies import IdeaCard
from bot.services.cards import load_cards
from bot.services.delivery import CardRefresher
from tests.harness import CHANNEL, Harness, open_test_storage

STORM = 1000
INTERVAL = 1.0  # what a real deployment uses: Discord allows about 5 edits per 5 s per channel
RETRY_AFTER = 0.3


async def _harness(path: Path, platform: MemoryPlatform, interval: float) -> Harness:
    storage = await open_test_storage(path)
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    app = build_app(storage, platform, clock, card_interval=interval)
    return Harness(app, storage, platform, clock)


async def _expected_card(h: Harness, idea: int) -> IdeaCard:
    loaded = await load_cards(h.storage, [(h.community, idea)])
    return loaded[(h.community, idea)][2]


async def _storm(h: Harness, idea: int, voters: int) -> None:
    message = await h.card_message(idea)
    for n in range(voters):
        actor = h.member(f"v{n}")
        reply = await h.engine.handle(ReactionAdded(f"storm-{n}", actor, CHANNEL, message, "👍"))
        assert reply.vote == 1, reply


async def _settled(refresher: CardRefresher, limit: float = 20.0) -> None:
    """Wait until no card edit is pending (a safety stop, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while refresher.pending or (refresher._task is not None and not refresher._task.done()):
        assert time.monotonic() < deadline, "card edits never settled"
        await asyncio.sleep(0.02)


async def test_a_reaction_storm_becomes_a_bounded_number_of_exact_edits(tmp_path: Path) -> None:
    platform = MemoryPlatform()
    h = await _harness(tmp_path / "storm.sqlite3", platform, INTERVAL)
    try:
        idea = await h.submit(h.member("alice"), "Oat latte")
        message = await h.card_message(idea)
        started = time.monotonic()
        await _storm(h, idea, STORM)
        elapsed = time.monotonic() - started
        await _settled(h.app.cards, limit=elapsed + 5 * INTERVAL)
        edits = platform.card_edits
        # at most one edit per interval while the storm lasts, plus the trailing one: with a
        # burst that takes a couple of seconds this is the "a handful" (<= 5)
        assert 1 <= edits <= 2 + elapsed / INTERVAL, (edits, elapsed)
        assert edits < STORM / 100
        assert (await h.storage.votes.tally(idea)).up == STORM
        assert platform.cards[message] == await _expected_card(h, idea)
        assert platform.cards[message].tally == f"{STORM:,} votes"
    finally:
        await h.close()


async def test_close_sends_the_edit_still_pending(tmp_path: Path) -> None:
    """Shutdown with an edit queued (votes since the last one): the final tally is shown."""
    platform = MemoryPlatform()
    h = await _harness(tmp_path / "close.sqlite3", platform, 60.0)
    cards = h.app.cards
    try:
        idea = await h.submit(h.member("alice"), "Oat latte")
        message = await h.card_message(idea)
        await _storm(h, idea, 3)
        await cards.flush()
        assert platform.cards[message].tally == "3 votes"
        await _storm_more(h, idea, 3, 5)
        assert cards.pending == 1  # the next edit waits for its interval (a minute here)
        await cards.close()
        assert platform.cards[message].tally == "5 votes" and cards.pending == 0
    finally:
        await h.storage.close()


async def _storm_more(h: Harness, idea: int, start: int, stop: int) -> None:
    message = await h.card_message(idea)
    for n in range(start, stop):
        reply = await h.engine.handle(
            ReactionAdded(f"more-{n}", h.member(f"v{n}"), CHANNEL, message, "👍")
        )
        assert reply.vote == 1


async def test_a_flush_during_a_running_batch_waits_for_it_and_loses_no_edit() -> None:
    """flush() (the console calls it after every line) while the background task is part-way
    through a batch: it must neither cancel that batch (dropping the cards not yet sent, or
    cancelling a storage transaction) nor return before every card is shown."""
    shown: dict[int, int] = {}
    tallies = {1: 5, 2: 7, 3: 9}
    gate, first_sent = asyncio.Event(), asyncio.Event()
    platform = MemoryPlatform()

    async def load(keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str, IdeaCard]]:
        return {(c, i): ("c", f"m{i}", _card(i, tallies[i])) for c, i in keys}

    async def update(community_id: str, channel_id: str, message_id: str, card: IdeaCard) -> None:
        if card.idea_id == 2:
            first_sent.set()
            await gate.wait()  # the background batch is stuck here when flush() comes
        shown[card.idea_id] = int(card.tally)

    platform.update_card = update  # type: ignore[method-assign]
    refresher = CardRefresher(platform, load, interval=0.0)
    for idea_id in (1, 2, 3):
        refresher.request("x", idea_id)
    await first_sent.wait()  # card 1 is sent and the batch now waits on sending card 2
    flushing = asyncio.create_task(refresher.flush())
    await asyncio.sleep(0.05)
    assert not flushing.done() and shown == {1: 5}
    gate.set()
    await flushing
    assert shown == tallies
    await refresher.close()
    assert shown == tallies and refresher.pending == 0


def _card(idea_id: int, tally: int) -> IdeaCard:
    return IdeaCard(idea_id, f"Idea {idea_id}", "", "a", "A", "new", None, str(tally), ("👍",))


async def test_a_storm_on_many_cards_refreshes_them_in_turn() -> None:
    """Hundreds of cards voted on at once: each interval edits at most ``per_interval`` of them,
    the ones waiting longest first, until every card shows its last tally; a card voted on
    again while it waits keeps its place."""
    tallies = dict.fromkeys(range(1, 101), 1)
    rounds: list[list[int]] = [[]]
    platform = MemoryPlatform()

    async def load(keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str, IdeaCard]]:
        rounds.append([])  # one load per interval
        return {(c, i): ("c", f"m{i}", _card(i, tallies[i])) for c, i in keys}

    async def update(community_id: str, channel_id: str, message_id: str, card: IdeaCard) -> None:
        rounds[-1].append(card.idea_id)
        shown[card.idea_id] = int(card.tally)

    shown: dict[int, int] = {}
    platform.update_card = update  # type: ignore[method-assign]
    refresher = CardRefresher(platform, load, interval=0.001, per_interval=30)
    for idea_id in tallies:
        refresher.request("x", idea_id)
    tallies[100] = 2
    refresher.request("x", 100)  # already waiting: keeps its place at the back
    await _settled(refresher)
    sent = [r for r in rounds if r]
    assert [len(r) for r in sent] == [30, 30, 30, 10]
    assert [i for r in sent for i in r] == list(range(1, 101))  # longest waiting first
    assert shown == tallies
    # a flush (the console after each line, shutdown) still sends everything at once
    for idea_id in range(1, 61):
        tallies[idea_id] = 3
        refresher.request("x", idea_id)
    await refresher.flush()
    assert refresher.pending == 0 and shown == tallies
    await refresher.close()
