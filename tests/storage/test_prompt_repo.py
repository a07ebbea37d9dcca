"""Contract tests for the prompt repository on a real SQLite file.

They pin what the service relies on: community scoping, a conditional close, one response per
(prompt, member) by primary key with a first-answer flag, and the schema refusing rows the
service should never write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ports.prompts import NewPrompt, PromptKind, Subject
from storage.sqlite.db import Database
from storage.sqlite.prompts import SqlitePromptRepo

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = "console:a"
B = "console:b"


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqlitePromptRepo]:
    db = Database(str(tmp_path / "prompts.sqlite3"))
    await db.open()
    await db.migrate()
    try:
        yield SqlitePromptRepo(db)
    finally:
        await db.close()


def new(
    community: str = A,
    kind: PromptKind = "rating",
    options: tuple[str, ...] = (),
    **extra: object,
) -> NewPrompt:
    fields: dict[str, object] = {
        "community_id": community,
        "kind": kind,
        "question": "How was it?",
        "options": options,
        "anonymous": False,
        "subject": None,
        "audience_role": None,
        "closes_at": None,
        "created_by": "mod",
        "created_at": NOW,
    }
    fields.update(extra)
    return NewPrompt(**fields)  # type: ignore[arg-type]


async def test_add_and_get_round_trip_every_field(repo: SqlitePromptRepo) -> None:
    closes = NOW + timedelta(days=2)
    added = await repo.add(
        new(
            kind="multiple",
            options=("Red", "Blue, dark"),
            anonymous=True,
            subject=Subject("campaign", "Winter", 3),
            audience_role="r1",
            closes_at=closes,
        )
    )
    got = await repo.get(A, added.id)
    assert got == added
    assert got.kind == "multiple"
    assert got.options == ("Red", "Blue, dark")
    assert got.anonymous is True
    assert got.subject == Subject("campaign", "Winter", 3)
    assert got.audience_role == "r1"
    assert got.closes_at == closes
    assert got.closed_at is None
    assert got.message_id is None


async def test_prompts_are_scoped_by_community(repo: SqlitePromptRepo) -> None:
    mine = await repo.add(new(A))
    await repo.add(new(B))
    assert await repo.get(B, mine.id) is None
    assert [p.id for p in await repo.recent(A)] == [mine.id]
    assert not await repo.close(B, mine.id, NOW)
    await repo.set_message(B, mine.id, "c", "m1")
    assert (await repo.get(A, mine.id)).message_id is None  # type: ignore[union-attr]


async def test_recent_is_newest_first_and_limited(repo: SqlitePromptRepo) -> None:
    ids = [(await repo.add(new())).id for _ in range(4)]
    assert [p.id for p in await repo.recent(A, limit=3)] == ids[::-1][:3]


async def test_set_message_stores_where_it_was_posted(repo: SqlitePromptRepo) -> None:
    prompt = await repo.add(new())
    await repo.set_message(A, prompt.id, "feedback", "m42")
    got = await repo.get(A, prompt.id)
    assert got is not None
    assert (got.channel_id, got.message_id) == ("feedback", "m42")


async def test_close_is_conditional(repo: SqlitePromptRepo) -> None:
    prompt = await repo.add(new())
    assert await repo.close(A, prompt.id, NOW)
    assert not await repo.close(A, prompt.id, NOW + timedelta(hours=1))
    got = await repo.get(A, prompt.id)
    assert got is not None
    assert got.closed_at == NOW
    assert got.is_closed(NOW)


def test_is_closed_by_time_without_a_write() -> None:
    closes = NOW + timedelta(hours=1)
    from bot.ports.prompts import Prompt

    prompt = Prompt(1, A, "rating", "q", (), False, None, None, closes, "mod", NOW)
    assert not prompt.is_closed(closes - timedelta(seconds=1))
    assert prompt.is_closed(closes)


async def test_upsert_first_then_change_keeps_one_row(repo: SqlitePromptRepo) -> None:
    prompt = await repo.add(new())
    assert await repo.upsert_response(A, prompt.id, "ana", "Ana", ("4",), 4, NOW)
    later = NOW + timedelta(minutes=5)
    # same tick as well: a change is still a change, not a first answer
    assert not await repo.upsert_response(A, prompt.id, "ana", "Ana B", ("2",), 2, NOW)
    assert not await repo.upsert_response(A, prompt.id, "ana", "Ana B", ("5",), 5, later)
    rows = await repo.responses(A, prompt.id)
    assert len(rows) == 1
    only = rows[0]
    assert (only.values, only.score, only.member_name) == (("5",), 5, "Ana B")
    assert only.created_at == NOW
    assert only.updated_at == later


async def test_responses_in_answer_order_and_counted(repo: SqlitePromptRepo) -> None:
    first = await repo.add(new())
    second = await repo.add(new(kind="multiple", options=("x", "y")))
    empty = await repo.add(new())
    await repo.upsert_response(A, first.id, "bob", "Bob", ("3",), 3, NOW)
    await repo.upsert_response(A, first.id, "ana", "Ana", ("5",), 5, NOW + timedelta(seconds=1))
    await repo.upsert_response(A, second.id, "ana", "Ana", ("x", "y"), None, NOW)
    assert [r.member_id for r in await repo.responses(A, first.id)] == ["bob", "ana"]
    assert (await repo.responses(A, second.id))[0].values == ("x", "y")
    counts = await repo.response_counts(A, [first.id, second.id, empty.id])
    assert counts == {first.id: 2, second.id: 1}
    assert await repo.response_counts(B, [first.id]) == {}
    assert await repo.response_counts(A, []) == {}


async def test_response_to_another_communitys_prompt_is_refused(repo: SqlitePromptRepo) -> None:
    theirs = await repo.add(new(B))
    with pytest.raises(ValueError, match="does not belong"):
        await repo.upsert_response(A, theirs.id, "ana", "Ana", ("4",), 4, NOW)
    await repo.upsert_response(B, theirs.id, "ana", "Ana", ("4",), 4, NOW)
    # a member id that exists in both communities must not overwrite the other's row
    with pytest.raises(ValueError, match="does not belong"):
        await repo.upsert_response(A, theirs.id, "ana", "Ana", ("1",), 1, NOW)
    assert [r.score for r in await repo.responses(B, theirs.id)] == [4]


async def test_anonymous_response_keeps_its_stamp_and_revision(repo: SqlitePromptRepo) -> None:
    prompt = await repo.add(new(anonymous=True))
    assert await repo.upsert_anonymous_response(A, prompt.id, "anon:t1", ("4",), 4, NOW)
    later = NOW + timedelta(days=3, microseconds=5)
    assert not await repo.upsert_anonymous_response(A, prompt.id, "anon:t1", ("2",), 2, later)
    [row] = await repo.db.fetchall("SELECT * FROM prompt_responses")
    assert (row["member_id"], row["member_name"], row["answer_json"], row["revision"]) == (
        "anon:t1",
        "",
        '["2"]',
        1,
    )
    assert row["created_at"] == row["updated_at"] == "2026-01-05T09:00:00.000000Z"
    theirs = await repo.add(new(B, anonymous=True))
    await repo.upsert_anonymous_response(B, theirs.id, "anon:t2", ("5",), 5, NOW)
    for token in ("anon:t1", "anon:t2"):  # another community's prompt, or its row
        with pytest.raises(ValueError, match="does not belong"):
            await repo.upsert_anonymous_response(A, theirs.id, token, ("1",), 1, NOW)
    assert [r.score for r in await repo.responses(B, theirs.id)] == [5]


async def test_anonymity_key_is_made_once_per_community(repo: SqlitePromptRepo) -> None:
    key = await repo.anonymity_key(A)
    assert len(key) == 64 and bytes.fromhex(key)
    assert await repo.anonymity_key(A) == key
    assert await repo.anonymity_key(B) != key


async def test_primary_key_refuses_a_second_plain_insert(repo: SqlitePromptRepo) -> None:
    prompt = await repo.add(new())
    await repo.upsert_response(A, prompt.id, "ana", "Ana", ("4",), 4, NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await repo.db.execute(
            "INSERT INTO prompt_responses (community_id, prompt_id, member_id, answer_json,"
            " created_at, updated_at) VALUES (?, ?, 'ana', '[\"1\"]', 'x', 'x')",
            (A, prompt.id),
        )


@pytest.mark.parametrize(
    ("kind", "options", "question"),
    [
        ("poll", (), "q"),  # unknown kind
        ("single", ("only one",), "q"),  # too few options
        ("single", tuple(f"o{i}" for i in range(26)), "q"),  # too many options
        ("rating", ("a", "b"), "q"),  # options on a rating
        ("text", (), ""),  # empty question
        ("text", (), "x" * 301),  # question too long
    ],
)
async def test_schema_refuses_invalid_prompts(
    repo: SqlitePromptRepo, kind: str, options: tuple[str, ...], question: str
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await repo.add(new(kind=kind, options=options, question=question))  # type: ignore[arg-type]
    assert await repo.recent(A) == []


@pytest.mark.parametrize(
    ("values", "score"),
    [((), None), (("11",), 11), (("-1",), -1)],
)
async def test_schema_refuses_invalid_responses(
    repo: SqlitePromptRepo, values: tuple[str, ...], score: int | None
) -> None:
    prompt = await repo.add(new(kind="nps"))
    with pytest.raises(sqlite3.IntegrityError):
        await repo.upsert_response(A, prompt.id, "ana", "Ana", values, score, NOW)
    assert await repo.responses(A, prompt.id) == []
