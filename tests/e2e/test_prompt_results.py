"""Prompt results and CSV export end to end, including what anonymity hides."""

from __future__ import annotations

from typing import Any

import pytest

from bot.events import Actor
from bot.replies import Reply
from tests.e2e.test_prompts import audit_actions, create, csv_rows
from tests.harness import Harness


async def answer_all(h: Harness, pid: int, values: dict[str, tuple[str, ...]]) -> None:
    for name, answer in values.items():
        reply = await h.answer(h.member(name), pid, *answer)
        assert reply.ok, reply.text


async def results(h: Harness, pid: int) -> Reply:
    reply = await h.cmd(h.moderator(), "prompt results", prompt=pid)
    assert reply.ok, reply.text
    return reply


async def test_rating_results(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="How was it?")
    await answer_all(harness, pid, {"ana": ("5",), "bob": ("4",), "cy": ("4",), "di": ("2",)})
    reply = await results(harness, pid)
    assert "4 responses." in reply.text
    assert "Average 3.75 out of 5." in reply.text
    assert reply.table is not None
    assert [(r[0], r[1]) for r in reply.table.rows] == [
        ("1", "0"),
        ("2", "1"),
        ("3", "0"),
        ("4", "2"),
        ("5", "1"),
    ]
    assert "prompt.results" in await audit_actions(harness)


async def test_nps_results(harness: Harness) -> None:
    pid = await create(harness, kind="nps", question="Recommend us?")
    scores = {"a": "10", "b": "9", "c": "9", "d": "8", "e": "7", "f": "6", "g": "0", "h": "10"}
    await answer_all(harness, pid, {k: (v,) for k, v in scores.items()})
    reply = await results(harness, pid)
    # 4 promoters, 2 passives, 2 detractors of 8: 50% - 25% = +25
    assert "NPS +25 (promoters 4, passives 2, detractors 2)." in reply.text
    assert "Average 7.38 out of 10." in reply.text
    assert reply.table is not None
    assert len(reply.table.rows) == 11


async def test_choice_results_count_every_option(harness: Harness) -> None:
    pid = await create(harness, kind="multiple", question="Colours?", options="Red, Blue, Green")
    await answer_all(harness, pid, {"ana": ("Red", "Blue"), "bob": ("Blue",), "cy": ("blue",)})
    reply = await results(harness, pid)
    assert reply.table is not None
    assert [r[:2] for r in reply.table.rows] == [("Red", "1"), ("Blue", "3"), ("Green", "0")]
    assert reply.table.rows[1][2] == "100%"


async def test_text_results_show_names(harness: Harness) -> None:
    pid = await create(harness, kind="text", question="Ideas?")
    await answer_all(harness, pid, {"ana": ("More oat",), "bob": ("Less sugar",)})
    reply = await results(harness, pid)
    assert reply.table is not None
    assert reply.table.headers == ("member", "answer")
    assert set(reply.table.rows) == {("Ana", "More oat"), ("Bob", "Less sugar")}


async def test_anonymous_prompts_never_reveal_who_answered(harness: Harness) -> None:
    pid = await create(harness, kind="text", question="Honest thoughts?", anonymous=True)
    await answer_all(harness, pid, {"zed": ("Too sweet",), "ana": ("Love it",)})
    reply = await results(harness, pid)
    assert reply.table is not None
    assert reply.table.headers == ("answer",)
    assert reply.table.rows == (("Love it",), ("Too sweet",))
    exported = await harness.cmd(harness.moderator(), "prompt export", prompt=pid)
    assert exported.ok
    assert exported.attachment is not None
    raw = exported.attachment.content.decode("utf-8")
    assert csv_rows(exported) == [
        ["prompt_id", "answer", "score"],
        [str(pid), "Love it", ""],
        [str(pid), "Too sweet", ""],
    ]
    for secret in ("zed", "Zed", "ana", "Ana"):
        assert secret not in raw
        assert secret not in reply.text
    stored_names = await harness.db.fetchall("SELECT member_name FROM prompt_responses")
    assert {r["member_name"] for r in stored_names} == {""}
    assert (await harness.balance("zed"), await harness.balance("ana")) == (5, 5)


async def test_export_has_members_and_neutralises_formulas(harness: Harness) -> None:
    pid = await create(harness, kind="text", question="Ideas?")
    await answer_all(harness, pid, {"ana": ("=HYPERLINK(1)",), "bob": ("Plain",)})
    reply = await harness.cmd(harness.moderator(), "prompt export", prompt=pid)
    assert reply.ok
    assert reply.attachment is not None
    assert reply.attachment.filename == f"prompt-{pid}-responses.csv"
    rows = csv_rows(reply)
    assert rows[0][:5] == ["prompt_id", "member_id", "member_name", "answer", "score"]
    assert [r[1:4] for r in rows[1:]] == [["ana", "Ana", "'=HYPERLINK(1)"], ["bob", "Bob", "Plain"]]
    assert "prompt.export" in await audit_actions(harness)


async def test_list_shows_counts_and_status(harness: Harness) -> None:
    open_id = await create(harness, kind="rating", question="Open one?")
    closed_id = await create(harness, kind="rating", question="Closed one?")
    await answer_all(harness, open_id, {"ana": ("3",), "bob": ("4",)})
    assert (await harness.cmd(harness.moderator(), "prompt close", prompt=closed_id)).ok
    reply = await harness.cmd(harness.moderator(), "prompt list")
    assert reply.ok
    assert reply.table is not None
    by_id = {row[0]: row for row in reply.table.rows}
    assert by_id[f"#{open_id}"][3:] == ("2", "open")
    assert by_id[f"#{closed_id}"][3:] == ("0", "closed")


@pytest.mark.parametrize("verb", ["list", "results", "export", "close"])
async def test_moderator_commands_refuse_members(harness: Harness, verb: str) -> None:
    pid = await create(harness, kind="rating", question="Q?")
    member: Actor = harness.member("ana")
    options: dict[str, Any] = {} if verb == "list" else {"prompt": pid}
    reply = await harness.cmd(member, f"prompt {verb}", **options)
    assert not reply.ok
    assert "moderators" in reply.text
    prompt = await harness.storage.prompts.get(harness.community, pid)
    assert prompt is not None
    assert prompt.closed_at is None


async def test_results_without_answers(harness: Harness) -> None:
    pid = await create(harness, kind="nps", question="Recommend us?", subject="Oat latte")
    reply = await results(harness, pid)
    assert "0 responses." in reply.text
    assert "About product Oat latte" in reply.text
    assert "NPS" not in reply.text
    assert "Average" not in reply.text
    assert reply.table is not None
    assert {row[2] for row in reply.table.rows} == {"-"}
    exported = await harness.cmd(harness.moderator(), "prompt export", prompt=pid)
    assert csv_rows(exported) == [
        ["prompt_id", "member_id", "member_name", "answer", "score", "answered_at", "changed_at"]
    ]
