"""The composition root: the one place that wires storage, platform, clock and services.

Every service, the engine, the round scheduler and every command handler receives what it
uses through its constructor (handlers through their topic's ``register`` function). Only the
entry points (``bot.cli``, the console, the tests' harness, the benchmarks) import this module;
nothing in the core does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.commands import campaigns as campaign_commands
from bot.commands import cocreate as cocreate_commands
from bot.commands import ideas as idea_commands
from bot.commands import new_registry
from bot.commands import points as points_commands
from bot.commands import prompts as prompt_commands
from bot.commands import rewards as reward_commands
from bot.commands.spec import Registry
from bot.engine import Engine
from bot.links import Links
from bot.metrics import Metrics
from bot.ports import Platform, Storage
from bot.scheduler import RoundScheduler
from bot.services.board import BoardService
from bot.services.campaigns import CampaignService
from bot.services.cards import load_cards
from bot.services.dashboard import Dashboard, SignInLinks
from bot.services.delivery import CardRefresher
from bot.services.idea_cards import IdeaCards
from bot.services.idea_moderation import IdeaModeration
from bot.services.ideas import IdeaService
from bot.services.insights import InsightsService
from bot.services.outbox import Outbox
from bot.services.points import PointsService
from bot.services.prompts import PromptService
from bot.services.retention import Retention
from bot.services.rewards import RewardService
from bot.services.round_steps import RoundSteps
from bot.services.voting import VotingService


@dataclass
class App:
    """What the entry points and tests reach: the engine and scheduler they run, the command
    model adapters render, and the few services they drive directly (card edits to flush, a
    recount, a round step)."""

    engine: Engine
    scheduler: RoundScheduler
    registry: Registry
    storage: Storage
    clock: Clock
    metrics: Metrics
    outbox: Outbox
    #: the figures behind the dashboard's charts
    insights: InsightsService
    cards: CardRefresher
    ideas: IdeaService
    idea_cards: IdeaCards
    voting: VotingService
    steps: RoundSteps
    #: the public board's read side, for the web adapter
    board: BoardService
    #: absolute links to a community's web pages (PUBLIC_URL)
    links: Links
    #: the moderators' dashboard, for the web adapter
    dashboard: Dashboard

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.engine.close()
        await self.cards.close()


def build_app(
    storage: Storage,
    platform: Platform,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    card_interval: float = 1.0,
    links: Links | None = None,
) -> App:
    clock = clock or SystemClock()
    links = links or Links("http://127.0.0.1:8080")
    metrics = metrics or Metrics()
    # a local name, so the closures below do not capture the narrowed ``Metrics | None``
    counters = metrics

    def notification_failed(kind: str) -> None:
        counters.inc("cocreate_notifications_failed_total")

    outbox = Outbox(storage, platform, clock, on_failure=notification_failed)
    cards = CardRefresher(platform, functools.partial(load_cards, storage), interval=card_interval)
    points = PointsService(storage)
    idea_cards = IdeaCards(storage, platform, outbox)
    ideas = IdeaService(storage, points, cards, idea_cards)
    voting = VotingService(storage, points, cards, outbox, platform, clock, metrics)
    moderation = IdeaModeration(storage, ideas, points, voting, outbox, idea_cards)

    async def due_times_changed() -> None:
        # the one cycle (steps re-arm the scheduler, the scheduler runs steps), closed here:
        # ``scheduler`` is bound below, before anything can call this
        await scheduler.arm()

    steps = RoundSteps(storage, points, ideas, voting, outbox, clock, due_times_changed)
    campaigns = CampaignService(storage, steps)
    prompts = PromptService(storage, points, outbox)
    rewards = RewardService(storage, points, outbox)
    scheduler = RoundScheduler(
        storage, steps, outbox, clock, metrics, retention=Retention(storage, clock)
    )

    registry = new_registry()
    idea_commands.register(registry, ideas, moderation)
    campaign_commands.register(registry, campaigns)
    prompt_commands.register(registry, prompts)
    points_commands.register(registry, storage, points, campaigns, outbox)
    reward_commands.register(registry, storage, rewards)
    sign_in = SignInLinks(storage, platform, outbox, clock, links)
    cocreate_commands.register(registry, storage, idea_cards, links, sign_in)

    engine = Engine(storage, registry, voting, ideas, prompts, clock, metrics)
    insights = InsightsService(storage, clock)
    return App(
        engine=engine,
        scheduler=scheduler,
        registry=registry,
        storage=storage,
        clock=clock,
        metrics=metrics,
        outbox=outbox,
        insights=insights,
        cards=cards,
        ideas=ideas,
        idea_cards=idea_cards,
        voting=voting,
        steps=steps,
        board=BoardService(storage, clock),
        links=links,
        dashboard=Dashboard(storage, engine.handle, clock, insights),
    )
