"""The platforms benchmark's second process: fake Discord (gateway and REST) and a fake Slack Web
API, and the load generators that send the stream through them, so the bot's process pays only
for what a real bot would. ``python -m benchmarks.platforms --driver`` runs it; the bot's side
talks to it with ``DriverClient``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
