"""A closed round is final and nobody votes for their own idea, whatever happens (hypothesis).

Random sequences of reaction adds and removes, merges (into, out of and within a campaign),
withdrawals, recounts, a change of voting and the campaign's close run through the real
engine. After every step: no vote row has its idea's author as voter, balances equal the
ledger, and once the round closed, its ideas' votes, tallies and every ledger entry about them
are exactly what they were at the close.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults.util import ledger_mismatches
from tests.harness import Harness

AUTHORS = ("alice", "bob", "carol", "dan")  # dan's idea is a general one (no campaign)
VOTERS = (*AUTHORS, "erin")
EMOJIS = ("👍", "👎", "5️⃣")
IDEAS = len(AUTHORS)

Step = tuple[Any, ...]

steps = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(("react", "unreact")),
            st.sampled_from(VOTERS),
            st.integers(0, IDEAS - 1),
            st.sampled_from(EMOJIS),
        ),
        st.tuples(st.just("merge"), st.integers(0, IDEAS - 1), st.integers(0, IDEAS - 1)),
        st.tuples(st.just("withdraw"), st.integers(0, IDEAS - 1)),
        st.tuples(st.just("recount"), st.integers(0, IDEAS - 1)),
        st.tuples(st.just("mode"), st.sampled_from(("up", "updown", "scale"))),
        st.tuples(st.just("close")),
    ),
    min_size=1,
    max_size=25,
)


async def frozen(h: Harness, ideas: list[int]) -> tuple[Any, ...]:
    marks = ",".join("?" * len(ideas))
    refs = [f"idea:{i}" for i in ideas]
    votes = await h.db.fetchall(f"SELECT * FROM votes WHERE idea_id IN ({marks})", ideas)
    tallies = await h.db.fetchall(f"SELECT * FROM idea_tallies WHERE idea_id IN ({marks})", ideas)
    ledger = await h.db.fetchall(f"SELECT * FROM ledger WHERE ref IN ({marks})", refs)
    return tuple(sorted((tuple(r) for r in rows), key=repr) for rows in (votes, tallies, ledger))


async def self_votes(h: Harness) -> list[Any]:
    rows = await h.db.fetchall(
        "SELECT v.idea_id, v.voter_id FROM votes v JOIN ideas i ON i.id = v.idea_id"
        " WHERE v.voter_id = i.author_id"
    )
    return [tuple(r) for r in rows]


async def run(path: Path, sequence: list[Step]) -> None:
    h = await Harness.create(path)
    try:
        mod = h.moderator()
        for line in ("submission_cooldown_minutes 0", "vote_mode updown", "milestones 1,2"):
            assert (await h.text(mod, f"/cocreate config set {line}")).ok
        assert (await h.cmd(mod, "campaign create", name="Cup")).ok
        ideas = [
            await h.submit(h.member(name), f"Idea {name}", campaign="Cup") for name in AUTHORS[:3]
        ]
        assert (await h.cmd(mod, "campaign vote", name="Cup")).ok
        ideas.append(await h.submit(h.member(AUTHORS[3]), "General idea"))
        in_round = ideas[:3]
        at_close: tuple[Any, ...] | None = None
        for step in sequence:
            match step:
                case ("react", voter, idea, emoji):
                    await h.react(h.member(voter), ideas[idea], emoji)
                case ("unreact", voter, idea, emoji):
                    await h.unreact(h.member(voter), ideas[idea], emoji)
                case ("merge", dup, into):
                    await h.cmd(mod, "idea merge", duplicate=ideas[dup], into=ideas[into])
                case ("withdraw", idea):
                    await h.cmd(h.member(AUTHORS[idea]), "idea withdraw", idea=ideas[idea])
                case ("recount", idea):
                    await h.app.services.voting.recount(h.app.services, h.community, ideas[idea])
                case ("mode", mode):
                    await h.text(mod, f"/cocreate config set vote_mode {mode}")
                case ("close",):
                    if at_close is None:
                        assert (await h.cmd(mod, "campaign close", name="Cup")).ok
                        at_close = await frozen(h, in_round)
            assert await self_votes(h) == [], step
            assert await ledger_mismatches(h.db) == [], step
            if at_close is not None:
                assert await frozen(h, in_round) == at_close, step
    finally:
        await h.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=steps)
def test_closed_round_never_changes_and_nobody_votes_for_their_own_idea(
    sequence: list[Step],
) -> None:
    with tempfile.TemporaryDirectory(prefix="cocreate-final-") as tmp:
        asyncio.run(run(Path(tmp) / "final.sqlite3", sequence))
