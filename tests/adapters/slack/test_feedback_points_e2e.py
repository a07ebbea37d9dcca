"""Feedback prompts (buttons, selects, the free-text modal), points, the leaderboard, a reward
redeemed and approved, and the App Home tab, all through the fake Slack."""

from __future__ import annotations

import json
from typing import Any

from tests.adapters.slack.conftest import CHANNEL, SlackWorld
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_contest_e2e import COMMUNITY, last_response, people, rows


def prompt_message(world: SlackWorld, prompt_id: int) -> tuple[str, list[dict[str, Any]]]:
    for (_, ts), posted in world.fake.messages.items():
        if any(b.get("block_id") == f"prompt:{prompt_id}" for b in posted.blocks):
            return ts, posted.blocks
    raise AssertionError(f"prompt #{prompt_id} was not posted")


def controls(blocks: list[dict[str, Any]], prompt_id: int) -> list[dict[str, Any]]:
    block = next(b for b in blocks if b.get("block_id") == f"prompt:{prompt_id}")
    return list(block["elements"])


async def test_feedback_points_rewards_and_app_home(world: SlackWorld) -> None:
    people(world)
    fake = world.fake

    # a rating prompt: buttons 1-5; a member's press is stored once and thanked privately
    await world.command("UMOD", '/prompt create rating "How was the launch?"')
    ts, blocks = prompt_message(world, 1)
    buttons = controls(blocks, 1)
    assert [b["value"] for b in buttons] == ["1", "2", "3", "4", "5"]
    await world.click("UANA", buttons[3], message_ts=ts)
    stored = await rows(world, "SELECT member_id, score FROM prompt_responses WHERE prompt_id = 1")
    assert [tuple(r) for r in stored] == [("UANA", 4)]
    assert "Thanks" in last_response(world, "UANA")["text"]
    assert last_response(world, "UANA")["response_type"] == "ephemeral"

    # a single-choice prompt answered from a select menu
    await world.command("UMOD", '/prompt create single "Which cup?" options:"Small, Large"')
    ts, blocks = prompt_message(world, 2)
    select = controls(blocks, 2)[0]
    assert select["type"] == "static_select"
    chosen = {**select, "selected_option": select["options"][1]}
    await world.click("UBEN", chosen, message_ts=ts)
    picked = await rows(world, "SELECT answer_json FROM prompt_responses WHERE prompt_id = 2")
    assert [json.loads(r[0]) for r in picked] == [["Large"]]

    # a free-text prompt: the button opens a modal, the submission is the answer
    await world.command("UMOD", '/prompt create text "Anything else?"')
    ts, blocks = prompt_message(world, 3)
    await world.click("UCY", controls(blocks, 3)[0], message_ts=ts)
    view = fake.called("views.open")[-1].args["view"]
    assert view["callback_id"] == "cocreate_prompt_text"
    assert view["blocks"][0]["label"]["text"] == "Anything else?", "the form shows the question"
    answer = {"answer": {"value": {"type": "plain_text_input", "value": "More <!here> oat"}}}
    await world.submit_view("UCY", view, answer)
    texts = await rows(world, "SELECT answer_json FROM prompt_responses WHERE prompt_id = 3")
    assert [json.loads(r[0]) for r in texts] == [["More <!here> oat"]]
    thanks = [c.args for c in fake.called("chat.postEphemeral") if c.args["user"] == "UCY"]
    assert thanks and thanks[-1]["channel"] == CHANNEL and "<!here>" not in thanks[-1]["text"]

    # moderators read the results
    await world.command("UMOD", "/prompt results 1")
    assert "1" in last_response(world, "UMOD")["text"]

    # points and the leaderboard
    await world.command("UANA", "/points")
    assert "You have 5 points" in last_response(world, "UANA")["text"]
    await world.command("UMOD", '/points grant <@UANA|ana> 50 "great feedback"')
    await world.command("UANA", "/leaderboard")
    board = last_response(world, "UANA")
    assert "You are in 1st place with 55 points" in board["text"]
    assert "```" in json.dumps(board["blocks"]), "the table is shown as monospace"
    dms = [m.text for (c, _), m in fake.messages.items() if c == "DUANA"]
    assert any("+50" in t for t in dms), "the grant is told to the member by DM"

    # a reward: added, redeemed (points held), approved
    await world.command("UMOD", "/rewards add Mug 30 stock:2")
    await world.command("UANA", "/rewards redeem Mug")
    assert "Requested Mug" in last_response(world, "UANA")["text"]
    await world.command("UMOD", "/rewards approve 1")
    redemptions = await rows(world, "SELECT member_id, status FROM redemptions")
    assert [tuple(r) for r in redemptions] == [("UANA", "approved")]
    async with world.storage.transaction():
        assert await world.storage.ledger.balance(COMMUNITY, "UANA") == 25

    # App Home: points, running campaigns, open prompts with their controls, own ideas
    await world.command("UMOD", "/campaign create Tasting pick voting:3d")
    await world.command("UANA", '/idea submit "Oat latte"')
    await world.event(
        {"type": "app_home_opened", "user": "UANA", "channel": "DUANA", "tab": "home"}
    )
    published = fake.called("views.publish")[-1].args
    assert published["user_id"] == "UANA"
    home = json.dumps(published["view"])
    assert "35" in home and "1st all-time" in home  # 25 + 10 for the idea
    campaigns = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "*Tasting* · pick · voting · voting closes in 2d 23h" in campaigns
    assert "cocreate_answer:1:" in home and "Oat latte" in home and "new" in home
    assert len(published["view"]["blocks"]) <= 100
    # a button pressed in App Home answers too, and the home tab is refreshed
    home_button = controls(published["view"]["blocks"], 1)[0]
    before = len(fake.called("views.publish"))
    await world.interact(
        {
            "type": "block_actions",
            "user": {"id": "UBEN", "team_id": TEAM},
            "team": {"id": TEAM},
            "trigger_id": world.trigger(),
            "container": {"type": "view", "view_id": "V1"},
            "actions": [{**home_button, "action_ts": "1.2"}],
        }
    )
    scores = await rows(
        world, "SELECT score FROM prompt_responses WHERE member_id = 'UBEN' AND prompt_id = 1"
    )
    assert [r[0] for r in scores] == [1]
    assert len(fake.called("views.publish")) == before + 1
