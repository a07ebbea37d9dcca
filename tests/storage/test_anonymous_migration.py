"""Migration 0011: anonymous answers stored before it are rewritten to the unlinkable form.

A database written by the previous version (member ids on anonymous answers, exact answer times,
revision counts, ledger entries keyed ``feedback:<prompt>:<member>`` with ``ref=prompt:<id>``)
is migrated, and then the engine carries on with it: the same member changing their answer
changes the same row and is not paid again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services import anonymity
from storage.sqlite.db import Database, migrations, split_sql
from tests.harness import COMMUNITY, Harness

ANON, NAMED = 1, 2
T_PROMPT = "2026-01-05T08:00:00.000000Z"


async def _old_database(path: Path) -> None:
    """The schema before 0011, with data as the previous version wrote it."""
    db = Database(str(path))
    await db.open()
    try:
        await db.execute(
            "CREATE TABLE schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version, name, sql in migrations():
            if version >= 11:
                break
            for statement in split_sql(sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, datetime('now'))", (version, name)
            )
        await db.execute(
            "INSERT INTO communities (id, platform, created_at) VALUES (?, 'console', ?)",
            (COMMUNITY, T_PROMPT),
        )
        for pid, anonymous in ((ANON, 1), (NAMED, 0)):
            await db.execute(
                "INSERT INTO prompts (id, community_id, kind, question, anonymous, created_by,"
                " created_at) VALUES (?, ?, 'rating', 'Rate us?', ?, 'mod', ?)",
                (pid, COMMUNITY, anonymous, T_PROMPT),
            )
        answers = [
            (ANON, "zed", "", '["2"]', 2, 2, "09:00:00.000001", "09:06:00.000000"),
            (ANON, "ana", "", '["5"]', 5, 1, "09:03:00.000000", "09:03:00.000000"),
            (NAMED, "ana", "Ana", '["4"]', 4, 1, "09:04:00.000000", "09:04:00.000000"),
        ]
        for pid, member, name, answer, score, revision, created, updated in answers:
            await db.execute(
                "INSERT INTO prompt_responses (community_id, prompt_id, member_id, member_name,"
                " answer_json, score, revision, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    COMMUNITY,
                    pid,
                    member,
                    name,
                    answer,
                    score,
                    revision,
                    f"2026-01-05T{created}Z",
                    f"2026-01-05T{updated}Z",
                ),
            )
            if revision == 1 or member == "zed":
                await db.execute(
                    "INSERT INTO ledger (community_id, member_id, amount, rule, idem_key, ref,"
                    " day, created_at) VALUES (?, ?, 5, 'feedback_answered', ?, ?, ?, ?)",
                    (
                        COMMUNITY,
                        member,
                        f"feedback:{pid}:{member}",
                        f"prompt:{pid}",
                        "2026-01-05",
                        f"2026-01-05T{created}Z",
                    ),
                )
    finally:
        await db.close()


async def test_old_anonymous_answers_are_migrated_and_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    await _old_database(path)
    h = await Harness.create(path)  # opening applies 0011 (and any later migration)
    try:
        key = await h.db.scalar(
            "SELECT anon_key FROM prompt_keys WHERE community_id = ?", (COMMUNITY,)
        )
        assert isinstance(key, str) and len(key) == 64
        rows = {
            (r["prompt_id"], r["member_id"]): dict(r)
            for r in await h.db.fetchall("SELECT * FROM prompt_responses")
        }
        zed = rows[ANON, anonymity.respondent_token(key, ANON, "zed")]
        ana = rows[ANON, anonymity.respondent_token(key, ANON, "ana")]
        for row in (zed, ana):
            assert (row["created_at"], row["updated_at"], row["revision"]) == (
                T_PROMPT,
                T_PROMPT,
                1,
            )
        assert (zed["score"], ana["score"]) == (2, 5)
        named = rows[NAMED, "ana"]  # a named prompt's answer is left as it was
        assert (named["member_name"], named["created_at"]) == ("Ana", "2026-01-05T09:04:00.000000Z")

        entries = {
            r["member_id"] + str(r["id"]): dict(r)
            for r in await h.db.fetchall("SELECT * FROM ledger")
        }
        anonymous = [e for e in entries.values() if e["ref"] != f"prompt:{NAMED}"]
        assert sorted(e["idem_key"] for e in anonymous) == sorted(
            anonymity.points_key(key, ANON, m) for m in ("zed", "ana")
        )
        assert {(e["ref"], e["reason"]) for e in anonymous} == {("", anonymity.ANSWER_REASON)}
        assert sorted(e["idem_key"] for e in entries.values() if e not in anonymous) == [
            f"feedback:{NAMED}:ana"
        ]
        assert (await h.balance("zed"), await h.balance("ana")) == (5, 10)
        with pytest.raises(Exception, match="append-only"):
            await h.db.execute("UPDATE ledger SET amount = 0")

        # the engine finds zed's migrated answer: a change, not a second answer or payment
        changed = await h.answer(h.member("zed"), ANON, "4")
        assert changed.text == f"Your answer to prompt #{ANON} is now: 4/5.", changed.text
        assert (
            await h.db.scalar("SELECT count(*) FROM prompt_responses WHERE prompt_id = ?", (ANON,))
            == 2
        )
        assert await h.balance("zed") == 5
        new = await h.answer(h.member("bob"), ANON, "3")
        assert "You earned 5 points" in new.text
    finally:
        await h.close()
