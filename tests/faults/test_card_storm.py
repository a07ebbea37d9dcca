"""A reaction storm on one card is coalesced into a few edits, and a platform's "429, retry
after X" is waited out without ever losing the final edit (bot/services/delivery.py)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adapters.memory.platform import MemoryPlatform
from bot.app import build_app
from bot.clock import FakeClock
from bot.errors import RateLimited
from bot.events import ReactionAdded
from bot.replies import IdeaCard
from bot.services.delivery import CardRefresher
from tests.harness import CHANNEL, Harness, open_test_storage

STORM = 1000
INTERVAL = 1.0  # what a real deployment uses: Discord allows about 5 edits per 5 s per channel
RETRY_AFTER = 0.3


@dataclass
class ThrottledPlatform(MemoryPlatform):
    """Answers the first ``limited`` card edits with 429 and records when each edit came."""

    limited: int = 0
    attempts: list[tuple[float, bool]] = field(default_factory=list)

    async def update_card(
        self, community_id: str, channel_id: str, message_id: str, card: IdeaCard
    ) -> None:
        now = asyncio.get_running_loop().time()
        if self.limited > 0:
            self.limited -= 1
            self.attempts.append((now, False))
            raise RateLimited(RETRY_AFTER)
        self.attempts.append((now, True))
        await super().update_card(community_id, channel_id, message_id, card)


async def _harness(path: Path, platform: MemoryPlatform, interval: float) -> Harness:
    storage = await open_test_storage(path)
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    app = build_app(storage, platform, clock, card_interval=interval)
    return Harness(app, storage, platform, clock)


async def _expected_card(h: Harness, idea: int) -> IdeaCard:
    loaded = await h.app.services.ideas.cards_for_refresh([(h.community, idea)])
    return loaded[(h.community, idea)][2]


async def _storm(h: Harness, idea: int, voters: int) -> None:
    message = await h.card_message(idea)
    for n in range(voters):
        actor = h.member(f"v{n}")
        reply = await h.engine.handle(ReactionAdded(f"storm-{n}", actor, CHANNEL, message, "👍"))
        assert reply.extra.get("vote") == "1", reply


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
        await _settled(h.app.services.cards, limit=elapsed + 5 * INTERVAL)
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


async def test_rate_limited_edits_wait_retry_after_and_the_last_tally_is_exact(
    tmp_path: Path,
) -> None:
    platform = ThrottledPlatform(limited=3)
    h = await _harness(tmp_path / "throttled.sqlite3", platform, 0.05)
    try:
        idea = await h.submit(h.member("alice"), "Oat latte")
        message = await h.card_message(idea)
        await _storm(h, idea, 200)
        await _settled(h.app.services.cards)
        refused = [t for t, ok in platform.attempts if not ok]
        assert len(refused) == 3 and h.app.services.cards.rate_limited == 3
        # after every 429 the next attempt came no sooner than the retry-after it was given
        for (at, ok), (next_at, _) in zip(platform.attempts, platform.attempts[1:], strict=False):
            if not ok:
                assert next_at - at >= RETRY_AFTER - 0.02, platform.attempts
        assert platform.attempts[-1][1] is True
        assert platform.cards[message].tally == "200 votes"
        assert platform.cards[message] == await _expected_card(h, idea)
    finally:
        await h.close()


async def test_flush_during_a_rate_limit_waits_and_close_sends_the_final_edit(
    tmp_path: Path,
) -> None:
    platform = ThrottledPlatform(limited=1)
    h = await _harness(tmp_path / "close.sqlite3", platform, 0.05)
    cards = h.app.services.cards
    try:
        idea = await h.submit(h.member("alice"), "Oat latte")
        message = await h.card_message(idea)
        await _storm(h, idea, 3)
        await cards.flush()  # the first edit is refused: 429, retry after 0.3 s
        assert platform.attempts == [(platform.attempts[0][0], False)]
        await _storm_more(h, idea, 3, 5)
        await cards.flush()  # still inside the wait: nothing may be sent
        assert len(platform.attempts) == 1 and cards.pending == 1
        await cards.close()  # shutdown waits the rest of the retry-after, then sends
        assert [ok for _, ok in platform.attempts] == [False, True]
        assert platform.attempts[1][0] - platform.attempts[0][0] >= RETRY_AFTER - 0.02
        assert platform.cards[message].tally == "5 votes" and cards.pending == 0
    finally:
        await h.storage.close()


async def _storm_more(h: Harness, idea: int, start: int, stop: int) -> None:
    message = await h.card_message(idea)
    for n in range(start, stop):
        reply = await h.engine.handle(
            ReactionAdded(f"more-{n}", h.member(f"v{n}"), CHANNEL, message, "👍")
        )
        assert reply.extra.get("vote") == "1"


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
