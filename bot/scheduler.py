"""The round scheduler: the database says what is due; APScheduler only rings the alarm.

``sweep()`` reads every active round whose due time has passed and runs its steps in order
(a round that was due to open voting and to close while the bot was down does both, in that
order, at start), then delivers the outbox and prunes what fell out of its retention window
(``bot/services/retention.py``: old event ids, long-delivered outbox rows). Each step is a
conditional update in storage, so a sweep that runs twice, or in two processes over one
database, changes things once.

APScheduler (``AsyncIOScheduler``) is rebuilt from storage at start: one date job per campaign
(stable id ``campaign:<id>``) at its next due time, one for the outbox's next retry, and a
periodic sweep as the safety net. Its defaults would drop a job that fell due during a restart
(one second of misfire grace) and run jobs twice with a shared job store, which is why it never
decides anything itself: every job only calls ``sweep()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, real_time
from bot.metrics import Metrics
from bot.ports import Storage
from bot.services.outbox import Outbox
from bot.services.retention import Retention
from bot.services.round_steps import RoundSteps
from bot.services.round_times import next_due

log = logging.getLogger(__name__)

#: a bound on steps per sweep, so a bug can never spin forever
MAX_STEPS = 10_000
SWEEP_JOB = "sweep"
OUTBOX_JOB = "outbox"


class RoundScheduler:
    def __init__(
        self,
        storage: Storage,
        steps: RoundSteps,
        outbox: Outbox,
        clock: Clock,
        metrics: Metrics,
        sweep_every: float = 30.0,
        retention: Retention | None = None,
    ) -> None:
        self.storage = storage
        self.steps = steps
        self.outbox = outbox
        self.clock = clock
        self.metrics = metrics
        self.retention = retention
        self.sweep_every = sweep_every
        self._lock = asyncio.Lock()
        self._alarm: AsyncIOScheduler | None = None
        self.steps_run = 0
        #: called after each sweep that ran a step (the console prints what was announced)
        self.after_sweep: list[Callable[[], Awaitable[None]]] = []

    @property
    def running(self) -> bool:
        return self._alarm is not None

    async def start(self) -> None:
        """Catch up on everything that fell due while the bot was down, then arm the alarm."""
        alarm = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        alarm.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.sweep_every, timezone=UTC),
            id=SWEEP_JOB,
            replace_existing=True,
        )
        alarm.start()
        self._alarm = alarm
        await self.sweep()
        log.info("scheduler started", extra={"jobs": len(alarm.get_jobs())})

    async def stop(self) -> None:
        """Stop ringing; a sweep already running finishes its step first (never cut mid-way)."""
        if self._alarm is not None:
            self._alarm.shutdown(wait=False)
            self._alarm = None
        async with self._lock:
            pass

    async def sweep(self) -> int:
        """Run every due step, in order; deliver the outbox; re-arm. Returns steps run."""
        storage = self.storage
        ran = 0
        async with self._lock:
            for _ in range(MAX_STEPS):
                async with storage.transaction():
                    due = await storage.campaigns.active_rounds(self.clock.now())
                progressed = False
                for campaign, round_ in due:
                    try:
                        step = await self.steps.run_due(campaign, round_)
                    except Exception:
                        self.metrics.inc("cocreate_errors_total", kind="schedule")
                        log.exception(
                            "scheduled step failed",
                            extra={"campaign": campaign.id, "round": round_.id},
                        )
                        continue
                    if step is not None:
                        ran += 1
                        progressed = True
                        self.metrics.inc("cocreate_schedule_steps_total", step=step)
                        log.info(
                            "scheduled step",
                            extra={"campaign": campaign.id, "round": round_.id, "step": step},
                        )
                if not progressed:
                    break
            self.steps_run += ran
        try:
            await self.outbox.deliver()
        except Exception:
            log.exception("outbox delivery failed")
        if self.retention is not None:
            try:
                await self.retention.prune()
            except Exception:
                log.exception("pruning failed")
        await self.arm()
        if ran:
            for hook in self.after_sweep:
                try:
                    await hook()
                except Exception:
                    log.exception("after-sweep hook failed")
        return ran

    async def arm(self) -> None:
        """Set one alarm per campaign at its next due time (and one for the outbox)."""
        alarm = self._alarm
        if alarm is None:
            return
        storage = self.storage
        async with storage.transaction():
            rounds = await storage.campaigns.active_rounds()
            outbox_due = await storage.outbox.next_due()
        wanted: dict[str, datetime] = {}
        for campaign, round_ in rounds:
            when = next_due(campaign, round_)
            if when is not None:
                wanted[f"campaign:{campaign.id}"] = when
        if outbox_due is not None:
            wanted[OUTBOX_JOB] = outbox_due
        for job in alarm.get_jobs():
            if job.id != SWEEP_JOB and job.id not in wanted:
                job.remove()
        now = datetime.now(UTC)
        clock = self.clock
        for job_id, when in wanted.items():
            alarm.add_job(
                self.sweep,
                DateTrigger(run_date=max(real_time(clock, when), now), timezone=UTC),
                id=job_id,
                replace_existing=True,
            )

    def jobs(self) -> dict[str, datetime]:
        """The armed alarms: job id → next run time (for tests and diagnostics)."""
        if self._alarm is None:
            return {}
        return {job.id: job.next_run_time for job in self._alarm.get_jobs()}
