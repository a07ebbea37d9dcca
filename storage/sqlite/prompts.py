"""Feedback prompts and responses in SQLite.

Every query is scoped by community. A response is written with one upsert on the
(prompt, member) primary key; its ``revision`` counter tells a first answer from a change
without a read-then-write race, even when both happen in the same clock tick.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime
from typing import Any, cast

from bot.ports.prompts import NewPrompt, Prompt, PromptKind, PromptResponse, Subject, SubjectKind
from storage.sqlite.db import Database
from storage.sqlite.rows import parse_ts, req_ts, ts

_PROMPT_COLUMNS = (
    "id, community_id, kind, question, options_json, anonymous, subject_kind, subject_ref,"
    " subject_label, audience_role, closes_at, closed_at, channel_id, message_id, created_by,"
    " created_at"
)
_RESPONSE_COLUMNS = "prompt_id, member_id, member_name, answer_json, score, created_at, updated_at"


def _prompt(row: Any) -> Prompt:
    subject = None
    if row["subject_kind"] is not None:
        subject = Subject(
            kind=cast(SubjectKind, row["subject_kind"]),
            label=row["subject_label"],
            ref=row["subject_ref"],
        )
    return Prompt(
        id=row["id"],
        community_id=row["community_id"],
        kind=cast(PromptKind, row["kind"]),
        question=row["question"],
        options=tuple(json.loads(row["options_json"])),
        anonymous=bool(row["anonymous"]),
        subject=subject,
        audience_role=row["audience_role"],
        closes_at=parse_ts(row["closes_at"]),
        closed_at=parse_ts(row["closed_at"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        created_by=row["created_by"],
        created_at=req_ts(row["created_at"]),
    )


def _response(row: Any) -> PromptResponse:
    return PromptResponse(
        prompt_id=row["prompt_id"],
        member_id=row["member_id"],
        member_name=row["member_name"],
        values=tuple(json.loads(row["answer_json"])),
        score=row["score"],
        created_at=req_ts(row["created_at"]),
        updated_at=req_ts(row["updated_at"]),
    )


class SqlitePromptRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, prompt: NewPrompt) -> Prompt:
        subject = prompt.subject
        cursor = await self.db.execute(
            "INSERT INTO prompts (community_id, kind, question, options_json, anonymous,"
            " subject_kind, subject_ref, subject_label, audience_role, closes_at, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                prompt.community_id,
                prompt.kind,
                prompt.question,
                json.dumps(list(prompt.options), ensure_ascii=False),
                int(prompt.anonymous),
                subject.kind if subject else None,
                subject.ref if subject else None,
                subject.label if subject else None,
                prompt.audience_role,
                ts(prompt.closes_at) if prompt.closes_at else None,
                prompt.created_by,
                ts(prompt.created_at),
            ),
        )
        prompt_id = cursor.lastrowid
        assert prompt_id is not None
        added = await self.get(prompt.community_id, prompt_id)
        assert added is not None
        return added

    async def get(self, community_id: str, prompt_id: int) -> Prompt | None:
        row = await self.db.fetchone(
            f"SELECT {_PROMPT_COLUMNS} FROM prompts WHERE community_id = ? AND id = ?",
            (community_id, prompt_id),
        )
        return None if row is None else _prompt(row)

    async def recent(self, community_id: str, limit: int = 25) -> list[Prompt]:
        rows = await self.db.fetchall(
            f"SELECT {_PROMPT_COLUMNS} FROM prompts WHERE community_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )
        return [_prompt(r) for r in rows]

    async def set_message(
        self, community_id: str, prompt_id: int, channel_id: str, message_id: str
    ) -> None:
        await self.db.execute(
            "UPDATE prompts SET channel_id = ?, message_id = ? WHERE community_id = ? AND id = ?",
            (channel_id, message_id, community_id, prompt_id),
        )

    async def close(self, community_id: str, prompt_id: int, now: datetime) -> bool:
        cursor = await self.db.execute(
            "UPDATE prompts SET closed_at = ?"
            " WHERE community_id = ? AND id = ? AND closed_at IS NULL",
            (ts(now), community_id, prompt_id),
        )
        return cursor.rowcount == 1

    async def upsert_response(
        self,
        community_id: str,
        prompt_id: int,
        member_id: str,
        member_name: str,
        values: tuple[str, ...],
        score: int | None,
        now: datetime,
    ) -> bool:
        try:
            row = await self._upsert(
                community_id, prompt_id, member_id, member_name, values, score, now
            )
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            row = None
        if row is None:
            raise ValueError(f"prompt {prompt_id} does not belong to community {community_id}")
        return int(row["revision"]) == 1

    async def _upsert(
        self,
        community_id: str,
        prompt_id: int,
        member_id: str,
        member_name: str,
        values: tuple[str, ...],
        score: int | None,
        now: datetime,
    ) -> Any:
        # The WHERE keeps a conflicting row of another community untouched (RETURNING nothing).
        return await self.db.fetchone(
            "INSERT INTO prompt_responses (community_id, prompt_id, member_id, member_name,"
            " answer_json, score, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (prompt_id, member_id) DO UPDATE SET"
            " member_name = excluded.member_name, answer_json = excluded.answer_json,"
            " score = excluded.score, updated_at = excluded.updated_at,"
            " revision = prompt_responses.revision + 1"
            " WHERE prompt_responses.community_id = excluded.community_id"
            " RETURNING revision",
            (
                community_id,
                prompt_id,
                member_id,
                member_name,
                json.dumps(list(values), ensure_ascii=False),
                score,
                ts(now),
                ts(now),
            ),
        )

    async def upsert_anonymous_response(
        self,
        community_id: str,
        prompt_id: int,
        token: str,
        values: tuple[str, ...],
        score: int | None,
        stamp: datetime,
    ) -> bool:
        answer = json.dumps(list(values), ensure_ascii=False)
        async with self.db.transaction():
            # update first, insert if nothing was there: one transaction, so no race, and the
            # revision stays 1 (a counter would tell a changed answer apart)
            changed = await self.db.fetchone(
                "UPDATE prompt_responses SET answer_json = ?, score = ?"
                " WHERE community_id = ? AND prompt_id = ? AND member_id = ? RETURNING 1",
                (answer, score, community_id, prompt_id, token),
            )
            if changed is not None:
                return False
            try:
                await self.db.execute(
                    "INSERT INTO prompt_responses (community_id, prompt_id, member_id,"
                    " member_name, answer_json, score, created_at, updated_at)"
                    " VALUES (?, ?, ?, '', ?, ?, ?, ?)",
                    (community_id, prompt_id, token, answer, score, ts(stamp), ts(stamp)),
                )
            except sqlite3.IntegrityError as exc:
                # the prompt, or a row under this token, is another community's (the UPDATE
                # above only matches this community's rows)
                if "FOREIGN KEY" not in str(exc) and "UNIQUE" not in str(exc):
                    raise
                raise ValueError(
                    f"prompt {prompt_id} does not belong to community {community_id}"
                ) from exc
        return True

    async def anonymity_key(self, community_id: str) -> str:
        await self.db.execute(
            "INSERT INTO prompt_keys (community_id, anon_key) VALUES (?, ?)"
            " ON CONFLICT (community_id) DO NOTHING",
            (community_id, secrets.token_hex(32)),
        )
        key = await self.db.scalar(
            "SELECT anon_key FROM prompt_keys WHERE community_id = ?", (community_id,)
        )
        return str(key)

    async def responses(self, community_id: str, prompt_id: int) -> list[PromptResponse]:
        rows = await self.db.fetchall(
            f"SELECT {_RESPONSE_COLUMNS} FROM prompt_responses"
            " WHERE community_id = ? AND prompt_id = ? ORDER BY created_at, member_id",
            (community_id, prompt_id),
        )
        return [_response(r) for r in rows]

    async def response_counts(self, community_id: str, prompt_ids: list[int]) -> dict[int, int]:
        if not prompt_ids:
            return {}
        marks = ", ".join("?" for _ in prompt_ids)
        rows = await self.db.fetchall(
            "SELECT prompt_id, count(*) AS n FROM prompt_responses"
            f" WHERE community_id = ? AND prompt_id IN ({marks}) GROUP BY prompt_id",
            (community_id, *prompt_ids),
        )
        return {int(r["prompt_id"]): int(r["n"]) for r in rows}
