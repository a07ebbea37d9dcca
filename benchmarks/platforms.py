"""Platforms: one stream of reactions through the paths members use, and their limits.

The same stream (adds, removes, replays of earlier deliveries, non-vote emoji, across many
members and ideas) goes, in one run, through

1. Discord: the real discord.py client and our adapter, built as ``cocreate run`` builds them,
   connected to a fake gateway that dispatches the reactions as Discord does (zlib-stream
   compressed binary frames), as fast as it can, like a busy server;
2. Slack: signed Events API requests over HTTP to the bot's ``/slack/events`` (the real
   slack-bolt app and our adapter), several in flight, with Slack's Web API faked on loopback;
   2b. the same requests to a bare slack-bolt app on the same server stack (aiohttp, bolt,
   signature checks) whose reaction handler does nothing: the framework's own limit here;
3. the engine directly (``engine.handle`` for each event, as ``benchmarks.votes`` does);
4. the ceiling: the rows a vote batch writes, by plain sqlite3 in large transactions.

The fakes and the load generators run in a second process (``--driver``), so the bot's process
pays only for what a real bot would. A vote counts as durable when the batch holding its event
has committed: a wrapper around the voting service's ``apply_batch`` notes the time each event
id's batch returned (nothing else changes). Throughput is the stream's events over the time from
the first one sent to the last one durable; the tallies and balances are then checked against an
independent count. Latency (p99, sent → durable) is measured on a fresh stream offered at half
of the capacity just measured on that path.

    python -m benchmarks.platforms [--quick] [--only discord,slack,...] [--events N]

(``--only`` and ``--events`` are for profiling one path, e.g. under py-spy.)

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

SECRET = "bench-signing-secret"
SLACK_CHANNEL = "CGENERAL"
ENGINE_COMMUNITY = "console:bench"
ENGINE_CHANNEL = "bench"
#: abstract emoji of the stream: up/down mode, and the pizza is not a vote
EMOJIS = ("up", "up", "up", "down", "pizza")
UNICODE = {"up": "👍", "down": "👎", "pizza": "🍕"}
SLACK_NAMES = {"up": "+1", "down": "-1", "pizza": "pizza"}
ABSTRACT = {"👍": "up", "👎": "down"}
#: Discord user ids of the stream's members, and of the ideas' authors
VOTER_BASE = 300_000_000_000_000_000
AUTHOR_BASE = 200_000_000_000_000_000
AUTHORS = 25
STALL = 60.0  # seconds without progress before a path counts as stuck

log = logging.getLogger("benchmarks.platforms")


@dataclass(frozen=True)
class Size:
    ideas: int
    members: int
    events: int
    paced_seconds: float
    slack_in_flight: int
    engine_in_flight: int


FULL = Size(
    ideas=500,
    members=50_000,
    events=20_000,
    paced_seconds=4.0,
    slack_in_flight=48,
    engine_in_flight=5_000,
)
QUICK = Size(
    ideas=20,
    members=500,
    events=1_000,
    paced_seconds=0.5,
    slack_in_flight=32,
    engine_in_flight=500,
)


# -- the stream -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    n: int
    added: bool
    member: int
    idea: int
    emoji: str
    #: the earlier step this one delivers again (the same event id), if it is a replay
    replay_of: int | None = None


def make_stream(count: int, members: int, ideas: int, seed: int) -> list[Step]:
    """Adds (3/4) and removes (1/4), 5% replays of an earlier delivery, a fifth non-vote emoji.

    Both processes build it from the same arguments, so only those cross between them."""
    rng = random.Random(seed)
    steps: list[Step] = []
    for n in range(count):
        roll = rng.random()
        if steps and roll < 0.05:
            base = steps[rng.randrange(len(steps))]
            if base.replay_of is not None:
                base = steps[base.replay_of]
            steps.append(Step(n, base.added, base.member, base.idea, base.emoji, base.n))
            continue
        member, idea = rng.randrange(members), rng.randrange(ideas)
        steps.append(Step(n, roll >= 0.25, member, idea, rng.choice(EMOJIS)))
    return steps


def expected_votes(steps: list[Step]) -> dict[tuple[int, int], str]:
    """The independent count: the latest vote emoji per (idea, member); a removal of that emoji
    takes it away; replays count once; the pizza never counts."""
    votes: dict[tuple[int, int], str] = {}
    for step in steps:
        if step.replay_of is not None or step.emoji not in ("up", "down"):
            continue
        key = (step.idea, step.member)
        if step.added:
            votes[key] = step.emoji
        elif votes.get(key) == step.emoji:
            del votes[key]
    return votes


def percentile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100)[q - 1]


# =============================================================================================
# The driver: fake Discord and Slack, and the load generators, in their own process
# =============================================================================================
class Driver:
    def __init__(self) -> None:
        self.discord: Any = None
        self.slack: Any = None
        self.members: dict[int, dict[str, Any]] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/discord/start", self._json(self.discord_start)),
            web.post("/discord/send", self._json(self.discord_send)),
            web.post("/discord/stats", self._json(self.discord_stats)),
            web.post("/slack/start", self._json(self.slack_start)),
            web.post("/slack/send", self._json(self.slack_send)),
            web.post("/stop", self._json(self.stop)),
        ]

    @staticmethod
    def _json(
        handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def route(request: web.Request) -> web.Response:
            return web.json_response(await handler(await request.json()))

        return route

    # -- Discord ------------------------------------------------------------------------------
    async def discord_start(self, body: dict[str, Any]) -> dict[str, Any]:
        from tests.adapters.discord.fake import FakeDiscord

        class BenchDiscord(FakeDiscord):
            """Takes the bot's reaction removals (a replaced vote) without echoing them back:
            the stream alone decides the tallies, so an independent count can check them."""

            async def remove_reaction(self, user_id: str, message: Any, emoji: str) -> int:
                return 0

        self.discord = await BenchDiscord().start()
        fake = self.discord
        return {
            "token": fake.token,
            "api_url": fake.api_url,
            "gateway_url": fake.gateway_url,
            "guild_id": fake.guild_id,
            "channel_id": fake.general.id,
        }

    def _member_json(self, index: int) -> dict[str, Any]:
        found = self.members.get(index)
        if found is None:
            from tests.adapters.discord.fake.model import Member, User

            user = User(str(VOTER_BASE + index), f"M{index}")
            found = self.members[index] = Member(user).json()
        return found

    async def discord_send(self, body: dict[str, Any]) -> dict[str, Any]:
        from tests.adapters.discord.fake.model import emoji_json

        fake = self.discord
        gateway = fake.gateway
        messages: list[str] = body["messages"]
        rate: float = body["rate"]
        steps = make_stream(body["count"], body["members"], len(messages), body["seed"])
        channel, guild, bot = fake.general.id, fake.guild_id, fake.bot.id
        emojis = {name: emoji_json(text) for name, text in UNICODE.items()}
        seqs = [0] * len(steps)
        sent = [0.0] * len(steps)
        started = time.perf_counter()
        for i, step in enumerate(steps):
            if rate:
                delay = started + i / rate - time.perf_counter()
                if delay > 0.001:
                    await asyncio.sleep(delay)
            sent[i] = time.perf_counter()
            if step.replay_of is not None:
                seqs[i] = seqs[step.replay_of]
                await gateway.redeliver(seqs[i])
                continue
            payload: dict[str, Any] = {
                "user_id": str(VOTER_BASE + step.member),
                "channel_id": channel,
                "message_id": messages[step.idea],
                "guild_id": guild,
                "emoji": emojis[step.emoji],
                "burst": False,
                "type": 0,
            }
            if step.added:
                payload["member"] = self._member_json(step.member)
                payload["message_author_id"] = bot
                seqs[i] = await gateway.dispatch("MESSAGE_REACTION_ADD", payload)
            else:
                seqs[i] = await gateway.dispatch("MESSAGE_REACTION_REMOVE", payload)
        session = gateway.live()[-1].id
        return {"session": session, "seqs": seqs, "sent": sent}

    async def discord_stats(self, body: dict[str, Any]) -> dict[str, Any]:
        """What the bot asked of Discord's REST API while the streams ran."""
        requests = self.discord.requests[body["since"] :]
        return {
            "requests": len(requests),
            "card_edits": sum(1 for r in requests if r.method == "PATCH"),
            "reactions_removed": sum(1 for r in requests if r.method == "DELETE"),
        }

    # -- Slack --------------------------------------------------------------------------------
    async def slack_start(self, body: dict[str, Any]) -> dict[str, Any]:
        from tests.adapters.slack.fake_slack import BOT_TOKEN, TEAM, FakeSlack

        if self.slack is None:
            self.slack = FakeSlack()
            for index in range(body["members"]):
                self.slack.add_user(f"U{index:07d}", f"M{index}")
            await self.slack.start()
        return {"api_url": self.slack.api_url, "token": BOT_TOKEN, "team": TEAM}

    async def slack_send(self, body: dict[str, Any]) -> dict[str, Any]:
        from tests.adapters.slack.fake_slack import TEAM

        url: str = body["url"]
        messages: list[str] = body["messages"]
        rate: float = body["rate"]
        tag: str = body["tag"]
        steps = make_stream(body["count"], body["members"], len(messages), body["seed"])
        sent = [0.0] * len(steps)
        done = [0.0] * len(steps)
        failures: list[int] = []
        connector = aiohttp.TCPConnector(limit=body["in_flight"])

        async def one(http: aiohttp.ClientSession, i: int) -> None:
            step = steps[i]
            first = step.n if step.replay_of is None else step.replay_of
            event = {
                "type": "reaction_added" if step.added else "reaction_removed",
                "user": f"U{step.member:07d}",
                "reaction": SLACK_NAMES[step.emoji],
                "item": {"type": "message", "channel": SLACK_CHANNEL, "ts": messages[step.idea]},
                "item_user": "UBOT",
                "event_ts": f"{time.time():.6f}",
            }
            envelope = {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{tag}{first:08d}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            }
            data = json.dumps(envelope)
            stamp = str(int(time.time()))
            base = f"v0:{stamp}:{data}".encode()
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": "v0="
                + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest(),
            }
            if step.replay_of is not None:  # Slack's own replay: a retried delivery
                headers["X-Slack-Retry-Num"] = "1"
                headers["X-Slack-Retry-Reason"] = "http_timeout"
            sent[i] = time.perf_counter()
            async with http.post(url, data=data.encode(), headers=headers) as response:
                await response.read()
                if response.status != 200:
                    failures.append(response.status)
            done[i] = time.perf_counter()

        async with aiohttp.ClientSession(connector=connector) as http:
            if rate:
                tasks = []
                started = time.perf_counter()
                for i in range(len(steps)):
                    delay = started + i / rate - time.perf_counter()
                    if delay > 0.001:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(one(http, i)))
                await asyncio.gather(*tasks)
            else:
                queue = iter(range(len(steps)))

                async def worker() -> None:
                    for i in queue:
                        await one(http, i)

                await asyncio.gather(*(worker() for _ in range(body["in_flight"])))
        return {"sent": sent, "done": done, "failures": failures[:10], "failed": len(failures)}

    async def stop(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.discord is not None:
            await self.discord.stop()
            self.discord = None
        if self.slack is not None:
            await self.slack.stop()
            self.slack = None
        return {}


async def serve_driver() -> None:
    """Print the control URL, serve until /stop is followed by the parent closing stdin."""
    driver = Driver()
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.add_routes(driver.routes())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    loop = asyncio.get_running_loop()
    # the parent holds our stdin: when it closes (done, or the parent died) we stop
    await loop.run_in_executor(None, sys.stdin.read)
    await driver.stop({})
    await runner.cleanup()


# =============================================================================================
# The bot's side
# =============================================================================================
class DriverClient:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900))

    @classmethod
    async def start(cls) -> DriverClient:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.platforms",
            "--driver",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line:
            raise SystemExit("the driver process did not start")
        return cls(process, line.decode().strip())

    async def call(self, path: str, **body: Any) -> dict[str, Any]:
        async with self.http.post(self.url + path, json=body) as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result

    async def close(self) -> None:
        try:
            await self.call("/stop")
        finally:
            await self.http.close()
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Durable:
    """When each event id's batch committed: a wrapper around the voting service's
    ``apply_batch`` (it returns once its transaction has committed). Behaviour is unchanged."""

    def __init__(self, voting: Any) -> None:
        self.at: dict[str, float] = {}
        self.batches = 0
        self.ids: set[str] = set()
        self.waiting: set[str] = set()
        original = voting.apply_batch

        async def apply_batch(events: list[Any]) -> list[Any]:
            replies = await original(events)
            now = time.perf_counter()
            self.batches += 1
            for event in events:
                if event.event_id not in self.at:
                    self.at[event.event_id] = now
                    self.waiting.discard(event.event_id)
            return list(replies)

        voting.apply_batch = apply_batch

    def expect(self, event_ids: set[str]) -> None:
        self.ids = event_ids
        self.waiting = {e for e in event_ids if e not in self.at}

    async def all_durable(self, what: str) -> float:
        """Wait until every expected event id is durable; returns when the last one was."""
        seen, since = -1, time.monotonic()
        while self.waiting:
            await asyncio.sleep(0.005)
            if len(self.waiting) != seen:
                seen, since = len(self.waiting), time.monotonic()
            elif time.monotonic() - since > STALL:
                raise SystemExit(f"{what}: {len(self.waiting)} events never became durable")
        return max(self.at[e] for e in self.ids)


@dataclass
class Path_:
    """One platform path's outcome."""

    events_per_s: float
    p50_ms: float
    p99_ms: float
    batches: int
    paced_rate: float
    #: Discord: the REST calls the bot made while the streams ran
    rest: dict[str, int] = dataclasses.field(default_factory=dict)


async def new_storage(path: Path) -> Any:
    from storage.sqlite.store import open_storage

    return await open_storage(str(path))


async def seed_ideas(app: Any, community: str, channel: str, size: Size) -> list[str]:
    """Settings as ``benchmarks.votes`` has them, then the ideas, each with its card posted on
    the platform; returns the cards' message ids in idea order."""
    from bot.events import Actor, CommandInvoked

    admin = Actor(community, str(AUTHOR_BASE - 1), display_name="Admin", is_admin=True)
    settings = {
        "vote_mode": "updown",
        "submission_cooldown_minutes": "0",
        "max_open_ideas_per_member": "1000",
        "review_threshold": "none",
        "milestones": "100000",
    }
    for n, (key, value) in enumerate(settings.items()):
        options = {"key": key, "value": value}
        reply = await app.engine.handle(
            CommandInvoked(f"cfg{n}", admin, "cocreate", "config set", options, channel)
        )
        assert reply.ok, reply.text

    async def submit(i: int) -> None:
        a = i % AUTHORS
        author = Actor(community, str(AUTHOR_BASE + a), display_name=f"Author {a}")
        options = {"title": f"Idea number {i}"}
        reply = await app.engine.handle(
            CommandInvoked(f"idea{i}", author, "idea", "submit", options, channel)
        )
        assert reply.ok, reply.text

    for start in range(0, size.ideas, 25):
        await asyncio.gather(*(submit(i) for i in range(start, min(size.ideas, start + 25))))
    await app.cards.flush()
    deadline = time.monotonic() + 60
    while True:
        rows = await app.engine.storage.db.fetchall(
            "SELECT message_id FROM ideas WHERE community_id = ? ORDER BY id", (community,)
        )
        cards = [r[0] for r in rows]
        if len(cards) == size.ideas and all(cards):
            return [str(c) for c in cards]
        if time.monotonic() > deadline:
            raise SystemExit(f"{community}: the ideas' cards were not all posted")
        await asyncio.sleep(0.05)


async def check(storage: Any, what: str, steps: list[Step], cards: list[str], who: Any) -> None:
    """The stored votes against the independent count; balances against the ledger."""
    idea_of = {card: i for i, card in enumerate(cards)}
    rows = await storage.db.fetchall(
        "SELECT i.message_id, v.voter_id, v.emoji FROM votes v JOIN ideas i ON i.id = v.idea_id"
    )
    stored = {(idea_of[str(r[0])], who(str(r[1]))): ABSTRACT.get(r[2], r[2]) for r in rows}
    expected = expected_votes(steps)
    if stored != expected:
        missing = len(set(expected.items()) - set(stored.items()))
        extra = len(set(stored.items()) - set(expected.items()))
        raise SystemExit(
            f"{what}: votes differ from the independent count ({missing} missing,"
            f" {extra} unexpected of {len(expected)})"
        )
    mismatched = await storage.db.scalar(
        "SELECT count(*) FROM (SELECT l.member_id, sum(l.amount) AS s, b.balance FROM ledger l"
        " JOIN balances b USING (community_id, member_id) GROUP BY l.member_id"
        " HAVING s <> b.balance)"
    )
    if mismatched:
        raise SystemExit(f"{what}: {mismatched} balances differ from their ledger sums")


async def quiet(app: Any) -> None:
    """Let the burst's after-work (coalesced card edits) finish before the paced stream, so
    its latency is that of the offered rate alone."""
    await app.cards.flush()
    await asyncio.sleep(1.0)
    await app.cards.flush()


def latencies(
    sent: list[float], ids: list[str], steps: list[Step], durable: Durable
) -> list[float]:
    return [durable.at[ids[i]] - sent[i] for i, step in enumerate(steps) if step.replay_of is None]


# -- 1. Discord -------------------------------------------------------------------------------
async def discord_path(driver: DriverClient, tmp: Path, size: Size) -> Path_:
    from bot.app import build_app
    from bot.cli import platform_adapters
    from bot.events import Actor  # noqa: F401  (the engine's events, for the reader)
    from bot.http import HealthReport, HttpServer
    from bot.platforms import PlatformRouter
    from config.settings import Settings

    fake = await driver.call("/discord/start")
    community = f"discord:{fake['guild_id']}"
    settings = Settings(
        discord_token=fake["token"],
        discord_api_base_url=fake["api_url"],
        discord_gateway_url=fake["gateway_url"],
        discord_guild_ids=[fake["guild_id"]],
        http_host="127.0.0.1",
        http_port=0,
    )
    storage = await new_storage(tmp / "discord.sqlite3")
    router = PlatformRouter()
    app = build_app(storage, router)

    async def health() -> HealthReport:
        return HealthReport({"storage": True})

    http = HttpServer("127.0.0.1", 0, health, app.metrics)
    adapters = platform_adapters(settings, app.registry, http, storage)
    for adapter in adapters:
        router.register(adapter.name, adapter.platform)
    await http.start()
    for adapter in adapters:
        await adapter.start(app.engine.handle)
    try:
        cards = await seed_ideas(app, community, fake["channel_id"], size)
        seeded = (await driver.call("/discord/stats", since=0))["requests"]
        durable = Durable(app.engine.voting)

        async def run(seed: int, count: int, rate: float) -> tuple[list[Step], list[str], Any]:
            steps = make_stream(count, size.members, size.ideas, seed)
            sending = asyncio.create_task(
                driver.call(
                    "/discord/send",
                    messages=cards,
                    count=count,
                    members=size.members,
                    seed=seed,
                    rate=rate,
                )
            )
            # the ids are known once the driver answers; until then the batches run anyway
            sent = await sending
            ids = [f"discord:gw:{sent['session']}:{seq}" for seq in sent["seqs"]]
            durable.expect(set(ids))
            sent["last"] = await durable.all_durable("discord")
            return steps, ids, sent

        batches = durable.batches
        steps, _ids, sent = await run(1, size.events, 0)
        rate = size.events / (sent["last"] - sent["sent"][0])
        batches = durable.batches - batches
        await quiet(app)
        paced_count = max(50, int(rate / 2 * size.paced_seconds))
        paced_steps, ids, paced_sent = await run(2, paced_count, rate / 2)
        lat = latencies(paced_sent["sent"], ids, paced_steps, durable)
        await asyncio.sleep(0.2)  # replays still queued reach the engine (and change nothing)
        await check(
            storage,
            "discord",
            steps + paced_steps,
            cards,
            lambda member_id: int(member_id) - VOTER_BASE,
        )
        rest = await driver.call("/discord/stats", since=seeded)
    finally:
        await app.close()
        for adapter in adapters:
            await adapter.stop()
        await http.stop()
        await storage.close()
        await driver.call("/stop")
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    return Path_(rate, p50, p99, batches, rate / 2, rest)


# -- 2. Slack ---------------------------------------------------------------------------------
async def slack_path(driver: DriverClient, tmp: Path, size: Size) -> Path_:
    from bot.app import build_app
    from bot.cli import platform_adapters
    from bot.http import HealthReport, HttpServer
    from bot.platforms import PlatformRouter
    from config.settings import Settings

    fake = await driver.call("/slack/start", members=size.members)
    community = f"slack:{fake['team']}"
    settings = Settings(
        slack_bot_token=fake["token"],
        slack_signing_secret=SECRET,
        slack_api_base_url=fake["api_url"],
        http_host="127.0.0.1",
        http_port=0,
    )
    storage = await new_storage(tmp / "slack.sqlite3")
    router = PlatformRouter()
    app = build_app(storage, router)

    async def health() -> HealthReport:
        return HealthReport({"storage": True})

    http = HttpServer("127.0.0.1", 0, health, app.metrics)
    adapters = platform_adapters(settings, app.registry, http, storage)
    for adapter in adapters:
        router.register(adapter.name, adapter.platform)
    await http.start()
    for adapter in adapters:
        await adapter.start(app.engine.handle)
    url = f"http://127.0.0.1:{http.port}/slack/events"
    try:
        cards = await seed_ideas(app, community, SLACK_CHANNEL, size)
        durable = Durable(app.engine.voting)

        async def run(seed: int, count: int, rate: float, tag: str) -> tuple[Any, ...]:
            steps = make_stream(count, size.members, size.ideas, seed)
            ids = [
                f"slack:Ev{tag}{(s.n if s.replay_of is None else s.replay_of):08d}" for s in steps
            ]
            durable.expect(set(ids))
            sent = await driver.call(
                "/slack/send",
                url=url,
                messages=cards,
                count=count,
                members=size.members,
                seed=seed,
                rate=rate,
                tag=tag,
                in_flight=size.slack_in_flight,
            )
            if sent["failed"]:
                raise SystemExit(f"slack: {sent['failed']} requests failed {sent['failures']}")
            sent["last"] = await durable.all_durable("slack")
            return steps, ids, sent

        batches = durable.batches
        steps, _ids, sent = await run(1, size.events, 0, "s")
        rate = size.events / (sent["last"] - sent["sent"][0])
        batches = durable.batches - batches
        await quiet(app)
        paced_count = max(50, int(rate / 2 * size.paced_seconds))
        paced_steps, ids, paced_sent = await run(2, paced_count, rate / 2, "p")
        lat = latencies(paced_sent["sent"], ids, paced_steps, durable)
        for adapter in adapters:
            await adapter.idle()  # type: ignore[attr-defined]
        await check(
            storage,
            "slack",
            steps + paced_steps,
            cards,
            lambda member_id: int(member_id.removeprefix("U")),
        )
    finally:
        await app.close()
        for adapter in adapters:
            await adapter.stop()
        await http.stop()
        await storage.close()
    return Path_(rate, percentile(lat, 50) * 1000, percentile(lat, 99) * 1000, batches, rate / 2)


# -- 2b. a bare slack-bolt app ----------------------------------------------------------------
async def slack_bare(driver: DriverClient, size: Size) -> float:
    """The same requests to slack-bolt on the same server stack, with a handler that only
    acknowledges: what HTTP, signature checks and bolt cost per request on this machine."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.http import HealthReport, HttpServer
    from bot.metrics import Metrics

    fake = await driver.call("/slack/start", members=size.members)
    client = AsyncWebClient(token=fake["token"], base_url=fake["api_url"])
    bolt = AsyncApp(client=client, signing_secret=SECRET, logger=log)

    async def nothing(ack: Any) -> None:
        await ack()

    bolt.event("reaction_added")(nothing)
    bolt.event("reaction_removed")(nothing)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health() -> HealthReport:
        return HealthReport({})

    http = HttpServer("127.0.0.1", 0, health, Metrics())
    http.add_routes([web.post("/slack/events", events)])
    await http.start()
    try:
        sent = await driver.call(
            "/slack/send",
            url=f"http://127.0.0.1:{http.port}/slack/events",
            messages=[f"{i}.000100" for i in range(size.ideas)],
            count=size.events,
            members=size.members,
            seed=1,
            rate=0,
            tag="b",
            in_flight=size.slack_in_flight,
        )
        if sent["failed"]:
            raise SystemExit(f"slack (bare): {sent['failed']} requests failed")
    finally:
        await http.stop()
        await driver.call("/stop")
    return size.events / (max(sent["done"]) - sent["sent"][0])


# -- 3. the engine ----------------------------------------------------------------------------
async def engine_path(tmp: Path, size: Size) -> tuple[float, int]:
    from adapters.memory.platform import MemoryPlatform
    from bot.app import build_app
    from bot.events import Actor, ReactionAdded, ReactionRemoved

    storage = await new_storage(tmp / "engine.sqlite3")
    app = build_app(storage, MemoryPlatform())
    try:
        cards = await seed_ideas(app, ENGINE_COMMUNITY, ENGINE_CHANNEL, size)
        durable = Durable(app.engine.voting)
        steps = make_stream(size.events, size.members, size.ideas, 1)
        actors: dict[int, Actor] = {}
        events = []
        for step in steps:
            first = step.n if step.replay_of is None else step.replay_of
            actor = actors.get(step.member)
            if actor is None:
                actor = actors[step.member] = Actor(
                    ENGINE_COMMUNITY, f"m{step.member}", display_name=f"M{step.member}"
                )
            kind = ReactionAdded if step.added else ReactionRemoved
            events.append(
                kind(f"e{first}", actor, ENGINE_CHANNEL, cards[step.idea], UNICODE[step.emoji])
            )
        durable.expect({e.event_id for e in events})
        started = time.perf_counter()
        for start in range(0, len(events), size.engine_in_flight):
            chunk = events[start : start + size.engine_in_flight]
            await asyncio.gather(*(app.engine.handle(e) for e in chunk))
        last = await durable.all_durable("engine")
        rate = len(events) / (last - started)
        await check(storage, "engine", steps, cards, lambda m: int(m.removeprefix("m")))
        return rate, durable.batches
    finally:
        await app.close()
        await storage.close()


# -- 4. the ceiling ---------------------------------------------------------------------------
def ceiling_events_per_s(tmp: Path, size: Size) -> tuple[float, str]:
    """Events/s when the rows a vote batch writes go in by plain sqlite3, no engine:
    ``benchmarks.ceiling``'s measurement (the votes benchmark's mix of adds, removes,
    replays and non-vote emoji, planned by the engine's own VoteBatch) at this run's size; a
    minimal local version if that module is missing."""
    try:
        from benchmarks.ceiling import measure_ceiling
    except ImportError:
        return local_ceiling(tmp / "ceiling.sqlite3", size), "local stand-in"
    figures = measure_ceiling(size.events, size.ideas, size.members, tmp / "ceiling.sqlite3")
    return float(figures["events_per_s"]), "benchmarks.ceiling"


def local_ceiling(path: Path, size: Size) -> float:
    """The rows of the same stream's accepted votes (a processed event, the vote, the voter's
    ledger entry, the member) through the schema's own triggers and indexes, in one transaction
    per 1,000 events; a minimal stand-in for ``benchmarks.ceiling``."""
    from benchmarks.common import COMMUNITY, START, add_ideas, create_database
    from storage.sqlite.rows import ts

    conn = create_database(path)
    conn.execute("PRAGMA synchronous = NORMAL")
    ideas = add_ideas(conn, size.ideas, None, AUTHORS, cards=True)
    steps = make_stream(size.events, size.members, size.ideas, 1)
    when = ts(START)
    day = START.date().isoformat()
    started = time.perf_counter()
    for start in range(0, len(steps), 1000):
        chunk = steps[start : start + 1000]
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR IGNORE INTO processed_events (community_id, event_id, kind, handled_at)"
            " VALUES (?, ?, 'reaction_added', ?)",
            [(COMMUNITY, f"e{s.n}", when) for s in chunk if s.replay_of is None],
        )
        votes = [s for s in chunk if s.replay_of is None and s.added and s.emoji != "pizza"]
        conn.executemany(
            "INSERT INTO votes (community_id, idea_id, voter_id, value, emoji, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?6) ON CONFLICT DO UPDATE SET"
            " value = excluded.value, emoji = excluded.emoji",
            [
                (
                    COMMUNITY,
                    ideas[s.idea],
                    f"m{s.member}",
                    1 if s.emoji == "up" else -1,
                    UNICODE[s.emoji],
                    when,
                )
                for s in votes
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO ledger (community_id, member_id, amount, rule, idem_key, day,"
            " created_at) VALUES (?, ?, 1, 'vote_cast', ?, ?, ?)",
            [
                (COMMUNITY, f"m{s.member}", f"vote:{ideas[s.idea]}:m{s.member}:e{s.n}", day, when)
                for s in votes
            ],
        )
        conn.executemany(
            "INSERT INTO members (community_id, member_id, display_name, last_seen)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET last_seen = excluded.last_seen",
            [(COMMUNITY, f"m{s.member}", f"M{s.member}", when) for s in chunk],
        )
        conn.execute("COMMIT")
    rate = len(steps) / (time.perf_counter() - started)
    conn.close()
    return rate


# -- the run ----------------------------------------------------------------------------------
async def main(size: Size, quick: bool, only: set[str]) -> dict[str, object]:
    figures: dict[str, object] = {}
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cocreate-platforms-") as name:
        tmp = Path(name)
        driver = await DriverClient.start()
        try:
            if "engine" in only:
                engine, engine_batches = await engine_path(tmp, size)
                figures["engine_events_per_s"] = round(engine)
                lines.append(
                    f"  engine directly:  {engine:9,.0f} events/s ({engine_batches} batches)"
                )
            if "discord" in only:
                discord = await discord_path(driver, tmp, size)
                figures["discord_events_per_s"] = round(discord.events_per_s)
                figures["discord_p99_ms"] = round(discord.p99_ms, 2)
                figures["discord_p50_ms"] = round(discord.p50_ms, 2)
                figures["discord_batches"] = discord.batches
                figures["discord_card_edits"] = discord.rest["card_edits"]
                lines.append(
                    f"  discord.py + adapter: {discord.events_per_s:9,.0f} events/s"
                    f" ({discord.batches} batches); at {discord.paced_rate:,.0f}/s offered:"
                    f" p50 {discord.p50_ms:.1f} ms, p99 {discord.p99_ms:.1f} ms to durable"
                )
                lines.append(
                    f"    meanwhile the bot edited {discord.rest['card_edits']:,} cards and took"
                    f" {discord.rest['reactions_removed']:,} replaced reactions off over REST"
                )
            if "slack" in only:
                slack = await slack_path(driver, tmp, size)
                figures["slack_events_per_s"] = round(slack.events_per_s)
                figures["slack_p99_ms"] = round(slack.p99_ms, 2)
                figures["slack_p50_ms"] = round(slack.p50_ms, 2)
                figures["slack_batches"] = slack.batches
                lines.append(
                    f"  slack-bolt + adapter: {slack.events_per_s:9,.0f} events/s"
                    f" ({slack.batches} batches, {size.slack_in_flight} requests in flight);"
                    f" at {slack.paced_rate:,.0f}/s offered: p50 {slack.p50_ms:.1f} ms,"
                    f" p99 {slack.p99_ms:.1f} ms to durable"
                )
            if "bare" in only:
                bare = await slack_bare(driver, size)
                figures["slack_bare_events_per_s"] = round(bare)
                lines.append(f"  bare slack-bolt:  {bare:9,.0f} requests/s (handler only acks)")
        finally:
            await driver.close()
        if "ceiling" in only:
            ceiling, source = await asyncio.to_thread(ceiling_events_per_s, tmp, size)
            figures["ceiling_events_per_s"] = round(ceiling)
            lines.append(f"  ceiling (plain sqlite3, {source}): {ceiling:9,.0f} events/s")

    def ratio(a: str, b: str) -> float | None:
        x, y = figures.get(a), figures.get(b)
        return round(float(x) / float(y), 2) if x and y else None  # type: ignore[arg-type]

    figures["discord_over_engine"] = ratio("discord_events_per_s", "engine_events_per_s")
    figures["slack_over_bare"] = ratio("slack_events_per_s", "slack_bare_events_per_s")
    figures["engine_over_ceiling"] = ratio("engine_events_per_s", "ceiling_events_per_s")
    figures["events"] = size.events
    figures["members"] = size.members
    figures["ideas"] = size.ideas
    print(f"platforms benchmark ({'quick' if quick else 'full'} size)")
    print(
        f"  one stream of {size.events:,} reactions ({size.ideas} ideas, {size.members:,}"
        " members; adds, removes, replays, non-vote emoji) through each path:"
    )
    for line in lines:
        print(line)
    print(
        f"  discord/engine {figures['discord_over_engine']},"
        f" slack/bare {figures['slack_over_bare']},"
        f" engine/ceiling {figures['engine_over_ceiling']}"
    )
    print("  every path's tallies and balances match an independent count")
    return figures


PATHS = ("engine", "discord", "slack", "bare", "ceiling")


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.platforms", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small size (for CI)")
    parser.add_argument(
        "--only", default=",".join(PATHS), help="comma-separated paths (for profiling)"
    )
    parser.add_argument("--events", type=int, help="another stream length (for profiling)")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.driver:
        asyncio.run(serve_driver())
        return
    size = QUICK if args.quick else FULL
    if args.events:
        size = dataclasses.replace(size, events=args.events)
    figures = asyncio.run(main(size, args.quick, set(args.only.split(","))))
    sys.stdout.flush()
    print(json.dumps(figures))


if __name__ == "__main__":
    cli()
