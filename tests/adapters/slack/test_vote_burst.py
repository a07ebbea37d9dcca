"""A burst of reactions delivered concurrently over HTTP to the real bolt app: each member is
looked up once however many of their events arrive together, the reactions share vote batches,
the tallies are exact, one member's add → remove → add is one vote, a duplicate delivery
changes nothing and a refused vote in the middle still gets its private note."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from adapters.slack.clients import SlackClients
from adapters.slack.handlers import Handlers
from adapters.slack.members import Directory
from adapters.slack.platform import SlackPlatform
from bot.commands.spec import Registry
from bot.events import Actor, InboundEvent, ReactionAdded
from bot.replies import Reply
from tests.adapters.slack.conftest import SlackWorld, sign
from tests.adapters.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

COMMUNITY = f"slack:{TEAM}"
IDEAS = "CIDEAS"
AUTHORS = ("UA1", "UA2", "UA3", "UA4")
VOTERS = [f"UV{n:02d}" for n in range(40)]  # 4 cards x 40 members: 160 reactions at once


async def cards(world: SlackWorld) -> list[str]:
    world.fake.add_user("UMOD", "Mo", admin=True)
    await world.command("UMOD", "/cocreate setup", channel=IDEAS)
    stamps = []
    for n, author in enumerate(AUTHORS, start=1):
        world.fake.add_user(author, f"Author {n}")
        await world.command(author, f'/idea submit title:"Flavour {n}"')
        async with world.storage.transaction():
            idea = await world.storage.ideas.get(COMMUNITY, n)
        assert idea is not None and idea.message_id, f"idea {n} has no card"
        stamps.append(idea.message_id)
    return stamps


async def deliver(world: SlackWorld, session: aiohttp.ClientSession, body: str) -> None:
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(body, stamp),
    }
    async with session.post(world.url + "/slack/events", data=body.encode(), headers=headers) as r:
        assert r.status == 200, await r.text()


async def votes(world: SlackWorld) -> dict[int, set[str]]:
    async with world.storage.transaction():
        rows = await world.storage.db.fetchall("SELECT idea_id, voter_id FROM votes", ())
    found: dict[int, set[str]] = {}
    for idea_id, voter in rows:
        found.setdefault(idea_id, set()).add(voter)
    return found


async def test_a_concurrent_burst_shares_batches_and_counts_exactly(world: SlackWorld) -> None:
    fake = world.fake
    stamps = await cards(world)
    for voter in [*VOTERS, "UBOB"]:
        fake.add_user(voter, voter.title())
    bodies: list[str] = []
    for voter in VOTERS:
        for ts in stamps:
            fake.member_reacts(IDEAS, ts, "+1", voter)
            bodies.append(world.envelope(world.reaction(voter, IDEAS, ts, "+1")))
    bodies.insert(len(bodies) // 2, world.envelope(world.reaction("UA1", IDEAS, stamps[0], "+1")))
    bodies.insert(len(bodies) // 3, bodies[7])  # a duplicate delivery: the same event id
    batches = world.app.engine.votes.batches
    looked_up = len(fake.called("users.info"))
    ignored = {"type": "ReactionAdded", "outcome": "ignored"}
    before = world.app.metrics.value("cocreate_events_handled_total", **ignored)

    async def bob(session: aiohttp.ClientSession) -> None:
        """One member changes his mind twice while the crowd votes; Slack sends his events
        one after another."""
        for added in (True, False, True):
            event = world.reaction("UBOB", IDEAS, stamps[1], "+1", added)
            await deliver(world, session, world.envelope(event))

    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(bob(session), *(deliver(world, session, b) for b in bodies))
    await world.settle()

    events = len(bodies) + 3
    formed = world.app.engine.votes.batches - batches
    assert formed <= events // 4, f"{events} reactions took {formed} batches"
    assert world.app.engine.votes.largest > 1
    assert world.app.metrics.value("cocreate_events_handled_total", **ignored) - before == 1
    counted = await votes(world)
    assert counted == {
        1: set(VOTERS),
        2: set(VOTERS) | {"UBOB"},
        3: set(VOTERS),
        4: set(VOTERS),
    }
    # every member looked up once, however many of their reactions arrived together
    lookups = [c.args["user"] for c in fake.called("users.info")[looked_up:]]
    assert sorted(lookups) == sorted([*VOTERS, "UBOB"])
    told = [c.args for c in fake.called("chat.postEphemeral") if c.args["user"] == "UA1"]
    assert len(told) == 1 and "own idea" in told[0]["text"]
    assert "not counted" in told[0]["text"]


async def test_concurrent_first_lookups_share_one_call(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        members = [fake.add_user(f"U{n}", f"Member {n}") for n in range(5)]
        fake.usergroups = [{"id": "SMODS", "users": ["U1", "U3"]}]
        directory = Directory(SlackClients(fake.api_url, BOT_TOKEN))
        asked = [members[n % 5] for n in range(40)]
        actors = await asyncio.gather(*(directory.actor(TEAM, m) for m in asked))
        assert [a.member_id for a in actors] == asked
        assert {a.member_id: a.display_name for a in actors} == {
            m: f"Member {m[1:]}" for m in members
        }
        assert {a.member_id for a in actors if "SMODS" in a.roles} == {"U1", "U3"}
        assert sorted(c.args["user"] for c in fake.called("users.info")) == members
        assert len(fake.called("usergroups.list")) == 1
        # a failed lookup is not remembered: the next one asks again
        fake.errors["users.info"] = "ratelimited_forever"
        directory.forget(TEAM, "U0")
        first: list[Any] = await asyncio.gather(*(directory.actor(TEAM, "U0") for _ in range(3)))
        assert {a.display_name for a in first} == {""}
        del fake.errors["users.info"]
        assert (await directory.actor(TEAM, "U0")).display_name == "Member 0"
    finally:
        await fake.stop()


class SlowFirst(Directory):
    """A member lookup that answers later the earlier it was asked (a slow first users.info)."""

    def __init__(self, clients: SlackClients) -> None:
        super().__init__(clients)
        self.delays = [0.05, 0.03, 0.01, 0.0]

    async def actor(self, team_id: str, user_id: str) -> Actor:
        await asyncio.sleep(self.delays.pop(0))
        return Actor(f"slack:{team_id}", user_id, user_id.title())


async def test_a_members_reactions_reach_the_engine_in_the_order_they_came() -> None:
    clients = SlackClients("http://127.0.0.1:9/api/", BOT_TOKEN)
    directory = SlowFirst(clients)
    handlers = Handlers(Registry(), SlackPlatform(clients, directory), directory)
    seen: list[tuple[str, bool]] = []

    async def sink(event: InboundEvent) -> Reply:
        seen.append((event.event_id, isinstance(event, ReactionAdded)))
        await asyncio.sleep(0)
        return Reply.nothing()

    async def ack() -> None:
        return None

    handlers.sink = sink
    listeners = []
    for n, added in enumerate((True, False, True, False)):
        event = SlackWorld.reaction("UBOB", IDEAS, "1.1", "+1", added)
        envelope = {"team_id": TEAM, "event_id": f"Ev{n}", "event": event}
        listeners.append(asyncio.ensure_future(handlers.reaction(ack, envelope)))
    await asyncio.gather(*listeners)
    expected = [
        ("slack:Ev0", True),
        ("slack:Ev1", False),
        ("slack:Ev2", True),
        ("slack:Ev3", False),
    ]
    assert seen == expected


async def test_calls_reuse_their_connections_while_the_clients_are_open() -> None:
    fake = FakeSlack()
    await fake.start()
    clients = SlackClients(fake.api_url, BOT_TOKEN)
    try:
        members = [fake.add_user(f"U{n}", f"Member {n}") for n in range(8)]
        await clients.open()
        directory = Directory(clients)
        for member in members:  # one after another: each could reuse the one connection
            assert (await directory.actor(TEAM, member)).display_name == f"Member {member[1:]}"
        peers = {c.peer for c in fake.calls}
        assert len(fake.calls) == len(members) + 1 and len(peers) == 1
        await clients.close()
        await directory.actor(TEAM, "U404")  # closed: a call still works, on its own connection
        assert fake.calls[-1].method == "users.info" and fake.calls[-1].peer not in peers
    finally:
        await clients.close()
        await fake.stop()
