"""The Done-when loop through the fake Slack: a moderator configures and runs a contest,
members submit (text and modal), vote with reactions (retries and duplicates included), talk in
threads, and the close recounts reactions made while the bot was away."""

from __future__ import annotations

import json
from typing import Any

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.fake_slack import TEAM

COMMUNITY = f"slack:{TEAM}"
IDEAS = "CIDEAS"


def people(world: SlackWorld) -> None:
    world.fake.add_user("UMOD", "Mo", admin=True)
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UCY", "Cy")):
        world.fake.add_user(user, name)


async def rows(world: SlackWorld, sql: str, *params: Any) -> list[Any]:
    async with world.storage.transaction():
        return list(await world.storage.db.fetchall(sql, params))


async def card_of(world: SlackWorld, idea_id: int) -> tuple[str, str]:
    async with world.storage.transaction():
        idea = await world.storage.ideas.get(COMMUNITY, idea_id)
    assert idea is not None and idea.channel_id and idea.message_id
    return idea.channel_id, idea.message_id


def last_response(world: SlackWorld, user: str) -> dict[str, Any]:
    mine = [r for r in world.fake.responses if r.get("_user") == user]
    assert mine, f"nothing was shown to {user}"
    return mine[-1]


async def test_a_moderator_runs_a_contest_and_members_take_part(world: SlackWorld) -> None:
    people(world)
    fake = world.fake

    # a member cannot configure; a workspace admin can
    await world.command("UANA", "/cocreate config set vote_mode updown", channel=IDEAS)
    assert "moderators" in last_response(world, "UANA")["text"]
    assert (await rows(world, "SELECT count(*) FROM audit_log"))[0][0] == 0
    await world.command("UMOD", "/cocreate setup", channel=IDEAS)
    await world.command("UMOD", "/cocreate config set vote_mode updown", channel=IDEAS)
    async with world.storage.transaction():
        settings = await world.storage.communities.settings(COMMUNITY)
    assert settings.ideas_channel == IDEAS and settings.vote_mode == "updown"

    await world.command("UMOD", '/campaign create Winter contest "Name our winter flavour"')
    assert any("Winter" in m.text for m in fake.in_channel(IDEAS)), "campaign not announced"

    # a typed submission, with text that tries to ping everyone
    await world.command(
        "UANA", '/idea submit title:"Oat latte" description:"<!channel> warm & cosy <!subteam^S1>"'
    )
    channel, ts = await card_of(world, 1)
    assert channel == IDEAS
    card = fake.messages[(channel, ts)]
    assert card.blocks[0]["type"] == "header" and "Oat latte" in card.blocks[0]["text"]["text"]
    assert set(card.reactions) == {"+1", "-1"}, "the bot adds the vote emojis"
    sent = json.dumps([c.args for c in fake.calls if c.method.startswith("chat.")])
    assert "<!channel>" not in sent and "<!subteam" not in sent
    assert "&lt;!channel&gt; warm &amp; cosy" in sent
    assert all("link_names" not in c.args for c in fake.called("chat.postMessage"))

    # /idea with no text opens the form; its submission posts the second card
    await world.command("UBEN", "/idea")
    opened = fake.called("views.open")[-1].args
    view = opened["view"]
    assert opened["trigger_id"].startswith("trigger-cmd-")
    assert [b["block_id"] for b in view["blocks"]] == ["title", "description", "campaign"]
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Cold brew"}},
        "description": {"value": {"type": "plain_text_input", "value": "Iced, spiced"}},
        "campaign": {
            "value:campaign": {"type": "external_select", "selected_option": {"value": "Winter"}}
        },
    }
    response = await world.submit_view("UBEN", view, values)
    assert response.status == 200
    _, ts2 = await card_of(world, 2)
    ideas = await rows(world, "SELECT id, title, author_id, campaign_id FROM ideas ORDER BY id")
    assert [tuple(r) for r in ideas] == [(1, "Oat latte", "UANA", 1), (2, "Cold brew", "UBEN", 1)]

    # a form with a bad value is answered inside the modal, and nothing is stored
    bad = {**values, "title": {"value": {"type": "plain_text_input", "value": "x" * 101}}}
    response = await world.submit_view("UBEN", view, bad)
    body = await response.json()
    assert body["response_action"] == "errors" and "title" in body["errors"]
    assert len(await rows(world, "SELECT id FROM ideas")) == 2

    await world.command("UMOD", "/campaign vote Winter")

    # votes: a reaction, its retry and a duplicate delivery count once
    await world.react("UBEN", channel, ts, "+1", event_id="EvVOTE1")
    await world.react("UBEN", channel, ts, "+1", event_id="EvVOTE1", retry=1)
    await world.react("UBEN", channel, ts, "+1", event_id="EvVOTE1", retry=2)
    votes = await rows(world, "SELECT voter_id, value FROM votes WHERE idea_id = 1")
    assert [tuple(v) for v in votes] == [("UBEN", 1)]
    cast = await rows(world, "SELECT count(*) FROM ledger WHERE rule = 'vote_cast'")
    assert cast[0][0] == 1
    assert fake.messages[(channel, ts)].edits >= 1, "the tally is edited in by chat.update"
    assert "+1 / -0" in json.dumps(fake.messages[(channel, ts)].blocks)

    # a skin-toned alias is the same vote emoji; taking it off retracts the vote
    await world.react("UCY", channel, ts, "thumbsup::skin-tone-3")
    assert (await rows(world, "SELECT count(*) FROM votes WHERE voter_id = 'UCY'"))[0][0] == 1
    await world.react("UCY", channel, ts, "thumbsup::skin-tone-3", added=False)
    assert (await rows(world, "SELECT count(*) FROM votes WHERE voter_id = 'UCY'"))[0][0] == 0

    # a refused self-vote: nothing stored, and the member is told privately why
    await world.react("UANA", channel, ts, "+1")
    assert (await rows(world, "SELECT count(*) FROM votes WHERE voter_id = 'UANA'"))[0][0] == 0
    told = [c.args for c in fake.called("chat.postEphemeral") if c.args["user"] == "UANA"]
    assert told and "own idea" in told[-1]["text"] and told[-1]["channel"] == IDEAS

    # a reply in the card's thread earns the comment rule; a top-level message does not
    reply = {
        "type": "message",
        "channel": IDEAS,
        "user": "UCY",
        "text": "love it",
        "ts": "1700000100.000001",
        "thread_ts": ts,
    }
    await world.event(reply)
    await world.event({**reply, "ts": "1700000100.000002", "thread_ts": None})
    comments = await rows(world, "SELECT member_id FROM ledger WHERE rule = 'thread_comment'")
    assert [r[0] for r in comments] == ["UCY"]

    # a vote cast while the bot was offline: only Slack knows it, the close recounts it
    fake.member_reacts(channel, ts2, "+1", "UCY")
    fake.member_reacts(channel, ts2, "+1", "UANA")
    await world.command("UMOD", "/campaign close Winter")
    assert fake.called("reactions.get"), "the close reads reactions back from Slack"
    recounted = await rows(world, "SELECT voter_id FROM votes WHERE idea_id = 2 ORDER BY 1")
    assert [r[0] for r in recounted] == ["UANA", "UCY"]
    results = last_response(world, "UMOD")
    assert results["response_type"] == "in_channel" and "Winners" in results["text"]
    assert "#2 “Cold brew”" in results["text"]
    assert any("is closed" in m.text for m in fake.in_channel(IDEAS)), "results announced"
    winner = await rows(world, "SELECT member_id FROM ledger WHERE rule = 'round_winner'")
    assert {r[0] for r in winner} == {"UBEN", "UANA"}
