"""The rules people rely on, checked together by a stateful property test (hypothesis).

Random sequences of what members and moderators do — submit, vote, unvote, merge, withdraw,
close, redeem, approve, reject, grant, deduct, answer an anonymous prompt — run through the real
engine on a real SQLite file. After every step:

- no balance is below zero, and every balance is the sum of its ledger entries;
- nobody holds a vote on their own idea;
- a closed round's votes, tallies, results and the points its ideas paid never change;
- the anonymous prompt's answers cannot be linked to a member in the export;
- moderators have not paid themselves (no grant to oneself, no approval of one's own request).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from storage.sqlite.export import export_tables
from tests.harness import Harness

MEMBERS = ("alice", "bob", "carol", "dan")
MODERATORS = ("mod", "mod2")
PEOPLE = MEMBERS + MODERATORS
CAMPAIGNS = ("Spring", "Summer", "Autumn")
EMOJIS = ("👍", "👎")  # updown voting: a support and an objection


async def _closed_snapshot(h: Harness, campaign_id: int) -> dict[str, Any]:
    """Everything a closed round must keep: its ideas' votes, tallies, points and results."""
    ideas = [
        r[0]
        for r in await h.db.fetchall(
            "SELECT id FROM ideas WHERE campaign_id = ? ORDER BY id", (campaign_id,)
        )
    ]
    refs = [f"idea:{i}" for i in ideas]
    marks = ",".join("?" * len(refs)) or "NULL"
    votes = await h.db.fetchall(
        f"SELECT idea_id, voter_id, value, emoji FROM votes WHERE idea_id IN ({marks})"
        " ORDER BY idea_id, voter_id",
        tuple(ideas),
    )
    ledger = await h.db.fetchall(
        f"SELECT id, member_id, amount, rule FROM ledger WHERE ref IN ({marks}) ORDER BY id",
        tuple(refs),
    )
    results = await h.db.fetchall(
        "SELECT number, results, closed_at FROM rounds WHERE campaign_id = ? ORDER BY number",
        (campaign_id,),
    )
    return {
        "votes": [tuple(r) for r in votes],
        "tallies": [await h.storage.votes.tally(i) for i in ideas],
        "ledger": [tuple(r) for r in ledger],
        "results": [tuple(r) for r in results],
    }


class CommunityRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.mkdtemp(prefix="cocreate-rules-")
        self.h: Harness = self.run(Harness.create(Path(self.tmp) / "rules.sqlite3"))
        self.ideas: list[int] = []
        self.campaigns: dict[str, int] = {}
        self.closed: dict[int, dict[str, Any]] = {}
        self.redemptions: list[int] = []
        self.titles = 0
        self.run(self._setup())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _setup(self) -> None:
        h = self.h
        mod = h.moderator()
        for line in (
            "submission_cooldown_minutes 0",
            "vote_mode updown",
            "milestones 2,3",
            "moderator_role mods",
        ):
            reply = await h.text(mod, f"/cocreate config set {line}")
            assert reply.ok, reply.text
        for name in CAMPAIGNS:
            reply = await h.cmd(mod, "campaign create", name=name, mode="board")
            assert reply.ok, reply.text
        rows = await h.db.fetchall("SELECT id, name FROM campaigns")
        self.campaigns = {r["name"]: r["id"] for r in rows}
        reply = await h.cmd(mod, "rewards add", name="Mug", cost=3)
        assert reply.ok, reply.text
        reply = await h.cmd(
            mod, "prompt create", kind="rating", question="How was it?", anonymous=True
        )
        assert reply.ok, reply.text
        self.prompt = int(reply.prompt_id)

    def actor(self, name: str) -> Any:
        if name in MODERATORS:
            return self.h.member(name, roles={"mods"})
        return self.h.member(name)

    def teardown(self) -> None:
        try:
            self.run(self.h.close())
        finally:
            self.loop.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    async def _live_idea(self, index: int) -> int | None:
        if not self.ideas:
            return None
        return self.ideas[index % len(self.ideas)]

    # -- what people do -----------------------------------------------------------------
    @rule(author=st.sampled_from(PEOPLE), campaign=st.sampled_from(CAMPAIGNS))
    def submit(self, author: str, campaign: str) -> None:
        self.titles += 1
        reply = self.run(
            self.h.cmd(
                self.actor(author),
                "idea submit",
                title=f"Idea {self.titles}",
                description="",
                campaign=campaign,
            )
        )
        if reply.ok:
            self.ideas.append(int(reply.idea_id))

    @precondition(lambda self: self.ideas)
    @rule(voter=st.sampled_from(PEOPLE), index=st.integers(0, 50), emoji=st.sampled_from(EMOJIS))
    def vote(self, voter: str, index: int, emoji: str) -> None:
        idea = self.ideas[index % len(self.ideas)]
        self.run(self.h.react(self.actor(voter), idea, emoji))

    @precondition(lambda self: self.ideas)
    @rule(voter=st.sampled_from(PEOPLE), index=st.integers(0, 50), emoji=st.sampled_from(EMOJIS))
    def unvote(self, voter: str, index: int, emoji: str) -> None:
        idea = self.ideas[index % len(self.ideas)]
        self.run(self.h.unreact(self.actor(voter), idea, emoji))

    @precondition(lambda self: len(self.ideas) >= 2)
    @rule(moderator=st.sampled_from(MODERATORS), a=st.integers(0, 50), b=st.integers(0, 50))
    def merge(self, moderator: str, a: int, b: int) -> None:
        dup, into = self.ideas[a % len(self.ideas)], self.ideas[b % len(self.ideas)]
        self.run(self.h.cmd(self.actor(moderator), "idea merge", duplicate=dup, into=into))

    @precondition(lambda self: self.ideas)
    @rule(author=st.sampled_from(PEOPLE), index=st.integers(0, 50))
    def withdraw(self, author: str, index: int) -> None:
        idea = self.ideas[index % len(self.ideas)]
        self.run(self.h.cmd(self.actor(author), "idea withdraw", idea=idea))

    @rule(moderator=st.sampled_from(MODERATORS), campaign=st.sampled_from(CAMPAIGNS))
    def close(self, moderator: str, campaign: str) -> None:
        reply = self.run(self.h.cmd(self.actor(moderator), "campaign close", name=campaign))
        campaign_id = self.campaigns[campaign]
        if reply.ok and campaign_id not in self.closed:
            self.run(self.h.app.cards.flush())
            self.closed[campaign_id] = self.run(_closed_snapshot(self.h, campaign_id))

    @rule(member=st.sampled_from(PEOPLE))
    def redeem(self, member: str) -> None:
        reply = self.run(self.h.cmd(self.actor(member), "rewards redeem", reward="Mug"))
        if reply.ok:
            row = self.run(self.h.db.fetchone("SELECT max(id) AS id FROM redemptions"))
            self.redemptions.append(int(row["id"]))

    @precondition(lambda self: self.redemptions)
    @rule(moderator=st.sampled_from(MODERATORS), index=st.integers(0, 50))
    def approve(self, moderator: str, index: int) -> None:
        redemption = self.redemptions[index % len(self.redemptions)]
        self.run(self.h.cmd(self.actor(moderator), "rewards approve", redemption=redemption))

    @precondition(lambda self: self.redemptions)
    @rule(moderator=st.sampled_from(MODERATORS), index=st.integers(0, 50))
    def reject(self, moderator: str, index: int) -> None:
        redemption = self.redemptions[index % len(self.redemptions)]
        self.run(self.h.cmd(self.actor(moderator), "rewards reject", redemption=redemption))

    @rule(
        moderator=st.sampled_from(MODERATORS),
        member=st.sampled_from(PEOPLE),
        amount=st.integers(1, 40),
    )
    def grant(self, moderator: str, member: str, amount: int) -> None:
        self.run(
            self.h.cmd(
                self.actor(moderator),
                "points grant",
                member=member,
                amount=amount,
                reason="thanks",
            )
        )

    @rule(
        moderator=st.sampled_from(MODERATORS),
        member=st.sampled_from(PEOPLE),
        amount=st.integers(1, 40),
    )
    def deduct(self, moderator: str, member: str, amount: int) -> None:
        self.run(
            self.h.cmd(
                self.actor(moderator),
                "points deduct",
                member=member,
                amount=amount,
                reason="correction",
            )
        )

    @rule(member=st.sampled_from(PEOPLE), value=st.integers(1, 5))
    def answer(self, member: str, value: int) -> None:
        self.run(self.h.answer(self.actor(member), self.prompt, str(value)))

    # -- the rules ------------------------------------------------------------------------
    @invariant()
    def no_balance_below_zero(self) -> None:
        lowest = self.run(self.h.db.scalar("SELECT min(balance) FROM balances"))
        assert lowest is None or lowest >= 0, f"a balance went below zero: {lowest}"

    @invariant()
    def balances_are_the_ledger(self) -> None:
        rows = self.run(
            self.h.db.fetchall(
                "SELECT b.member_id, b.balance, s.total FROM balances b"
                " FULL OUTER JOIN (SELECT community_id, member_id, sum(amount) AS total"
                " FROM ledger GROUP BY community_id, member_id) s"
                " USING (community_id, member_id) WHERE b.balance IS NOT s.total"
            )
        )
        assert [tuple(r) for r in rows] == []

    @invariant()
    def nobody_votes_for_their_own_idea(self) -> None:
        rows = self.run(
            self.h.db.fetchall(
                "SELECT v.idea_id, v.voter_id FROM votes v JOIN ideas i ON i.id = v.idea_id"
                " WHERE v.voter_id = i.author_id"
            )
        )
        assert [tuple(r) for r in rows] == []

    @invariant()
    def closed_rounds_stay_closed(self) -> None:
        if not self.closed:
            return
        self.run(self.h.app.cards.flush())
        for campaign_id, snapshot in self.closed.items():
            assert self.run(_closed_snapshot(self.h, campaign_id)) == snapshot

    @invariant()
    def moderators_do_not_pay_themselves(self) -> None:
        grants = self.run(
            self.h.db.fetchall(
                "SELECT member_id FROM ledger WHERE actor_id = member_id AND amount > 0"
            )
        )
        assert [tuple(r) for r in grants] == []
        approvals = self.run(
            self.h.db.fetchall(
                "SELECT id FROM redemptions WHERE status = 'approved' AND decided_by = member_id"
            )
        )
        assert [tuple(r) for r in approvals] == []

    @invariant()
    def anonymous_answers_cannot_be_linked(self) -> None:
        tables = self.run(export_tables(self.h.db, self.h.community))
        answered_at = set()
        for row in tables["responses"]:
            if int(row["prompt_id"]) != self.prompt:
                continue
            for value in row.values():
                assert not any(name in str(value) for name in PEOPLE), row
            answered_at.update(str(row.get(k) or "") for k in ("created_at", "updated_at"))
        answered_at.discard("")
        for row in tables["ledger"]:
            text = " ".join(str(row.get(k) or "") for k in ("ref", "idem_key", "reason"))
            assert f"prompt:{self.prompt}" not in text, row
            assert f"feedback:{self.prompt}:" not in text, row
            assert str(row.get("created_at") or "") not in answered_at, row


CommunityRules.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_community_rules = CommunityRules.TestCase
