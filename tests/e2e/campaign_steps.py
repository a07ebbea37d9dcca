"""Steps the campaign tests share: a moderator's command that must pass or be refused, and
reading a campaign, its current round and the winners' points back from storage."""

from __future__ import annotations

from typing import Any

from bot.models import Campaign, Phase, Round
from tests.harness import Harness


async def ok(h: Harness, path: str, **options: Any) -> str:
    reply = await h.cmd(h.moderator(), path, **options)
    assert reply.ok, reply.text
    return reply.text


async def refused(h: Harness, path: str, **options: Any) -> str:
    reply = await h.cmd(h.moderator(), path, **options)
    assert not reply.ok, reply.text
    return reply.text


async def campaign(h: Harness, name: str) -> Campaign:
    found = await h.storage.campaigns.by_name(h.community, name)
    assert found is not None, name
    return found


async def current(h: Harness, name: str) -> Round:
    found = await campaign(h, name)
    assert found.current_round is not None
    round_ = await h.storage.campaigns.round(found.current_round)
    assert round_ is not None
    return round_


async def phase(h: Harness, name: str) -> Phase:
    return (await campaign(h, name)).phase


async def winner_rows(h: Harness) -> list[tuple[str, int]]:
    """(member, points) of every round_winner ledger entry, by member."""
    rows = await h.db.fetchall(
        "SELECT member_id, amount FROM ledger WHERE rule = 'round_winner' ORDER BY member_id"
    )
    return [(r[0], r[1]) for r in rows]
