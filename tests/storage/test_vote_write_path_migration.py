"""Migration 0015: what a vote writes is smaller; a database from before keeps its data and rules.

A database at migration 0014, with ideas, votes and their ledger entries as the previous version
wrote them (keys ``vote:<idea>:<voter>:<event>``), is migrated; every row is still there, the
balances still equal their ledger sums, the schema's own checks still refuse a self-vote and a
vote in a closed round, and the engine carries on: an old vote taken back reverses exactly what
it paid, a new one is paid under the short key.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.sqlite.db import Database, checksum, migrations, split_sql
from storage.sqlite.db import _register_functions as register_functions
from storage.sqlite.store import open_storage
from tests.harness import CHANNEL, COMMUNITY, Harness

T = "2026-01-05T08:00:00.000000Z"
DAY = "2026-01-05"
VOTERS = ("bob", "cat", "dan")


async def _database_at_0014(path: Path) -> None:
    """The schema of migration 0014, with the rows the previous version wrote for two ideas
    (one in a closed round) and three voters on each."""
    db = Database(str(path))
    await db.open()
    try:
        await db.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL, checksum TEXT)"
        )
        await register_functions(db.conn)
        for version, name, sql in migrations():
            if version >= 15:
                break
            for statement in split_sql(sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, datetime('now'), ?)",
                (version, name, checksum(sql)),
            )
        await db.execute(
            "INSERT INTO communities (id, platform, created_at) VALUES (?, 'console', ?)",
            (COMMUNITY, T),
        )
        await db.execute(
            "INSERT INTO campaigns (id, community_id, name, mode, phase, created_by, created_at)"
            " VALUES (1, ?, 'Spring', 'contest', 'closed', 'mod', ?)",
            (COMMUNITY, T),
        )
        await db.execute(
            "INSERT INTO rounds (id, community_id, campaign_id, number, phase, opens_at,"
            " created_at) VALUES (1, ?, 1, 1, 'voting', ?, ?)",
            (COMMUNITY, T, T),
        )
        for idea, round_id in ((1, None), (2, 1)):
            await db.execute(
                "INSERT INTO ideas (id, community_id, campaign_id, round_id, title, title_key,"
                " author_id, author_name, status, channel_id, message_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'ann', 'Ann', 'new', ?, ?, ?, ?)",
                (
                    idea,
                    COMMUNITY,
                    None if round_id is None else 1,
                    round_id,
                    f"Idea {idea}",
                    f"idea {idea}",
                    CHANNEL,
                    f"card{idea}",
                    T,
                    T,
                ),
            )
        for idea in (1, 2):
            for n, voter in enumerate(VOTERS):
                ref = f"{idea}:{voter}:old{idea}{n}"
                await db.execute(
                    "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, cast_key,"
                    " received_key, created_at, updated_at) VALUES (?, ?, ?, 1, '👍', ?, ?, ?, ?)",
                    (COMMUNITY, idea, voter, f"vote:{ref}", f"received:{ref}", T, T),
                )
                for member, amount, rule, key in (
                    (voter, 1, "vote_cast", f"vote:{ref}"),
                    ("ann", 2, "vote_received", f"received:{ref}"),
                ):
                    await db.execute(
                        "INSERT INTO ledger (community_id, member_id, amount, rule, idem_key,"
                        " ref, day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (COMMUNITY, member, amount, rule, key, f"idea:{idea}", DAY, T),
                    )
        # the round closed after the votes were cast (the trigger refuses them afterwards)
        await db.execute("UPDATE rounds SET phase = 'closed' WHERE id = 1")
    finally:
        await db.close()


#: the rows 0014 had, column by column (later migrations may add columns of their own)
_KEPT = {
    "votes": "SELECT community_id, idea_id, voter_id, value, emoji, cast_key, received_key,"
    " created_at, updated_at FROM votes ORDER BY 1, 2, 3",
    "ledger": "SELECT id, community_id, member_id, amount, rule, reason, idem_key, ref, actor_id,"
    " day, created_at FROM ledger ORDER BY id",
    "balances": "SELECT community_id, member_id, balance, earned FROM balances ORDER BY 1, 2",
    "earned_counts": "SELECT community_id, earned, members FROM earned_counts ORDER BY 1, 2",
    "idea_tallies": "SELECT idea_id, voters, up, down, total FROM idea_tallies ORDER BY 1",
}


async def _schema(h: Harness, kind: str) -> set[str]:
    rows = await h.db.fetchall("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
    return {r[0] for r in rows}


async def test_a_database_at_0014_keeps_its_data_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    await _database_at_0014(path)
    plain = sqlite3.connect(path)
    before = {t: plain.execute(q).fetchall() for t, q in _KEPT.items()}
    plain.close()
    h = await Harness.create(path)  # opening applies 0015
    try:
        assert 15 in {r[0] for r in await h.db.fetchall("SELECT version FROM schema_migrations")}
        for table, rows in before.items():
            after = await h.db.fetchall(_KEPT[table])
            assert [tuple(r) for r in after] == rows, table
        assert await h.ledger_matches_balances()
        indexes, triggers = await _schema(h, "index"), await _schema(h, "trigger")
        assert "votes_voter" not in indexes and "ledger_time" in indexes
        assert {"votes_checked_insert", "ledger_balance", "ledger_never_negative"} <= triggers
        assert not {"votes_final_insert", "votes_not_own_insert"} & triggers
        assert await h.db.scalar("PRAGMA integrity_check") == "ok"

        # the schema's own checks: no self-vote, no vote in a closed round
        for idea, voter, refusal in ((1, "ann", "votes_not_own"), (2, "eve", "votes_final")):
            with pytest.raises(sqlite3.IntegrityError, match=refusal):
                async with h.storage.transaction():
                    await h.db.execute(
                        "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji,"
                        " created_at, updated_at) VALUES (?, ?, ?, 1, '👍', ?, ?)",
                        (h.community, idea, voter, T, T),
                    )

        # the engine carries on: bob's old vote taken back reverses its old keys exactly
        ann, bob = await h.balance("ann"), await h.balance("bob")
        assert (await h.unreact(h.member("bob"), 1)).vote_removed
        assert (await h.balance("ann"), await h.balance("bob")) == (ann - 2, bob - 1)
        reversed_keys = {
            r[0]
            for r in await h.db.fetchall("SELECT idem_key FROM ledger WHERE idem_key LIKE 'rev%'")
        }
        assert reversed_keys == {"reverse:vote:1:bob:old10", "reverse:received:1:bob:old10"}
        # a new vote is paid under the short key, once
        reply = await h.react(h.member("eve"), 1, event_id="ev-new")
        assert reply.ok and reply.vote == 1
        keys = await h.db.fetchall(
            "SELECT idem_key FROM ledger WHERE ref = 'idea:1' AND member_id IN ('eve', 'ann')"
            " AND idem_key LIKE '%ev-new'"
        )
        assert sorted(r[0] for r in keys) == ["received:ev-new", "vote:ev-new"]
        again = await h.react(h.member("eve"), 1, event_id="ev-new")  # a replay
        assert again.vote is None
        assert await h.ledger_matches_balances()
        tally = await h.storage.votes.tally(1)
        assert (tally.voters, tally.up) == (3, 3)
        # a community's export reaches its votes through its ideas
        exported = await h.storage.export_tables(h.community)
        assert len(exported["votes"][1]) == 6
    finally:
        await h.close()


# -- the one insert check on votes: exactly the two rules of 0009 ---------------------------
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    voter=st.sampled_from(["ann", "bob"]),
    allow_self=st.sampled_from([None, True, False]),
    phase=st.sampled_from([None, "submissions", "voting", "closed", "cancelled"]),
)
def test_a_vote_is_refused_exactly_when_its_round_is_closed_or_it_is_a_self_vote(
    tmp_path_factory: pytest.TempPathFactory,
    voter: str,
    allow_self: bool | None,
    phase: str | None,
) -> None:
    conn = _schema_connection(tmp_path_factory.mktemp("votes") / "v.sqlite3")
    try:
        allowed = {} if allow_self is None else {"allow_self_votes": allow_self}
        conn.execute(
            "INSERT INTO communities (id, platform, settings_json, created_at)"
            " VALUES ('c', 'console', ?, ?)",
            (json.dumps(allowed), T),
        )
        round_id = None
        if phase is not None:
            conn.execute(
                "INSERT INTO campaigns (id, community_id, name, mode, phase, created_by,"
                " created_at) VALUES (1, 'c', 'S', 'contest', 'voting', 'mod', ?)",
                (T,),
            )
            conn.execute(
                "INSERT INTO rounds (id, community_id, campaign_id, number, phase, opens_at,"
                " created_at) VALUES (1, 'c', 1, 1, ?, ?, ?)",
                (phase, T, T),
            )
            round_id = 1
        conn.execute(
            "INSERT INTO ideas (id, community_id, round_id, title, title_key, author_id, status,"
            " created_at, updated_at) VALUES (1, 'c', ?, 'T', 't', 'ann', 'new', ?, ?)",
            (round_id, T, T),
        )
        final = phase in ("closed", "cancelled")
        own = voter == "ann" and not allow_self
        insert = (
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
            " updated_at) VALUES ('c', 1, ?, 1, '👍', ?, ?)"
        )
        if final or own:
            with pytest.raises(sqlite3.IntegrityError) as refused:
                conn.execute(insert, (voter, T, T))
            # the closed round is checked first, as the two triggers of 0009 were
            assert str(refused.value).startswith("votes_final" if final else "votes_not_own")
            assert conn.execute("SELECT count(*) FROM votes").fetchone()[0] == 0
        else:
            conn.execute(insert, (voter, T, T))
            assert conn.execute("SELECT voters FROM idea_tallies").fetchone()[0] == 1
    finally:
        conn.close()


_template: list[Path] = []


def _schema_connection(path: Path) -> sqlite3.Connection:
    """A new file with every migration applied (copied from one made once per session)."""
    if not _template:
        made = path.parent / "template.sqlite3"

        async def make() -> None:
            storage = await open_storage(str(made))
            await storage.close()

        asyncio.run(make())
        _template.append(made)
    shutil.copyfile(_template[0], path)
    return sqlite3.connect(path, isolation_level=None)
