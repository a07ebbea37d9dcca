"""`cocreate export`: the community's data as CSV or JSON files, for spreadsheets and audits.

Anonymous prompts stay anonymous here too: their responses carry no member id or name and no
timestamps (which could be matched against other records), and they are listed in answer order
rather than in the order people answered. Text cells that a spreadsheet would run as a formula
are neutralised in CSV.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.csvsafe import records_csv
from storage.sqlite.db import Database

TABLES = ("ideas", "votes", "responses", "ledger", "balances", "results")

_QUERIES: dict[str, str] = {
    "ideas": (
        "SELECT i.community_id, i.id AS idea_id, c.name AS campaign, i.title, i.description,"
        " i.author_id, i.author_name, i.status, i.decline_reason, i.merged_into,"
        " i.created_at, i.updated_at"
        " FROM ideas i LEFT JOIN campaigns c ON c.id = i.campaign_id {where}"
        " ORDER BY i.community_id, i.id"
    ),
    "votes": (
        # through the community's ideas (votes have no index by community: 0015)
        "SELECT v.community_id, v.idea_id, v.voter_id, v.value, v.emoji, v.created_at,"
        " v.updated_at FROM ideas i JOIN votes v ON v.idea_id = i.id"
        " AND v.community_id = i.community_id {where}"
        " ORDER BY v.community_id, v.idea_id, v.voter_id"
    ),
    "responses": (
        "SELECT r.community_id, r.prompt_id, p.kind, p.question,"
        " CASE WHEN p.anonymous THEN '' ELSE r.member_id END AS member_id,"
        " CASE WHEN p.anonymous THEN '' ELSE r.member_name END AS member_name,"
        " r.answer_json, r.score,"
        " CASE WHEN p.anonymous THEN '' ELSE r.created_at END AS created_at,"
        " CASE WHEN p.anonymous THEN '' ELSE r.updated_at END AS updated_at"
        " FROM prompt_responses r"
        " JOIN prompts p ON p.community_id = r.community_id AND p.id = r.prompt_id {where}"
        " ORDER BY r.community_id, r.prompt_id,"
        " CASE WHEN p.anonymous THEN r.answer_json ELSE r.created_at END, r.member_id"
    ),
    "ledger": (
        "SELECT l.community_id, l.id AS entry_id, l.member_id, l.amount, l.rule, l.reason,"
        " l.ref, l.actor_id, l.idem_key, l.created_at FROM ledger l {where}"
        " ORDER BY l.community_id, l.id"
    ),
    "balances": (
        "SELECT b.community_id, b.member_id, m.display_name, b.balance FROM balances b"
        " LEFT JOIN members m ON m.community_id = b.community_id AND m.member_id = b.member_id"
        " {where} ORDER BY b.community_id, b.balance DESC, b.member_id"
    ),
    # one row per closed round; ``_rows`` spreads its stored ranking into a row per place
    "results": (
        "SELECT r.community_id, c.name AS campaign, r.number AS round, r.closed_at, r.results"
        " FROM rounds r JOIN campaigns c ON c.id = r.campaign_id {where}"
        " ORDER BY r.community_id, c.name, r.number"
    ),
}
#: CSV headers; ``records_csv`` refuses a row with any other key, so a query change cannot drift
COLUMNS: dict[str, list[str]] = {
    "ideas": [
        "community_id",
        "idea_id",
        "campaign",
        "title",
        "description",
        "author_id",
        "author_name",
        "status",
        "decline_reason",
        "merged_into",
        "created_at",
        "updated_at",
    ],
    "votes": ["community_id", "idea_id", "voter_id", "value", "emoji", "created_at", "updated_at"],
    "responses": [
        "community_id",
        "prompt_id",
        "kind",
        "question",
        "member_id",
        "member_name",
        "score",
        "created_at",
        "updated_at",
        "answer",
    ],
    "ledger": [
        "community_id",
        "entry_id",
        "member_id",
        "amount",
        "rule",
        "reason",
        "ref",
        "actor_id",
        "idem_key",
        "created_at",
    ],
    "balances": ["community_id", "member_id", "display_name", "balance"],
    "results": [
        "community_id",
        "campaign",
        "round",
        "closed_at",
        "place",
        "idea_id",
        "title",
        "author_name",
        "votes",
    ],
}
_ALIAS = {
    "ideas": "i",
    "votes": "i",
    "responses": "r",
    "ledger": "l",
    "balances": "b",
    "results": "r",
}
_NEEDS = {"responses": ("prompts", "prompt_responses"), "results": ("rounds",)}


async def _existing_tables(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r["name"]) for r in rows}


async def has_community(db: Database, community_id: str) -> bool:
    """Whether this database has ever seen the community (an export for a typo is refused)."""
    found = await db.scalar("SELECT 1 FROM communities WHERE id = ?", (community_id,))
    return found is not None


async def export_tables(db: Database, community_id: str | None) -> dict[str, list[dict[str, Any]]]:
    """Every exported table as rows of plain values, for one community or all of them.

    A table whose migration is not applied yet (prompts, on an old schema) exports empty.
    """
    present = await _existing_tables(db)
    result: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        if not all(t in present for t in _NEEDS.get(name, (name,))):
            result[name] = []
            continue
        where = f"WHERE {_ALIAS[name]}.community_id = ?" if community_id else ""
        params = (community_id,) if community_id else ()
        rows = await db.fetchall(_QUERIES[name].format(where=where), params)
        result[name] = [plain for row in rows for plain in _rows(name, dict(row))]
    return result


def _rows(table: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    if table != "results":
        return [_plain(table, row)]
    ranking = json.loads(row.pop("results") or "[]")
    return [
        row
        | {
            "place": int(place),
            "idea_id": int(idea),
            "title": title,
            "author_name": author,
            "votes": votes,
        }
        for place, idea, title, author, votes in ranking
    ]


def _plain(table: str, row: dict[str, Any]) -> dict[str, Any]:
    if table == "responses":
        row["answer"] = json.loads(row.pop("answer_json"))
    return row


def write_csv(tables: dict[str, list[dict[str, Any]]], out_dir: Path) -> list[tuple[Path, int]]:
    """One ``TABLE.csv`` per table (with a header row even when empty); returns (path, rows)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, int]] = []
    for table, rows in tables.items():
        path = out_dir / f"{table}.csv"
        path.write_bytes(records_csv(COLUMNS[table], rows))
        written.append((path, len(rows)))
    return written


def write_json(tables: dict[str, list[dict[str, Any]]], out_dir: Path) -> list[tuple[Path, int]]:
    """One ``TABLE.json`` per table: a list of objects, UTF-8, stable key order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, int]] = []
    for table, rows in tables.items():
        path = out_dir / f"{table}.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append((path, len(rows)))
    return written
