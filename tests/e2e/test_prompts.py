"""Feedback prompts end to end: real engine, real SQLite file, in-memory platform, fake clock."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.replies import Reply
from tests.harness import CHANNEL, Harness

ANSWER_POINTS = 5  # the default value of the feedback_answered rule


async def create(h: Harness, **options: Any) -> int:
    reply = await h.cmd(h.moderator(), "prompt create", **options)
    assert reply.ok, reply.text
    return int(reply.prompt_id)


async def count(h: Harness, table: str) -> int:
    return int(await h.db.scalar(f"SELECT count(*) FROM {table}"))


async def answers(h: Harness, prompt_id: int) -> dict[str, tuple[str, ...]]:
    rows = await h.storage.prompts.responses(h.community, prompt_id)
    return {r.member_id: r.values for r in rows}


async def audit_actions(h: Harness) -> list[str]:
    return [e.action for e in await h.storage.audit.recent(h.community)]


def csv_rows(reply: Reply) -> list[list[str]]:
    assert reply.attachment is not None
    return list(csv.reader(io.StringIO(reply.attachment.content.decode("utf-8"))))


# -- creating ---------------------------------------------------------------------------------
async def test_create_posts_the_prompt_and_remembers_the_message(harness: Harness) -> None:
    pid = await create(
        harness, kind="rating", question="How is the oat latte?", subject="Oat latte", closes="2d"
    )
    [sent] = harness.platform.posts
    assert sent.channel_id == CHANNEL
    view = sent.message.prompt
    assert view is not None
    assert (view.prompt_id, view.kind, view.question) == (pid, "rating", "How is the oat latte?")
    assert view.subject == "product Oat latte"
    assert view.closes_at == "2026-01-07 09:00 UTC"
    assert not view.closed
    prompt = await harness.storage.prompts.get(harness.community, pid)
    assert prompt is not None
    assert (prompt.channel_id, prompt.message_id) == (CHANNEL, sent.message_id)
    assert "prompt.create" in await audit_actions(harness)


async def test_prompts_channel_setting_is_where_prompts_go(harness: Harness) -> None:
    mod = harness.moderator()
    reply = await harness.cmd(mod, "cocreate config set", key="prompts_channel", value="feedback")
    assert reply.ok, reply.text
    await create(harness, kind="text", question="Anything else?")
    assert [s.channel_id for s in harness.platform.posts] == ["feedback"]


async def test_a_failed_post_keeps_the_prompt(harness: Harness) -> None:
    harness.platform.missing_channels.add(CHANNEL)
    pid = await create(harness, kind="nps", question="Recommend us?")
    prompt = await harness.storage.prompts.get(harness.community, pid)
    assert prompt is not None
    assert prompt.message_id is None
    assert (await harness.answer(harness.member("ana"), pid, "10")).ok


async def test_members_cannot_create_prompts(harness: Harness) -> None:
    reply = await harness.cmd(harness.member("ana"), "prompt create", kind="text", question="Hi?")
    assert not reply.ok
    assert "moderators" in reply.text
    assert await count(harness, "prompts") == 0
    assert harness.platform.posts == []


async def test_create_from_command_text(harness: Harness) -> None:
    reply = await harness.text(
        harness.moderator(),
        '/prompt create kind:multiple question:"Which toppings?" options:"Oat, vanilla | Cocoa"',
    )
    assert reply.ok, reply.text
    prompt = await harness.storage.prompts.get(harness.community, int(reply.prompt_id))
    assert prompt is not None
    assert prompt.options == ("Oat, vanilla", "Cocoa")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "single", "question": "Colour?"}, "needs options"),
        ({"kind": "single", "question": "Colour?", "options": "Red"}, "2 to 25 options"),
        (
            {"kind": "multiple", "question": "C?", "options": ",".join(f"o{i}" for i in range(26))},
            "2 to 25 options",
        ),
        ({"kind": "single", "question": "Colour?", "options": "Red, red"}, "repeated: Red, red"),
        ({"kind": "single", "question": "C?", "options": f"Red, {'x' * 81}"}, "longer than 80"),
        ({"kind": "rating", "question": "Good?", "options": "a, b"}, "Only single and multiple"),
        ({"kind": "poll", "question": "Good?"}, "kind must be one of"),
        ({"kind": "text", "question": "x" * 301}, "limit is 300"),
        ({"kind": "text", "question": "Q?", "closes": "soon"}, "could not read"),
        ({"kind": "text", "question": "Q?", "closes": "2026-01-01 10:00"}, "already passed"),
        ({"kind": "text", "question": "Q?", "subject": "idea:99"}, "no idea #99"),
        ({"kind": "text", "question": "Q?", "subject": "campaign:Nope"}, "no campaign"),
    ],
)
async def test_invalid_prompts_are_refused_and_nothing_is_stored(
    harness: Harness, options: dict[str, Any], message: str
) -> None:
    reply = await harness.cmd(harness.moderator(), "prompt create", **options)
    assert not reply.ok
    assert message in reply.text
    assert await count(harness, "prompts") == 0
    assert harness.platform.posts == []
    assert "prompt.create" not in await audit_actions(harness)


async def test_subject_can_be_an_idea_or_a_campaign(harness: Harness) -> None:
    idea_id = await harness.submit(harness.member("ana"), "Oat latte")
    by_idea = await create(harness, kind="rating", question="Q?", subject=f"#{idea_id}")
    mod = harness.moderator()
    made = await harness.cmd(mod, "campaign create", name="Winter flavour", mode="board")
    assert made.ok, made.text
    by_campaign = await create(harness, kind="rating", question="Q?", subject="winter flavour")
    prompts = harness.storage.prompts
    first = await prompts.get(harness.community, by_idea)
    second = await prompts.get(harness.community, by_campaign)
    assert first is not None
    assert second is not None
    assert first.subject is not None
    assert second.subject is not None
    assert (first.subject.kind, first.subject.ref, first.subject.label) == (
        "idea",
        idea_id,
        "Oat latte",
    )
    assert (second.subject.kind, second.subject.label) == ("campaign", "Winter flavour")


# -- answering --------------------------------------------------------------------------------
async def test_answer_pays_once_and_can_be_changed(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="How was it?")
    ana = harness.member("ana")
    first = await harness.answer(ana, pid, "4")
    assert first.ok, first.text
    assert f"You earned {ANSWER_POINTS} points" in first.text
    assert await harness.balance("ana") == ANSWER_POINTS
    changed = await harness.answer(ana, pid, "2")
    assert changed.ok
    assert "now: 2/5" in changed.text
    assert await harness.balance("ana") == ANSWER_POINTS
    assert await answers(harness, pid) == {"ana": ("2",)}
    assert await harness.ledger_matches_balances()


async def test_the_same_event_twice_counts_once(harness: Harness) -> None:
    pid = await create(harness, kind="nps", question="Recommend us?")
    ana = harness.member("ana")
    assert (await harness.answer(ana, pid, "9", event_id="press-1")).ok
    replay = await harness.answer(ana, pid, "3", event_id="press-1")
    assert replay.silent
    assert await answers(harness, pid) == {"ana": ("9",)}
    assert await harness.balance("ana") == ANSWER_POINTS


async def test_points_are_paid_per_prompt(harness: Harness) -> None:
    first = await create(harness, kind="rating", question="One?")
    second = await create(harness, kind="rating", question="Two?")
    ana = harness.member("ana")
    for pid in (first, second, first):
        assert (await harness.answer(ana, pid, "5")).ok
    assert await harness.balance("ana") == 2 * ANSWER_POINTS


@pytest.mark.parametrize(
    ("kind", "options", "values", "message"),
    [
        ("rating", None, ("7",), "from 1 to 5"),
        ("rating", None, ("0",), "from 1 to 5"),
        ("rating", None, ("four",), "from 1 to 5"),
        ("rating", None, ("4", "5"), "from 1 to 5"),
        ("rating", None, (), "from 1 to 5"),
        ("nps", None, ("11",), "from 0 to 10"),
        ("nps", None, ("-1",), "from 0 to 10"),
        ("single", "Red, Blue", ("Green",), "not one of the options"),
        ("single", "Red, Blue", ("Red", "Blue"), "exactly one"),
        ("multiple", "Red, Blue", ("Red", "red"), "only once"),
        ("multiple", "Red, Blue", ("Red", "Green"), "“Green” is not one of the options"),
        ("multiple", "Red, Blue", (), "at least one"),
        ("text", None, ("   ",), "empty"),
        ("text", None, ("x" * 2001,), "2,001 characters"),
    ],
)
async def test_invalid_answers_are_refused_and_change_nothing(
    harness: Harness,
    kind: str,
    options: str | None,
    values: tuple[str, ...],
    message: str,
) -> None:
    pid = await create(harness, kind=kind, question="Q?", options=options)
    ana = harness.member("ana")
    reply = await harness.answer(ana, pid, *values)
    assert not reply.ok
    assert message in reply.text
    assert await answers(harness, pid) == {}
    assert await harness.balance("ana") == 0


async def test_an_invalid_change_keeps_the_earlier_answer(harness: Harness) -> None:
    pid = await create(harness, kind="multiple", question="Colours?", options="Red|Blue|Green")
    ana = harness.member("ana")
    assert (await harness.answer(ana, pid, "blue", " red ")).ok
    assert not (await harness.answer(ana, pid, "Blue", "Purple")).ok
    assert await answers(harness, pid) == {"ana": ("Blue", "Red")}


async def test_text_answers_keep_up_to_2000_characters(harness: Harness) -> None:
    pid = await create(harness, kind="text", question="Tell us")
    assert (await harness.answer(harness.member("ana"), pid, "x" * 2000)).ok
    assert await answers(harness, pid) == {"ana": ("x" * 2000,)}


async def test_closed_by_a_moderator(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="Q?")
    ana, bob = harness.member("ana"), harness.member("bob")
    assert (await harness.answer(ana, pid, "4")).ok
    closed = await harness.cmd(harness.moderator(), "prompt close", prompt=pid)
    assert closed.ok, closed.text
    assert "1 response." in closed.text
    for member, value in ((ana, "5"), (bob, "3")):
        refused = await harness.answer(member, pid, value)
        assert not refused.ok
        assert "closed by a moderator" in refused.text
    assert await answers(harness, pid) == {"ana": ("4",)}
    again = await harness.cmd(harness.moderator(), "prompt close", prompt=pid)
    assert not again.ok
    assert "already closed" in again.text
    assert (await audit_actions(harness)).count("prompt.close") == 1


async def test_closes_by_time_in_the_community_timezone(harness: Harness) -> None:
    mod = harness.moderator()
    assert (await harness.cmd(mod, "cocreate config set", key="timezone", value="Europe/Paris")).ok
    # 12:00 in Paris is 11:00 UTC; the clock starts at 09:00 UTC
    pid = await create(harness, kind="rating", question="Q?", closes="2026-01-05 12:00")
    ana, bob = harness.member("ana"), harness.member("bob")
    harness.clock.set(datetime(2026, 1, 5, 10, 59, tzinfo=UTC))
    assert (await harness.answer(ana, pid, "4")).ok
    harness.clock.advance(timedelta(minutes=1))
    refused = await harness.answer(bob, pid, "5")
    assert not refused.ok
    assert "closed at 2026-01-05 12:00 Europe/Paris" in refused.text
    assert not (await harness.answer(ana, pid, "1")).ok
    assert await answers(harness, pid) == {"ana": ("4",)}
    assert await harness.balance("bob") == 0


async def test_audience_role_decides_who_may_answer(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="Beta testers?", audience="<@&beta>")
    outsider = harness.member("ana")
    tester = harness.member("bob", roles={"beta"})
    refused = await harness.answer(outsider, pid, "4")
    assert not refused.ok
    assert "only for members with the role" in refused.text
    assert (await harness.answer(tester, pid, "4")).ok
    assert await answers(harness, pid) == {"bob": ("4",)}
    assert await harness.balance("ana") == 0


async def test_unknown_and_foreign_prompts_are_not_found(harness: Harness) -> None:
    pid = await create(harness, kind="rating", question="Q?")
    stranger = harness.member("ana", community="console:other")
    for actor, prompt_id in ((harness.member("ana"), 999), (stranger, pid)):
        reply = await harness.answer(actor, prompt_id, "4")
        assert not reply.ok
        assert f"no prompt #{prompt_id}" in reply.text
    assert await answers(harness, pid) == {}
