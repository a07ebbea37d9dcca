"""The issue's invariants, proved through the real engine on a real SQLite file.

Replays change nothing, balances always equal the ledger, acknowledged votes survive a crash,
communities never see each other, a failing platform never fails an action, and a refused action
leaves no partial writes.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.engine import FAILURE_TEXT, STORAGE_TEXT
from bot.events import ReactionAdded
from bot.replies import Reply
from tests.harness import CHANNEL, Harness

OTHER = "console:other"


async def dump(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    names = await h.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    out: dict[str, list[tuple[Any, ...]]] = {}
    for (name,) in names:
        rows = await h.db.fetchall(f"SELECT * FROM {name}")
        out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def platform_state(h: Harness) -> tuple[int, int, int]:
    return len(h.platform.posts), len(h.platform.dms), len(h.platform.cards)


async def quiet(h: Harness) -> None:
    await h.app.cards.flush()


# -- (a) every kind of inbound event, delivered twice ---------------------------------------
async def _setup_replays(h: Harness) -> dict[str, int]:
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    idea = await h.submit(h.member("alice"), "Oat latte")
    reply = await h.cmd(h.moderator(), "prompt create", kind="rating", question="How is it?")
    assert reply.ok, reply.text
    return {"idea": idea, "prompt": int(reply.prompt_id)}


ReplayStep = Callable[[Harness, dict[str, int], str], Awaitable[Reply]]

REPLAYS: dict[str, ReplayStep] = {
    "command": lambda h, ids, ev: h.cmd(
        h.member("bob"), "idea submit", title="Chai", description="", event_id=ev
    ),
    "grant": lambda h, ids, ev: h.cmd(
        h.moderator(), "points grant", member="bob", amount=7, reason="thanks", event_id=ev
    ),
    "reaction_add": lambda h, ids, ev: h.react(h.member("bob"), ids["idea"], event_id=ev),
    "prompt_answer": lambda h, ids, ev: h.answer(h.member("bob"), ids["prompt"], "4", event_id=ev),
    "thread_comment": lambda h, ids, ev: h.comment(h.member("bob"), ids["idea"], event_id=ev),
}


@pytest.mark.parametrize("kind", sorted(REPLAYS))
async def test_replayed_event_changes_nothing(harness: Harness, kind: str) -> None:
    ids = await _setup_replays(harness)
    first = await REPLAYS[kind](harness, ids, "platform-ev-1")
    assert first.ok, first.text
    await quiet(harness)
    before, sent = await dump(harness), platform_state(harness)
    assert before["processed_events"]  # sanity: the first delivery was recorded
    harness.clock.advance(timedelta(minutes=5))  # a retry arrives later
    replay = await REPLAYS[kind](harness, ids, "platform-ev-1")
    await quiet(harness)
    assert replay.silent and replay.ok and replay.ignored
    assert await dump(harness) == before
    assert platform_state(harness) == sent


async def test_replayed_reaction_removal_after_a_new_vote_changes_nothing(
    harness: Harness,
) -> None:
    ids = await _setup_replays(harness)
    bob = harness.member("bob")
    await harness.react(bob, ids["idea"], event_id="add-1")
    await harness.unreact(bob, ids["idea"], event_id="remove-1")
    await harness.react(bob, ids["idea"], event_id="add-2")
    before = await dump(harness)
    harness.clock.advance(timedelta(minutes=5))
    assert (await harness.unreact(bob, ids["idea"], event_id="remove-1")).silent
    assert await dump(harness) == before  # the current vote was not taken away
    assert (await harness.react(bob, ids["idea"], event_id="add-1")).silent
    assert await dump(harness) == before
    assert (await harness.storage.votes.tally(ids["idea"])).up == 1


# -- (b) a long random sequence keeps balances == ledger and one vote per member -------------
async def _random_run(h: Harness, rng: random.Random, steps: int) -> list[Reply]:
    mod = h.moderator()
    for line in (
        "submission_cooldown_minutes 0",
        "max_open_ideas_per_member 1000",
        "milestones 2,4",
        "review_threshold 3",
        "allow_self_votes true",
    ):
        assert (await h.text(mod, f"/cocreate config set {line}")).ok
    people = [h.member(n) for n in ("ann", "ben", "cat", "dan", "eve", "fay")]
    emojis = ["👍", "👎", "1️⃣", "3️⃣", "5️⃣"]
    statuses = ["under_review", "planned", "in_progress", "shipped", "declined", "new"]
    replies: list[Reply] = []
    for step in range(steps):
        h.clock.advance(timedelta(minutes=rng.randint(1, 240)))
        who = rng.choice(people)
        ids = [
            r[0] for r in await h.db.fetchall("SELECT id FROM ideas WHERE message_id IS NOT NULL")
        ]
        roll = rng.random()
        if roll < 0.12 or not ids:
            reply = await h.cmd(who, "idea submit", title=f"Idea {step}", description="")
        elif roll < 0.45:
            reply = await h.react(who, rng.choice(ids), rng.choice(emojis))
        elif roll < 0.62:
            reply = await h.unreact(who, rng.choice(ids), rng.choice(emojis))
        elif roll < 0.70:
            reply = await h.comment(who, rng.choice(ids))
        elif roll < 0.76:
            mode = rng.choice(["up", "updown", "scale"])
            reply = await h.text(mod, f"/cocreate config set vote_mode {mode}")
        elif roll < 0.82:
            verb = rng.choice(["grant", "deduct"])
            amount = rng.randint(1, 15)
            reply = await h.cmd(
                mod, f"points {verb}", member=who.member_id, amount=amount, reason="random"
            )
        elif roll < 0.88:
            author = await h.db.scalar("SELECT author_id FROM ideas WHERE id = ?", (ids[-1],))
            reply = await h.cmd(h.member(author), "idea withdraw", idea=rng.choice(ids[-3:]))
        elif roll < 0.93:
            dup, into = rng.sample(ids, 2) if len(ids) > 1 else (ids[0], ids[0])
            reply = await h.cmd(mod, "idea merge", duplicate=dup, into=into)
        else:
            status = rng.choice(statuses)
            reason = "not now" if status == "declined" else ""
            reply = await h.cmd(
                mod, "idea status", idea=rng.choice(ids), status=status, reason=reason
            )
        replies.append(reply)
    await quiet(h)
    return replies


@pytest.mark.parametrize("seed", [7, 2026])
async def test_random_sequence_keeps_the_invariants(harness: Harness, seed: int) -> None:
    replies = await _random_run(harness, random.Random(seed), 300)
    assert not [r.text for r in replies if r.text in (FAILURE_TEXT, STORAGE_TEXT)]
    db = harness.db
    mismatch = await db.fetchall(
        "SELECT b.community_id, b.member_id, b.balance, b.earned, s.total, s.earned AS e"
        " FROM balances b FULL OUTER JOIN (SELECT community_id, member_id, sum(amount) AS total,"
        " sum(CASE WHEN rule = 'redemption' THEN 0 ELSE amount END) AS earned FROM ledger"
        " GROUP BY community_id, member_id) s USING (community_id, member_id)"
        " WHERE b.balance IS NOT s.total OR b.earned IS NOT s.earned"
    )
    assert [tuple(r) for r in mismatch] == []
    doubles = await db.fetchall(
        "SELECT idea_id, voter_id FROM votes GROUP BY idea_id, voter_id HAVING count(*) > 1"
    )
    assert doubles == []
    on_gone = await db.scalar(
        "SELECT count(*) FROM votes v JOIN ideas i ON i.id = v.idea_id WHERE i.status = 'merged'"
    )
    assert on_gone == 0
    bad_reversals = await db.scalar(
        "SELECT count(*) FROM ledger r LEFT JOIN ledger o ON o.community_id = r.community_id"
        " AND r.idem_key = 'reverse:' || o.idem_key WHERE r.idem_key LIKE 'reverse:%'"
        # a reversal gives back or takes back at most the original (less when the points
        # were already spent: no balance goes below zero), never in the same direction
        " AND (o.id IS NULL OR r.amount * o.amount > 0 OR abs(r.amount) > abs(o.amount)"
        "      OR (o.amount < 0 AND o.amount + r.amount <> 0))"
    )
    assert bad_reversals == 0
    # the run really exercised the paths it claims to
    texts = " ".join(r.text for r in replies)
    assert await db.scalar("SELECT count(*) FROM votes") >= 10
    assert "Merged #" in texts and "is withdrawn" in texts and "is now" in texts
    assert await db.scalar("SELECT count(*) FROM ledger WHERE rule = 'manual'") >= 5


# -- (c) acknowledged votes survive a crash ---------------------------------------------------
async def _voted(h: Harness) -> int:
    idea = await h.submit(h.member("alice"), "Oat latte")
    for name in ("bob", "cat"):
        assert (await h.react(h.member(name), idea)).ok
    return idea


async def _assert_votes_kept(path: Path, idea: int) -> None:
    again = await Harness.create(path)
    try:
        assert sorted(await again.storage.votes.voters(idea)) == ["bob", "cat"]
        assert await again.balance("alice") == 14 and await again.balance("bob") == 1
        assert await again.ledger_matches_balances()
        # and the reopened bot keeps counting on the same card (fresh event ids: the
        # harness counter restarts at ev1, which the first run already claimed)
        assert (await again.react(again.member("dan"), idea, event_id="after-restart")).ok
        assert (await again.storage.votes.tally(idea)).up == 3
    finally:
        await again.close()


async def test_votes_survive_closing_storage_without_flush(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    first = await Harness.create(path)
    idea = await _voted(first)
    await first.storage.close()  # no app.close(): pending card edits are simply lost
    await _assert_votes_kept(path, idea)
    await first.app.close()  # the orphaned card refresher fails quietly


async def test_votes_survive_a_crash_snapshot_of_the_files(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    first = await Harness.create(path)
    try:
        idea = await _voted(first)
        crashed = tmp_path / "crashed.sqlite3"
        for suffix in ("", "-wal"):  # what is on disk while the process still runs
            shutil.copyfile(f"{path}{suffix}", f"{crashed}{suffix}")
        await _assert_votes_kept(crashed, idea)
    finally:
        await first.close()


# -- (d) communities never see each other -----------------------------------------------------
async def test_communities_are_isolated(harness: Harness) -> None:
    h = harness
    a_alice, a_bob = h.member("alice"), h.member("bob")
    b_alice, b_bob = h.member("alice", community=OTHER), h.member("bob", community=OTHER)
    b_mod = h.member("mod", admin=True, community=OTHER)
    a_idea = await h.submit(a_alice, "Oat latte")
    b_idea = await h.submit(b_alice, "Oat latte")  # same title, same author id: fine
    assert a_idea != b_idea
    await h.react(a_bob, a_idea)
    assert (await h.text(h.moderator(), "/cocreate config set vote_mode scale")).ok
    assert (await h.cmd(h.moderator(), "points grant", member="bob", amount=50, reason="x")).ok

    a_card = await h.card_message(a_idea)
    stray = await h.engine.handle(ReactionAdded(h.event_id(), b_bob, CHANNEL, a_card, "👍"))
    assert stray.silent and stray.ignored
    assert (await h.storage.votes.tally(a_idea)).up == 1
    assert await h.db.scalar("SELECT count(*) FROM votes WHERE community_id = ?", (OTHER,)) == 0

    b_list = await h.cmd(b_bob, "idea list")
    assert b_list.table is not None and [r[0] for r in b_list.table.rows] == [str(b_idea)]
    assert not (await h.cmd(b_bob, "idea show", idea=a_idea)).ok
    assert (await h.storage.communities.settings(OTHER)).vote_mode == "up"
    assert await h.storage.ledger.balance(OTHER, "bob") == 0
    assert await h.storage.ledger.balance(OTHER, "alice") == 10
    assert await h.balance("bob") == 51 and await h.balance("alice") == 12
    board = await h.cmd(b_bob, "leaderboard show")
    assert board.table is not None and [r[2] for r in board.table.rows] == ["10"]
    assert "no points" in board.text
    show = await h.cmd(b_mod, "cocreate config show")
    assert show.table is not None and ("vote_mode", "up") in [r[:2] for r in show.table.rows]
    campaign = await h.cmd(h.moderator(), "campaign create", name="Spring", mode="board")
    assert campaign.ok
    assert not (await h.cmd(b_alice, "idea submit", title="Tea", campaign="Spring")).ok
    assert await h.storage.events.claim(OTHER, "ev1", "x", h.clock.now())  # ids are per community


# -- (e) a failing platform never fails the action --------------------------------------------
async def test_missing_ideas_channel_does_not_fail_a_submission(harness: Harness) -> None:
    h = harness
    assert (await h.text(h.moderator(), "/cocreate config set ideas_channel ideas")).ok
    h.platform.missing_channels.add("ideas")
    reply = await h.cmd(h.member("alice"), "idea submit", title="Oat latte")
    assert reply.ok and "posted" in reply.text, reply.text
    stored = await h.storage.ideas.get(h.community, int(reply.idea_id))
    assert stored is not None and stored.message_id is None
    assert await h.balance("alice") == 10
    assert h.platform.cards == {}


async def test_closed_dms_and_missing_channels_never_fail_moderation(harness: Harness) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    await h.react(h.member("bob"), idea)
    h.platform.closed_dms.update({"alice", "bob"})
    for status in ("planned", "shipped"):
        reply = await h.cmd(h.moderator(), "idea status", idea=idea, status=status)
        assert reply.ok, reply.text
    assert await h.balance("alice") == 212  # the shipped points were still paid
    assert h.platform.dms_to("alice") == []
    assert (await h.text(h.moderator(), "/cocreate config set announcements_channel gone")).ok
    h.platform.missing_channels.add("gone")
    assert (await h.cmd(h.moderator(), "campaign create", name="Spring")).ok
    assert (await h.cmd(h.moderator(), "campaign vote", name="Spring")).ok


# -- (f) a refusal rolls back everything the event wrote --------------------------------------
async def test_refused_merge_moves_no_votes_and_claims_no_event(harness: Harness) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    alice = h.member("alice")
    keep, dup = await h.submit(alice, "Keep"), await h.submit(alice, "Dup")
    await h.react(h.member("bob"), dup)
    assert (await h.cmd(alice, "idea withdraw", idea=dup)).ok
    before = await dump(h)
    refused = await h.cmd(
        h.moderator("newmod"), "idea merge", duplicate=dup, into=keep, event_id="merge-1"
    )
    assert not refused.ok and "withdrawn" in refused.text
    assert await dump(h) == before  # no member row, no audit, no claimed event id
    assert await h.storage.votes.voters(dup) == ["bob"]


async def test_refusal_after_writes_rolls_them_back(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge that loses a race after moving the votes must not leave them moved."""
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    keep, dup = await h.submit(h.member("alice"), "Keep"), await h.submit(h.member("ann"), "Dup")
    await h.react(h.member("bob"), dup)
    before = await dump(h)

    async def lost_race(*args: object) -> bool:
        return False

    monkeypatch.setattr(h.storage.ideas, "set_status", lost_race)
    refused = await h.cmd(h.moderator(), "idea merge", duplicate=dup, into=keep)
    assert not refused.ok and "changed meanwhile" in refused.text
    assert await dump(h) == before
    assert await h.storage.votes.voters(dup) == ["bob"] and await h.storage.votes.voters(keep) == []


async def test_retracting_a_merged_vote_reverses_its_points(harness: Harness) -> None:
    h = harness
    await h.text(h.moderator(), "/cocreate config set submission_cooldown_minutes 0")
    keep, dup = await h.submit(h.member("alice"), "Keep"), await h.submit(h.member("ann"), "Dup")
    bob = h.member("bob")
    await h.react(bob, dup)
    assert (await h.cmd(h.moderator(), "idea merge", duplicate=dup, into=keep)).ok
    assert (await h.unreact(bob, keep)).vote_removed
    assert await h.balance("bob") == 0  # the vote is gone, so is its vote_cast point
    await h.react(bob, keep)
    assert await h.balance("bob") == 1


async def test_settings_saved_after_a_refused_first_event_are_kept(harness: Harness) -> None:
    h = harness
    assert not (await h.cmd(h.member("bob"), "idea show", idea=99)).ok  # the very first event
    assert (await h.text(h.moderator(), "/cocreate config set vote_mode updown")).ok
    assert [r["id"] for r in await h.db.fetchall("SELECT id FROM communities")] == [h.community]
    assert (await h.storage.communities.settings(h.community)).vote_mode == "updown"
