"""Replays and duplicates (a Discord resume, a Slack retry) never count twice: any sequence of
reaction adds and removes, with deliveries repeated at random later points under the same event
id, ends in exactly the votes and ledger of the same sequence delivered once (hypothesis)."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults.util import ledger_mismatches
from tests.harness import Harness

VOTERS = ("alice", "bob", "carol", "dan")  # alice and bob are also authors: self-votes refused
EMOJIS = ("👍", "👎", "🦄")  # an up, a down (updown mode) and one that is not a vote
IDEAS = 2


@dataclass(frozen=True)
class Delivery:
    event_id: str
    added: bool
    voter: str
    idea: int  # 0-based index into the seeded ideas
    emoji: str


deliveries = st.lists(
    st.tuples(
        st.booleans(),
        st.sampled_from(VOTERS),
        st.integers(0, IDEAS - 1),
        st.sampled_from(EMOJIS),
    ),
    min_size=1,
    max_size=30,
).map(lambda items: [Delivery(f"ev-{n}", *item) for n, item in enumerate(items)])


@st.composite
def with_replays(draw: st.DrawFn) -> tuple[list[Delivery], list[Delivery]]:
    """The sequence, and the same sequence with earlier deliveries repeated later on."""
    once = draw(deliveries)
    replayed = list(once)
    for _ in range(draw(st.integers(1, 15))):
        position = draw(st.integers(1, len(replayed)))
        earlier = draw(st.sampled_from(replayed[:position]))
        replayed.insert(position, earlier)
    return once, replayed


async def outcome(path: Path, sequence: list[Delivery]) -> dict[str, Any]:
    h = await Harness.create(path)
    try:
        mod = h.moderator()
        for line in ("submission_cooldown_minutes 0", "vote_mode updown", "milestones 2,3"):
            assert (await h.text(mod, f"/cocreate config set {line}")).ok
        ideas = [await h.submit(h.member(name), f"Idea {name}") for name in VOTERS[:IDEAS]]
        for d in sequence:
            actor = h.member(d.voter)
            if d.added:
                await h.react(actor, ideas[d.idea], d.emoji, event_id=d.event_id)
            else:
                await h.unreact(actor, ideas[d.idea], d.emoji, event_id=d.event_id)
        await h.app.cards.flush()
        assert await ledger_mismatches(h.db) == []
        votes = await h.db.fetchall(
            "SELECT idea_id, voter_id, value, emoji, cast_key, received_key FROM votes"
        )
        ledger = await h.db.fetchall(
            "SELECT member_id, rule, idem_key, amount FROM ledger ORDER BY idem_key"
        )
        sums = await h.db.fetchall(
            "SELECT member_id, sum(amount) FROM ledger GROUP BY member_id ORDER BY member_id"
        )
        return {
            "votes": sorted(tuple(r) for r in votes),
            "ledger": [tuple(r) for r in ledger],
            "sums": [tuple(r) for r in sums],
            "tallies": [await h.storage.votes.tally(i) for i in ideas],
            "claimed": await h.db.scalar("SELECT count(*) FROM processed_events"),
        }
    finally:
        await h.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=with_replays())
def test_replayed_deliveries_end_in_the_same_votes_and_ledger(
    pair: tuple[list[Delivery], list[Delivery]],
) -> None:
    once, replayed = pair
    assert len(replayed) > len(once)
    with tempfile.TemporaryDirectory(prefix="cocreate-replay-") as tmp:
        expected = asyncio.run(outcome(Path(tmp) / "once.sqlite3", once))
        actual = asyncio.run(outcome(Path(tmp) / "replayed.sqlite3", replayed))
    assert actual == expected
