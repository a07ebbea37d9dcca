"""How often one caller may do one thing: "at most N in any M seconds", per key.

A sliding window: each key keeps the moments of its last N allowed attempts, so the limit is
exact (never N+1 inside any window of M seconds, however the attempts are spread) and a refusal
can say how long to wait. Refused attempts are not recorded: hammering does not push the wait
further out. Memory is bounded: at most ``max_keys`` keys are kept; keys whose window has passed
are dropped first, then the least recently used.

Used by the sign-in link command (per member) and by the web server (per client address and per
session). Pure: no I/O, time from an injected function, so tests move time by hand.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """At most ``count`` attempts in any ``per`` seconds."""

    count: int
    per: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per <= 0:
            raise ValueError("a rate needs a count of at least 1 and a positive period")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until an attempt would be allowed (0 when allowed)

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, rounded up, as a ``Retry-After`` header wants."""
        return max(1, math.ceil(self.retry_after)) if not self.allowed else 0

    @property
    def retry_after_minutes(self) -> int:
        """Whole minutes, rounded up, for a sentence."""
        return max(1, math.ceil(self.retry_after / 60)) if not self.allowed else 0


class RateLimiter:
    def __init__(
        self,
        rate: Rate,
        now: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = 10_000,
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.rate = rate
        self._now = now
        self._max_keys = max_keys
        self._seen: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def peek(self, key: Hashable, at: float | None = None) -> Decision:
        """Whether an attempt now (or ``at``) would be allowed, without recording one."""
        return self._decide(key, self._now() if at is None else at)

    def attempt(self, key: Hashable, at: float | None = None) -> Decision:
        """Record an attempt if it is allowed; a refusal records nothing. ``at``: the time, for
        callers that have their own clock (a command's ``ctx.now``)."""
        now = self._now() if at is None else at
        decision = self._decide(key, now)
        if decision.allowed:
            self.record(key, now)
        return decision

    def record(self, key: Hashable, at: float | None = None) -> None:
        """Count an attempt that was allowed (after ``peek``, when several limits must agree)."""
        now = self._now() if at is None else at
        stamps = self._seen.get(key)
        if stamps is None:
            self._seen[key] = deque([now], maxlen=self.rate.count)
            self._bound(now)
        else:
            self._seen.move_to_end(key)
            stamps.append(now)

    def _decide(self, key: Hashable, now: float) -> Decision:
        stamps = self._seen.get(key)
        if stamps is None:
            return Decision(True)
        self._seen.move_to_end(key)  # a key still being tried is the last to be forgotten
        if len(stamps) < self.rate.count:
            return Decision(True)
        # the window holds count stamps: the oldest must have left it
        wait = stamps[0] + self.rate.per - now
        if wait <= 0:
            return Decision(True)
        return Decision(False, wait)

    def _bound(self, now: float) -> None:
        if len(self._seen) <= self._max_keys:
            return
        expired = [k for k, s in self._seen.items() if s[-1] + self.rate.per <= now]
        for key in expired:
            del self._seen[key]
        while len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
