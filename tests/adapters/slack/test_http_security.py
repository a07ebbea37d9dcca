"""The endpoint only acts on requests Slack signed, recently; Slack's limits are honoured."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

from bot.events import InboundEvent
from bot.replies import Reply
from tests.adapters.slack.conftest import SlackWorld, sign
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_contest_e2e import card_of, people, rows


def command_body(world: SlackWorld, text: str) -> str:
    return urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": "UANA",
            "command": "/idea",
            "text": text,
            "trigger_id": "trigger-forged",
            "response_url": world.fake.response_url("UANA"),
        }
    )


async def test_forged_and_stale_signatures_get_401_and_change_nothing(world: SlackWorld) -> None:
    people(world)
    started = list(world.fake.calls)  # the bot checked its token with auth.test at start
    body = command_body(world, 'submit "Forged idea"')
    form = "application/x-www-form-urlencoded"
    forged = await world.post(body, form, signature=sign(body, int(time.time()), "not-the-secret"))
    stale_at = int(time.time()) - 10 * 60
    stale = await world.post(body, form, timestamp=stale_at, signature=sign(body, stale_at))
    missing = await world.post(body, form, signature="v0=")
    assert (forged.status, stale.status, missing.status) == (401, 401, 401)
    await world.settle()
    assert world.fake.calls == started, "nothing reached Slack"
    assert await rows(world, "SELECT id FROM ideas") == []
    assert await rows(world, "SELECT event_id FROM processed_events") == []
    # the same body, properly signed now, is accepted
    fresh = await world.post(body, form)
    await world.settle()
    assert fresh.status == 200
    assert len(await rows(world, "SELECT id FROM ideas")) == 1


async def test_card_edits_wait_out_a_429_and_still_land(world: SlackWorld) -> None:
    people(world)
    await world.command("UANA", '/idea submit "Rate limited"')
    channel, ts = await card_of(world, 1)
    world.fake.rate_limit["chat.update"] = 1
    started = time.monotonic()
    await world.react("UBEN", channel, ts, "+1")
    updates = world.fake.called("chat.update")
    assert len(updates) == 2, "the 429 is retried by the client"
    assert time.monotonic() - started >= 0.9, "Retry-After was honoured"
    assert "1 vote" in json.dumps(world.fake.messages[(channel, ts)].blocks)


async def test_a_burst_of_reactions_is_coalesced_into_few_edits(world: SlackWorld) -> None:
    people(world)
    await world.command("UANA", '/idea submit "Popular"')
    channel, ts = await card_of(world, 1)
    world.app.cards.interval = 0.5
    for n in range(12):
        user = world.fake.add_user(f"UV{n}", f"Voter {n}")
        world.fake.member_reacts(channel, ts, "+1", user)
        envelope = {
            "type": "event_callback",
            "team_id": TEAM,
            "event_id": f"EvBurst{n}",
            "event": {
                "type": "reaction_added",
                "user": user,
                "reaction": "+1",
                "item": {"type": "message", "channel": channel, "ts": ts},
            },
        }
        response = await world.post(json.dumps(envelope), "application/json")
        assert response.status == 200
    await world.settle()
    assert len(await rows(world, "SELECT voter_id FROM votes")) == 12
    assert len(world.fake.called("chat.update")) <= 3
    assert "12 votes" in json.dumps(world.fake.messages[(channel, ts)].blocks)


async def test_modal_options_come_from_the_engine_in_the_ack(world: SlackWorld) -> None:
    people(world)
    await world.command("UMOD", '/campaign create "Winter drinks"')
    await world.command("UMOD", '/campaign create "Summer snacks"')
    payload = {
        "type": "block_suggestion",
        "user": {"id": "UANA", "team_id": TEAM},
        "team": {"id": TEAM},
        "action_id": "value:campaign",
        "block_id": "campaign",
        "value": "wint",
        "view": {"id": "V1", "callback_id": "cocreate_command"},
    }
    response = await world.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    options = json.loads(await response.text())["options"]
    assert [o["value"] for o in options] == ["Winter drinks"]


async def test_a_card_in_a_channel_the_bot_is_not_in_joins_it_first(world: SlackWorld) -> None:
    people(world)
    world.fake.not_joined.add("CNEW")
    await world.command("UANA", '/idea submit "Somewhere new"', channel="CNEW")
    assert [c.args["channel"] for c in world.fake.called("conversations.join")] == ["CNEW"]
    channel, ts = await card_of(world, 1)
    assert channel == "CNEW" and world.fake.messages[(channel, ts)].reactions == {"+1": ["UBOT"]}


async def test_every_subscribed_event_is_acknowledged_even_when_ignored(world: SlackWorld) -> None:
    people(world)
    for event in (
        {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.2"},
        {"type": "message", "channel": "C1", "user": "UANA", "ts": "1.3", "text": "hi"},
        {"type": "user_change", "user": {"id": "UANA"}},
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}},
        {"type": "app_home_opened", "user": "UANA", "tab": "messages"},
    ):
        response = await world.event(event)
        assert response.status == 200, event
    assert await rows(world, "SELECT * FROM processed_events") == []
    assert world.fake.called("views.publish") == []


async def test_commands_are_acknowledged_before_the_engine_answers(world: SlackWorld) -> None:
    """Slack's 3-second limit: the HTTP answer does not wait for the engine."""
    people(world)
    release = asyncio.Event()
    engine = world.adapter.handlers.sink
    assert engine is not None

    async def slow_sink(event: InboundEvent) -> Reply:
        await release.wait()
        return await engine(event)

    world.adapter.handlers.sink = slow_sink
    body = command_body(world, 'submit "Slow engine"')
    started = time.monotonic()
    response = await world.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200 and time.monotonic() - started < 1.0
    assert await rows(world, "SELECT id FROM ideas") == [], "the engine has not run yet"
    release.set()
    await world.settle()
    assert len(await rows(world, "SELECT id FROM ideas")) == 1
