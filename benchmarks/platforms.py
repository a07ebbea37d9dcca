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
import contextlib
import dataclasses
import json
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.ceiling import measure_ceiling
from benchmarks.support.platform_driver import (
    ABSTRACT,
    AUTHOR_BASE,
    AUTHORS,
    ENGINE_CHANNEL,
    ENGINE_COMMUNITY,
    SECRET,
    SLACK_CHANNEL,
    STALL,
    UNICODE,
    VOTER_BASE,
    DriverClient,
    Step,
    expected_votes,
    make_stream,
    percentile,
    serve_driver,
)

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


@contextlib.asynccontextmanager
async def running_bot(settings: Any, path: Path) -> AsyncIterator[tuple[Any, Any, Any, list[Any]]]:
    """The bot as ``cocreate run`` builds it for ``settings`` (its adapters, the HTTP server on
    a port of its own) on a new database at ``path``, as (app, http, storage, adapters);
    stopped on the way out."""
    from bot.app import build_app
    from bot.cli import platform_adapters
    from bot.http import HealthReport, HttpServer
    from bot.platforms import PlatformRouter

    storage = await new_storage(path)
    router = PlatformRouter()
    app = build_app(storage, router)

    async def health() -> HealthReport:
        return HealthReport({"storage": True})

    http = HttpServer("127.0.0.1", 0, health, app.metrics)
    adapters = platform_adapters(settings, app.registry, http, storage)
    for adapter in adapters:
        router.register(adapter.name, adapter.platform)
    try:
        await http.start()
        for adapter in adapters:
            await adapter.start(app.engine.handle)
        yield app, http, storage, adapters
    finally:
        await app.close()
        for adapter in adapters:
            await adapter.stop()
        await http.stop()
        await storage.close()


# -- 1. Discord -------------------------------------------------------------------------------
async def discord_path(driver: DriverClient, tmp: Path, size: Size) -> Path_:
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
    try:
        async with running_bot(settings, tmp / "discord.sqlite3") as (app, _, storage, _adapters):
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
        await driver.call("/stop")
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    return Path_(rate, p50, p99, batches, rate / 2, rest)


# -- 2. Slack ---------------------------------------------------------------------------------
async def slack_path(driver: DriverClient, tmp: Path, size: Size) -> Path_:
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
    async with running_bot(settings, tmp / "slack.sqlite3") as (app, http, storage, adapters):
        url = f"http://127.0.0.1:{http.port}/slack/events"
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
    replays and non-vote emoji, planned by the engine's own VoteBatch) at this run's size."""
    figures = measure_ceiling(size.events, size.ideas, size.members, tmp / "ceiling.sqlite3")
    return float(figures["events_per_s"]), "benchmarks.ceiling"


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
