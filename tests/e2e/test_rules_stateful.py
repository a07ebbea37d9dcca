"""The rules people rely on, checked together by one stateful property test (hypothesis).

Random sequences of what members, moderators and platforms do — submit, vote, unvote, bursts of
reactions handled together (one vote batch), comment, merge (aimed too: into an idea whose author
voted for the duplicate), withdraw, recount, change the vote mode, open a contest's voting,
close, set an idea's status, redeem (stock too), approve, reject, grant, deduct, spend a whole
balance, post pick candidates, answer an anonymous prompt, let time pass — and redeliveries of
any earlier event under its id (a Discord resume, a Slack retry) run through the real engine on a
real SQLite file. After every step:

- no reply is the internal-error text, and no vote batch was aborted;
- a redelivered event changes nothing at all (so any sequence with replays ends exactly where the
  same sequence delivered once ends);
- no balance or earned total is below zero; every balance is the sum of its ledger entries and
  every earned total the sum of its entries other than redemptions;
- nobody holds a vote on their own idea, and no vote stays on a merged idea;
- a reversal never goes the original's way, nor takes back more than the original; a withdrawn
  idea has given back what it paid its author;
- a closed round's votes, tallies, results and the points its ideas paid never change;
- the anonymous prompt's answers cannot be linked to a member in the export;
- moderators have not paid themselves (no grant to oneself, no approval of one's own request)
  and pick candidates a moderator posts pay them nothing.

It replaces the separate replay, closed-round and points generators (tests/faults/
test_replay_property.py, tests/faults/test_votes_final_property.py,
tests/e2e/test_points_property.py): one machine exercises their steps together.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.engine import FAILURE_TEXT, STORAGE_TEXT
from bot.replies import Reply
from storage.sqlite.export import export_tables
from tests.faults.util import dump
from tests.harness import Harness

MEMBERS = ("alice", "bob", "carol", "dan")
MODERATORS = ("mod", "mod2")
PEOPLE = MEMBERS + MODERATORS
BOARDS = ("Spring", "Summer", "Autumn")
CONTEST = "Cup"  # a contest: submissions, then a voting phase a moderator opens, then the close
PICK = "Pick"  # moderators post the candidates; members pick
CAMPAIGNS = (*BOARDS, CONTEST)
# a support and an objection (updown), a scale vote, and an emoji that is no vote at all
EMOJIS = ("👍", "👍", "👎", "3️⃣", "🦄")
VOTE_MODES = ("up", "updown", "scale")
STATUSES = ("under_review", "planned", "in_progress", "shipped", "declined", "new")
INTERNAL = (FAILURE_TEXT, STORAGE_TEXT)
# (added?, who, which idea, emoji): adds outnumber removals, so votes build up
REACTION = st.tuples(
    st.sampled_from((True, True, False)),
    st.sampled_from(PEOPLE),
    st.integers(0, 50),
    st.sampled_from(EMOJIS),
)


class BatchFailures(logging.Handler):
    """What the vote batcher logs when a batch is aborted (there should be nothing)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


async def _recount(h: Harness, idea: int) -> None:
    """The card's reactions read back from the platform (what a restart or a close does)."""
    await h.app.voting.recount(h.community, idea)


async def _everything(h: Harness) -> tuple[Any, ...]:
    """Every row of every table, and what the platform shows."""
    await h.app.cards.flush()
    cards = {m: repr(c) for m, c in h.platform.cards.items()}
    return await dump(h), cards


RESULT_RULES = "'vote_cast', 'vote_received', 'milestone_reached', 'round_winner'"


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
        f"SELECT * FROM votes WHERE idea_id IN ({marks}) ORDER BY idea_id, voter_id",
        tuple(ideas),
    )
    tallies = await h.db.fetchall(
        f"SELECT * FROM idea_tallies WHERE idea_id IN ({marks}) ORDER BY idea_id", tuple(ideas)
    )
    # the points the round's votes and results paid (a comment in an idea's thread after the
    # close is new activity, not a change to the round, and still earns)
    ledger = await h.db.fetchall(
        f"SELECT * FROM ledger WHERE ref IN ({marks}) AND rule IN ({RESULT_RULES}) ORDER BY id",
        tuple(refs),
    )
    results = await h.db.fetchall(
        "SELECT number, results, closed_at FROM rounds WHERE campaign_id = ? ORDER BY number",
        (campaign_id,),
    )
    return {
        "votes": [tuple(r) for r in votes],
        "tallies": [await h.storage.votes.tally(i) for i in ideas],
        "tally_rows": [tuple(r) for r in tallies],
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
        self.answers_to_check = True  # the export is read again after answers (and replays)
        self.failures = BatchFailures()
        logging.getLogger("bot.services.batcher").addHandler(self.failures)
        self.run(self._setup())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def act(self, coro: Any) -> Reply:
        """Run one action; whatever it is, the reply is never the internal-error text."""
        reply: Reply = self.run(coro)
        assert reply.text not in INTERNAL, reply
        return reply

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
        for author in ("alice", "bob"):  # ideas outside every campaign (none is open yet)
            self.ideas.append(await h.submit(self.actor(author), f"General idea {author}"))
        for name in BOARDS:
            reply = await h.cmd(mod, "campaign create", name=name, mode="board")
            assert reply.ok, reply.text
        for name, mode in ((CONTEST, "contest"), (PICK, "pick")):
            reply = await h.cmd(mod, "campaign create", name=name, mode=mode)
            assert reply.ok, reply.text
        rows = await h.db.fetchall("SELECT id, name FROM campaigns")
        self.campaigns = {r["name"]: r["id"] for r in rows}
        for name, cost, stock in (("Mug", 3, None), ("Hoodie", 12, "2")):
            options = {"stock": stock} if stock else {}
            reply = await h.cmd(mod, "rewards add", name=name, cost=cost, **options)
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
            logging.getLogger("bot.services.batcher").removeHandler(self.failures)
            self.run(self.h.close())
        finally:
            self.loop.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _kept(self, reply: Reply) -> None:
        if reply.ok and reply.idea_id is not None:
            self.ideas.append(reply.idea_id)

    # -- what people do -----------------------------------------------------------------
    @rule(author=st.sampled_from(PEOPLE), campaign=st.sampled_from(CAMPAIGNS))
    def submit(self, author: str, campaign: str) -> None:
        self.titles += 1
        reply = self.act(
            self.h.cmd(
                self.actor(author),
                "idea submit",
                title=f"Idea {self.titles}",
                description="",
                campaign=campaign,
            )
        )
        self._kept(reply)

    @rule(moderator=st.sampled_from(MODERATORS))
    def post_candidate(self, moderator: str) -> None:
        self.titles += 1
        reply = self.act(
            self.h.cmd(
                self.actor(moderator), "idea submit", title=f"Pick {self.titles}", campaign=PICK
            )
        )
        self._kept(reply)

    @precondition(lambda self: self.ideas)
    @rule(reactions=st.lists(REACTION, min_size=1, max_size=5))
    def react(self, reactions: list[tuple[bool, str, int, str]]) -> None:
        """Members add and remove reactions, one after the other (what they do most)."""
        for added, who, index, emoji in reactions:
            idea = self.ideas[index % len(self.ideas)]
            move = self.h.react if added else self.h.unreact
            self.act(move(self.actor(who), idea, emoji))

    # hypothesis draws among the rules evenly; reacting is most of what members do, so it is
    # drawn as often as three rules
    react_again = react
    react_once_more = react

    @precondition(lambda self: self.ideas)
    @rule(reactions=st.lists(REACTION, min_size=2, max_size=8))
    def burst(self, reactions: list[tuple[bool, str, int, str]]) -> None:
        """Reactions arriving together: the batcher handles them as one vote batch."""
        h = self.h
        moves = [
            (h.react if added else h.unreact)(
                self.actor(who), self.ideas[index % len(self.ideas)], emoji
            )
            for added, who, index, emoji in reactions
        ]

        async def together() -> list[Reply]:
            return list(await asyncio.gather(*moves))

        for reply in self.run(together()):
            assert reply.text not in INTERNAL, reply

    @precondition(lambda self: self.ideas)
    @rule(index=st.integers(0, 50))
    def take_back_a_vote(self, index: int) -> None:
        """Aimed: a vote that exists is taken back (random unvotes rarely find one)."""
        rows = self.run(self.h.db.fetchall("SELECT idea_id, voter_id, emoji FROM votes"))
        if rows:
            idea, voter, emoji = rows[index % len(rows)]
            self.act(self.h.unreact(self.actor(voter), idea, emoji))

    @precondition(lambda self: self.ideas)
    @rule(member=st.sampled_from(PEOPLE), index=st.integers(0, 50))
    def comment(self, member: str, index: int) -> None:
        idea = self.ideas[index % len(self.ideas)]
        stored = self.run(self.h.storage.ideas.get(self.h.community, idea))
        if stored is not None and stored.thread_id is not None:
            self.act(self.h.comment(self.actor(member), idea))

    @precondition(lambda self: len(self.ideas) >= 2)
    @rule(moderator=st.sampled_from(MODERATORS), a=st.integers(0, 50), b=st.integers(0, 50))
    def merge(self, moderator: str, a: int, b: int) -> None:
        dup, into = self.ideas[a % len(self.ideas)], self.ideas[b % len(self.ideas)]
        self.act(self.h.cmd(self.actor(moderator), "idea merge", duplicate=dup, into=into))

    @precondition(lambda self: len(self.ideas) >= 2)
    @rule(moderator=st.sampled_from(MODERATORS), index=st.integers(0, 50))
    def merge_into_a_voters_idea(self, moderator: str, index: int) -> None:
        """Aimed: a duplicate merged into an idea whose author voted for the duplicate (the
        moved vote would be a self-vote)."""
        rows = self.run(
            self.h.db.fetchall(
                "SELECT v.idea_id, i.id FROM votes v JOIN ideas i ON i.author_id = v.voter_id"
                " AND i.id <> v.idea_id ORDER BY v.idea_id, i.id"
            )
        )
        if rows:
            dup, into = rows[index % len(rows)]
            self.act(self.h.cmd(self.actor(moderator), "idea merge", duplicate=dup, into=into))

    @precondition(lambda self: self.ideas)
    @rule(author=st.sampled_from(PEOPLE), index=st.integers(0, 50))
    def withdraw(self, author: str, index: int) -> None:
        idea = self.ideas[index % len(self.ideas)]
        self.act(self.h.cmd(self.actor(author), "idea withdraw", idea=idea))

    @precondition(lambda self: self.ideas)
    @rule(index=st.integers(0, 50))
    def withdraw_own(self, index: int) -> None:
        """Aimed: the author withdraws (what their idea earned must be given back)."""
        idea = self.ideas[index % len(self.ideas)]
        author = self.run(self.h.db.scalar("SELECT author_id FROM ideas WHERE id = ?", (idea,)))
        self.act(self.h.cmd(self.actor(author), "idea withdraw", idea=idea))

    @precondition(lambda self: self.ideas)
    @rule(index=st.integers(0, 50))
    def recount(self, index: int) -> None:
        self.run(_recount(self.h, self.ideas[index % len(self.ideas)]))

    @rule(mode=st.sampled_from(VOTE_MODES))
    def vote_mode(self, mode: str) -> None:
        self.act(self.h.text(self.h.moderator(), f"/cocreate config set vote_mode {mode}"))

    @precondition(lambda self: self.ideas)
    @rule(
        moderator=st.sampled_from(MODERATORS),
        index=st.integers(0, 50),
        status=st.sampled_from(STATUSES),
    )
    def set_status(self, moderator: str, index: int, status: str) -> None:
        idea = self.ideas[index % len(self.ideas)]
        reason = "not now" if status == "declined" else ""
        self.act(
            self.h.cmd(
                self.actor(moderator), "idea status", idea=idea, status=status, reason=reason
            )
        )

    @rule(moderator=st.sampled_from(MODERATORS))
    def open_voting(self, moderator: str) -> None:
        self.act(self.h.cmd(self.actor(moderator), "campaign vote", name=CONTEST))

    @rule(moderator=st.sampled_from(MODERATORS), campaign=st.sampled_from(CAMPAIGNS))
    def close(self, moderator: str, campaign: str) -> None:
        reply = self.act(self.h.cmd(self.actor(moderator), "campaign close", name=campaign))
        campaign_id = self.campaigns[campaign]
        if reply.ok and campaign_id not in self.closed:
            self.run(self.h.app.cards.flush())
            self.closed[campaign_id] = self.run(_closed_snapshot(self.h, campaign_id))

    close_another = close  # closes come often enough that votes meet closed rounds

    @rule(minutes=st.integers(1, 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.h.clock.advance(timedelta(minutes=minutes))

    @rule(member=st.sampled_from(PEOPLE), reward=st.sampled_from(("Mug", "Hoodie")))
    def redeem(self, member: str, reward: str) -> None:
        reply = self.act(self.h.cmd(self.actor(member), "rewards redeem", reward=reward))
        if reply.ok:
            row = self.run(self.h.db.fetchone("SELECT max(id) AS id FROM redemptions"))
            self.redemptions.append(int(row["id"]))

    @precondition(lambda self: self.redemptions)
    @rule(moderator=st.sampled_from(MODERATORS), index=st.integers(0, 50))
    def approve(self, moderator: str, index: int) -> None:
        redemption = self.redemptions[index % len(self.redemptions)]
        self.act(self.h.cmd(self.actor(moderator), "rewards approve", redemption=redemption))

    @precondition(lambda self: self.redemptions)
    @rule(moderator=st.sampled_from(MODERATORS), index=st.integers(0, 50))
    def reject(self, moderator: str, index: int) -> None:
        redemption = self.redemptions[index % len(self.redemptions)]
        self.act(self.h.cmd(self.actor(moderator), "rewards reject", redemption=redemption))

    @rule(
        moderator=st.sampled_from(MODERATORS),
        member=st.sampled_from(PEOPLE),
        amount=st.integers(1, 40),
    )
    def grant(self, moderator: str, member: str, amount: int) -> None:
        self.act(
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
        self.act(
            self.h.cmd(
                self.actor(moderator),
                "points deduct",
                member=member,
                amount=amount,
                reason="correction",
            )
        )

    @rule(member=st.sampled_from(PEOPLE))
    def spend_all(self, member: str) -> None:
        """The member's whole balance is gone: a later reversal meets spent points."""
        balance = self.run(self.h.balance(member))
        if balance:
            self.act(
                self.h.cmd(
                    self.h.moderator(),
                    "points deduct",
                    member=member,
                    amount=balance,
                    reason="spent",
                )
            )

    @rule(member=st.sampled_from(PEOPLE), value=st.integers(1, 5))
    def answer(self, member: str, value: int) -> None:
        self.act(self.h.answer(self.actor(member), self.prompt, str(value)))
        self.answers_to_check = True

    @precondition(lambda self: self.h.delivered)
    @rule(index=st.integers(0, 500))
    def replay(self, index: int) -> None:
        """A delivery repeated under its event id (a resume, a retry) changes nothing."""
        h = self.h
        event = h.delivered[index % len(h.delivered)]
        self.answers_to_check = True
        before = self.run(_everything(h))
        self.act(h.engine.handle(event))
        assert self.run(_everything(h)) == before, event

    # -- the rules ------------------------------------------------------------------------
    @invariant()
    def no_batch_was_aborted(self) -> None:
        assert self.failures.seen == []

    @invariant()
    def no_balance_below_zero(self) -> None:
        lowest = self.run(self.h.db.fetchone("SELECT min(balance), min(earned) FROM balances"))
        assert lowest[0] is None or lowest[0] >= 0, f"a balance went below zero: {lowest[0]}"
        assert lowest[1] is None or lowest[1] >= 0, f"an earned total went below zero: {lowest[1]}"

    @invariant()
    def balances_are_the_ledger(self) -> None:
        rows = self.run(
            self.h.db.fetchall(
                "SELECT b.member_id, b.balance, s.total, b.earned, s.earned FROM balances b"
                " FULL OUTER JOIN (SELECT community_id, member_id, sum(amount) AS total,"
                " sum(CASE WHEN rule = 'redemption' THEN 0 ELSE amount END) AS earned"
                " FROM ledger GROUP BY community_id, member_id) s"
                " USING (community_id, member_id)"
                " WHERE b.balance IS NOT s.total OR b.earned IS NOT s.earned"
            )
        )
        assert [tuple(r) for r in rows] == []

    @invariant()
    def reversals_give_back_at_most_the_original(self) -> None:
        bad = self.run(
            self.h.db.fetchall(
                "SELECT r.idem_key FROM ledger r LEFT JOIN ledger o"
                " ON o.community_id = r.community_id AND r.idem_key = 'reverse:' || o.idem_key"
                " WHERE r.idem_key LIKE 'reverse:%'"
                # less than the original only when the points were already spent (no balance
                # goes below zero), never in the same direction
                " AND (o.id IS NULL OR r.amount * o.amount > 0 OR abs(r.amount) > abs(o.amount)"
                "      OR (o.amount < 0 AND o.amount + r.amount <> 0))"
            )
        )
        assert [tuple(r) for r in bad] == []

    @invariant()
    def a_withdrawn_idea_gave_back_what_it_paid(self) -> None:
        kept = self.run(
            self.h.db.scalar(
                "SELECT count(*) FROM ledger l JOIN ideas i ON l.ref = 'idea:' || i.id"
                " AND l.member_id = i.author_id WHERE i.status = 'withdrawn' AND l.amount > 0"
                " AND l.idem_key NOT LIKE 'reverse:%' AND NOT EXISTS (SELECT 1 FROM ledger r"
                " WHERE r.community_id = l.community_id AND r.idem_key = 'reverse:' || l.idem_key)"
            )
        )
        assert kept == 0

    @invariant()
    def nobody_votes_for_their_own_idea(self) -> None:
        rows = self.run(
            self.h.db.fetchall(
                "SELECT v.idea_id, v.voter_id FROM votes v JOIN ideas i ON i.id = v.idea_id"
                " WHERE v.voter_id = i.author_id OR i.status = 'merged'"
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
        candidates = self.run(  # pick candidates pay the moderator who posted them nothing
            self.h.db.fetchall(
                "SELECT l.id FROM ledger l JOIN ideas i ON l.ref = 'idea:' || i.id"
                " JOIN campaigns c ON c.id = i.campaign_id WHERE c.mode = 'pick'"
                " AND l.member_id = i.author_id"
            )
        )
        assert [tuple(r) for r in candidates] == []

    @invariant()
    def anonymous_answers_cannot_be_linked(self) -> None:
        # only an answer writes the prompt's rows and points: the export is read after each
        if not self.answers_to_check:
            return
        self.answers_to_check = False
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


# 30 runs of up to 30 steps: each rule is drawn dozens of times (reactions hundreds), and the
# whole machine stays within a few seconds of the suite's budget
CommunityRules.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_community_rules = CommunityRules.TestCase
