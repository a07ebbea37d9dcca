"""Time comes from an injected clock so rules and schedules are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to; used by tests and the scripted demo."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class RehearsalClock:
    """Real time plus however far the console's `advance` has moved it.

    The console runs on this clock so a moderator can rehearse a schedule: `advance 2d` moves
    the time the engine and the scheduler see, and the clock keeps running from there. The
    offset lives only as long as the process; a restart is back on real time.
    """

    def __init__(self, real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._real.now() + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()


def real_time(clock: Clock, when: datetime) -> datetime:
    """The real moment at which ``clock`` shows ``when``: what an alarm clock must be set to."""
    if isinstance(clock, RehearsalClock):
        return when - clock.offset
    return when
