"""The composition root: the one place that wires storage, platform, clock and services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.commands.spec import Registry
from bot.engine import Engine
from bot.metrics import Metrics
from bot.ports import Platform, Storage
from bot.scheduler import RoundScheduler
from bot.services.campaigns import CampaignService
from bot.services.delivery import CardRefresher, Delivery
from bot.services.ideas import IdeaService
from bot.services.outbox import Outbox
from bot.services.points import PointsService
from bot.services.prompts import PromptService
from bot.services.rewards import RewardService
from bot.services.round_steps import RoundSteps
from bot.services.voting import VotingService


@dataclass
class Services:
    storage: Storage
    platform: Platform
    clock: Clock
    registry: Registry
    metrics: Metrics
    delivery: Delivery
    outbox: Outbox
    cards: CardRefresher
    points: PointsService
    ideas: IdeaService
    voting: VotingService
    campaigns: CampaignService
    prompts: PromptService
    rewards: RewardService


@dataclass
class App:
    services: Services
    engine: Engine
    scheduler: RoundScheduler

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.engine.close()
        await self.services.cards.close()


def build_app(
    storage: Storage,
    platform: Platform,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    card_interval: float = 1.0,
) -> App:
    clock = clock or SystemClock()
    metrics = metrics or Metrics()
    delivery = Delivery(platform)
    outbox = Outbox(
        storage,
        platform,
        clock,
        on_failure=lambda kind: metrics.inc("cocreate_notifications_failed_total"),
    )
    points = PointsService(storage)
    ideas = IdeaService(storage, points, delivery, outbox)
    cards = CardRefresher(platform, ideas.cards_for_refresh, interval=card_interval)
    ideas.cards = cards
    services = Services(
        storage=storage,
        platform=platform,
        clock=clock,
        registry=build_registry(),
        metrics=metrics,
        delivery=delivery,
        outbox=outbox,
        cards=cards,
        points=points,
        ideas=ideas,
        voting=VotingService(storage, points, ideas, delivery, metrics),
        campaigns=CampaignService(storage, RoundSteps(storage, points, ideas, outbox)),
        prompts=PromptService(storage, points, outbox),
        rewards=RewardService(storage, points, outbox),
    )
    scheduler = RoundScheduler(services)
    services.campaigns.steps.on_change.append(scheduler.arm)
    return App(services=services, engine=Engine(services), scheduler=scheduler)
