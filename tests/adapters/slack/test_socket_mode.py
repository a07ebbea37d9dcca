"""Socket Mode: with an app token the bot connects out (on the same event loop) and needs no
public endpoint; without a signing secret no unverifiable /slack/events route exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.conftest import SlackWorld, close_world, make_world, until
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_contest_e2e import card_of, rows


@pytest.fixture
async def socket_world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    w = await make_world(tmp_path, app_token="xapp-test", signing_secret=None)
    try:
        yield w
    finally:
        await close_world(w)


async def test_socket_mode_commands_and_events(socket_world: SlackWorld) -> None:
    world = socket_world
    world.fake.add_user("UANA", "Ana")
    world.fake.add_user("UBEN", "Ben")
    assert world.adapter.connected
    assert world.fake.called("apps.connections.open")
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.url + "/slack/events", data="{}") as response,
    ):
        assert response.status == 404

    await world.fake.push(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM,
                "channel_id": "C1",
                "user_id": "UANA",
                "command": "/idea",
                "text": 'submit "Over the socket"',
                "trigger_id": "trigger-sock-1",
                "response_url": world.fake.response_url("UANA"),
            },
        }
    )
    await until(lambda: any(a.get("envelope_id") == "env-1" for a in world.fake.socket_acks))
    await until(lambda: bool(world.fake.called("chat.postMessage")))
    await world.settle()
    channel, ts = await card_of(world, 1)

    for attempt in (0, 1):  # Slack redelivers an envelope it thinks was lost: counted once
        world.fake.member_reacts(channel, ts, "+1", "UBEN")
        await world.fake.push(
            {
                "envelope_id": f"env-vote-{attempt}",
                "type": "events_api",
                "retry_attempt": attempt,
                "payload": {
                    "type": "event_callback",
                    "team_id": TEAM,
                    "event_id": "EvSock1",
                    "event": {
                        "type": "reaction_added",
                        "user": "UBEN",
                        "reaction": "+1",
                        "item": {"type": "message", "channel": channel, "ts": ts},
                    },
                },
            }
        )
        acked = f"env-vote-{attempt}"
        await until(lambda: any(x.get("envelope_id") == acked for x in world.fake.socket_acks))  # noqa: B023
        await world.settle()
    assert [tuple(r) for r in await rows(world, "SELECT voter_id, value FROM votes")] == [
        ("UBEN", 1)
    ]
