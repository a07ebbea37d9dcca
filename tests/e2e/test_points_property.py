"""Random orders of point events through the real engine (hypothesis): submit, vote, unvote,
bursts of reactions handled in one batch, withdraw, grant, deduct, redeem, approve, reject,
comment and pick candidates. After every step no balance is below zero, every balance is the
sum of its ledger, no batch was aborted by the schema's check, a withdrawn idea has given back
what it paid its author, and a moderator's pick candidates paid them nothing."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.engine import FAILURE_TEXT, STORAGE_TEXT
from bot.events import Actor, ReactionAdded, ReactionRemoved
from bot.replies import Reply
from tests.harness import CHANNEL, Harness

PEOPLE = ("alice", "bob", "cat", "mod")  # mod is a moderator who also takes part
MODS = ("mod", "mod2")
EMOJIS = ("👍", "👍", "👎")  # up twice as often: up votes pay their author
REWARDS = ("Pin", "Mug")

who = st.sampled_from(PEOPLE)
idea_at = st.integers(0, 2)  # a few ideas, so the same votes come and go
reaction = st.tuples(st.booleans(), who, idea_at, st.sampled_from(EMOJIS))
vote = st.tuples(st.just("vote"), reaction)
burst = st.tuples(st.just("burst"), st.lists(reaction, min_size=2, max_size=8))
spend_all = st.tuples(st.just("spend all"), who)
step = st.one_of(
    # votes and emptied balances weigh more: a reversal that meets spent points is the case
    vote,
    vote,
    burst,
    burst,
    spend_all,
    st.tuples(st.just("submit"), who),
    st.tuples(st.just("candidate")),
    st.tuples(st.just("withdraw"), idea_at),
    st.tuples(st.just("grant"), who, st.integers(1, 30)),
    st.tuples(st.just("deduct"), who, st.integers(1, 30)),
    st.tuples(st.just("redeem"), who, st.sampled_from(REWARDS)),
    st.tuples(st.just("approve"), st.integers(0, 4), st.sampled_from(MODS)),
    st.tuples(st.just("reject"), st.integers(0, 4)),
    st.tuples(st.just("comment"), who, idea_at),
)


class BatchFailures(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


def actor(h: Harness, name: str) -> Actor:
    return h.moderator(name) if name in MODS else h.member(name)


async def reacted(h: Harness, ideas: list[int], item: tuple[bool, str, int, str]) -> Reply:
    added, name, index, emoji = item
    message = await h.card_message(ideas[index % len(ideas)])
    kind = ReactionAdded if added else ReactionRemoved
    return await h.engine.handle(kind(h.event_id(), actor(h, name), CHANNEL, message, emoji))


async def apply(h: Harness, ideas: list[int], todo: tuple[Any, ...]) -> list[Reply]:
    kind = todo[0]
    mod = h.moderator()
    if kind == "submit":
        reply = await h.cmd(actor(h, todo[1]), "idea submit", title=f"Idea {len(ideas)}")
    elif kind == "candidate":
        reply = await h.cmd(mod, "idea submit", title=f"Pick {len(ideas)}", campaign="Pick")
    elif kind == "grant":
        reply = await h.cmd(
            h.moderator("mod2"), "points grant", member=todo[1], amount=todo[2], reason="thanks"
        )
    elif kind == "deduct":
        reply = await h.cmd(mod, "points deduct", member=todo[1], amount=todo[2], reason="oops")
    elif kind == "spend all":  # the member's whole balance is gone (a deduction, as a reward)
        balance = await h.balance(todo[1])
        if not balance:
            return []
        reply = await h.cmd(mod, "points deduct", member=todo[1], amount=balance, reason="spent")
    elif kind == "redeem":
        reply = await h.cmd(actor(h, todo[1]), "rewards redeem", reward=todo[2])
    elif kind in ("approve", "reject"):
        ids = [r[0] for r in await h.db.fetchall("SELECT id FROM redemptions ORDER BY id")]
        if not ids:
            return []
        request = ids[todo[1] % len(ids)]
        if kind == "approve":
            reply = await h.cmd(actor(h, todo[2]), "rewards approve", redemption=request)
        else:
            reply = await h.cmd(mod, "rewards reject", redemption=request)
    elif not ideas:
        return []
    elif kind == "vote":
        reply = await reacted(h, ideas, todo[1])
    elif kind == "burst":  # handled together: the batcher groups them into one batch
        return list(await asyncio.gather(*(reacted(h, ideas, item) for item in todo[1])))
    elif kind == "withdraw":
        idea = ideas[todo[1] % len(ideas)]
        author = await h.db.scalar("SELECT author_id FROM ideas WHERE id = ?", (idea,))
        reply = await h.cmd(actor(h, author), "idea withdraw", idea=idea)
    else:
        reply = await h.comment(actor(h, todo[1]), ideas[todo[2] % len(ideas)])
    if reply.ok and reply.idea_id is not None:
        ideas.append(int(reply.idea_id))
    return [reply]


async def check(h: Harness) -> None:
    db = h.db
    assert await db.scalar("SELECT count(*) FROM balances WHERE balance < 0") == 0
    assert await db.scalar("SELECT count(*) FROM balances WHERE earned < 0") == 0
    assert await h.ledger_matches_balances()
    assert (
        await db.scalar(
            "SELECT count(*) FROM balances b WHERE balance IS NOT (SELECT sum(amount) FROM ledger l"
            " WHERE l.community_id = b.community_id AND l.member_id = b.member_id)"
        )
        == 0
    )
    kept = await db.scalar(  # what a withdrawn idea paid its author is all reversed
        "SELECT count(*) FROM ledger l JOIN ideas i ON l.ref = 'idea:' || i.id"
        " AND l.member_id = i.author_id WHERE i.status = 'withdrawn' AND l.amount > 0"
        " AND l.idem_key NOT LIKE 'reverse:%' AND NOT EXISTS (SELECT 1 FROM ledger r"
        " WHERE r.community_id = l.community_id AND r.idem_key = 'reverse:' || l.idem_key)"
    )
    assert kept == 0
    paid_mod = await db.scalar(  # pick candidates pay the moderator who posted them nothing
        "SELECT count(*) FROM ledger l JOIN ideas i ON l.ref = 'idea:' || i.id"
        " JOIN campaigns c ON c.id = i.campaign_id WHERE c.mode = 'pick'"
        " AND l.member_id = i.author_id"
    )
    assert paid_mod == 0
    assert (
        await db.scalar(
            "SELECT count(*) FROM redemptions WHERE status = 'approved' AND decided_by = member_id"
        )
        == 0
    )


async def run(path: Path, steps: list[tuple[Any, ...]]) -> None:
    failures = BatchFailures()
    batcher_log = logging.getLogger("bot.services.batcher")
    batcher_log.addHandler(failures)
    h = await Harness.create(path)
    try:
        mod = h.moderator()
        for line in ("submission_cooldown_minutes 0", "vote_mode updown", "milestones 2,3"):
            assert (await h.text(mod, f"/cocreate config set {line}")).ok
        assert (await h.cmd(mod, "campaign create", name="Pick", mode="pick")).ok
        assert (await h.cmd(mod, "rewards add", name="Pin", cost=3)).ok
        assert (await h.cmd(mod, "rewards add", name="Mug", cost=12, stock="2")).ok
        ideas = [await h.submit(h.member("alice"), "Seed idea")]
        for todo in steps:
            for reply in await apply(h, ideas, todo):
                assert reply.text not in (FAILURE_TEXT, STORAGE_TEXT), todo
            await check(h)
        assert failures.seen == []
        # what the run exercised (see --hypothesis-show-statistics)
        for label, sql in (
            ("a reversal fell short", "reason LIKE '%not taken back%'"),
            ("an idea was withdrawn", "idem_key LIKE 'reverse:idea:%'"),
            ("a vote was taken back", "idem_key LIKE 'reverse:received:%'"),
            ("a reward was handed out", "rule = 'redemption'"),
        ):
            if await h.db.scalar(f"SELECT count(*) FROM ledger WHERE {sql}"):
                event(label)
    finally:
        batcher_log.removeHandler(failures)
        await h.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=40))
def test_no_order_of_events_breaks_the_points_rules(steps: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory(prefix="cocreate-points-") as tmp:
        asyncio.run(run(Path(tmp) / "points.sqlite3", steps))
