"""Feedback prompts on Discord: buttons, a select menu, a free-text form, results and export,
and buttons on an old prompt that still work after the bot restarts."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.discord import ids
from tests.adapters.discord.conftest import Bot, eventually, start_bot, stop_bot
from tests.adapters.discord.fake import FakeDiscord
from tests.adapters.discord.fake.model import StoredMessage


def prompt_message(fake: FakeDiscord, prompt_id: int) -> StoredMessage:
    found = [
        m
        for m in fake.in_channel(fake.general.id)
        if m.components and f"Feedback prompt #{prompt_id}" in m.content
    ]
    assert found, f"prompt #{prompt_id} was not posted"
    return found[-1]


def custom_ids(message: StoredMessage) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"]]


async def answers(bot: Bot, prompt_id: int) -> dict[str, list[str]]:
    rows = await bot.rows(
        "SELECT member_id, answer_json FROM prompt_responses WHERE prompt_id = ?", prompt_id
    )
    return {r["member_id"]: json.loads(r["answer_json"]) for r in rows}


async def test_rating_choice_and_text_prompts(bot: Bot) -> None:
    fake = bot.fake
    mod, ana, ben = fake.member("Mod", admin=True), fake.member("Ana"), fake.member("Ben")
    created = await (
        await fake.slash(mod, "prompt create", kind="rating", question="How are the new cups?")
    ).answered()
    assert "Prompt #1 created" in created.text and created.ephemeral
    assert not created.original.components  # the controls live on the channel post only
    await bot.settle()
    rating = await eventually(lambda: prompt_message(fake, 1))
    assert custom_ids(rating) == [ids.answer_button(1, str(n)) for n in range(1, 6)]
    assert rating.embeds[0]["description"] == "How are the new cups?"

    pressed = await (await fake.click(ana, rating, ids.answer_button(1, "4"))).answered()
    assert "Thanks! Your answer to prompt #1 is saved: 4/5." in pressed.text
    assert pressed.ephemeral
    again = await (await fake.click(ana, rating, ids.answer_button(1, "5"))).answered()
    assert "is now: 5/5" in again.text
    assert await answers(bot, 1) == {ana.id: ["5"]}
    assert await bot.balance(ana.id) == 5  # feedback_answered, paid once

    await fake.slash(mod, "prompt create", kind="multiple", question="Which?", options="Red, Blue")
    await bot.settle()
    choice = await eventually(lambda: prompt_message(fake, 2))
    select = choice.components[0]["components"][0]
    assert select["custom_id"] == ids.answer_select(2) and select["max_values"] == 2
    picked = await (await fake.choose(ben, choice, ids.answer_select(2), "Red", "Blue")).answered()
    assert "saved" in picked.text
    assert await answers(bot, 2) == {ben.id: ["Red", "Blue"]}

    await fake.slash(mod, "prompt create", kind="text", question="Anything else?", anonymous=True)
    await bot.settle()
    text = await eventually(lambda: prompt_message(fake, 3))
    form = await (await fake.click(ben, text, ids.write_button(3))).answered()
    assert form.form["custom_id"] == ids.written_form(3)
    assert form.form["components"][0]["components"][0]["placeholder"] == "Anything else?"
    written = await (
        await fake.submit_form(ben, ids.written_form(3), {"answer": "More oat milk @here"})
    ).answered()
    assert "Thanks! Your answer to prompt #3 is saved" in written.text
    stored = await answers(bot, 3)  # anonymous: kept under a respondent token, not Ben's id
    assert list(stored.values()) == [["More oat milk @here"]] and ben.id not in stored

    results = await (await fake.slash(mod, "prompt results", prompt=1)).answered()
    assert "Prompt #1 (rating" in results.text and "5" in results.text
    export = await (await fake.slash(mod, "prompt export", prompt=2)).answered()
    upload = [r for r in fake.requests if r.path.endswith("/callback") and r.files]
    assert upload and upload[-1].files[0][0] == "prompt-2-responses.csv"
    assert b"Red" in upload[-1].files[0][1]
    assert "1 response to prompt #2" in export.text


async def test_prompt_buttons_work_after_a_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    path = tmp_path / "cocreate.sqlite3"
    first = await start_bot(fake, path)
    mod, ana = fake.member("Mod", admin=True), fake.member("Ana")
    try:
        await fake.slash(mod, "prompt create", kind="nps", question="Recommend us?")
        await first.settle()
        nps = await eventually(lambda: prompt_message(fake, 1))
        assert len(custom_ids(nps)) == 11 and len(nps.components) == 3  # 0..10 in rows of 5
    finally:
        await stop_bot(first)
    assert not first.adapter.connected

    second = await start_bot(fake, path)  # a new process: nothing registered in memory
    try:
        pressed = await (await fake.click(ana, nps, ids.answer_button(1, "9"))).answered()
        assert "Thanks! Your answer to prompt #1 is saved: 9/10." in pressed.text
        assert await answers(second, 1) == {ana.id: ["9"]}
        assert fake.gateway.identifies == 2
    finally:
        await stop_bot(second)
